# SPDX-License-Identifier: GPL-2.0-only
#
# DKMS across kernels (included by the top Makefile).
#   make check-dkms   add jitmem to a DKMS tree in build/, install it for the
#                     default kernel, then `dkms autoinstall` for every other
#                     kernel of scripts/kernels.list as a kernel installed
#                     later would, and check that an unsupported kernel is
#                     skipped (BUILD_EXCLUSIVE_KERNEL); TAP, run by make
#                     check (packaging/tests/dkms-kernels)

CHECK_EXTRA += check-dkms

.PHONY: check-dkms

check-dkms:
	@packaging/tests/dkms-kernels
