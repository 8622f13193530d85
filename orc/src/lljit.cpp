// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The ready-made pieces: a JITLinkMemoryManager, an EH frame plugin that
 * works through allocation actions, an ObjectLinkingLayer with both, and
 * the LLJITBuilder set-up.
 */
#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/Shared/SimplePackedSerialization.h>
#include <llvm/ExecutionEngine/Orc/TargetProcess/RegisterEHFrames.h>

#include <jitmem/orc.h>

using namespace llvm;
using namespace llvm::orc;

namespace jitmem_orc {

Expected<std::unique_ptr<MapperJITLinkMemoryManager>> createMemoryManager(const OrcOptions &O)
{
	auto Mapper = OrcMemoryMapper::Create(O);

	if (!Mapper)
		return Mapper.takeError();
	return std::make_unique<MapperJITLinkMemoryManager>(O.ReservationGranularity,
							    std::move(*Mapper));
}

namespace {

/*
 * Registers a graph's .eh_frame with the unwinder in a finalize action and
 * deregisters it in the paired dealloc action, so both happen in the
 * memory manager's initialize and deinitialize: before the code can run,
 * and before its memory goes.  (LLVM 19's EHFrameRegistrationPlugin does it
 * from the layer's notifications instead.)
 */
class EHFrameActionsPlugin final : public ObjectLinkingLayer::Plugin {
public:
	void modifyPassConfig(MaterializationResponsibility &, jitlink::LinkGraph &,
			      jitlink::PassConfiguration &Config) override
	{
		Config.PostFixupPasses.push_back(addActions);
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

private:
	static Error addActions(jitlink::LinkGraph &G)
	{
		using Args = shared::SPSArgList<shared::SPSExecutorAddrRange>;
		jitlink::Section *Sec = G.findSectionByName(".eh_frame");

		if (!Sec)
			return Error::success();
		jitlink::SectionRange R(*Sec);
		if (R.empty())
			return Error::success();
		auto Reg = shared::WrapperFunctionCall::Create<Args>(
			ExecutorAddr::fromPtr(&llvm_orc_registerEHFrameSectionWrapper), R.getRange());
		if (!Reg)
			return Reg.takeError();
		auto Dereg = shared::WrapperFunctionCall::Create<Args>(
			ExecutorAddr::fromPtr(&llvm_orc_deregisterEHFrameSectionWrapper), R.getRange());
		if (!Dereg)
			return Dereg.takeError();
		G.allocActions().push_back({std::move(*Reg), std::move(*Dereg)});
		return Error::success();
	}
};

} // namespace

std::unique_ptr<ObjectLinkingLayer::Plugin> createEHFrameActionsPlugin()
{
	return std::make_unique<EHFrameActionsPlugin>();
}

Expected<std::unique_ptr<ObjectLinkingLayer>> createObjectLinkingLayer(ExecutionSession &ES,
									const OrcOptions &O)
{
	auto MM = createMemoryManager(O);

	if (!MM)
		return MM.takeError();
	auto L = std::make_unique<ObjectLinkingLayer>(ES, std::move(*MM));
	if (O.RegisterEHFrames)
		L->addPlugin(createEHFrameActionsPlugin());
	return std::move(L);
}

Error configure(LLJITBuilder &B, const OrcOptions &O)
{
	auto &JTMB = B.getJITTargetMachineBuilder();

	if (!JTMB) {
		auto Host = JITTargetMachineBuilder::detectHost();

		if (!Host)
			return Host.takeError();
		JTMB = std::move(*Host);
	}
	/* LLJIT sets these itself only when it creates the linking layer. */
	JTMB->setCodeModel(CodeModel::Small);
	JTMB->setRelocationModel(Reloc::PIC_);
	B.setObjectLinkingLayerCreator(
		[O](ExecutionSession &ES, const Triple &) -> Expected<std::unique_ptr<ObjectLayer>> {
			auto L = createObjectLinkingLayer(ES, O);

			if (!L)
				return L.takeError();
			return std::unique_ptr<ObjectLayer>(std::move(*L));
		});
	return Error::success();
}

} // namespace jitmem_orc
