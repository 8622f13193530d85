# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: tools/jitmem-bench in the stock-kernel VM (2 vCPUs, so that a
# busy second thread makes TLB shootdowns), then bench-orc if it builds.
# Not a test: it asserts no time.  The tables and issue 14's targets are
# shown; the JSON goes to build/bench/results.json, the whole output to
# build/bench/output.txt.  Documentation/benchmarks.rst records a run.
#
#   make bench BENCH_MODULE=PATH   the same binary against another jitmem.ko
#   make bench BENCH_ORC=0         without bench-orc
#   make bench BENCH_T=SECONDS     time per figure (default 0.5)
#   make bench BENCH_ACCEL=kvm     the targets are read under TCG (default;
#                                  nested KVM does not boot on the project's machine)
#   make bench BENCH_CPU=MODEL     the guest CPU (default max,-erms,-fsrm: TCG runs
#                                  each iteration of a rep movs/stos on its own, so
#                                  with ERMS the kernel copies a byte per step;
#                                  Documentation/benchmarks.rst)

BENCH		:= build/tools/jitmem-bench
BENCH_OBJDIR	:= build/tools/jitmem-bench.o
BENCH_CSRCS	:= $(wildcard tools/jitmem-bench/*.c)
BENCH_CXXSRCS	:= $(wildcard tools/jitmem-bench/*.cc)
BENCH_OBJS	:= $(patsubst tools/jitmem-bench/%,$(BENCH_OBJDIR)/%.o,\
			$(BENCH_CSRCS) $(BENCH_CXXSRCS))
BENCH_LIBJITMEM	:= userlib/build/libjitmem.a
BENCH_INC	:= -Iuserlib/include -Iuserlib/build/include
BENCH_ORC	?= 1
BENCH_T		?= 0.5
BENCH_ACCEL	?= tcg
BENCH_CPU	?= max,-erms,-fsrm
BENCH_VMFLAGS	:= $(if $(BENCH_MODULE),--module $(BENCH_MODULE))

.PHONY: bench bench-build

$(BENCH_OBJDIR)/%.c.o: tools/jitmem-bench/%.c tools/jitmem-bench/bench.h \
		uapi/linux/jitmem.h userlib/include/jitmem.h | $(BENCH_LIBJITMEM)
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) $(BENCH_INC) -c -o $@ $<

$(BENCH_OBJDIR)/%.cc.o: tools/jitmem-bench/%.cc tools/jitmem-bench/bench.h | $(BENCH_LIBJITMEM)
	@mkdir -p $(@D)
	$(CXX) -O2 -g -Wall -Wextra -Werror $(BENCH_INC) -c -o $@ $<

$(BENCH_LIBJITMEM): $(wildcard userlib/src/*.[ch]) userlib/include/jitmem.h \
		userlib/libjitmem.map uapi/linux/jitmem.h
	@$(MAKE) --no-print-directory -C userlib lib > /dev/null

$(BENCH): $(BENCH_OBJS) $(BENCH_LIBJITMEM)
	@mkdir -p $(@D)
	$(CXX) -o $@ $(BENCH_OBJS) $(BENCH_LIBJITMEM) -lasmjit -pthread

bench-build: $(BENCH)

bench: $(if $(BENCH_MODULE),,modules) $(BENCH)
	@mkdir -p build/bench
	@echo "host: $$(nproc) CPUs, load average $$(cut -d' ' -f1-3 /proc/loadavg)" \
		| tee build/bench/output.txt
	@echo "module: $(or $(BENCH_MODULE),this tree's)" | tee -a build/bench/output.txt
	@echo "guest CPU: $(BENCH_CPU)" | tee -a build/bench/output.txt
	VM_ACCEL=$(BENCH_ACCEL) VM_CPU=$(BENCH_CPU) VM_VERBOSE=1 scripts/vm-run $(BENCH_VMFLAGS) -- $(BENCH) -t $(BENCH_T) \
		| tee -a build/bench/output.txt
	@sed -n '/^---- json ----$$/,/^---- end ----$$/{//!p}' \
		build/bench/output.txt > build/bench/results.json
	@echo "bench: build/bench/results.json"
	@if [ "$(BENCH_ORC)" != 1 ]; then \
		echo "bench: bench-orc left out (BENCH_ORC=$(BENCH_ORC))"; \
	elif [ -n "$(BENCH_MODULE)" ]; then \
		echo "bench: bench-orc left out: it runs this tree's module only"; \
	elif $(ORC_MAKE) -s bench > build/bench/orc-build.log 2>&1; then \
		$(MAKE) --no-print-directory bench-orc; \
	else \
		echo "bench: bench-orc left out: it does not build (build/bench/orc-build.log)"; \
	fi
