// SPDX-License-Identifier: MIT
/*
 * The LLJIT example of Documentation/orc.rst as a program: built by
 * orc/tests/install-check against an installed jitmem-orc.pc, run in the VM
 * by orc/tests/example_ktest.  ten-lines FILE.bc [ARG...] runs its main().
 */
#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>

#include <jitmem/orc.h>

int main(int argc, char **argv)
{
	auto Ctx = std::make_unique<llvm::LLVMContext>();
	auto Buf = llvm::cantFail(llvm::errorOrToExpected(llvm::MemoryBuffer::getFile(argv[1])));
	auto M = llvm::cantFail(llvm::parseBitcodeFile(Buf->getMemBufferRef(), *Ctx));
	llvm::orc::ThreadSafeModule Module(std::move(M), std::move(Ctx));
	argc--, argv++;

	/* From here, as in the documentation. */
	llvm::InitializeNativeTarget();
	llvm::InitializeNativeTargetAsmPrinter();
	llvm::orc::LLJITBuilder Builder;
	llvm::cantFail(jitmem_orc::configure(Builder));   /* the jitmem line */
	auto J = llvm::cantFail(Builder.create());
	llvm::cantFail(J->addIRModule(std::move(Module)));
	auto Main = llvm::cantFail(J->lookup("main")).toPtr<int (*)(int, char **)>();
	return Main(argc, argv);
}
