// SPDX-License-Identifier: MIT
/*
 * exprjit: compile an expression in x to x86-64 with libjitmem and run it.
 *
 *   exprjit [OPTIONS] EXPR [X...]      print f(X) for each X (default 0 1 2 3)
 *   exprjit [OPTIONS] --selftest [N]   compile N random expressions (default
 *                                      200), compare each with the interpreter
 *   exprjit [OPTIONS] --profile [N]    a workload for perf: three functions
 *                                      called N, 2N and 3N times (N: 1000000)
 *
 * -u uses the userspace backend (mmap/mprotect); by default the kernel
 * backend is used when /dev/jitmem can be opened, else the userspace one.
 * --perf=jitdump, --perf=map or --perf=jitdump,map describes the code to
 * perf (jitmem_perf_enable()); JITMEM_PERF does the same for programs that
 * do not know of it.  Functions are named expr_1, expr_2, ... for gdb and
 * perf, in the order they are compiled.
 * Exit status: 0, 1 when a result differs from the interpreter's, 2 on error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "jit.h"

static int run(struct jitmem *m, const char *src, char *const xs[], int nx)
{
	static const char *const dflt[] = { "0", "1", "2", "3" };
	struct jit_fn f;
	struct expr e;
	char err[128];
	int col, i, bad = 0, ret;

	if (expr_parse(&e, src, err, sizeof(err), &col)) {
		fprintf(stderr, "exprjit: column %d: %s\n", col, err);
		return 2;
	}
	ret = jit_compile(m, &e, src, &f);
	if (ret) {
		fprintf(stderr, "exprjit: compile: %s\n", strerror(-ret));
		return 2;
	}
	printf("%s: %s: %zu bytes of code at %p, %zu constants\n", f.name, f.source, f.code_size,
	       (const void *)f.code, f.nconsts);
	for (i = 0; i < (nx ? nx : 4); i++) {
		int64_t x = strtoll(nx ? xs[i] : dflt[i], NULL, 0);
		int64_t got = f.call(x), want = expr_eval(&e, x);

		printf("f(%" PRId64 ") = %" PRId64 "%s\n", x, got, got == want ? "" : "  MISMATCH");
		bad |= got != want;
	}
	ret = jit_free(m, &f);
	if (ret) {
		fprintf(stderr, "exprjit: free: %s\n", strerror(-ret));
		return 2;
	}
	return bad;
}

/* xorshift64*: reproducible expressions. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static int gen_src(char *p, size_t len, uint64_t *s, int depth)
{
	static const char ops[] = "+-*/%";
	uint64_t r = rnd(s);
	int n;

	if (depth > 4 || r % 4 == 0) {
		if (r & 16)
			return snprintf(p, len, "x");
		return snprintf(p, len, "%" PRIu64, (r >> 8) % (r & 32 ? 10 : 1000000007));
	}
	if (r % 7 == 0) {
		n = snprintf(p, len, "-(");

		n += gen_src(p + n, len - n, s, depth + 1);
		return n + snprintf(p + n, len - n, ")");
	}
	n = snprintf(p, len, "(");

	n += gen_src(p + n, len - n, s, depth + 1);
	n += snprintf(p + n, len - n, " %c ", ops[(r >> 4) % 5]);
	n += gen_src(p + n, len - n, s, depth + 1);
	return n + snprintf(p + n, len - n, ")");
}

static int selftest(struct jitmem *m, int count)
{
	static const int64_t xs[] = { 0, 1, -1, 2, 7, -13, 1000003, INT64_MAX, INT64_MIN };
	uint64_t seed = 0x6a69746d656dULL;
	char src[8192], err[128];
	int i, bad = 0;

	for (i = 0; i < count; i++) {
		struct jit_fn f;
		struct expr e;
		size_t k;
		int ret;

		gen_src(src, sizeof(src), &seed, 0);
		if (expr_parse(&e, src, err, sizeof(err), NULL)) {
			fprintf(stderr, "exprjit: generated '%s': %s\n", src, err);
			return 2;
		}
		ret = jit_compile(m, &e, src, &f);
		if (ret) {
			fprintf(stderr, "exprjit: compile '%s': %s\n", src, strerror(-ret));
			return 2;
		}
		for (k = 0; k < sizeof(xs) / sizeof(xs[0]); k++) {
			int64_t got = f.call(xs[k]), want = expr_eval(&e, xs[k]);

			if (got != want) {
				printf("MISMATCH %s at x=%" PRId64 ": %" PRId64 " != %" PRId64 "\n",
				       src, xs[k], got, want);
				bad = 1;
			}
		}
		if (*f.calls != k || strcmp(f.source, src)) {
			printf("MISMATCH %s: %" PRIu64 " calls counted, source '%s'\n", src,
			       *f.calls, f.source);
			bad = 1;
		}
		ret = jit_free(m, &f);
		if (ret) {
			fprintf(stderr, "exprjit: free: %s\n", strerror(-ret));
			return 2;
		}
	}
	printf("%d expressions compiled and checked: %s\n", count, bad ? "FAIL" : "ok");
	return bad;
}

