// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The tests' TAP: each test runs in a child of its own (a crash fails that
 * test only, MemoryDenyWriteExecute and the counters stay per test), and
 * the parent prints its one result.
 */
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"

static void vsay(const char *prefix, const char *fmt, va_list ap)
{
	char buf[4096];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (char *line = strtok(buf, "\n"); line; line = strtok(nullptr, "\n"))
		printf("# %s%s\n", prefix, line);
	fflush(stdout);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

bool fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("FAIL: ", fmt, ap);
	va_end(ap);
	return false;
}

bool failErr(const char *what, llvm::Error E)
{
	return fail("%s: %s", what, llvm::toString(std::move(E)).c_str());
}

int runTests(const std::vector<Test> &tests, const char *only)
{
	int failed = 0, n = 0;

	printf("TAP version 13\n1..%zu\n", only ? (size_t)1 : tests.size());
	fflush(stdout);
	for (const Test &t : tests) {
		if (only && strcmp(only, t.name))
			continue;
		auto start = std::chrono::steady_clock::now();
		pid_t pid = fork();
		int status = 0;

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid) {
			bool ok = t.fn();

			fflush(stdout);
			_exit(ok ? 0 : 1);
		}
		waitpid(pid, &status, 0);
		double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() -
							    start).count();
		bool ok = WIFEXITED(status) && !WEXITSTATUS(status);

		if (WIFSIGNALED(status))
			printf("# %s: killed by signal %d (%s)\n", t.name, WTERMSIG(status),
			       strsignal(WTERMSIG(status)));
		printf("# %s: %.2f s\n", t.name, secs);
		printf("%sok %d - %s\n", ok ? "" : "not ", ++n, t.name);
		fflush(stdout);
		failed += !ok;
	}
	if (!n) {
		printf("not ok 1 - no test named %s\n", only ? only : "");
		return 1;
	}
	return failed ? 1 : 0;
}
