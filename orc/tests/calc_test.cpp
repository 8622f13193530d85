// SPDX-License-Identifier: MIT OR LGPL-2.1
/* calc.c's results, JIT'd against native. */
#include <cstring>

#include "tests.h"
#include "calc.h"

extern "C" {
long nat_fib(long);
long nat_ackermann(long, long);
long nat_bump(long);
long nat_table(long);
uint32_t nat_crc32(const char *);
long nat_format(char *, size_t, long);
double nat_basel(int);
double nat_horner(double);
long nat_sorted(long);
long nat_apply(long);
long (*nat_get_square(void))(long);
extern long nat_counter;
}

Calc nativeCalc()
{
	return Calc{ nat_fib,	 nat_ackermann, nat_bump,   nat_table,	nat_crc32,	nat_format,
		     nat_basel, nat_horner,	nat_sorted, nat_apply, nat_get_square, &nat_counter };
}

static bool sameDouble(double a, double b)
{
	return !memcmp(&a, &b, sizeof(a));
}

bool compareCalc(const Calc &j, const Calc &n, bool stateful)
{
	bool ok = true;
	int checks = 0;
	char jb[128], nb[128];

#define SAME(expr, fmt)                                                                         \
	do {                                                                                    \
		auto a_ = j.expr, b_ = n.expr;                                                  \
		checks++;                                                                       \
		ok &= CHECK(a_ == b_, #expr ": JIT'd " fmt ", native " fmt, a_, b_);            \
	} while (0)

	SAME(fib(22), "%ld");
	SAME(ackermann(2, 3), "%ld");
	SAME(ackermann(3, 3), "%ld");
	for (long i = 0; i < 30; i++)
		SAME(table(i), "%ld");
	SAME(crc32(""), "%u");
	SAME(crc32("jitmem"), "%u");
	for (long i = 0; i < 6; i++) {
		long a = j.format(jb, sizeof(jb), i), b = n.format(nb, sizeof(nb), i);

		checks++;
		ok &= CHECK(a == b && !strcmp(jb, nb), "format(%ld): JIT'd \"%s\" (%ld), native \"%s\" (%ld)",
			    i, jb, a, nb, b);
	}
	for (int k : { 1, 10, 1000, 100000 }) {
		double a = j.basel(k), b = n.basel(k);

		checks++;
		ok &= CHECK(sameDouble(a, b), "basel(%d): JIT'd %.17g, native %.17g", k, a, b);
	}
	for (double x : { -2.5, -0.1, 0.0, 0.7, 3.25, 1e3 }) {
		double a = j.horner(x), b = n.horner(x);

		checks++;
		ok &= CHECK(sameDouble(a, b), "horner(%g): JIT'd %.17g, native %.17g", x, a, b);
	}
	for (long s : { 1L, 42L, -9L })
		SAME(sorted(s), "%ld");
	if (stateful) {
		SAME(bump(3), "%ld");
		SAME(bump(4), "%ld");
		SAME(bump(-2), "%ld");
		*j.counter = *n.counter = 1000;
		SAME(bump(1), "%ld");
		checks++;
		ok &= CHECK(*j.counter == *n.counter, "counter: JIT'd %ld, native %ld", *j.counter,
			    *n.counter);
	}
	SAME(apply(50), "%ld");
	SAME(get_square()(7), "%ld");
#undef SAME
	note("%d results, JIT'd and native, %s", checks, ok ? "identical" : "differ");
	return ok;
}
