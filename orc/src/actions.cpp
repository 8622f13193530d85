// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * ORC allocation actions as libjitmem action pairs.  libjitmem runs them
 * with ORC's order and rollback (finalize actions in order; on a failure,
 * the dealloc actions of the pairs before it in reverse; at deinitialize,
 * every dealloc action in reverse); here each one is a WrapperFunctionCall
 * run in this process, and its error's text is kept for LLVM.
 */
#include <cerrno>
#include <cstdio>

#include "internal.h"

using namespace llvm;

namespace jitmem_orc {

/*
 * The whole text of LLVM's error stays in the context, and the caller
 * picks it up (actionErrors); libjitmem's message gets what fits.
 */
int runAction(void *Arg, struct jitmem_result *Res)
{
	auto *A = static_cast<ActionCtx *>(Arg);

	if (Error E = A->Call.runWithSPSRetErrorMerged()) {
		A->Err = toString(std::move(E));
		if (Res)
			snprintf(Res->message, sizeof(Res->message), "%s", A->Err.c_str());
		return -EIO;
	}
	return 0;
}

Error actionErrors(const Alloc &A)
{
	Error Err = Error::success();

	/* The finalize action that failed first, then the dealloc actions of its rollback. */
	for (size_t I = 0; I < 2 * A.NActions; I++) {
		const ActionCtx &C = A.Actions[I < A.NActions ? 2 * I : 2 * (I - A.NActions) + 1];

		if (!C.Err.empty())
			Err = joinErrors(std::move(Err),
					 createStringError(std::errc::io_error, "%s action %zu of %zu: %s",
							   C.What, C.Index, A.NActions, C.Err.c_str()));
	}
	return Err;
}

} // namespace jitmem_orc
