// SPDX-License-Identifier: MIT
/* The module of the churn test and benchmark: code, read-only data, data. */
static const int weights[4] = { 3, 5, 7, 11 };
int tiny_calls;

int tiny(int x)
{
	return x * weights[x & 3] + ++tiny_calls;
}
