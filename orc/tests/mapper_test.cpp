// SPDX-License-Identifier: MIT OR LGPL-2.1
/* OrcMemoryMapper called directly, as MapperJITLinkMemoryManager calls it. */
#include <cstring>
#include <optional>

#include <llvm/ExecutionEngine/Orc/Shared/WrapperFunctionUtils.h>

#include "tests.h"

using namespace llvm;
using namespace llvm::orc;
using namespace llvm::orc::shared;
using jitmem_orc::OrcMemoryMapper;

std::string actionLog;
int failFinalizeAt = -1, failDeallocAt = -1;

static Error logged(char what, int32_t k, int failAt)
{
	actionLog += what + std::to_string(k) + " ";
	if (k == failAt)
		return createStringError(inconvertibleErrorCode(), "injected %s failure %d",
					 what == 'F' ? "finalize" : "dealloc", k);
	return Error::success();
}

extern "C" CWrapperFunctionResult orcTestFinalize(const char *data, size_t size)
{
	return WrapperFunction<SPSError(int32_t)>::handle(data, size, [](int32_t k) {
		return logged('F', k, failFinalizeAt);
	}).release();
}

extern "C" CWrapperFunctionResult orcTestDealloc(const char *data, size_t size)
{
	return WrapperFunction<SPSError(int32_t)>::handle(data, size, [](int32_t k) {
		return logged('D', k, failDeallocAt);
	}).release();
}

AllocActionCallPair loggedActions(int K)
{
	using Args = SPSArgList<int32_t>;

	return { cantFail(WrapperFunctionCall::Create<Args>(ExecutorAddr::fromPtr(&orcTestFinalize),
							    int32_t(K))),
		 cantFail(WrapperFunctionCall::Create<Args>(ExecutorAddr::fromPtr(&orcTestDealloc),
							    int32_t(K))) };
}

struct jitmem *openKernel()
{
	struct jitmem *h = nullptr;
	int ret = jitmem_open(&h, 0);

	if (ret) {
		fail("jitmem_open (kernel backend): %s", strerror(-ret));
		return nullptr;
	}
	return h;
}

struct jitmem_stats statsOf(struct jitmem *H)
{
	struct jitmem_stats st = {};
	int ret = jitmem_get_stats(H, &st);

	if (ret)
		fail("jitmem_get_stats: %s", strerror(-ret));
	return st;
}

bool sameStats(struct jitmem *H, const struct jitmem_stats &want, const char *when)
{
	struct jitmem_stats st = statsOf(H), w = want;

	/*
	 * Pages are the module's to keep mapped for reuse or give back
	 * (held_bytes, empty_bytes): what holds is what is live.
	 */
	st.held_bytes = st.empty_bytes = w.held_bytes = w.empty_bytes = 0;
	if (!memcmp(&st, &w, sizeof(st)))
		return true;
	return fail("%s: jitmem_stats slabs %llu/%llu reserved %llu/%llu regions %llu/%llu "
		    "segments %llu/%llu r %llu/%llu rw %llu/%llu rx %llu/%llu (now/expected)",
		    when, (unsigned long long)st.slabs, (unsigned long long)want.slabs,
		    (unsigned long long)st.reserved_bytes, (unsigned long long)want.reserved_bytes,
		    (unsigned long long)st.regions, (unsigned long long)want.regions,
		    (unsigned long long)st.segments, (unsigned long long)want.segments,
		    (unsigned long long)st.bytes_r, (unsigned long long)want.bytes_r,
		    (unsigned long long)st.bytes_rw, (unsigned long long)want.bytes_rw,
		    (unsigned long long)st.bytes_rx, (unsigned long long)want.bytes_rx);
}

/* The mapper's operations, synchronous (they call back before returning). */
static Expected<ExecutorAddrRange> reserveNow(MemoryMapper &M, size_t n)
{
	std::optional<Expected<ExecutorAddrRange>> r;

	M.reserve(n, [&](Expected<ExecutorAddrRange> e) { r.emplace(std::move(e)); });
	return std::move(*r);
}

