// SPDX-License-Identifier: MIT
/*
 * lljit-run: compile a C file to bitcode with clang-19 and run its main()
 * through LLVM's LLJIT, with the code installed by /dev/jitmem
 * (jitmem-orc, orc/).
 *
 *   lljit-run [-m] FILE.c [ARG...]
 *
 * -m: run under MemoryDenyWriteExecute (PR_SET_MDWE, or a seccomp filter
 * with systemd's rules where the kernel has no PR_SET_MDWE), after clang
 * ran.  The exit status is main()'s.  CLANG names the compiler (clang-19).
 */
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>

#include <jitmem.h>
#include <jitmem/orc.h>

extern "C" {
#include "mdwe.h"
}

using namespace llvm;
using namespace llvm::orc;

static ExitOnError check;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	/* stdout, in order with what the JIT'd program prints. */
	fputs("lljit-run: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* clang -O1 -emit-llvm: the bitcode file's name, or an empty string. */
static std::string compile(const char *src)
{
	const char *clang = getenv("CLANG") ? getenv("CLANG") : "clang-19";
	char bc[] = "/tmp/lljit-run.XXXXXX";
	int fd = mkstemp(bc), status;

	if (fd < 0) {
		perror("lljit-run: mkstemp");
		return "";
	}
	close(fd);
	pid_t pid = fork();
	if (!pid) {
		execlp(clang, clang, "-O1", "-g", "-fPIC", "-emit-llvm", "-c", "-o", bc, src,
		       (char *)nullptr);
		fprintf(stderr, "lljit-run: %s: %s\n", clang, strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		unlink(bc);
		return "";
	}
	return bc;
}

/* The line of /proc/self/maps that holds p. */
static std::string mappingOf(const void *p)
{
	std::ifstream maps("/proc/self/maps");
	std::string line;
	unsigned long lo, hi, a = (unsigned long)p;

	while (std::getline(maps, line))
		if (sscanf(line.c_str(), "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi)
			return line;
	return "none";
}

int main(int argc, char **argv)
{
	bool mdwe = argc > 1 && !strcmp(argv[1], "-m");

	if (argc < 2 + mdwe) {
		fprintf(stderr, "usage: lljit-run [-m] FILE.c [ARG...]\n");
		return 2;
	}
	char **args = argv + 1 + mdwe;
	int nargs = argc - 1 - mdwe;
	check.setBanner("lljit-run: ");
	InitializeNativeTarget();
	InitializeNativeTargetAsmPrinter();

	std::string bc = compile(args[0]);
	if (bc.empty())
		return 1;
	auto buf = check(errorOrToExpected(MemoryBuffer::getFile(bc)));
	unlink(bc.c_str());
	auto ctx = std::make_unique<LLVMContext>();
	auto mod = check(parseBitcodeFile(buf->getMemBufferRef(), *ctx));
	say("%s: %zu bytes of bitcode from clang", args[0], buf->getBufferSize());

	if (mdwe) {
		enum mdwe_how how;
		int ret = mdwe_enable(&how);

		if (ret) {
			say("MemoryDenyWriteExecute: %s", strerror(-ret));
			return 1;
		}
		say("MemoryDenyWriteExecute on (%s): no W|X mapping, no mprotect(PROT_EXEC)",
		    how == MDWE_PRCTL ? "PR_SET_MDWE" : "seccomp filter");
	}

	/* LLJIT on jitmem: the one line that differs from LLJIT's defaults. */
	LLJITBuilder builder;
	check(jitmem_orc::configure(builder));
	auto jit = check(builder.create());
	check(jit->addIRModule(ThreadSafeModule(std::move(mod), std::move(ctx))));

	auto entry = check(jit->lookup("main")).toPtr<int (*)(int, char **)>();
	say("main() at %p: %s", (void *)entry, mappingOf((void *)entry).c_str());
	check(jit->initialize(jit->getMainJITDylib()));
	int rc = entry(nargs, args);
	fflush(stdout);
	check(jit->deinitialize(jit->getMainJITDylib()));
	say("main() returned %d", rc);
	return rc;
}
