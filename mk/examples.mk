# SPDX-License-Identifier: GPL-2.0-only
#
# The example JIT (examples/), included by the top Makefile.  make demo
# runs scripts/demo; make check runs check-examples: the JIT against its
# interpreter on the host (userspace backend, sanitizers) and in the VM
# (kernel backend), the causes the examples and jitmem-info name when the
# kernel backend cannot be used, and every check of the demo in the VM, as TAP.

CHECK_EXTRA += check-examples

.PHONY: check-examples

check-examples: modules
	@$(MAKE) --no-print-directory -C userlib lib > /dev/null
	@$(MAKE) --no-print-directory -C examples all exprjit-san > /dev/null
	@$(MAKE) --no-print-directory tools > /dev/null
	@$(MAKE) --no-print-directory -s -C examples check
	@tools/jitmem-info/check
	@scripts/vm-run -- examples/check-vm
