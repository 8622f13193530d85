# SPDX-License-Identifier: GPL-2.0-only
#
# The generic netlink family "jitmem" (issue 5), included by the top Makefile:
#
#   make jitmemctl           build tools/jitmemctl and its test workload
#   make netlink-spec-check  the YAML spec is valid, the uapi header matches it
#   make netlink-check       the two above, then in the VM the netlink
#                            selftest and jitmemctl's cli_ktest (TAP)
#   make jitmemctl-install   install jitmemctl and its man page (PREFIX, DESTDIR)

.PHONY: jitmemctl jitmemctl-install jitmemctl-clean netlink-spec-check \
	netlink-check

jitmemctl:
	$(MAKE) -C tools/jitmemctl all tests

jitmemctl-install:
	$(MAKE) -C tools/jitmemctl install

jitmemctl-clean:
	$(MAKE) -C tools/jitmemctl clean

clean: jitmemctl-clean

netlink-spec-check:
	scripts/netlink-spec-check

netlink-check: modules selftests jitmemctl netlink-spec-check
	scripts/vm-run -- scripts/vm-tests selftests/jitmem_netlink_test \
		tools/jitmemctl/tests/cli_ktest
