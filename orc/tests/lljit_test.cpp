// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * LLJIT on jitmem: clang-compiled C against the same C compiled natively,
 * C++ exceptions across JIT'd and native frames, allocation actions.
 */
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>

#include "tests.h"
#include "calc.h"

using namespace llvm;
using namespace llvm::orc;

bool lookupCalc(LLJIT &J, JITDylib &JD, const std::string &pfx, Calc &c)
{
	Error Err = Error::success();
	auto get = [&](auto &fn, const char *name) {
		auto a = J.lookup(JD, pfx + name);

		if (!a) {
			Err = joinErrors(std::move(Err), a.takeError());
			return;
		}
		fn = a->toPtr<std::remove_reference_t<decltype(fn)>>();
	};

	CALC_FNS(get, c);
	if (Err)
		return failErr("lookup", std::move(Err));
	return true;
}

/* No mapping of the process is writable and executable. */
bool noWX(const std::vector<MapLine> &maps)
{
	bool ok = true;

	for (const MapLine &m : maps)
		if (m.perms.find('w') != std::string::npos && m.perms.find('x') != std::string::npos)
			ok = fail("a writable and executable mapping: %s", m.text.c_str());
	return ok;
}

/* Code at p is in an r-x mapping of /dev/jitmem. */
bool codeFromJitmem(const std::vector<MapLine> &maps, const void *p, const char *what)
{
	const MapLine *m = mapOf(maps, p);

	return CHECK(m && m->perms == "r-xp" && m->path == "/dev/jitmem",
		     "%s at %p: mapping %s", what, p, m ? m->text.c_str() : "none");
}

static bool checkCalc(LLJIT &J, const char *pfx)
{
	Calc jit = {};

	if (!lookupCalc(J, J.getMainJITDylib(), pfx, jit))
		return false;
	auto maps = readMaps();
	bool ok = noWX(maps);
	int code = 0;
	auto count = [&](auto &fn, const char *name) {
		if (strcmp(name, "counter"))
			ok &= codeFromJitmem(maps, (const void *)fn, name), code++;
	};
	CALC_FNS(count, jit);
	const MapLine *d = mapOf(maps, jit.counter);
	ok &= CHECK(d && d->perms == "rw-s" && d->path == "/dev/jitmem", "counter's mapping: %s",
		    d ? d->text.c_str() : "none");
	note("%s: %d functions, each in an r-x mapping of /dev/jitmem; no W|X mapping", pfx, code);
	return compareCalc(jit, nativeCalc(), true) && ok;
}

bool testCBitcode()
{
	struct jitmem *H = openKernel();

	if (!H)
		return false;
	auto J = makeJIT(Manager::Jitmem, H);
	if (!J)
		return failErr("LLJIT", J.takeError());
	auto TSM = readBitcode("calc.bc");
	if (!TSM)
		return failErr("calc.bc", TSM.takeError());
	if (Error E = (*J)->addIRModule(std::move(*TSM)))
		return failErr("addIRModule", std::move(E));
	return checkCalc(**J, "jit_");
}

bool testCObject()
{
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
	return checkCalc(**J, "obj_");
}

/* libgcc's unwinder: the FDE covering pc, if one is registered. */
struct dwarf_eh_bases {
	void *tbase, *dbase, *func;
};
extern "C" const void *_Unwind_Find_FDE(void *pc, struct dwarf_eh_bases *bases);

static bool hasFDE(const void *fn)
{
	dwarf_eh_bases bases;

	return _Unwind_Find_FDE((char *)fn + 1, &bases) != nullptr;
}

struct EH {
	long (*thrower)(long), (*catch_across)(long), (*catch_nested)(long), (*unwound)();
};

static bool checkEH(const EH &e, const char *what)
{
	bool ok = true;
	long r;

	ok &= CHECK((r = e.catch_across(1)) == 2, "%s: catch_across(1) = %ld", what, r);
	ok &= CHECK((r = e.catch_across(5)) == 1005,
		    "%s: a Boom thrown through a native frame, caught in JIT'd code: %ld", what, r);
	ok &= CHECK((r = e.catch_across(-1)) == -(long)strlen("negative input"),
		    "%s: a std::runtime_error through a native frame: %ld", what, r);
	ok &= CHECK((r = e.catch_nested(4)) == 1234, "%s: rethrown at 4 levels: %ld", what, r);
	try {
		e.thrower(-7);
		ok &= fail("%s: thrower(-7) did not throw", what);
	} catch (const std::runtime_error &ex) {
		ok &= CHECK(!strcmp(ex.what(), "negative input"), "%s: native catch: %s", what,
			    ex.what());
	}
	/* Four calls of thrower(), three of them unwound by an exception. */
	ok &= CHECK((r = e.unwound()) == 4, "%s: thrower's destructor ran %ld times, not 4", what,
		    r);
	return ok;
}