static Expected<ExecutorAddr> initializeNow(MemoryMapper &M, MemoryMapper::AllocInfo &AI)
{
	std::optional<Expected<ExecutorAddr>> r;

	M.initialize(AI, [&](Expected<ExecutorAddr> e) { r.emplace(std::move(e)); });
	return std::move(*r);
}

static Error deinitializeNow(MemoryMapper &M, ArrayRef<ExecutorAddr> a)
{
	Error r = Error::success();

	M.deinitialize(a, [&](Error e) { r = std::move(e); });
	return r;
}

static Error releaseNow(MemoryMapper &M, ArrayRef<ExecutorAddr> a)
{
	Error r = Error::success();

	M.release(a, [&](Error e) { r = std::move(e); });
	return r;
}

/* An error whose text has want; anything else is a failed check. */
static bool errorSays(Error E, const char *want, const char *what)
{
	if (!E)
		return fail("%s: succeeded, expected an error saying \"%s\"", what, want);
	std::string text = toString(std::move(E));
	note("%s: %s", what, text.c_str());
	return CHECK(text.find(want) != std::string::npos, "%s: the error does not say \"%s\"",
		     what, want);
}

template <typename T> static bool errorSays(Expected<T> E, const char *want, const char *what)
{
	if (E)
		return fail("%s: succeeded, expected an error saying \"%s\"", what, want);
	return errorSays(E.takeError(), want, what);
}

static std::unique_ptr<OrcMemoryMapper> mapperOn(struct jitmem *H)
{
	jitmem_orc::OrcOptions O;

	O.Handle = H;
	auto M = OrcMemoryMapper::Create(O);
	if (!M) {
		failErr("OrcMemoryMapper::Create", M.takeError());
		return nullptr;
	}
	return std::move(*M);
}

static MemoryMapper::AllocInfo::SegInfo seg(ExecutorAddrDiff off, const char *work, size_t content,
					    size_t zero, AllocGroup ag)
{
	MemoryMapper::AllocInfo::SegInfo s;

	s.Offset = off;
	s.WorkingMem = work;
	s.ContentSize = content;
	s.ZeroFillSize = zero;
	s.AG = ag;
	return s;
}

static bool allZero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static const unsigned char ret42[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 }; /* mov eax, 42; ret */

/*
 * Working memory is not the target, the kernel installs it, the working
 * copy is scrubbed; slabs never touch; everything goes back.
 */
