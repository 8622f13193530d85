# SPDX-License-Identifier: GPL-2.0-only
#
# The SELinux policy module (packaging/selinux/), included by the top
# Makefile.  Needs selinux-policy-dev (scripts/deps.d/selinux.list).
#
#   make selinux         build/selinux/jitmem.pp, to load with
#                        `semodule -i` (see the admin guide)
#   make check-selinux   the module and the admin guide's examples build,
#                        link with the reference policy into one
#                        checkpolicy accepts, and give a JIT domain jitmem
#                        and no execmem (TAP; run by make check)

CHECK_EXTRA += check-selinux

.PHONY: selinux check-selinux

selinux:
	@mkdir -p build/selinux
	cp packaging/selinux/jitmem.te packaging/selinux/jitmem.if \
		packaging/selinux/jitmem.fc build/selinux/
	$(MAKE) -C build/selinux -f /usr/share/selinux/devel/Makefile jitmem.pp

check-selinux:
	@packaging/tests/selinux
