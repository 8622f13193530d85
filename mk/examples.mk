# SPDX-License-Identifier: GPL-2.0-only
#
# The example JIT (examples/), included by the top Makefile.  make demo
# runs scripts/demo; make check runs check-examples-host: the JIT against
# its interpreter on the host (userspace backend, sanitizers) and the causes
# the examples and jitmem-info name when the kernel backend cannot be used;
# and on each VM kernel check-examples-vm: the JIT in the VM (kernel
# backend) and every check of the demo, as TAP.  make check-examples runs
# both (KVER= picks the VM's kernel).

CHECK_EXTRA += check-examples-host
CHECK_VM += check-examples-vm

.PHONY: check-examples check-examples-host check-examples-vm examples-build

check-examples: check-examples-host check-examples-vm

examples-build:
	@$(MAKE) --no-print-directory -C userlib lib > /dev/null
	@$(MAKE) --no-print-directory -C examples all exprjit-san > /dev/null
	@$(MAKE) --no-print-directory tools > /dev/null

check-examples-host: examples-build
	@$(MAKE) --no-print-directory -s -C examples check
	@tools/jitmem-info/check

check-examples-vm: modules examples-build
	@scripts/vm-run -- examples/check-vm
