/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * jitmem-orc internals: what OrcMemoryMapper keeps per slab and per
 * allocation.
 *
 * Locking: State::Lock protects the three maps.  It is never held across a
 * libjitmem call that runs allocation actions (initialize, deinitialize,
 * release): actions are user code and may call back into the JIT.
 */
#ifndef JITMEM_ORC_INTERNAL_H
#define JITMEM_ORC_INTERNAL_H

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <llvm/ExecutionEngine/Orc/Shared/AllocationActions.h>

#include <jitmem.h>
#include <jitmem/orc.h>

namespace jitmem_orc {

/* One allocation action, handed to libjitmem as the argument of runAction(). */
struct ActionCtx {
	llvm::orc::shared::WrapperFunctionCall Call;
	const char *What = "";		/* "finalize" or "dealloc" */
	size_t Index = 0;		/* its pair in the allocation's actions */
	std::string Err;		/* its error's text, when it failed */
};

struct Slab {
	uintptr_t Start = 0;
	size_t Len = 0;			/* as LLVM sees it */
	char *Work = nullptr;		/* working memory: Len bytes, see gaps.cpp */
};

/* An initialized allocation, by its MappingBase. */
struct Alloc {
	void *Key = nullptr;		/* libjitmem's key; nullptr: no region */
	std::unique_ptr<ActionCtx[]> Actions;	/* 2 per pair: finalize, dealloc */
	size_t NActions = 0;
	/* Dealloc actions of an allocation without a region (gaps.cpp). */
	std::vector<llvm::orc::shared::WrapperFunctionCall> Deallocs;
};

struct OrcMemoryMapper::State {
	struct ::jitmem *M = nullptr;
	bool Owned = false;
	size_t PageSize = 0;

	std::mutex Lock;
	std::map<uintptr_t, Slab> Slabs;	/* by Start */
	std::map<uintptr_t, size_t> Prepared;	/* working memory handed out, not initialized */
	std::unordered_map<uintptr_t, Alloc> Allocs;
};

/* Under S.Lock: the slab holding [Addr, Addr + Len), or nullptr. */
Slab *slabOf(OrcMemoryMapper::State &S, uintptr_t Addr, size_t Len);

/* A libjitmem error (a negative errno) as an llvm::Error. */
llvm::Error jmError(const char *What, int Err);

/* The allocation's action errors, with their text; success if none failed. */
llvm::Error actionErrors(const Alloc &A);

/* jitmem_action_fn: runs an ActionCtx, keeping its error's text. */
int runAction(void *Arg, struct jitmem_result *Res);

/*
 * Workarounds for what libjitmem does not do yet: gaps.cpp, one function
 * each, named for the gap.
 */
size_t slabGuard(const OrcMemoryMapper::State &S);
char *workingMemory(Slab &Sl, uintptr_t Addr);
void scrubWorkingMemory(OrcMemoryMapper::State &S, const llvm::orc::MemoryMapper::AllocInfo &AI);
bool forgetAbandoned(OrcMemoryMapper::State &S, uintptr_t Base);
llvm::Error toJitmemSegments(const llvm::orc::MemoryMapper::AllocInfo &AI,
			     std::vector<jitmem_segment> &Out);
void finalizeOnlyAsStandard(std::vector<jitmem_segment> &Segs);
llvm::Error initializeWithoutRegion(Alloc &A);
llvm::Error deinitializeWithoutRegion(Alloc &A);
int deinitializeBatch(struct ::jitmem *M, std::vector<void *> &Keys);

} // namespace jitmem_orc

#endif /* JITMEM_ORC_INTERNAL_H */
