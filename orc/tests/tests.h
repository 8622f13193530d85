/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/* Helpers of the jitmem-orc tests and benchmark. */
#ifndef JITMEM_ORC_TESTS_H
#define JITMEM_ORC_TESTS_H

#include <cstdint>
#include <string>
#include <vector>

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/Shared/AllocationActions.h>

#include <jitmem.h>
#include <jitmem/orc.h>

/* tap.cpp: every test runs in a child process; one TAP line each. */
struct Test {
	const char *name;
	bool (*fn)();
};

int runTests(const std::vector<Test> &tests, const char *only);
/* Inside a test: a diagnostic, or a failed check (returns false). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define CHECK(cond, ...) ((cond) ? true : fail(__VA_ARGS__))
/* An llvm::Error or Expected's error, consumed, as a failed check. */
bool failErr(const char *what, llvm::Error E);

/* The tests: mapper_test.cpp, lljit_test.cpp, churn_test.cpp. */
bool testMapperMemory();
bool testMapperSegments();
bool testMapperAbandon();
bool testMapperActions();
bool testCBitcode();
bool testCObject();
bool testExceptions();
bool testLLJITActions();
bool testChurn();
bool testThreads();
bool testMDWE();

/* Allocation actions that log into actionLog (mapper_test.cpp). */
extern std::string actionLog;
extern int failFinalizeAt, failDeallocAt;
llvm::orc::shared::AllocActionCallPair loggedActions(int K);

/* The jitmem handle of a test, kernel backend. */
struct jitmem *openKernel();
/* jitmem_get_stats() of H, compared member by member. */
bool sameStats(struct jitmem *H, const struct jitmem_stats &want, const char *when);
struct jitmem_stats statsOf(struct jitmem *H);

/* lljit.cpp */
enum class Manager {
	Jitmem,		/* jitmem_orc::configure */
	InProcessMapper,	/* MapperJITLinkMemoryManager over LLVM's InProcessMemoryMapper */
	Default,	/* LLJIT's own: InProcessMemoryManager */
};

const char *managerName(Manager K);
/* H: the jitmem handle to use (Manager::Jitmem), nullptr for one of its own. */
llvm::Expected<std::unique_ptr<llvm::orc::LLJIT>> makeJIT(Manager K, struct jitmem *H,
							  unsigned Threads = 0);
/* A file next to the test program (build/orc/tests). */
std::string inputPath(const char *name);
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> readInput(const char *name);
llvm::Expected<llvm::orc::ThreadSafeModule> readBitcode(const char *name);

template <typename T>
llvm::Expected<T> lookupAs(llvm::orc::LLJIT &J, llvm::orc::JITDylib &JD, const std::string &Name)
{
	auto A = J.lookup(JD, Name);

	if (!A)
		return A.takeError();
	return A->toPtr<T>();
}

struct MapLine {
	uintptr_t lo, hi;
	std::string perms, path, text;
};

std::vector<MapLine> readMaps();
const MapLine *mapOf(const std::vector<MapLine> &maps, const void *p);
std::vector<std::string> jitmemMaps(const std::vector<MapLine> &maps);

#endif
