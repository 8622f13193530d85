// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * orc_ktest: jitmem-orc in the VM, on the kernel backend.  Each test runs
 * in a child process of its own; `orc_ktest NAME` runs one.
 */
#include <llvm/Support/TargetSelect.h>

#include "tests.h"

/* Native frames the JIT'd code calls through (calc.c, eh.cpp). */
extern "C" __attribute__((noinline)) long orc_test_apply(long (*fn)(long), long n)
{
	long s = 0;

	for (long i = 0; i < n; i++)
		s += fn(i) ^ i;
	return s;
}

extern "C" __attribute__((noinline)) long orc_test_native_frame(long (*fn)(long), long x)
{
	volatile long v = x;

	return fn(v) + 1;
}

int main(int argc, char **argv)
{
	static const std::vector<Test> tests = {
		{ "mapper_memory", testMapperMemory },
		{ "mapper_segments", testMapperSegments },
		{ "mapper_abandon", testMapperAbandon },
		{ "mapper_actions", testMapperActions },
		{ "lljit_c_bitcode", testCBitcode },
		{ "lljit_c_object", testCObject },
		{ "lljit_cxx_exceptions", testExceptions },
		{ "lljit_actions", testLLJITActions },
		{ "lljit_churn_2000", testChurn },
		{ "lljit_4_compile_threads", testThreads },
		{ "lljit_mdwe", testMDWE },
	};

	llvm::InitializeNativeTarget();
	llvm::InitializeNativeTargetAsmPrinter();
	return runTests(tests, argc > 1 ? argv[1] : nullptr);
}
