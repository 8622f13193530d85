# SPDX-License-Identifier: GPL-2.0-only
#
# jitmem top-level Makefile.
#
#   make            build kmod/jitmem.ko for the kernel the test VM boots
#                   (Debian's linux-image-amd64, see scripts/vm-kver)
#   make KDIR=/lib/modules/$(uname -r)/build   build for this host instead
#   make check      install what is missing, build, lint, run every test
#   make demo       install what is missing, build, show the module at work
#   make lint       checkpatch, sparse, W=1, kernel-doc (TAP output)
#
# Other makefiles may add targets in mk/*.mk.

VM_KVER ?= $(shell scripts/vm-kver 2>/dev/null)
KDIR    ?= /lib/modules/$(VM_KVER)/build

SRC_612 := /usr/src/linux-source-6.12.tar.xz
SRC_61  := /usr/src/linux-source-6.1.tar.xz
HARNESS := build/kselftest
CHECKPATCH_DIR := build/checkpatch

export KDIR

.PHONY: all modules deps harness checkpatch userlib selftests tools lint \
	check demo clean

all: modules

modules:
	@test -d "$(KDIR)" || { echo "no kernel build dir '$(KDIR)':" \
		"run 'scripts/deps' or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

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
	$(MAKE) -C selftests HARNESS=$(CURDIR)/$(HARNESS)

lint: checkpatch
	scripts/lint

# mk/*.mk may add TAP-printing targets to CHECK_EXTRA: make check runs them
# last and counts their results.
check:
	CHECK_EXTRA="$(CHECK_EXTRA)" scripts/check

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
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C selftests clean
	@if [ -f userlib/Makefile ]; then $(MAKE) -C userlib clean; fi
	rm -rf build

-include mk/*.mk
