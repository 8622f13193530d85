// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Where OrcMemoryMapper works around what libjitmem's memory map does not
 * do (yet): one function per gap, each named in its comment.  When
 * libjitmem learns one, the function shrinks to a call, or goes.
 */
#include <cstring>
#include <sys/mman.h>

#include "internal.h"

using namespace llvm;
using namespace llvm::orc;

namespace jitmem_orc {

/*
 * Gap: a region spanning two adjacent slabs of one handle fails (ENXIO),
 * and MapperJITLinkMemoryManager's free map merges touching ranges, so two
 * slabs reserved back to back would feed it one.  Every slab is reserved
 * one page longer than LLVM is told: no two ranges LLVM holds ever touch.
 * The page is address space, never memory.
 */
size_t slabGuard(const OrcMemoryMapper::State &S)
{
	return S.PageSize;
}

/*
 * Gap: no working-memory helper at the memory-map layer.  Each slab has a
 * private anonymous shadow of its length (MAP_NORESERVE: pages exist once
 * written); the working memory of a target address is its place in the
 * shadow, so it never depends on how the caller groups its prepare calls.
 */
char *workingMemory(Slab &Sl, uintptr_t Addr)
{
	return Sl.Work + (Addr - Sl.Start);
}

/* Above this, scrubbing gives the pages back instead of writing zeros. */
static const size_t ScrubMadviseMin = 64 * 1024;

static void scrub(char *P, size_t Len, size_t Page)
{
	uintptr_t Lo = alignTo(reinterpret_cast<uintptr_t>(P), Page);
	uintptr_t Hi = alignDown(reinterpret_cast<uintptr_t>(P) + Len, Page);

	if (Len < ScrubMadviseMin || Hi <= Lo ||
	    madvise(reinterpret_cast<void *>(Lo), Hi - Lo, MADV_DONTNEED)) {
		memset(P, 0, Len);
		return;
	}
	memset(P, 0, Lo - reinterpret_cast<uintptr_t>(P));
	memset(reinterpret_cast<void *>(Hi), 0, reinterpret_cast<uintptr_t>(P) + Len - Hi);
}

/*
 * Gap (same): after initialize, the shadow bytes JITLink wrote go back to
 * zero, so the next allocation there starts from zeros, as fresh memory.
 */
void scrubWorkingMemory(OrcMemoryMapper::State &S, const MemoryMapper::AllocInfo &AI)
{
	std::vector<std::pair<char *, size_t>> Todo;

	{
		std::lock_guard<std::mutex> L(S.Lock);

		for (auto &Seg : AI.Segments) {
			uintptr_t Addr = (AI.MappingBase + Seg.Offset).getValue();
			Slab *Sl = slabOf(S, Addr, Seg.ContentSize);

			S.Prepared.erase(Addr);
			/* Only what is ours: a caller may pass working memory of its own. */
			if (Sl && Seg.ContentSize && Seg.WorkingMem == workingMemory(*Sl, Addr))
				Todo.emplace_back(workingMemory(*Sl, Addr), Seg.ContentSize);
		}
	}
	for (auto &T : Todo)
		scrub(T.first, T.second, S.PageSize);
}

/*
 * Gap: LLVM abandons an allocation by calling release() with its start,
 * which libjitmem only knows as a slab base (ENOENT otherwise, and
 * releasing the slab would take memory the manager still hands out).
 * Under S.Lock: an address whose working memory is in flight is an
 * abandoned allocation, nothing was initialized for it; its first
 * segment's working memory is scrubbed.  (The rest of it keeps what JITLink
 * wrote: MapperJITLinkMemoryManager never hands the range out again.)
 */
bool forgetAbandoned(OrcMemoryMapper::State &S, uintptr_t Base)
{
	auto It = S.Prepared.find(Base);

	if (It == S.Prepared.end())
		return false;
	Slab *Sl = slabOf(S, Base, It->second);

	if (Sl)
		memset(workingMemory(*Sl, Base), 0, It->second);
	S.Prepared.erase(It);
	return true;
}

static Expected<unsigned> groupOf(AllocGroup AG)
{
	MemProt P = AG.getMemProt();
	unsigned G = JITMEM_PROT_R;

	if ((P & MemProt::Write) != MemProt::None && (P & MemProt::Exec) != MemProt::None)
		return createStringError(std::errc::permission_denied,
					 "jitmem: a segment both writable and executable (%s): "
					 "jitmem never maps W|X",
					 formatv("{0}", AG).str().c_str());
	/* jitmem pages are always readable: R, R|W or R|X. */
	if ((P & MemProt::Write) != MemProt::None)
		G |= JITMEM_PROT_W;
	if ((P & MemProt::Exec) != MemProt::None)
		G |= JITMEM_PROT_X;
	if (AG.getMemLifetime() == MemLifetime::Finalize)
		G |= JITMEM_LIFETIME_FINALIZE;
	return G;
}

/*
 * Gap: libjitmem refuses zero-size segments (EINVAL) and has no use for
 * NoAlloc ones; ORC skips both.  They are left out here.
 */
Error toJitmemSegments(const MemoryMapper::AllocInfo &AI, std::vector<jitmem_segment> &Out)
{
	for (auto &Seg : AI.Segments) {
		size_t Size = Seg.ContentSize + Seg.ZeroFillSize;

		if (Seg.AG.getMemLifetime() == MemLifetime::NoAlloc || !Size)
			continue;
		Expected<unsigned> G = groupOf(Seg.AG);
		if (!G)
			return G.takeError();
		jitmem_segment S{};

		S.addr = (AI.MappingBase + Seg.Offset).toPtr<void *>();
		S.size = Size;
		S.content = Seg.WorkingMem;
		S.content_size = Seg.ContentSize;
		S.group = *G;
		Out.push_back(S);
	}
	finalizeOnlyAsStandard(Out);
	return Error::success();
}

/*
 * Gap: a region with only Finalize segments is refused (its key is its
 * lowest Standard segment).  Such an allocation's segments become Standard:
 * they live until deinitialize rather than until the finalize actions ran,
 * longer than ORC requires, never shorter.
 */
void finalizeOnlyAsStandard(std::vector<jitmem_segment> &Segs)
{
	for (auto &Seg : Segs)
		if (!(Seg.group & JITMEM_LIFETIME_FINALIZE))
			return;
	for (auto &Seg : Segs)
		Seg.group &= ~JITMEM_LIFETIME_FINALIZE;
}

/*
 * Gap: a region needs a segment; an allocation with no memory at all (every
 * segment empty) may still carry actions.  ORC's own helpers run them
 * then, with the same order and rollback.
 */
Error initializeWithoutRegion(Alloc &A)
{
	shared::AllocActions AAs;

	for (size_t I = 0; I < A.NActions; I++)
		AAs.push_back({A.Actions[2 * I].Call, A.Actions[2 * I + 1].Call});
	auto Deallocs = shared::runFinalizeActions(AAs);
	if (!Deallocs)
		return Deallocs.takeError();
	A.Deallocs = std::move(*Deallocs);
	return Error::success();
}

Error deinitializeWithoutRegion(Alloc &A)
{
	Error Err = shared::runDeallocActions(A.Deallocs);

	A.Deallocs.clear();
	return Err;
}

/*
 * Gap: jitmem_deinitialize_multiple() returns the first error only, no
 * per-item results.  Every region it is given leaves (libjitmem frees each
 * one whose key it knows, even when a dealloc action failed), and the keys
 * come from our own table, so what is lost is only which item an error
 * that is not an action's belongs to: it is reported for the batch.
 */
int deinitializeBatch(struct ::jitmem *M, std::vector<void *> &Keys)
{
	if (Keys.empty())
		return 0;
	return jitmem_deinitialize_multiple(M, Keys.data(), Keys.size(), nullptr);
}

} // namespace jitmem_orc
