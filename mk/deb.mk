# SPDX-License-Identifier: GPL-2.0-only
#
# Debian packages (debian/), included by the top Makefile.
#
#   make deb            jitmem-dkms, libjitmem1, libjitmem-dev, jitmem-tools
#                       (dpkg-buildpackage -us -uc -b in a copy of the tree:
#                       build/deb/*.deb)
#   make check-system   the packages and make install as an administrator
#                       meets them: built and lintian-clean; installed into
#                       throw-away copies of the system (dpkg -i, DKMS in
#                       the postinst; make install), the module loaded from
#                       there in the VM as at boot, the demo and the tools
#                       run against what was installed; dpkg --purge and
#                       make uninstall leave nothing (TAP, build/system/;
#                       as root; run by make check, about 3 minutes)

CHECK_EXTRA += check-system

.PHONY: deb check-system

deb:
	packaging/build-deb

check-system:
	@packaging/tests/system
