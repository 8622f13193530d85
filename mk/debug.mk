# SPDX-License-Identifier: GPL-2.0-only
#
# The reliability tier: debug kernel, fuzzer, fault injection, check-debug.
# Included by the top Makefile (-include mk/*.mk).
#
#   make debug-kernel   build or reuse the debug kernel (KASAN, lockdep,
#                       kmemleak, fault injection) in ~/.cache/jitmem, of
#                       version DEBUG_KVER: 6.12 (default) or 6.1
#   make module-debug   build/kmod/RELEASE-jitmem-debug/jitmem.ko, built
#                       against it
#   make fuzz           build/tools/jitmem-fuzz
#   make debug-tests    build/debug/tests/*: selftests/debug/*_test.c
#   make check-fuzz     a short fuzz run in the stock-kernel VM (make check
#                       runs it on each VM kernel: CHECK_VM; KVER= picks one)
#   make check-debug    everything on the debug kernel: scripts/check-debug
#                       (make check-debug DEBUG_KVER=6.1 for 6.1's)

FUZZ		:= build/tools/jitmem-fuzz
FUZZ_SRCS	:= $(wildcard tools/jitmem-fuzz/*.c)
FUZZ_HDRS	:= $(wildcard tools/jitmem-fuzz/*.h)
FUZZ_CALLS	?= 100000
DEBUG_TESTS	:= $(patsubst selftests/debug/%.c,build/debug/tests/%,\
			$(wildcard selftests/debug/*_test.c))

CHECK_VM	+= check-fuzz

.PHONY: debug-kernel module-debug fuzz debug-tests check-fuzz check-debug

debug-kernel:
	scripts/build-debug-kernel --kernel-only

module-debug:
	scripts/build-debug-kernel --module-only

fuzz: $(FUZZ)

$(FUZZ): $(FUZZ_SRCS) $(FUZZ_HDRS) uapi/linux/jitmem.h
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -o $@ $(FUZZ_SRCS)

debug-tests: $(DEBUG_TESTS)

build/debug/tests/%_test: selftests/debug/%_test.c selftests/jitmem_util.h \
			  uapi/linux/jitmem.h | harness
	@mkdir -p $(@D)
	$(CC) -O2 -g -Wall -Wextra -Werror -Iuapi -Iselftests \
		-isystem $(HARNESS) -o $@ $< -pthread

# make check has built the module; a run of its own builds it here.
check-fuzz: $(FUZZ)
	@$(MAKE) -s modules > /dev/null
	@scripts/vm-tap fuzz -- $(FUZZ) -n $(FUZZ_CALLS) -j 2

check-debug:
	@scripts/check-debug
