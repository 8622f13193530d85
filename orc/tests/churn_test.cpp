// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * LLJIT on jitmem over time and under pressure: 2000 modules added, run and
 * removed; 4 compile threads; MemoryDenyWriteExecute.
 */
#include <cstring>
#include <sys/mman.h>
#include <thread>

extern "C" {
#include "mdwe.h"
}

#include "tests.h"
#include "calc.h"

using namespace llvm;
using namespace llvm::orc;

static const int churnCycles = 2000;
static const int tinyWeights[4] = { 3, 5, 7, 11 };

/* One module's life: added under its tracker, linked by the lookup, run, removed. */
static bool tinyCycle(LLJIT &J, const MemoryBuffer &Obj, int i, const std::vector<MapLine> *check)
{
	JITDylib &JD = J.getMainJITDylib();
	auto RT = JD.createResourceTracker();

	if (Error E = J.addObjectFile(RT, MemoryBuffer::getMemBuffer(Obj.getMemBufferRef(), false)))
		return failErr("addObjectFile", std::move(E));
	auto F = lookupAs<int (*)(int)>(J, JD, "tiny");
	if (!F)
		return failErr("lookup", F.takeError());
	int r = (*F)(i), want = i * tinyWeights[i & 3] + 1;
	bool ok = CHECK(r == want, "cycle %d: tiny(%d) = %d, not %d (a global not fresh?)", i, i, r,
			want);
	if (check) {
		auto maps = readMaps();
		ok &= codeFromJitmem(maps, (void *)*F, "tiny") && noWX(maps);
	}
	if (Error E = RT->remove())
		return failErr("ResourceTracker::remove", std::move(E));
	return ok;
}

static size_t countNot(const std::vector<MapLine> &maps, const char *path)
{
	size_t n = 0;

	for (const MapLine &m : maps)
		n += m.path != path;
	return n;
}

bool testChurn()
{
	struct jitmem *H = openKernel();
	bool ok = true;

	if (!H)
		return false;
	struct jitmem_stats empty = statsOf(H);
	auto Obj = readInput("tiny.o");
	if (!Obj)
		return failErr("tiny.o", Obj.takeError());
	auto maps0 = readMaps();
	{
		auto J = makeJIT(Manager::Jitmem, H);
		if (!J)
			return failErr("LLJIT", J.takeError());
		auto m = readMaps();
		if (!tinyCycle(**J, **Obj, 0, &m))
			return false;

		/* The baseline: the manager's slab is reserved, nothing is live. */
		struct jitmem_stats warm = statsOf(H);
		auto mapsWarm = readMaps();
		ok &= CHECK(warm.regions == empty.regions, "%llu regions live after a removal",
			    (unsigned long long)(warm.regions - empty.regions));
		note("baseline: %llu slab(s), %llu bytes reserved; %zu /dev/jitmem mappings, %zu others",
		     (unsigned long long)warm.slabs, (unsigned long long)warm.reserved_bytes,
		     jitmemMaps(mapsWarm).size(), countNot(mapsWarm, "/dev/jitmem"));

		auto start = std::chrono::steady_clock::now();
		for (int i = 1; i <= churnCycles && ok; i++)
			ok &= tinyCycle(**J, **Obj, i, nullptr);
		double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() -
							    start).count();
		note("%d cycles of add, link, run, remove: %.2f s, %.0f us each", churnCycles, secs,
		     secs * 1e6 / churnCycles);

		ok &= sameStats(H, warm, "after the cycles");
		auto mapsEnd = readMaps();
		auto jw = jitmemMaps(mapsWarm), je = jitmemMaps(mapsEnd);
		if (jw != je) {
			ok = fail("the /dev/jitmem mappings changed: %zu before, %zu after", jw.size(),
				  je.size());
			for (auto &l : je)
				note("after: %s", l.c_str());
		}
		ok &= CHECK(countNot(mapsEnd, "/dev/jitmem") == countNot(mapsWarm, "/dev/jitmem"),
			    "other mappings: %zu before, %zu after", countNot(mapsWarm, "/dev/jitmem"),
			    countNot(mapsEnd, "/dev/jitmem"));
	}
	ok &= sameStats(H, empty, "after LLJIT is destroyed");
	auto mapsGone = readMaps();
	ok &= CHECK(jitmemMaps(mapsGone).empty(), "%zu /dev/jitmem mappings after LLJIT is destroyed",
		    jitmemMaps(mapsGone).size());
	jitmem_close(H);
	return ok;
}

