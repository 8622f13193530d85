// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * OrcMemoryMapper: the MemoryMapper operations on libjitmem's memory map.
 *
 * reserve -> jitmem_reserve (a slab), prepare -> working memory of our own,
 * initialize -> jitmem_initialize (the kernel copies the working memory in
 * and runs the allocation actions), deinitialize ->
 * jitmem_deinitialize_multiple, release -> jitmem_release.  Allocations are
 * named by their MappingBase towards LLVM and by libjitmem's key towards
 * libjitmem.
 */
#include <cerrno>
#include <cstring>
#include <sys/mman.h>

#include "internal.h"

using namespace llvm;
using namespace llvm::orc;

namespace jitmem_orc {

Error jmError(const char *What, int Err)
{
	return createStringError(std::error_code(-Err, std::generic_category()),
				 "jitmem: %s: %s", What, strerror(-Err));
}

Slab *slabOf(OrcMemoryMapper::State &S, uintptr_t Addr, size_t Len)
{
	auto It = S.Slabs.upper_bound(Addr);

	if (It == S.Slabs.begin())
		return nullptr;
	--It;
	Slab &Sl = It->second;
	if (Addr - Sl.Start > Sl.Len || Len > Sl.Len - (Addr - Sl.Start))
		return nullptr;
	return &Sl;
}

OrcMemoryMapper::OrcMemoryMapper(std::unique_ptr<State> S) : S(std::move(S)) {}

Expected<std::unique_ptr<OrcMemoryMapper>> OrcMemoryMapper::Create(const OrcOptions &O)
{
	auto S = std::make_unique<State>();

	if (O.Handle) {
		S->M = O.Handle;
	} else {
		int Ret = jitmem_open(&S->M, O.OpenFlags);

		if (Ret)
			return jmError("jitmem_open", Ret);
		S->Owned = true;
	}
	S->PageSize = jitmem_page_size(S->M);
	return std::unique_ptr<OrcMemoryMapper>(new OrcMemoryMapper(std::move(S)));
}

OrcMemoryMapper::~OrcMemoryMapper()
{
	std::vector<void *> Starts;

	for (auto &KV : S->Slabs)
		Starts.push_back(reinterpret_cast<void *>(KV.first));
	/* Pending dealloc actions run here, their contexts still alive. */
	for (auto &KV : S->Allocs)
		if (!KV.second.Key)
			consumeError(deinitializeWithoutRegion(KV.second));
	if (S->Owned)
		jitmem_close(S->M);
	else if (!Starts.empty())
		jitmem_release_multiple(S->M, Starts.data(), Starts.size(), nullptr);
	for (auto &KV : S->Slabs)
		munmap(KV.second.Work, KV.second.Len);
}

struct ::jitmem *OrcMemoryMapper::handle() const
{
	return S->M;
}

unsigned int OrcMemoryMapper::getPageSize()
{
	return S->PageSize;
}

void OrcMemoryMapper::reserve(size_t NumBytes, OnReservedFunction OnReserved)
{
	size_t Len = alignTo(NumBytes ? NumBytes : 1, S->PageSize);
	void *Addr;
	int Ret = jitmem_reserve(S->M, Len + slabGuard(*S), &Addr);

	if (Ret)
		return OnReserved(jmError("jitmem_reserve", Ret));
	void *Work = mmap(nullptr, Len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (Work == MAP_FAILED) {
		Ret = -errno;
		jitmem_release(S->M, Addr);
		return OnReserved(jmError("working memory", Ret));
	}

	uintptr_t Start = reinterpret_cast<uintptr_t>(Addr);
	{
		std::lock_guard<std::mutex> L(S->Lock);
		S->Slabs[Start] = Slab{Start, Len, static_cast<char *>(Work)};
	}
	OnReserved(ExecutorAddrRange(ExecutorAddr(Start), ExecutorAddrDiff(Len)));
}

/* nullptr when Addr is not in a slab of ours: the interface has no error. */
char *OrcMemoryMapper::prepare(ExecutorAddr Addr, size_t ContentSize)
{
	std::lock_guard<std::mutex> L(S->Lock);
	Slab *Sl = slabOf(*S, Addr.getValue(), ContentSize);

	if (!Sl)
		return nullptr;
	S->Prepared[Addr.getValue()] = ContentSize;
	return workingMemory(*Sl, Addr.getValue());
}

void OrcMemoryMapper::initialize(AllocInfo &AI, OnInitializedFunction OnInitialized)
{
	std::vector<jitmem_segment> Segs;
	std::vector<jitmem_action_pair> Pairs(AI.Actions.size());
	Alloc A;
	Error Err = toJitmemSegments(AI, Segs);

	A.NActions = AI.Actions.size();
	A.Actions = std::make_unique<ActionCtx[]>(2 * A.NActions);
	for (size_t I = 0; I < A.NActions; I++) {
		ActionCtx *F = &A.Actions[2 * I], *D = &A.Actions[2 * I + 1];

		*F = ActionCtx{std::move(AI.Actions[I].Finalize), "finalize", I, {}};
		*D = ActionCtx{std::move(AI.Actions[I].Dealloc), "dealloc", I, {}};
		if (F->Call)
			Pairs[I].finalize = {runAction, F};
		if (D->Call)
			Pairs[I].dealloc = {runAction, D};
	}

	if (!Err && Segs.empty()) {
		Err = initializeWithoutRegion(A);
	} else if (!Err) {
		jitmem_init_request Req{};

		Req.segments = Segs.data();
		Req.nsegments = Segs.size();
		Req.actions = Pairs.data();
		Req.nactions = Pairs.size();
		int Ret = jitmem_initialize(S->M, &Req, &A.Key);

		/* runAction()'s -EIO: an action failed, its text says why. */
		if (Ret) {
			Err = actionErrors(A);
			if (Ret != -EIO || !Err)
				Err = joinErrors(jmError("jitmem_initialize", Ret), std::move(Err));
		}
	}

	scrubWorkingMemory(*S, AI);
	if (Err)
		return OnInitialized(std::move(Err));
	{
		std::lock_guard<std::mutex> L(S->Lock);
		S->Allocs[AI.MappingBase.getValue()] = std::move(A);
	}
	OnInitialized(AI.MappingBase);
}

void OrcMemoryMapper::deinitialize(ArrayRef<ExecutorAddr> Bases,
				   OnDeinitializedFunction OnDeinitialized)
{
	std::vector<Alloc> Taken;
	std::vector<void *> Keys;
	Error Err = Error::success();

	{
		std::lock_guard<std::mutex> L(S->Lock);

		for (ExecutorAddr Base : Bases) {
			auto It = S->Allocs.find(Base.getValue());

			if (It == S->Allocs.end()) {
				Err = joinErrors(std::move(Err), createStringError(
					std::errc::invalid_argument,
					"jitmem: no allocation at %#llx",
					(unsigned long long)Base.getValue()));
				continue;
			}
			Taken.push_back(std::move(It->second));
			S->Allocs.erase(It);
		}
	}
	for (Alloc &A : Taken)
		if (A.Key)
			Keys.push_back(A.Key);

	int Ret = deinitializeBatch(S->M, Keys);
	Error Actions = Error::success();

	for (Alloc &A : Taken) {
		Actions = joinErrors(std::move(Actions), actionErrors(A));
		if (!A.Key)
			Actions = joinErrors(std::move(Actions), deinitializeWithoutRegion(A));
	}
	if (Ret && (Ret != -EIO || !Actions))
		Actions = joinErrors(jmError("jitmem_deinitialize_multiple", Ret), std::move(Actions));
	OnDeinitialized(joinErrors(std::move(Err), std::move(Actions)));
}

void OrcMemoryMapper::release(ArrayRef<ExecutorAddr> Addrs, OnReleasedFunction OnReleased)
{
	Error Err = Error::success();

	for (ExecutorAddr EA : Addrs) {
		uintptr_t Addr = EA.getValue();
		std::vector<Alloc> Taken;
		Slab Sl;

		{
			std::lock_guard<std::mutex> L(S->Lock);
			auto It = S->Slabs.find(Addr);

			if (forgetAbandoned(*S, Addr))
				continue;
			if (It == S->Slabs.end()) {
				Err = joinErrors(std::move(Err), createStringError(
					std::errc::invalid_argument,
					"jitmem: release of %#llx: neither a reservation nor an allocation in flight",
					(unsigned long long)Addr));
				continue;
			}
			Sl = It->second;
			S->Slabs.erase(It);
			for (auto A = S->Allocs.begin(); A != S->Allocs.end();) {
				if (A->first - Sl.Start < Sl.Len) {
					Taken.push_back(std::move(A->second));
					A = S->Allocs.erase(A);
				} else {
					++A;
				}
			}
			S->Prepared.erase(S->Prepared.lower_bound(Sl.Start),
					  S->Prepared.lower_bound(Sl.Start + Sl.Len));
		}

		/* Runs the dealloc actions of what is still live in the slab. */
		int Ret = jitmem_release(S->M, reinterpret_cast<void *>(Sl.Start));
		Error Actions = Error::success();

		for (Alloc &A : Taken) {
			Actions = joinErrors(std::move(Actions), actionErrors(A));
			if (!A.Key)
				Actions = joinErrors(std::move(Actions), deinitializeWithoutRegion(A));
		}
		if (Ret && (Ret != -EIO || !Actions))
			Actions = joinErrors(jmError("jitmem_release", Ret), std::move(Actions));
		Err = joinErrors(std::move(Err), std::move(Actions));
		munmap(Sl.Work, Sl.Len);
	}
	OnReleased(std::move(Err));
}

} // namespace jitmem_orc
