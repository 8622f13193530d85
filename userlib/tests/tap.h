/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * A minimal TAP harness: every case runs in its own child process, so a
 * crash fails that case only; the plan line comes first.
 */
#ifndef JM_TAP_H
#define JM_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct t_case {
	const char *name;
	int (*fn)(void);	/* 0: pass */
};

#define T_CASE(fn) { #fn, fn }

#define T_CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
			return -1;					\
		}							\
	} while (0)

#define T_EQ(a, b)							\
	do {								\
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);	\
		if (t_a_ != t_b_) {					\
			printf("# %s:%d: %s is %lld, expected %s (%lld)\n", \
			       __FILE__, __LINE__, #a, t_a_, #b, t_b_);	\
			return -1;					\
		}							\
	} while (0)

#define T_OK(expr) T_EQ(expr, 0)

#define T_TIMEOUT 300

/* A case that cannot run here returns T_SKIP after saying why ("# ..."). */
#define T_SKIP 77

static inline int t_run(const char *prog, const struct t_case *cases, size_t n)
{
	size_t i, failed = 0;
	int status;
	pid_t pid;

	printf("1..%zu\n", n);
	for (i = 0; i < n; i++) {
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			int ret;

			alarm(T_TIMEOUT);
			ret = cases[i].fn();
			/* LeakSanitizer ends the process in exit() before stdio flushes. */
			fflush(stdout);
			exit(ret == T_SKIP ? T_SKIP : ret ? 1 : 0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			status = -1;
		} else if (WIFSIGNALED(status)) {
			printf("# %s: killed by signal %d\n", cases[i].name, WTERMSIG(status));
		}
		if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == T_SKIP) {
			printf("ok %zu %s: %s # SKIP\n", i + 1, prog, cases[i].name);
		} else if (status == 0) {
			printf("ok %zu %s: %s\n", i + 1, prog, cases[i].name);
		} else {
			printf("not ok %zu %s: %s\n", i + 1, prog, cases[i].name);
			failed++;
		}
	}
	fflush(stdout);
	return failed ? 1 : 0;
}

#define T_MAIN(prog, cases)						\
	int main(void)							\
	{								\
		return t_run(prog, cases, sizeof(cases) / sizeof(cases[0])); \
	}

#endif /* JM_TAP_H */
