# SPDX-License-Identifier: GPL-2.0-only
#
# jitmem top-level Makefile.  The module builds against the kernel the test
# VM boots (Debian's linux-image-amd64); pass KDIR=/lib/modules/$(uname -r)/build
# to build for the running host instead.

VM_KVER ?= $(shell scripts/vm-kver 2>/dev/null)
KDIR ?= /lib/modules/$(VM_KVER)/build
O_BUILD := $(CURDIR)/build

.PHONY: all modules clean

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean || true
	rm -rf $(O_BUILD)