bool testMapperMemory()
{
	struct jitmem *H = openKernel();
	bool ok = true;

	if (!H)
		return false;
	struct jitmem_stats empty = statsOf(H);
	{
		auto M = mapperOn(H);
		if (!M)
			return false;
		size_t page = M->getPageSize();
		auto R1 = reserveNow(*M, 16 * page), R2 = reserveNow(*M, 16 * page);
		if (!R1 || !R2)
			return failErr("reserve", joinErrors(R1.takeError(), R2.takeError()));
		ok &= CHECK(R1->size() == 16 * page && R2->size() == 16 * page,
			    "reserve: ranges of %llu and %llu bytes",
			    (unsigned long long)R1->size(), (unsigned long long)R2->size());
		ok &= CHECK(R1->End != R2->Start && R2->End != R1->Start,
			    "two slabs touch: LLVM's free map would merge them");
		ok &= CHECK(statsOf(H).slabs == empty.slabs + 2, "2 slabs reserved");

		ExecutorAddr base = R1->Start;
		char *code = M->prepare(base, sizeof(ret42));
		char *data = M->prepare(base + page, 3 * page);
		ok &= CHECK(code && data, "prepare gave no working memory");
		if (!code || !data)
			return false;
		ok &= CHECK(code != base.toPtr<char *>() && data != (base + page).toPtr<char *>(),
			    "the working memory is the target");
		ok &= CHECK(!mapOf(readMaps(), code) || mapOf(readMaps(), code)->path != "/dev/jitmem",
			    "working memory in a /dev/jitmem mapping");
		memcpy(code, ret42, sizeof(ret42));
		strcpy(data, "hello, jitmem");

		MemoryMapper::AllocInfo AI;
		AI.MappingBase = base;
		AI.Segments.push_back(seg(0, code, sizeof(ret42), 0, MemProt::Read | MemProt::Exec));
		AI.Segments.push_back(seg(page, data, 14, 3 * page - 14,
					  MemProt::Read | MemProt::Write));
		auto Key = initializeNow(*M, AI);
		if (!Key)
			return failErr("initialize", Key.takeError());
		ok &= CHECK(*Key == base, "initialize named the allocation %#llx, not its base %#llx",
			    (unsigned long long)Key->getValue(), (unsigned long long)base.getValue());
		ok &= CHECK(base.toPtr<int (*)()>()() == 42, "the installed code does not return 42");
		ok &= CHECK(!strcmp((base + page).toPtr<char *>(), "hello, jitmem") &&
				    allZero((base + page).toPtr<char *>() + 14, 3 * page - 14),
			    "the installed data is not the content then zeros");
		ok &= CHECK(allZero(code, sizeof(ret42)) && allZero(data, 14),
			    "the working memory was not scrubbed after initialize");

		auto maps = readMaps();
		const MapLine *c = mapOf(maps, base.toPtr<void *>());
		const MapLine *d = mapOf(maps, (base + page).toPtr<void *>());
		ok &= CHECK(c && c->perms == "r-xp" && c->path == "/dev/jitmem", "code mapping: %s",
			    c ? c->text.c_str() : "none");
		ok &= CHECK(d && d->perms == "rw-s" && d->path == "/dev/jitmem", "data mapping: %s",
			    d ? d->text.c_str() : "none");
		struct jitmem_stats st = statsOf(H);
		ok &= CHECK(st.regions == empty.regions + 1 && st.segments == empty.segments + 2,
			    "one region of 2 segments: %llu regions, %llu segments",
			    (unsigned long long)st.regions, (unsigned long long)st.segments);

		if (Error E = deinitializeNow(*M, { base }))
			return failErr("deinitialize", std::move(E));
		ok &= CHECK(statsOf(H).regions == empty.regions, "deinitialize left a region");
		ok &= errorSays(deinitializeNow(*M, { base }), "no allocation", "deinitialize again");
		if (Error E = releaseNow(*M, { R1->Start }))
			return failErr("release", std::move(E));
		ok &= CHECK(statsOf(H).slabs == empty.slabs + 1, "release left the slab");
		ok &= errorSays(releaseNow(*M, { R1->Start }), "neither a reservation",
				"release again");
	}
	ok &= sameStats(H, empty, "after the mapper is destroyed");
	jitmem_close(H);
	return ok;
}

