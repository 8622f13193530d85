# SPDX-License-Identifier: GPL-2.0-only
#
# Installation and its tests (included by the top Makefile).
#
#   make install [DESTDIR=] [PREFIX=/usr/local] [SIGN=1 | SIGN_KEY= SIGN_CERT=]
#       the module (/lib/modules/<its kernel>/updates/jitmem.ko), libjitmem
#       (library, header, jitmem.pc, man pages: userlib/Makefile), the uapi
#       headers, the udev rule and the sysusers.d file for group "jitmem".
#       SIGN=1 signs the installed module with scripts/sign-module's key,
#       SIGN_KEY/SIGN_CERT with that key.  Without DESTDIR, also runs
#       depmod and creates the group.
#   make install-dkms-src [DESTDIR=]
#       the DKMS source tree, /usr/src/jitmem-<version>; then, as root,
#       `dkms install jitmem/<version>`.
#   make check-packaging
#       version, DESTDIR install, signing, `dkms build` against the VM
#       kernel's headers, and a VM booted with module.sig_enforce=1 that
#       must refuse the module (TAP; build/packaging/).

PREFIX        ?= /usr/local
INCLUDEDIR    ?= $(PREFIX)/include
UDEVRULESDIR  ?= $(shell pkg-config --variable=udevdir udev 2>/dev/null || echo /lib/udev)/rules.d
SYSUSERSDIR   ?= /usr/lib/sysusers.d
JITMEM_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRCDIR   ?= /usr/src/jitmem-$(JITMEM_VERSION)

# Module files the DKMS tree needs (Kbuild includes ../uapi).
DKMS_FILES := dkms.conf Kbuild kmod/Kbuild $(wildcard kmod/*.c kmod/*.h) \
	$(wildcard uapi/linux/*.h)
DKMS_FILES := $(filter-out kmod/%.mod.c,$(DKMS_FILES))

.PHONY: install install-module install-lib install-uapi install-udev \
	install-dkms-src check-packaging

install: install-module install-lib install-uapi install-udev

# The module goes to the kernel it was built for (its vermagic).
install-module: modules
	@kver=$$(modinfo -F vermagic $(MODULE) | cut -d' ' -f1); \
	dst=$(DESTDIR)/lib/modules/$$kver/updates; \
	set -e; \
	install -d $$dst; \
	install -m 0644 $(MODULE) $$dst/jitmem.ko; \
	echo "  INSTALL $$dst/jitmem.ko"; \
	if [ -n "$(SIGN_KEY)" ]; then \
		scripts/sign-module --key "$(SIGN_KEY)" --cert "$(SIGN_CERT)" $$dst/jitmem.ko; \
	elif [ -n "$(SIGN)" ]; then \
		scripts/sign-module $$dst/jitmem.ko; \
	fi; \
	if [ -z "$(DESTDIR)" ]; then depmod -a $$kver; fi

# -W: jitmem.pc holds PREFIX, but userlib's rule does not depend on it.
install-lib:
	$(MAKE) -C userlib -W jitmem.pc.in install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

install-uapi:
	install -d $(DESTDIR)$(INCLUDEDIR)/linux
	install -m 0644 $(wildcard uapi/linux/*.h) $(DESTDIR)$(INCLUDEDIR)/linux/

install-udev:
	install -d $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 packaging/60-jitmem.rules $(DESTDIR)$(UDEVRULESDIR)/60-jitmem.rules
	install -m 0644 packaging/jitmem.sysusers $(DESTDIR)$(SYSUSERSDIR)/jitmem.conf
	@if [ -z "$(DESTDIR)" ]; then \
		if command -v systemd-sysusers > /dev/null; then \
			systemd-sysusers $(SYSUSERSDIR)/jitmem.conf; \
		elif ! getent group jitmem > /dev/null; then \
			groupadd --system jitmem; \
		fi; \
		udevadm control --reload-rules 2> /dev/null || true; \
	fi

install-dkms-src:
	@set -e; for f in $(DKMS_FILES); do \
		install -D -m 0644 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f; \
	done; echo "  INSTALL $(DESTDIR)$(DKMS_SRCDIR)"

CHECK_EXTRA += check-packaging

check-packaging: modules
	@packaging/tests/run
