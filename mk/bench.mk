# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: tools/jitmem-bench in the stock-kernel VM (not a test: it
# asserts no time).  The table is shown; its JSON goes to
# build/bench/results.json, the whole output to build/bench/output.txt.
# Documentation/benchmarks.rst records a run.

BENCH		:= build/tools/jitmem-bench
BENCH_SRCS	:= $(wildcard tools/jitmem-bench/*.c)

.PHONY: bench

$(BENCH): $(BENCH_SRCS) tools/jitmem-bench/bench.h uapi/linux/jitmem.h
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) -o $@ $(BENCH_SRCS) -pthread

bench: modules $(BENCH)
	@mkdir -p build/bench
	@echo "host: $$(nproc) CPUs, load average $$(cut -d' ' -f1-3 /proc/loadavg)" \
		| tee build/bench/output.txt
	scripts/vm-run -- $(BENCH) | tee -a build/bench/output.txt
	@sed -n '/^---- json ----$$/,/^---- end ----$$/{//!p}' \
		build/bench/output.txt > build/bench/results.json
	@echo "bench: build/bench/results.json"
