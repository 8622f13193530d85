// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * orc-bench: LLJIT churn, 2000 small objects (tiny.o: code, read-only data,
 * data, .eh_frame) each added under a ResourceTracker, linked by a lookup,
 * run and removed, with three memory managers in one process: jitmem-orc
 * (MapperJITLinkMemoryManager over OrcMemoryMapper), MapperJITLinkMemoryManager
 * over LLVM's InProcessMemoryMapper, and InProcessMemoryManager, LLJIT's
 * default.  All three register EH frames with LLVM's EHFrameRegistrationPlugin,
 * so the time spent in the memory manager (allocate, finalize, deallocate,
 * measured around it) is memory management only.  The managers take turns,
 * rounds of 250 cycles, so that a busy host slows them alike.  Not a test: it
 * asserts no time, only that every call returned what it must.
 *
 *   orc-bench [CYCLES]    (default 2000)
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <llvm/ExecutionEngine/JITLink/JITLinkMemoryManager.h>
#include <llvm/ExecutionEngine/Orc/EPCEHFrameRegistrar.h>
#include <llvm/ExecutionEngine/Orc/MapperJITLinkMemoryManager.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/Support/TargetSelect.h>

#include "tests.h"

using namespace llvm;
using namespace llvm::orc;
using namespace llvm::jitlink;
using Clock = std::chrono::steady_clock;

static double since(Clock::time_point t)
{
	return std::chrono::duration<double>(Clock::now() - t).count();
}

/* A JITLinkMemoryManager adding the time spent in another to *Secs. */
class TimedMemoryManager final : public JITLinkMemoryManager {
public:
	TimedMemoryManager(std::unique_ptr<JITLinkMemoryManager> Inner, double *Secs)
		: Inner(std::move(Inner)), Secs(Secs) {}

	void allocate(const JITLinkDylib *JD, LinkGraph &G, OnAllocatedFunction Done) override
	{
		auto t = Clock::now();

		Inner->allocate(JD, G, [this, t, Done = std::move(Done)](AllocResult R) mutable {
			*Secs += since(t);
			if (!R)
				return Done(R.takeError());
			Done(std::make_unique<Timed>(std::move(*R), Secs));
		});
	}
	void deallocate(std::vector<FinalizedAlloc> Allocs, OnDeallocatedFunction Done) override
	{
		auto t = Clock::now();

		Inner->deallocate(std::move(Allocs), [this, t, Done = std::move(Done)](Error E) mutable {
			*Secs += since(t);
			Done(std::move(E));
		});
	}
	using JITLinkMemoryManager::allocate;
	using JITLinkMemoryManager::deallocate;

private:
	class Timed final : public InFlightAlloc {
	public:
		Timed(std::unique_ptr<InFlightAlloc> I, double *Secs) : I(std::move(I)), Secs(Secs) {}
		void finalize(OnFinalizedFunction Done) override
		{
			auto t = Clock::now();

			I->finalize([this, t, Done = std::move(Done)](Expected<FinalizedAlloc> R) mutable {
				*Secs += since(t);
				Done(std::move(R));
			});
		}
		void abandon(OnAbandonedFunction Done) override
		{
			I->abandon(std::move(Done));
		}

	private:
		std::unique_ptr<InFlightAlloc> I;
		double *Secs;
	};

	std::unique_ptr<JITLinkMemoryManager> Inner;
	double *Secs;
};

static const char *const names[] = { "jitmem", "InProcessMemoryMapper",
				     "InProcessMemoryManager (LLJIT's default)" };

static Expected<std::unique_ptr<JITLinkMemoryManager>> managerOf(Manager K)
{
	switch (K) {
	case Manager::Jitmem:
		return jitmem_orc::createMemoryManager();
	case Manager::InProcessMapper:
		return MapperJITLinkMemoryManager::CreateWithMapper<InProcessMemoryMapper>(
			size_t(64) << 20);
	case Manager::Default:
		break;
	}
	return InProcessMemoryManager::Create();
}

static Expected<std::unique_ptr<LLJIT>> timedJIT(Manager K, double *Secs)
{
	LLJITBuilder B;
	auto JTMB = JITTargetMachineBuilder::detectHost();

	if (!JTMB)
		return JTMB.takeError();
	JTMB->setCodeModel(CodeModel::Small);
	JTMB->setRelocationModel(Reloc::PIC_);
	B.setJITTargetMachineBuilder(std::move(*JTMB));
	B.setObjectLinkingLayerCreator(
		[K, Secs](ExecutionSession &ES, const Triple &) -> Expected<std::unique_ptr<ObjectLayer>> {
			auto MM = managerOf(K);
			if (!MM)
				return MM.takeError();
			auto L = std::make_unique<ObjectLinkingLayer>(
				ES, std::make_unique<TimedMemoryManager>(std::move(*MM), Secs));
			auto R = EPCEHFrameRegistrar::Create(ES);
			if (!R)
				return R.takeError();
			L->addPlugin(std::make_unique<EHFrameRegistrationPlugin>(ES, std::move(*R)));
			return std::unique_ptr<ObjectLayer>(std::move(L));
		});
	return B.create();
}