/* The profile's functions: different costs, called 1, 2 and 3 times N. */
static const char *const profile_src[] = {
	"(x * x + 3 * x - 7) / 2",
	"x % 7 - 100 / (x + 1)",
	"((x * 5 + 1) * (x - 3) + x / 3) % 1000003",
};

static int profile(struct jitmem *m, long n)
{
	struct jit_fn f[3];
	char err[128];
	struct expr e;
	int64_t sum = 0;
	long i;
	int k, ret;

	for (k = 0; k < 3; k++) {
		if (expr_parse(&e, profile_src[k], err, sizeof(err), NULL))
			return 2;
		ret = jit_compile(m, &e, profile_src[k], &f[k]);
		if (ret) {
			fprintf(stderr, "exprjit: compile: %s\n", strerror(-ret));
			return 2;
		}
		printf("%s: %s, %zu bytes of code at %p\n", f[k].name, f[k].source, f[k].code_size,
		       (const void *)f[k].code);
	}
	for (k = 0; k < 3; k++)
		for (i = 0; i < (k + 1) * n; i++)
			sum += f[k].call(i);
	printf("profile: %ld calls, sum %" PRId64 "\n", 6 * n, sum);
	for (k = 0; k < 3; k++)
		if (jit_free(m, &f[k]))
			return 2;
	return 0;
}

static int parse_perf(const char *s, unsigned int *flags)
{
	if (!strcmp(s, "jitdump"))
		*flags = JITMEM_PERF_JITDUMP;
	else if (!strcmp(s, "map"))
		*flags = JITMEM_PERF_MAP;
	else if (!strcmp(s, "jitdump,map"))
		*flags = JITMEM_PERF_JITDUMP | JITMEM_PERF_MAP;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct jitmem_open_opts opts = { .flags = JITMEM_OPEN_FALLBACK };
	struct jitmem_backend_info info;
	unsigned int perf = 0;
	struct jitmem *m;
	int ret, i = 1;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-u"))
			opts.flags = JITMEM_OPEN_USERSPACE;
		else if (!strncmp(argv[i], "--perf=", 7) && !parse_perf(argv[i] + 7, &perf))
			continue;
		else
			break;
	}
	if (i >= argc || (!strncmp(argv[i], "--", 2) && strcmp(argv[i], "--selftest") &&
			  strcmp(argv[i], "--profile"))) {
		fprintf(stderr, "usage: exprjit [-u] [--perf=jitdump|map|jitdump,map] "
			"EXPR [X...] | --selftest [N] | --profile [N]\n");
		return 2;
	}
	ret = jitmem_open_opts(&m, &opts, &info);
	if (ret) {
		if (info.device)
			fprintf(stderr, "exprjit: %s: %s (%s)\n", info.device,
				jitmem_cause_str(info.cause), strerror(-ret));
		else
			fprintf(stderr, "exprjit: jitmem_open: %s\n", strerror(-ret));
		return 2;
	}
	if (info.backend == JITMEM_BACKEND_KERNEL)
		printf("backend: kernel (%s)\n", info.device);
	else if (info.flags & JITMEM_INFO_FALLBACK)
		/* Never silent: say what was lost and why. */
		printf("backend: userspace (mmap/mprotect, no W^X guarantee), "
		       "because %s: %s (%s)\n",
		       info.device, jitmem_cause_str(info.cause), strerror(-info.error));
	else
		printf("backend: userspace (mmap/mprotect, no W^X guarantee)\n");
	if (perf) {
		ret = jitmem_perf_enable(m, perf);
		if (ret) {
			fprintf(stderr, "exprjit: jitmem_perf_enable: %s\n", strerror(-ret));
			jitmem_close(m);
			return 2;
		}
	}
	if (!strcmp(argv[i], "--selftest"))
		ret = selftest(m, i + 1 < argc ? atoi(argv[i + 1]) : 200);
	else if (!strcmp(argv[i], "--profile"))
		ret = profile(m, i + 1 < argc ? atol(argv[i + 1]) : 1000000);
	else
		ret = run(m, argv[i], argv + i + 1, argc - i - 1);
	jitmem_close(m);
	return ret;
}
