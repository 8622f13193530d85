# SPDX-License-Identifier: GPL-2.0-only
#
# make check-first-run: make check and make demo work the first time on a
# fresh machine (scripts/first-run-test; TAP, run by make check).

CHECK_EXTRA += check-first-run

.PHONY: check-first-run

check-first-run:
	@scripts/first-run-test