static const int round_ = 250;
static const int weights[4] = { 3, 5, 7, 11 };

struct Run {
	Manager kind;
	std::unique_ptr<LLJIT> jit;
	double link = 0, call = 0, remove = 0;	/* seconds */
	double mm = 0;				/* of which in the memory manager */
	int cycles = 0;
	size_t jitmemMaps = 0;
};

static double lap(Clock::time_point &t)
{
	auto now = Clock::now();
	double s = std::chrono::duration<double>(now - t).count();

	t = now;
	return s;
}

static bool cycle(Run &r, const MemoryBuffer &obj, int i)
{
	JITDylib &JD = r.jit->getMainJITDylib();
	auto t = Clock::now();
	auto RT = JD.createResourceTracker();

	if (Error E = r.jit->addObjectFile(RT, MemoryBuffer::getMemBuffer(obj.getMemBufferRef(), false))) {
		logAllUnhandledErrors(std::move(E), errs(), "orc-bench: add: ");
		return false;
	}
	auto F = lookupAs<int (*)(int)>(*r.jit, JD, "tiny");
	if (!F) {
		logAllUnhandledErrors(F.takeError(), errs(), "orc-bench: lookup: ");
		return false;
	}
	r.link += lap(t);
	int got = (*F)(i);
	r.call += lap(t);
	if (Error E = RT->remove()) {
		logAllUnhandledErrors(std::move(E), errs(), "orc-bench: remove: ");
		return false;
	}
	r.remove += lap(t);
	r.cycles++;
	if (got != i * weights[i & 3] + 1) {
		fprintf(stderr, "orc-bench: %s: tiny(%d) = %d\n", managerName(r.kind), i, got);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	int cycles = argc > 1 ? atoi(argv[1]) : 2000;

	InitializeNativeTarget();
	InitializeNativeTargetAsmPrinter();
	auto obj = readInput("tiny.o");
	if (!obj) {
		logAllUnhandledErrors(obj.takeError(), errs(), "orc-bench: ");
		return 1;
	}

	std::vector<Run> runs(3);
	runs[0].kind = Manager::Jitmem;
	runs[1].kind = Manager::InProcessMapper;
	runs[2].kind = Manager::Default;
	for (Run &r : runs) {
		auto J = timedJIT(r.kind, &r.mm);
		if (!J) {
			logAllUnhandledErrors(J.takeError(), errs(), "orc-bench: LLJIT: ");
			return 1;
		}
		r.jit = std::move(*J);
		/* Warm: the first link reserves the manager's memory. */
		if (!cycle(r, **obj, 0))
			return 1;
		r.link = r.call = r.remove = r.mm = 0;
		r.cycles = 0;
	}

	for (int done = 0; done < cycles; done += round_)
		for (Run &r : runs)
			for (int i = done; i < std::min(cycles, done + round_); i++)
				if (!cycle(r, **obj, i + 1))
					return 1;
	auto maps = readMaps();
	runs[0].jitmemMaps = jitmemMaps(maps).size();

	printf("LLJIT churn: %d objects (tiny.o: code, read-only data, data, .eh_frame) added,\n"
	       "linked, run and removed per manager, in turns of %d, one process\n\n",
	       cycles, round_);
	printf("%-42s %8s %10s %9s %9s %9s\n", "memory manager", "total s", "us/object",
	       "link us", "remove us", "in MM us");
	for (size_t k = 0; k < runs.size(); k++) {
		Run &r = runs[k];
		double total = r.link + r.call + r.remove;

		printf("%-42s %8.3f %10.1f %9.1f %9.1f %9.1f\n", names[k], total,
		       total * 1e6 / r.cycles, r.link * 1e6 / r.cycles, r.remove * 1e6 / r.cycles,
		       r.mm * 1e6 / r.cycles);
	}
	double ratio = (runs[0].link + runs[0].call + runs[0].remove) /
		       (runs[1].link + runs[1].call + runs[1].remove);
	printf("\njitmem / InProcessMemoryMapper: %.2fx in all, %.2fx in the memory manager\n"
	       "/proc/self/maps at the end: %zu lines, %zu of /dev/jitmem\n", ratio,
	       runs[0].mm / runs[1].mm, maps.size(), runs[0].jitmemMaps);

	printf("---- json ----\n{\"cycles\": %d, \"managers\": [", cycles);
	for (size_t k = 0; k < runs.size(); k++) {
		Run &r = runs[k];

		printf("%s{\"name\": \"%s\", \"total_s\": %.6f, \"link_us\": %.2f, "
		       "\"remove_us\": %.2f, \"memory_manager_us\": %.2f}", k ? ", " : "", names[k],
		       r.link + r.call + r.remove, r.link * 1e6 / r.cycles,
		       r.remove * 1e6 / r.cycles, r.mm * 1e6 / r.cycles);
	}
	printf("], \"jitmem_over_inprocess\": %.4f}\n---- end ----\n", ratio);
	return 0;
}
