// SPDX-License-Identifier: MIT
/*
 * A C program for lljit-run: make demo compiles it with clang-19 and runs
 * it through LLJIT, its code installed by /dev/jitmem.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const words[] = { "pear", "fig", "apple", "kiwi", "banana" };
static int calls;		/* read-write data */

static long fib(long n)
{
	calls++;
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/* Called back by libc's qsort(). */
static int by_length(const void *a, const void *b)
{
	return (int)strlen(*(const char *const *)a) - (int)strlen(*(const char *const *)b);
}

int main(int argc, char **argv)
{
	const char *sorted[5];
	long f;

	printf("hello from JIT'd code: %s, %d argument(s)\n", argv[0], argc - 1);
	f = fib(24);
	printf("fib(24) = %ld in %d calls\n", f, calls);
	memcpy(sorted, words, sizeof(words));
	qsort(sorted, 5, sizeof(sorted[0]), by_length);
	printf("sorted by length: %s %s %s %s %s\n", sorted[0], sorted[1], sorted[2], sorted[3],
	       sorted[4]);
	printf("sqrt(2) = %.15f\n", sqrt(2.0));
	return fib(10) == 55 ? 0 : 1;
}
