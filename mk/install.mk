# SPDX-License-Identifier: GPL-2.0-only
#
# Installation (included by the top Makefile).
#
#   make install [DESTDIR=] [PREFIX=/usr/local] [SIGN=1 | SIGN_KEY= SIGN_CERT=]
#       the module (/lib/modules/<its kernel>/updates/jitmem.ko) and a
#       modules-load.d entry that loads it at boot, libjitmem (library,
#       header, jitmem.pc, man pages: userlib/Makefile), the uapi headers,
#       jitmemctl and jitmem-info with their man pages, the udev rule and
#       the sysusers.d file for group "jitmem" (install-udev, also for
#       DKMS installs).  SIGN=1 signs the installed
#       copy with scripts/sign-module's default key (DKMS's),
#       SIGN_KEY/SIGN_CERT with that key.  Without DESTDIR, also runs
#       depmod and ldconfig, creates the group and reloads udev's rules.
#   make uninstall [DESTDIR=] [PREFIX=]
#       removes what make install (same PREFIX, DESTDIR) installed; the
#       group stays.
#   make install-dkms-src / uninstall-dkms-src [DESTDIR=]
#       the DKMS source tree, /usr/src/jitmem-<version>; then, as root,
#       `dkms install jitmem/<version>` (uninstall: `dkms remove` first).
#   make check-packaging
#       versions, DESTDIR install and uninstall, signing, `dkms build`
#       against the VM kernel's headers, and a VM booted with
#       module.sig_enforce=1 that must refuse the module (TAP;
#       build/packaging/).
#
# Where systemd and udev look (systemd 252: udev(7), sysusers.d(5),
# modules-load.d(5)): /usr/lib/... for the distribution's files,
# /usr/local/lib/... for the local administrator's, /etc/... for
# configuration.  So PREFIX=/usr and /usr/local install the udev rule,
# the sysusers.d and modules-load.d files under PREFIX/lib, and any
# other PREFIX (nothing reads /opt/...) under /etc.

JITMEM_VERSION := $(shell cat VERSION)

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man

ifeq ($(PREFIX),/usr)
SYSTEMD_LIBDIR := /usr/lib
# Debian 12's udev.pc says /lib/udev, later ones /usr/lib/udev.
UDEVDIR ?= $(shell pkg-config --variable=udevdir udev 2>/dev/null || echo /usr/lib/udev)
else ifeq ($(PREFIX),/usr/local)
SYSTEMD_LIBDIR := /usr/local/lib
UDEVDIR ?= /usr/local/lib/udev
else
SYSTEMD_LIBDIR := /etc
UDEVDIR ?= /etc/udev
endif
UDEVRULESDIR   ?= $(UDEVDIR)/rules.d
SYSUSERSDIR    ?= $(SYSTEMD_LIBDIR)/sysusers.d
MODULESLOADDIR ?= $(SYSTEMD_LIBDIR)/modules-load.d

# The kernel of the module: KVER, else what the module was built for, else
# KDIR's.  (The top Makefile defines KVER, empty by default: ?= would not
# do.)
INSTALL_KVER = $(or $(KVER),$(shell modinfo -F vermagic $(MODULE) 2>/dev/null | cut -d' ' -f1),\
	$(notdir $(patsubst %/,%,$(dir $(KDIR)))))
MODULEDIR ?= /lib/modules/$(INSTALL_KVER)/updates
DKMS_SRCDIR ?= /usr/src/jitmem-$(JITMEM_VERSION)

