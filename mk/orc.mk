# SPDX-License-Identifier: GPL-2.0-only
#
# jitmem-orc (orc/): the LLVM 19 ORC memory manager over libjitmem, its VM
# tests, benchmark and example.  Included by the top Makefile.
#
#   make orc           build/orc/libjitmem-orc.so.1, .a, jitmem-orc.pc
#   make check-orc     orc/tests/install-check on the host, then
#                      build/orc/tests/orc_ktest and orc/tests/example_ktest
#                      in the VM (TAP; make check runs it: CHECK_EXTRA)
#   make bench-orc     LLJIT churn, jitmem against LLVM's managers, in one VM
#                      run (build/bench/orc.txt and orc.json; not a test)
#   make orc-example   build/orc/lljit-run, the runner make demo shows
#   make install-orc   [PREFIX=] [DESTDIR=]
# Packages: scripts/deps.d/orc.list (llvm-19-dev, clang-19).

ORC_MAKE := $(MAKE) --no-print-directory -C orc

CHECK_EXTRA += check-orc

.PHONY: orc check-orc bench-orc orc-example install-orc orc-clean

orc:
	$(ORC_MAKE) all

orc-example:
	$(ORC_MAKE) example

install-orc:
	$(ORC_MAKE) install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

orc-clean:
	$(ORC_MAKE) clean

clean: orc-clean

# The build is one result; the VM run's tests and the run itself are the others.
check-orc:
	@$(MAKE) -s modules > /dev/null
	@mkdir -p build
	@if $(ORC_MAKE) -j2 -s tests example > build/orc-build.log 2>&1; then \
		echo "ok - build jitmem-orc and its tests"; \
	else \
		sed 's/^/# /' build/orc-build.log | tail -n 30; \
		echo "not ok - build jitmem-orc and its tests (build/orc-build.log)"; exit 1; \
	fi
	@orc/tests/install-check; inst=$$?; \
	scripts/vm-tap orc -- scripts/vm-tests build/orc/tests/orc_ktest orc/tests/example_ktest; \
	vm=$$?; [ $$inst = 0 ] && [ $$vm = 0 ]

bench-orc:
	@$(MAKE) -s modules > /dev/null
	@$(ORC_MAKE) -s bench
	@mkdir -p build/bench
	scripts/vm-run -- build/orc/tests/orc-bench | tee build/bench/orc.txt
	@sed -n '/^---- json ----$$/,/^---- end ----$$/{//!p}' build/bench/orc.txt \
		> build/bench/orc.json
	@echo "bench-orc: build/bench/orc.json"