/* What libjitmem refuses and ORC allows, and what jitmem refuses. */
bool testMapperSegments()
{
	struct jitmem *H = openKernel();
	bool ok = true;

	if (!H)
		return false;
	struct jitmem_stats empty = statsOf(H);
	{
		auto M = mapperOn(H);
		if (!M)
			return false;
		size_t page = M->getPageSize();
		auto R = reserveNow(*M, 32 * page);
		if (!R)
			return failErr("reserve", R.takeError());

		/* Only a Finalize segment. */
		ExecutorAddr a = R->Start;
		char *w = M->prepare(a, 8);
		memcpy(w, "finalize", 8);
		MemoryMapper::AllocInfo AI;
		AI.MappingBase = a;
		AI.Segments.push_back(seg(0, w, 8, 0, AllocGroup(MemProt::Read, MemLifetime::Finalize)));
		auto K = initializeNow(*M, AI);
		if (!K)
			return failErr("initialize (Finalize segment only)", K.takeError());
		ok &= CHECK(!memcmp(a.toPtr<char *>(), "finalize", 8), "Finalize-only content");
		if (Error E = deinitializeNow(*M, { a }))
			ok &= failErr("deinitialize (Finalize segment only)", std::move(E));

		/* Zero-size and NoAlloc segments are skipped. */
		ExecutorAddr b = R->Start + 2 * page;
		w = M->prepare(b, 4);
		memcpy(w, "data", 4);
		MemoryMapper::AllocInfo BI;
		BI.MappingBase = b;
		BI.Segments.push_back(seg(0, w, 4, 0, MemProt::Read));
		BI.Segments.push_back(seg(page, nullptr, 0, 0, MemProt::Read | MemProt::Exec));
		BI.Segments.push_back(seg(page, nullptr, 64, 0,
					  AllocGroup(MemProt::Read, MemLifetime::NoAlloc)));
		K = initializeNow(*M, BI);
		if (!K)
			return failErr("initialize (zero-size and NoAlloc segments)", K.takeError());
		ok &= CHECK(statsOf(H).segments == empty.segments + 1,
			    "zero-size and NoAlloc segments: %llu segments initialized, expected 1",
			    (unsigned long long)(statsOf(H).segments - empty.segments));

		/* Writable and executable: refused with the reason, nothing changes. */
		struct jitmem_stats before = statsOf(H);
		ExecutorAddr c = R->Start + 4 * page;
		w = M->prepare(c, sizeof(ret42));
		MemoryMapper::AllocInfo CI;
		CI.MappingBase = c;
		CI.Segments.push_back(seg(0, w, sizeof(ret42), 0,
					  MemProt::Read | MemProt::Write | MemProt::Exec));
		ok &= errorSays(initializeNow(*M, CI), "W|X", "initialize of an RWX segment");
		ok &= sameStats(H, before, "after the refused RWX segment");

		/* No memory at all, but actions: they run, in ORC's order. */
		actionLog.clear();
		MemoryMapper::AllocInfo DI;
		DI.MappingBase = R->Start + 6 * page;
		DI.Segments.push_back(seg(0, nullptr, 0, 0, MemProt::Read));
		DI.Actions.push_back(loggedActions(0));
		DI.Actions.push_back(loggedActions(1));
		K = initializeNow(*M, DI);
		if (!K)
			return failErr("initialize (no memory, two actions)", K.takeError());
		if (Error E = deinitializeNow(*M, { DI.MappingBase, b }))
			ok &= failErr("deinitialize", std::move(E));
		ok &= CHECK(actionLog == "F0 F1 D1 D0 ", "actions of an empty allocation: %s",
			    actionLog.c_str());
	}
	ok &= sameStats(H, empty, "after the mapper is destroyed");
	jitmem_close(H);
	return ok;
}

/*
 * MapperJITLinkMemoryManager abandons an allocation with release(its
 * start): at a slab's start, that must not release the slab under the
 * allocations still live there.
 */
bool testMapperAbandon()
{
	struct jitmem *H = openKernel();
	bool ok = true;

	if (!H)
		return false;
	struct jitmem_stats empty = statsOf(H);
	{
		auto M = mapperOn(H);
		if (!M)
			return false;
		size_t page = M->getPageSize();
		auto R = reserveNow(*M, 16 * page);
		if (!R)
			return failErr("reserve", R.takeError());

		ExecutorAddr live = R->Start + 4 * page;
		char *w = M->prepare(live, sizeof(ret42));
		memcpy(w, ret42, sizeof(ret42));
		MemoryMapper::AllocInfo AI;
		AI.MappingBase = live;
		AI.Segments.push_back(seg(0, w, sizeof(ret42), 0, MemProt::Read | MemProt::Exec));
		auto K = initializeNow(*M, AI);
		if (!K)
			return failErr("initialize", K.takeError());

		/* In flight at the slab's start, then abandoned. */
		w = M->prepare(R->Start, 100);
		memset(w, 0x5a, 100);
		if (Error E = releaseNow(*M, { R->Start }))
			return failErr("release (abandon) at the slab's start", std::move(E));
		ok &= CHECK(allZero(w, 100), "abandoned working memory not scrubbed");
		struct jitmem_stats st = statsOf(H);
		ok &= CHECK(st.slabs == empty.slabs + 1 && st.regions == empty.regions + 1,
			    "abandon took the slab or its region: %llu slabs, %llu regions",
			    (unsigned long long)st.slabs, (unsigned long long)st.regions);
		ok &= CHECK(live.toPtr<int (*)()>()() == 42, "the live code after the abandon");

		/* Now the slab itself, with its live region. */
		if (Error E = releaseNow(*M, { R->Start }))
			return failErr("release of the slab", std::move(E));
		ok &= sameStats(H, empty, "after the slab's release");
	}
	jitmem_close(H);
	return ok;
}

