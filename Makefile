# SPDX-License-Identifier: GPL-2.0-only
#
# jitmem top-level Makefile.
#
#   make            build jitmem.ko for the VM's default kernel (6.1) in
#                   build/kmod/RELEASE/ (scripts/kmod-build)
#   make KVER=6.12  for another kernel of scripts/kernels.list, or a release
#                   (KVER=6.12.117+deb12-amd64)
#   make KDIR=/lib/modules/$(uname -r)/build   build for this host instead
#   make modules-all  for every kernel of scripts/kernels.list
#   make check      install what is missing, build, lint, run every test
#   make demo       install what is missing, build, show the module at work
#   make lint       checkpatch, sparse, W=1, kernel-doc (TAP output)
#
# Other makefiles may add targets in mk/*.mk.
#
# Nothing here asks dpkg or the kernel headers when the makefile is read:
# make check and make demo install them first (scripts/deps), and what
# make read before that would be stale.

KVER	?=
KDIR	?=
# What scripts/kmod-build takes, and the path of the module it builds.
KMOD_ARGS = $(if $(KDIR),--kdir $(KDIR),$(KVER))
MODULE	= $(shell scripts/kmod-build --path $(KMOD_ARGS))

SRC_612 := /usr/src/linux-source-6.12.tar.xz
SRC_61  := /usr/src/linux-source-6.1.tar.xz
HARNESS := build/kselftest
CHECKPATCH_DIR := build/checkpatch

.PHONY: all modules modules-all deps harness checkpatch userlib selftests tools lint \
	check demo clean

all: modules

modules:
	@scripts/kmod-build $(KMOD_ARGS)

modules-all:
	@set -e; for k in $$(scripts/vm-kver --list all); do \
		scripts/kmod-build $$k; done

deps:
	scripts/deps

# extract-kernel-files keeps a stamp: a no-op once extracted.
harness:
	@scripts/extract-kernel-files $(SRC_612) $(HARNESS) \
		tools/testing/selftests/kselftest_harness.h \
		tools/testing/selftests/kselftest.h

checkpatch:
	@scripts/extract-kernel-files $(SRC_61) $(CHECKPATCH_DIR) \
		scripts/checkpatch.pl scripts/spelling.txt \
		scripts/const_structs.checkpatch

userlib:
	@if [ -f userlib/Makefile ]; then $(MAKE) -C userlib; fi

selftests: harness
	$(MAKE) -C selftests HARNESS=$(CURDIR)/$(HARNESS) OUTPUT=$(CURDIR)/build/selftests

lint: checkpatch
	scripts/lint

# mk/*.mk may add TAP-printing targets to CHECK_EXTRA (host-only: make
# check runs them once) and to CHECK_VM (VM steps: make check runs them
# once per VM kernel as make KVER=K TARGET, and their vm-run calls boot
# that kernel); it counts their results.
check:
	CHECK_EXTRA="$(CHECK_EXTRA)" CHECK_VM="$(CHECK_VM)" scripts/check

# jitmem-info: prints what JITMEM_IOC_VERSION answers (used by the demo).
TOOLS_CFLAGS := -O2 -g -Wall -Wextra -Werror -Iuapi

tools: build/tools/jitmem-info

build/tools/jitmem-info: tools/jitmem-info/jitmem-info.c uapi/linux/jitmem.h
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -o $@ $<

demo:
	scripts/deps
	$(MAKE) modules tools
	scripts/demo

clean:
	@# Objects of in-tree builds (before build/kmod/) go too.
	rm -f kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd \
		kmod/modules.order .*.cmd modules.order Module.symvers
	-$(MAKE) -C selftests clean
	@if [ -f userlib/Makefile ]; then $(MAKE) -C userlib clean; fi
	rm -rf build

-include mk/*.mk
