// SPDX-License-Identifier: MIT
/*
 * C that the tests run through LLJIT and natively, compiled three times:
 * -DPFX=nat_ into the test program, -DPFX=jit_ to bitcode, -DPFX=obj_ to an
 * object.  Every function's result is compared between the JIT'd copy and
 * the native one.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define F(name) CAT(PFX, name)

/* In the test program: native code calling back into fn. */
long orc_test_apply(long (*fn)(long), long n);

/* Recursion. */
long F(fib)(long n)
{
	return n < 2 ? n : F(fib)(n - 1) + F(fib)(n - 2);
}

long F(ackermann)(long m, long n)
{
	if (!m)
		return n + 1;
	if (!n)
		return F(ackermann)(m - 1, 1);
	return F(ackermann)(m - 1, F(ackermann)(m, n - 1));
}

/* Read-write globals. */
long F(counter);
static long history[8];

long F(bump)(long by)
{
	F(counter) += by;
	history[F(counter) & 7] += by;
	return F(counter) * 100 + history[F(counter) & 7];
}

/* Constant tables, with relocations (string literals in a const table). */
static const unsigned short primes[24] = {
	2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
};
static const char *const names[] = { "alpha", "beta", "gamma", "delta", "epsilon" };

long F(table)(long i)
{
	return primes[i % 24] * (long)strlen(names[i % 5]);
}

uint32_t F(crc32)(const char *s)
{
	uint32_t crc = ~0u;

	while (*s) {
		crc ^= (unsigned char)*s++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* String literals, and libc from JIT'd code. */
long F(format)(char *buf, size_t len, long i)
{
	return snprintf(buf, len, "%s/%ld/%s:%08x", names[i % 5], i, "literal",
			F(crc32)("The quick brown fox jumps over the lazy dog"));
}

/* Doubles. */
double F(basel)(int n)
{
	double s = 0;

	for (int i = 1; i <= n; i++)
		s += 1.0 / ((double)i * i);
	return sqrt(6 * s);
}

double F(horner)(double x)
{
	static const double c[] = { 1.5, -2.25, 0.125, 3.0e-3, -7.5e-5 };
	double r = 0;

	for (int i = 4; i >= 0; i--)
		r = r * x + c[i];
	return r + sin(x) * exp(-x * x);
}

/* Callbacks from native code: qsort's comparator, orc_test_apply's function. */
static int F(cmp)(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

long F(sorted)(long seed)
{
	long a[40], sum = 0;

	for (int i = 0; i < 40; i++) {
		seed = seed * 6364136223846793005L + 1442695040888963407L;
		a[i] = (seed >> 33) % 1000;
	}
	qsort(a, 40, sizeof(a[0]), F(cmp));
	for (int i = 0; i < 40; i++)
		sum = sum * 31 + a[i] * (i + 1);
	return sum;
}

static long F(square)(long x)
{
	return x * x + F(counter);
}

long F(apply)(long n)
{
	return orc_test_apply(F(square), n);
}

/* A function pointer the test calls directly. */
long (*F(get_square)(void))(long)
{
	return F(square);
}