/* ORC's order and rollback, and the errors' text, through libjitmem. */
bool testMapperActions()
{
	struct jitmem *H = openKernel();
	bool ok = true;

	if (!H)
		return false;
	struct jitmem_stats empty = statsOf(H);
	{
		auto M = mapperOn(H);
		if (!M)
			return false;
		size_t page = M->getPageSize();
		auto R = reserveNow(*M, 16 * page);
		if (!R)
			return failErr("reserve", R.takeError());
		struct jitmem_stats reserved = statsOf(H);

		auto alloc = [&](ExecutorAddr a, int n) {
			MemoryMapper::AllocInfo AI;
			char *w = M->prepare(a, 16);

			memcpy(w, "actions", 8);
			AI.MappingBase = a;
			AI.Segments.push_back(seg(0, w, 16, 0, MemProt::Read));
			for (int i = 0; i < n; i++)
				AI.Actions.push_back(loggedActions(i));
			return AI;
		};

		actionLog.clear();
		auto AI = alloc(R->Start, 3);
		auto K = initializeNow(*M, AI);
		if (!K)
			return failErr("initialize with 3 action pairs", K.takeError());
		ok &= CHECK(actionLog == "F0 F1 F2 ", "finalize order: %s", actionLog.c_str());
		actionLog.clear();
		if (Error E = deinitializeNow(*M, { *K }))
			ok &= failErr("deinitialize", std::move(E));
		ok &= CHECK(actionLog == "D2 D1 D0 ", "dealloc order: %s", actionLog.c_str());

		/* Finalize action 1 fails: dealloc 0 runs, the error has its text, nothing stays. */
		actionLog.clear();
		failFinalizeAt = 1;
		auto BI = alloc(R->Start + page, 3);
		ok &= errorSays(initializeNow(*M, BI), "injected finalize failure 1",
				"initialize with a failing finalize action");
		failFinalizeAt = -1;
		ok &= CHECK(actionLog == "F0 F1 D0 ", "rollback: %s", actionLog.c_str());
		ok &= sameStats(H, reserved, "after the rolled-back initialize");

		/* A failing dealloc action: its text, and the memory goes all the same. */
		auto CI = alloc(R->Start + 2 * page, 2);
		K = initializeNow(*M, CI);
		if (!K)
			return failErr("initialize", K.takeError());
		actionLog.clear();
		failDeallocAt = 1;
		ok &= errorSays(deinitializeNow(*M, { *K }), "injected dealloc failure 1",
				"deinitialize with a failing dealloc action");
		failDeallocAt = -1;
		ok &= CHECK(actionLog == "D1 D0 ", "dealloc after a failure: %s", actionLog.c_str());
		ok &= sameStats(H, reserved, "after the failed deinitialize");

		/* Release runs what is pending. */
		auto DI = alloc(R->Start + 3 * page, 2);
		K = initializeNow(*M, DI);
		if (!K)
			return failErr("initialize", K.takeError());
		actionLog.clear();
		if (Error E = releaseNow(*M, { R->Start }))
			ok &= failErr("release", std::move(E));
		ok &= CHECK(actionLog == "D1 D0 ", "release's dealloc actions: %s", actionLog.c_str());

		/* And so does the mapper's destruction. */
		auto R2 = reserveNow(*M, 4 * page);
		if (!R2)
			return failErr("reserve", R2.takeError());
		auto EI = alloc(R2->Start, 1);
		K = initializeNow(*M, EI);
		if (!K)
			return failErr("initialize", K.takeError());
		actionLog.clear();
	}
	ok &= CHECK(actionLog == "D0 ", "the destructor's dealloc actions: %s", actionLog.c_str());
	ok &= sameStats(H, empty, "after the mapper is destroyed");
	jitmem_close(H);
	return ok;
}