# Module files the DKMS tree needs (Kbuild includes ../uapi, reads ../VERSION).
DKMS_FILES := Kbuild VERSION kmod/Kbuild $(wildcard kmod/*.c kmod/*.h) \
	$(wildcard uapi/linux/*.h)
DKMS_FILES := $(filter-out kmod/%.mod.c,$(DKMS_FILES))

UAPI_HDRS := $(notdir $(wildcard uapi/linux/*.h))
LIB_MANS  := $(notdir $(wildcard userlib/man/*.3))
JITMEMCTL := tools/jitmemctl/jitmemctl

.PHONY: install install-module install-lib install-uapi install-tools \
	install-udev install-dkms-src uninstall uninstall-module \
	uninstall-lib uninstall-uapi uninstall-tools uninstall-udev \
	uninstall-dkms-src check-packaging

install: install-module install-lib install-uapi install-tools install-udev

install-module: modules
	@set -e; kver=$$(modinfo -F vermagic $(MODULE) | cut -d' ' -f1); \
	dst=$(DESTDIR)/lib/modules/$$kver/updates; \
	install -d $$dst; \
	install -m 0644 $(MODULE) $$dst/jitmem.ko; \
	echo "  INSTALL $$dst/jitmem.ko"; \
	if [ -n "$(SIGN_KEY)" ]; then \
		scripts/sign-module --key "$(SIGN_KEY)" --cert "$(SIGN_CERT)" $$dst/jitmem.ko; \
	elif [ -n "$(SIGN)" ]; then \
		scripts/sign-module $$dst/jitmem.ko; \
	fi; \
	if [ -z "$(DESTDIR)" ]; then depmod -a $$kver; fi

install-lib:
	$(MAKE) -C userlib install PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) \
		INCLUDEDIR=$(INCLUDEDIR) MANDIR=$(MANDIR) DESTDIR=$(DESTDIR)
	@if [ -z "$(DESTDIR)" ]; then \
		ldconfig; \
		ldconfig -p | grep -qF '=> $(LIBDIR)/libjitmem.so.1' || \
			echo "install: $(LIBDIR) is not in the loader's path (/etc/ld.so.conf.d)" >&2; \
	fi

install-uapi:
	install -d $(DESTDIR)$(INCLUDEDIR)/linux
	install -m 0644 $(addprefix uapi/linux/,$(UAPI_HDRS)) $(DESTDIR)$(INCLUDEDIR)/linux/

install-tools: tools
	install -D -m 0755 build/tools/jitmem-info $(DESTDIR)$(BINDIR)/jitmem-info
	install -D -m 0644 tools/jitmem-info/jitmem-info.1 \
		$(DESTDIR)$(MANDIR)/man1/jitmem-info.1
	$(MAKE) -C tools/jitmemctl install PREFIX=$(PREFIX) SBINDIR=$(SBINDIR) \
		MANDIR=$(MANDIR) DESTDIR=$(DESTDIR)

# The device's group and the load at boot: for DKMS installs too.
install-udev:
	install -D -m 0644 packaging/60-jitmem.rules $(DESTDIR)$(UDEVRULESDIR)/60-jitmem.rules
	install -D -m 0644 packaging/jitmem.sysusers $(DESTDIR)$(SYSUSERSDIR)/jitmem.conf
	install -D -m 0644 packaging/jitmem.modules-load $(DESTDIR)$(MODULESLOADDIR)/jitmem.conf
	@if [ -z "$(DESTDIR)" ]; then \
		if command -v systemd-sysusers > /dev/null; then \
			systemd-sysusers $(SYSUSERSDIR)/jitmem.conf; \
		elif ! getent group jitmem > /dev/null; then \
			groupadd --system jitmem; \
		fi; \
		udevadm control --reload-rules 2> /dev/null || true; \
	fi

# PACKAGE_VERSION is VERSION's, whatever the tree's dkms.conf says.
install-dkms-src:
	@set -e; for f in $(DKMS_FILES); do \
		install -D -m 0644 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f; \
	done; \
	sed 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(JITMEM_VERSION)"/' dkms.conf > \
		$(DESTDIR)$(DKMS_SRCDIR)/dkms.conf; \
	chmod 0644 $(DESTDIR)$(DKMS_SRCDIR)/dkms.conf; \
	echo "  INSTALL $(DESTDIR)$(DKMS_SRCDIR)"

uninstall: uninstall-module uninstall-lib uninstall-uapi uninstall-tools uninstall-udev

uninstall-module:
	@if [ -z "$(INSTALL_KVER)" ]; then \
		echo "uninstall: which kernel? Build the module or set KVER=" >&2; exit 1; fi
	rm -f $(DESTDIR)$(MODULEDIR)/jitmem.ko
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(INSTALL_KVER); fi

uninstall-lib:
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/,libjitmem.so.1 libjitmem.so libjitmem.a \
		pkgconfig/jitmem.pc) $(DESTDIR)$(INCLUDEDIR)/jitmem.h \
		$(addprefix $(DESTDIR)$(MANDIR)/man3/,$(LIB_MANS))
	@if [ -z "$(DESTDIR)" ]; then ldconfig; fi

uninstall-uapi:
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/linux/,$(UAPI_HDRS))

uninstall-tools:
	rm -f $(DESTDIR)$(BINDIR)/jitmem-info $(DESTDIR)$(MANDIR)/man1/jitmem-info.1 \
		$(DESTDIR)$(SBINDIR)/jitmemctl $(DESTDIR)$(MANDIR)/man8/jitmemctl.8

uninstall-udev:
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-jitmem.rules $(DESTDIR)$(SYSUSERSDIR)/jitmem.conf \
		$(DESTDIR)$(MODULESLOADDIR)/jitmem.conf
	@if [ -z "$(DESTDIR)" ]; then udevadm control --reload-rules 2> /dev/null || true; fi

uninstall-dkms-src:
	@if [ -z "$(DESTDIR)" ] && command -v dkms > /dev/null && \
	    dkms status -m jitmem -v $(JITMEM_VERSION) | grep -q .; then \
		echo "uninstall: jitmem/$(JITMEM_VERSION) is in DKMS: dkms remove jitmem/$(JITMEM_VERSION) --all first" >&2; \
		exit 1; \
	fi
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)

CHECK_EXTRA += check-packaging

check-packaging: modules
	@packaging/tests/run
