/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * jitmem-orc: LLVM 19 ORC memory management over libjitmem.
 *
 * OrcMemoryMapper is an llvm::orc::MemoryMapper on libjitmem's memory-map
 * layer (jitmem_reserve, jitmem_initialize, jitmem_deinitialize,
 * jitmem_release) for LLVM's MapperJITLinkMemoryManager.  JITLink writes
 * into ordinary working memory; the kernel copies it into the target pages,
 * which are never writable and executable at once, and never writable at
 * all when they hold code.  See Documentation/orc.rst.
 *
 * From LLJIT, in one line:
 *
 *	llvm::cantFail(jitmem_orc::configure(Builder));
 */
#ifndef JITMEM_ORC_H
#define JITMEM_ORC_H

#include <cstddef>
#include <memory>

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/MapperJITLinkMemoryManager.h>
#include <llvm/ExecutionEngine/Orc/MemoryMapper.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>

struct jitmem;

namespace jitmem_orc {

struct OrcOptions {
	/* jitmem_open() flags; 0: the kernel backend, /dev/jitmem, or an error. */
	unsigned OpenFlags = 0;
	/* A handle of the caller's to use instead: not closed, must outlive the mapper. */
	struct ::jitmem *Handle = nullptr;
	/* MapperJITLinkMemoryManager reserves slabs of a multiple of this. */
	size_t ReservationGranularity = size_t(64) << 20;
	/* Register .eh_frame sections with allocation actions (createObjectLinkingLayer). */
	bool RegisterEHFrames = true;
};

class OrcMemoryMapper final : public llvm::orc::MemoryMapper {
public:
	/* Opens a handle of its own (O.Handle unset) or uses O.Handle. */
	static llvm::Expected<std::unique_ptr<OrcMemoryMapper>> Create(const OrcOptions &O = {});
	/* Releases every slab it reserved (running pending dealloc actions). */
	~OrcMemoryMapper() override;

	/* The libjitmem handle, e.g. for jitmem_get_stats(). */
	struct ::jitmem *handle() const;

	unsigned int getPageSize() override;
	void reserve(size_t NumBytes, OnReservedFunction OnReserved) override;
	char *prepare(llvm::orc::ExecutorAddr Addr, size_t ContentSize) override;
	void initialize(AllocInfo &AI, OnInitializedFunction OnInitialized) override;
	void deinitialize(llvm::ArrayRef<llvm::orc::ExecutorAddr> Allocations,
			  OnDeinitializedFunction OnDeinitialized) override;
	void release(llvm::ArrayRef<llvm::orc::ExecutorAddr> Reservations,
		     OnReleasedFunction OnReleased) override;

	struct State;

private:
	explicit OrcMemoryMapper(std::unique_ptr<State> S);
	std::unique_ptr<State> S;
};

/* MapperJITLinkMemoryManager over an OrcMemoryMapper. */
llvm::Expected<std::unique_ptr<llvm::orc::MapperJITLinkMemoryManager>>
createMemoryManager(const OrcOptions &O = {});

/* A plugin that registers each graph's .eh_frame with a pair of allocation actions. */
std::unique_ptr<llvm::orc::ObjectLinkingLayer::Plugin> createEHFrameActionsPlugin();

/* An ObjectLinkingLayer owning createMemoryManager(O), with the EH frame plugin. */
llvm::Expected<std::unique_ptr<llvm::orc::ObjectLinkingLayer>>
createObjectLinkingLayer(llvm::orc::ExecutionSession &ES, const OrcOptions &O = {});

/*
 * Prepares an LLJITBuilder: its JITTargetMachineBuilder (the host's if it
 * has none) gets the small code model and PIC, which LLJIT leaves unset once
 * an object linking layer creator is given, and the creator is
 * createObjectLinkingLayer(ES, O).
 */
llvm::Error configure(llvm::orc::LLJITBuilder &B, const OrcOptions &O = {});

} // namespace jitmem_orc

#endif /* JITMEM_ORC_H */