/* calc.bc in 8 JITDylibs, looked up from 8 threads, compiled on 4. */
bool testThreads()
{
	static const int libs = 8;
	struct jitmem *H = openKernel();

	if (!H)
		return false;
	auto J = makeJIT(Manager::Jitmem, H, 4);
	if (!J)
		return failErr("LLJIT", J.takeError());
	std::vector<JITDylib *> JDs;
	for (int i = 0; i < libs; i++) {
		auto JD = (*J)->createJITDylib("lib" + std::to_string(i));
		if (!JD)
			return failErr("createJITDylib", JD.takeError());
		auto TSM = readBitcode("calc.bc");
		if (!TSM)
			return failErr("calc.bc", TSM.takeError());
		if (Error E = (*J)->addIRModule(*JD, std::move(*TSM)))
			return failErr("addIRModule", std::move(E));
		JDs.push_back(&*JD);
	}

	std::vector<Calc> calcs(libs);
	std::vector<char> looked(libs);
	std::vector<std::thread> threads;
	for (int i = 0; i < libs; i++)
		threads.emplace_back([&, i] { looked[i] = lookupCalc(**J, *JDs[i], "jit_", calcs[i]); });
	for (auto &t : threads)
		t.join();

	bool ok = true;
	std::vector<const void *> seen;
	for (int i = 0; i < libs && ok; i++) {
		ok &= CHECK(looked[i], "lib%d: lookup failed", i);
		if (!ok)
			break;
		for (const void *p : seen)
			ok &= CHECK(p != (void *)calcs[i].fib, "two libraries share one copy");
		seen.push_back((void *)calcs[i].fib);
		ok &= compareCalc(calcs[i], nativeCalc(), false);
	}
	auto maps = readMaps();
	ok &= noWX(maps);
	for (int i = 0; i < libs && ok; i++)
		ok &= codeFromJitmem(maps, (void *)calcs[i].fib, "fib");
	if (ok)
		note("%d copies of calc.c compiled on 4 threads, linked concurrently: all correct", libs);
	return ok;
}

/* LLJIT's default manager needs mprotect(PROT_EXEC): refused.  jitmem's is not. */
bool testMDWE()
{
	enum mdwe_how how;
	int ret = mdwe_enable(&how);

	if (ret)
		return fail("MemoryDenyWriteExecute: %s", strerror(-ret));
	note("MemoryDenyWriteExecute by %s", how == MDWE_PRCTL ?
	     "prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN)" : "a seccomp filter (systemd's rules)");

	bool ok = true;
	void *p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	ok &= CHECK(p == MAP_FAILED, "an RWX mmap() succeeded: MemoryDenyWriteExecute is not on");
	p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok &= CHECK(p != MAP_FAILED && mprotect(p, 4096, PROT_READ | PROT_EXEC),
		    "mprotect(PROT_EXEC) succeeded: MemoryDenyWriteExecute is not on");

	for (Manager K : { Manager::Default, Manager::InProcessMapper }) {
		auto J = makeJIT(K, nullptr);
		if (!J)
			return failErr("LLJIT", J.takeError());
		std::string reported;
		(*J)->getExecutionSession().setErrorReporter(
			[&](Error E) { reported += toString(std::move(E)); });
		auto Obj = readInput("calc.o");
		if (!Obj)
			return failErr("calc.o", Obj.takeError());
		if (Error E = (*J)->addObjectFile(std::move(*Obj)))
			return failErr("addObjectFile", std::move(E));
		auto F = (*J)->lookup("obj_fib");
		if (F) {
			ok &= fail("%s: linked under MemoryDenyWriteExecute", managerName(K));
		} else {
			consumeError(F.takeError());
			note("%s: the link fails: %s", managerName(K), reported.c_str());
		}
	}

	struct jitmem *H = openKernel();
	if (!H)
		return false;
	auto J = makeJIT(Manager::Jitmem, H);
	if (!J)
		return failErr("LLJIT", J.takeError());
	auto Obj = readInput("calc.o");
	if (!Obj)
		return failErr("calc.o", Obj.takeError());
	if (Error E = (*J)->addObjectFile(std::move(*Obj)))
		return failErr("addObjectFile", std::move(E));
	Calc c = {};
	if (!lookupCalc(**J, (*J)->getMainJITDylib(), "obj_", c))
		return false;
	ok &= compareCalc(c, nativeCalc(), true);
	note("jitmem: calc.o linked and run under MemoryDenyWriteExecute");
	return ok;
}
