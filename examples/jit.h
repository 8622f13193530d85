/* SPDX-License-Identifier: MIT */
/*
 * The expression JIT: compiles an expr to x86-64 and installs it with
 * libjitmem's JITLink-style allocator as three segments: code (R|X),
 * constants and source text (R), and a call counter (R|W) that the code
 * increments.  Each function is named expr_N, for gdb (gdbjit.h) and perf
 * (jitmem_perf_code(), when the handle's profiling is on).
 */
#ifndef JIT_H
#define JIT_H

#include <stddef.h>
#include <stdint.h>

#include <jitmem.h>

#include "expr.h"
#include "gdbjit.h"

typedef int64_t (*jit_entry)(int64_t x);

struct jit_fn {
	jit_entry call;
	const uint8_t *code;		/* executor addresses from here on */
	size_t code_size;
	const int64_t *consts;
	size_t nconsts;
	const char *source;		/* in the read-only segment */
	const uint64_t *calls;		/* in the read-write segment */
	void *finalized;		/* for jitmem_deallocate() */
	char name[24];			/* expr_N, N counting compilations */
	struct gdbjit_entry *gdb;	/* its symbol file for gdb */
};

/* 0 or a negative errno; on error nothing is left allocated. */
int jit_compile(struct jitmem *m, const struct expr *e, const char *src, struct jit_fn *f);
int jit_free(struct jitmem *m, struct jit_fn *f);

#endif
