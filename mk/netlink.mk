# SPDX-License-Identifier: GPL-2.0-only
#
# The generic netlink family "jitmem" (issue 5), included by the top Makefile:
#
#   make jitmemctl           build tools/jitmemctl and its test workload
#   make netlink-spec-check  the YAML spec is valid genetlink-c and the uapi
#                            header defines what it does (TAP)
#   make check-netlink       netlink-spec-check, then jitmemctl's cli_ktest
#                            in the VM (TAP; make check runs the first
#                            once, check-netlink-vm on each VM kernel).  The
#                            family's selftest, selftests/jitmem_netlink_test.c,
#                            runs with the other selftests.
#   make jitmemctl-install   install jitmemctl and its man page (PREFIX, DESTDIR)

CHECK_EXTRA += netlink-spec-check
CHECK_VM += check-netlink-vm

.PHONY: jitmemctl jitmemctl-install jitmemctl-clean netlink-spec-check \
	check-netlink check-netlink-vm

jitmemctl:
	$(MAKE) -C tools/jitmemctl all tests

jitmemctl-install:
	$(MAKE) -C tools/jitmemctl install

jitmemctl-clean:
	$(MAKE) -C tools/jitmemctl clean

clean: jitmemctl-clean

netlink-spec-check:
	@scripts/netlink-spec-check

check-netlink: jitmemctl
	@scripts/netlink-spec-check; spec=$$?; \
	$(MAKE) -s --no-print-directory check-netlink-vm; \
	vm=$$?; [ $$spec = 0 ] && [ $$vm = 0 ]

check-netlink-vm: jitmemctl modules
	@scripts/vm-run -- scripts/vm-tests tools/jitmemctl/tests/cli_ktest
