// SPDX-License-Identifier: MIT OR LGPL-2.1
/* LLJIT set-ups and process inspection shared by the tests and the benchmark. */
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/ExecutionEngine/Orc/EPCEHFrameRegistrar.h>
#include <llvm/ExecutionEngine/Orc/MapperJITLinkMemoryManager.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/Support/MemoryBuffer.h>

#include "tests.h"

using namespace llvm;
using namespace llvm::orc;

const char *managerName(Manager K)
{
	switch (K) {
	case Manager::Jitmem:
		return "jitmem";
	case Manager::InProcessMapper:
		return "InProcessMemoryMapper";
	case Manager::Default:
		return "LLJIT default";
	}
	return "?";
}

/* As LLJIT's default, with MapperJITLinkMemoryManager over InProcessMemoryMapper. */
static Error setUpInProcessMapper(LLJITBuilder &B)
{
	auto JTMB = JITTargetMachineBuilder::detectHost();

	if (!JTMB)
		return JTMB.takeError();
	JTMB->setCodeModel(CodeModel::Small);
	JTMB->setRelocationModel(Reloc::PIC_);
	B.setJITTargetMachineBuilder(std::move(*JTMB));
	B.setObjectLinkingLayerCreator(
		[](ExecutionSession &ES, const Triple &) -> Expected<std::unique_ptr<ObjectLayer>> {
			auto MM = MapperJITLinkMemoryManager::CreateWithMapper<InProcessMemoryMapper>(
				size_t(64) << 20);
			if (!MM)
				return MM.takeError();
			auto L = std::make_unique<ObjectLinkingLayer>(ES, std::move(*MM));
			auto R = EPCEHFrameRegistrar::Create(ES);
			if (!R)
				return R.takeError();
			L->addPlugin(std::make_unique<EHFrameRegistrationPlugin>(ES, std::move(*R)));
			return std::unique_ptr<ObjectLayer>(std::move(L));
		});
	return Error::success();
}

Expected<std::unique_ptr<LLJIT>> makeJIT(Manager K, struct jitmem *H, unsigned Threads)
{
	LLJITBuilder B;

	if (Threads)
		B.setNumCompileThreads(Threads);
	if (K == Manager::Jitmem) {
		jitmem_orc::OrcOptions O;

		O.Handle = H;
		if (Error E = jitmem_orc::configure(B, O))
			return std::move(E);
	} else if (K == Manager::InProcessMapper) {
		if (Error E = setUpInProcessMapper(B))
			return std::move(E);
	}
	return B.create();
}

std::string inputPath(const char *name)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return name;
	exe[n] = 0;
	std::string dir(exe);
	return dir.substr(0, dir.rfind('/') + 1) + name;
}

Expected<std::unique_ptr<MemoryBuffer>> readInput(const char *name)
{
	auto B = MemoryBuffer::getFile(inputPath(name));

	if (!B)
		return createStringError(B.getError(), "%s", inputPath(name).c_str());
	return std::move(*B);
}

Expected<ThreadSafeModule> readBitcode(const char *name)
{
	auto Buf = readInput(name);

	if (!Buf)
		return Buf.takeError();
	auto Ctx = std::make_unique<LLVMContext>();
	auto M = parseBitcodeFile((*Buf)->getMemBufferRef(), *Ctx);
	if (!M)
		return M.takeError();
	return ThreadSafeModule(std::move(*M), std::move(Ctx));
}

std::vector<MapLine> readMaps()
{
	std::ifstream f("/proc/self/maps");
	std::vector<MapLine> maps;
	std::string line;

	while (std::getline(f, line)) {
		MapLine m;
		char perms[8] = "", path[512] = "";
		unsigned long lo, hi;

		if (sscanf(line.c_str(), "%lx-%lx %7s %*s %*s %*s %511[^\n]", &lo, &hi, perms,
			   path) < 3)
			continue;
		m.lo = lo;
		m.hi = hi;
		m.perms = perms;
		m.path = path;
		m.text = line;
		maps.push_back(m);
	}
	return maps;
}

const MapLine *mapOf(const std::vector<MapLine> &maps, const void *p)
{
	uintptr_t a = reinterpret_cast<uintptr_t>(p);

	for (const MapLine &m : maps)
		if (a >= m.lo && a < m.hi)
			return &m;
	return nullptr;
}

std::vector<std::string> jitmemMaps(const std::vector<MapLine> &maps)
{
	std::vector<std::string> v;

	for (const MapLine &m : maps)
		if (m.path == "/dev/jitmem")
			v.push_back(m.text);
	return v;
}