/* eh.o and eh.bc, each under a ResourceTracker: registered, then gone with it. */
bool testExceptions()
{
	struct jitmem *H = openKernel();
	bool ok = true;

	if (!H)
		return false;
	struct jitmem_stats empty = statsOf(H);
	auto J = makeJIT(Manager::Jitmem, H);
	if (!J)
		return failErr("LLJIT", J.takeError());
	JITDylib &JD = (*J)->getMainJITDylib();

	for (const char *pfx : { "obj_", "jit_" }) {
		auto RT = JD.createResourceTracker();
		Error E = Error::success();

		if (!strcmp(pfx, "obj_")) {
			auto Obj = readInput("eh.o");
			if (!Obj)
				return failErr("eh.o", Obj.takeError());
			E = (*J)->addObjectFile(RT, std::move(*Obj));
		} else {
			auto TSM = readBitcode("eh.bc");
			if (!TSM)
				return failErr("eh.bc", TSM.takeError());
			E = (*J)->addIRModule(RT, std::move(*TSM));
		}
		if (E)
			return failErr("add", std::move(E));
		EH e = {};
		Error L = Error::success();
		auto get = [&](auto &fn, const char *name) {
			auto a = (*J)->lookup(JD, std::string(pfx) + name);
			if (!a) {
				L = joinErrors(std::move(L), a.takeError());
				return;
			}
			fn = a->toPtr<std::remove_reference_t<decltype(fn)>>();
		};
		get(e.thrower, "thrower");
		get(e.catch_across, "catch_across");
		get(e.catch_nested, "catch_nested");
		get(e.unwound, "unwound");
		if (L)
			return failErr("lookup", std::move(L));
		auto maps = readMaps();
		ok &= codeFromJitmem(maps, (void *)e.thrower, "thrower") && noWX(maps);
		ok &= CHECK(hasFDE((void *)e.thrower) && hasFDE((void *)e.catch_across),
			    "%s: no FDE registered for the JIT'd code", pfx);
		ok &= checkEH(e, pfx);
		if (Error R = RT->remove())
			return failErr("ResourceTracker::remove", std::move(R));
		ok &= CHECK(!hasFDE((void *)e.thrower) && !hasFDE((void *)e.catch_across),
			    "%s: an FDE still registered after the removal", pfx);
		note("%s: thrown and caught across JIT'd and native frames; FDEs registered, then "
		     "deregistered by the removal", pfx);
	}
	struct jitmem_stats st = statsOf(H);
	ok &= CHECK(st.regions == empty.regions, "%llu regions left after the removals",
		    (unsigned long long)st.regions);
	return ok;
}

namespace {
/* Adds action pairs 0..2 to every graph. */
class LoggedActionsPlugin final : public ObjectLinkingLayer::Plugin {
public:
	void modifyPassConfig(MaterializationResponsibility &, jitlink::LinkGraph &,
			      jitlink::PassConfiguration &Config) override
	{
		Config.PostFixupPasses.push_back([](jitlink::LinkGraph &G) {
			for (int i = 0; i < 3; i++)
				G.allocActions().push_back(loggedActions(i));
			return Error::success();
		});
	}
	Error notifyFailed(MaterializationResponsibility &) override
	{
		return Error::success();
	}
	Error notifyRemovingResources(JITDylib &, ResourceKey) override
	{
		return Error::success();
	}
	void notifyTransferringResources(JITDylib &, ResourceKey, ResourceKey) override {}
};
} // namespace

/* Through LLJIT: a failing finalize action fails the lookup with its text, and rolls back. */
bool testLLJITActions()
{
	struct jitmem *H = openKernel();
	bool ok = true;

	if (!H)
		return false;
	auto J = makeJIT(Manager::Jitmem, H);
	if (!J)
		return failErr("LLJIT", J.takeError());
	/* A link's errors go to the session's reporter; the lookup only says it failed. */
	std::string reported;
	(*J)->getExecutionSession().setErrorReporter(
		[&](Error E) { reported += toString(std::move(E)) + "\n"; });
	static_cast<ObjectLinkingLayer &>((*J)->getObjLinkingLayer())
		.addPlugin(std::make_unique<LoggedActionsPlugin>());
	auto Obj = readInput("tiny.o");
	if (!Obj)
		return failErr("tiny.o", Obj.takeError());
	JITDylib &JD = (*J)->getMainJITDylib();

	/* Warm: the manager's slab exists, so the counters can be compared. */
	auto RT = JD.createResourceTracker();
	if (Error E = (*J)->addObjectFile(RT, MemoryBuffer::getMemBuffer(**Obj)))
		return failErr("addObjectFile", std::move(E));
	actionLog.clear();
	auto F = lookupAs<int (*)(int)>(**J, JD, "tiny");
	if (!F)
		return failErr("lookup", F.takeError());
	ok &= CHECK(actionLog == "F0 F1 F2 ", "finalize actions: %s", actionLog.c_str());
	ok &= CHECK((*F)(1) == 6, "tiny(1) = %d", (*F)(1));
	actionLog.clear();
	failDeallocAt = 1;
	Error R = RT->remove();
	failDeallocAt = -1;
	if (!R)
		ok &= fail("ResourceTracker::remove succeeded with a failing dealloc action");
	else {
		std::string text = toString(std::move(R));
		note("remove: %s", text.c_str());
		ok &= CHECK(text.find("injected dealloc failure 1") != std::string::npos,
			    "the dealloc action's error text did not reach remove()");
	}
	ok &= CHECK(actionLog == "D2 D1 D0 ", "dealloc actions: %s", actionLog.c_str());
	struct jitmem_stats warm = statsOf(H);

	RT = JD.createResourceTracker();
	if (Error E = (*J)->addObjectFile(RT, MemoryBuffer::getMemBuffer(**Obj)))
		return failErr("addObjectFile", std::move(E));
	actionLog.clear();
	failFinalizeAt = 2;
	auto G = lookupAs<int (*)(int)>(**J, JD, "tiny");
	failFinalizeAt = -1;
	if (G)
		ok &= fail("lookup succeeded with a failing finalize action");
	else
		note("lookup: %s", toString(G.takeError()).c_str());
	note("reported: %s", reported.c_str());
	ok &= CHECK(reported.find("injected finalize failure 2") != std::string::npos,
		    "the finalize action's error text did not reach the session's reporter");
	ok &= CHECK(actionLog == "F0 F1 F2 D1 D0 ", "rollback: %s", actionLog.c_str());
	ok &= sameStats(H, warm, "after the failed link");
	cantFail(RT->remove());
	return ok;
}
