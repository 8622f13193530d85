# SPDX-License-Identifier: GPL-2.0-only
#
# perf and gdb on JIT code in /dev/jitmem (issue 16), included by the top
# Makefile:
#   make check-jittools   examples/check-jittools in the VM: perf record,
#                         perf inject --jit and perf report of the example
#                         JIT, gdb in batch mode on it (TAP; run by make
#                         check).  Needs linux-perf and gdb
#                         (scripts/deps.d/jittools.list).

CHECK_EXTRA += check-jittools

.PHONY: check-jittools

check-jittools: modules
	@$(MAKE) --no-print-directory -C userlib lib > /dev/null
	@$(MAKE) --no-print-directory -C examples all > /dev/null
	@scripts/vm-tap jittools -- examples/check-jittools
