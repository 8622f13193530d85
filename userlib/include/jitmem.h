/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * libjitmem: executable memory for JIT compilers without writable code.
 *
 * Every function returning int returns 0 or a negative errno value; no
 * function sets errno.  A handle has no global state and may be used by
 * several threads at once; see jitmem(3).
 */
#ifndef LIBJITMEM_H
#define LIBJITMEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Segment group: protection | lifetime.  R=1 W=2 X=4 match ORC's AllocGroup. */
#define JITMEM_PROT_R			1
#define JITMEM_PROT_W			2
#define JITMEM_PROT_X			4
#define JITMEM_LIFETIME_FINALIZE	8  /* freed right after the finalize actions ran */
#define JITMEM_LIFETIME_NOALLOC		16 /* working memory only: never reaches the executor */

/* jitmem_open() flags */
#define JITMEM_OPEN_USERSPACE	1 /* userspace backend (mmap/mprotect, no W^X guarantee) */
#define JITMEM_OPEN_FALLBACK	2 /* kernel backend if /dev/jitmem is usable, else userspace */

struct jitmem;

int jitmem_open(struct jitmem **out, unsigned int flags);
void jitmem_close(struct jitmem *m);
int jitmem_backend_is_kernel(const struct jitmem *m);
size_t jitmem_page_size(const struct jitmem *m);

/* SimpleNativeMemoryMap: slabs of address space, regions initialized in them */
int jitmem_reserve(struct jitmem *m, size_t size, void **addr);
int jitmem_release(struct jitmem *m, void *addr);
int jitmem_release_multiple(struct jitmem *m, void *const addrs[], size_t n);

struct jitmem_segment {
	void *addr;		/* page-aligned, inside one slab from jitmem_reserve() */
	size_t size;		/* rounded up to whole pages */
	const void *content;	/* content_size bytes copied to addr */
	size_t content_size;	/* at most size; the rest reads as zero */
	unsigned int group;	/* JITMEM_PROT_R, R|W or R|X, optionally |LIFETIME_FINALIZE */
};

typedef int (*jitmem_action_fn)(void *arg);	/* 0 or a negative errno */

struct jitmem_action {
	jitmem_action_fn fn;	/* NULL: no action */
	void *arg;
};

struct jitmem_action_pair {
	struct jitmem_action finalize, dealloc;
};

struct jitmem_init_request {
	const struct jitmem_segment *segments;
	size_t nsegments;
	const struct jitmem_action_pair *actions;
	size_t nactions;
};

int jitmem_initialize(struct jitmem *m, const struct jitmem_init_request *req, void **key);
int jitmem_deinitialize(struct jitmem *m, void *key);
int jitmem_deinitialize_multiple(struct jitmem *m, void *const keys[], size_t n);

/* JITLink-style allocator on top */
struct jitmem_seg_request {
	unsigned int group;	/* JITMEM_PROT_* | JITMEM_LIFETIME_* */
	size_t size;
	size_t align;		/* power of two, 0 for the default (page) */
};

struct jitmem_alloc;

int jitmem_allocate(struct jitmem *m, const struct jitmem_seg_request *reqs, size_t n,
		    struct jitmem_alloc **out);
void *jitmem_alloc_working(struct jitmem_alloc *a, size_t i);
void *jitmem_alloc_target(struct jitmem_alloc *a, size_t i);
int jitmem_alloc_finalize(struct jitmem_alloc *a, const struct jitmem_action_pair *actions,
			  size_t n, void **finalized);
void jitmem_alloc_abandon(struct jitmem_alloc *a);
int jitmem_deallocate(struct jitmem *m, void *const finalized[], size_t n);

/* What the backend holds for this handle (the kernel's QUERY counters). */
struct jitmem_stats {
	uint64_t slabs;		/* reserved slabs, the allocator's included */
	uint64_t reserved_bytes;
	uint64_t regions;	/* initialized regions */
	uint64_t segments;	/* initialized segments */
	uint64_t bytes_r;	/* initialized bytes by protection */
	uint64_t bytes_rw;
	uint64_t bytes_rx;
};

int jitmem_stats(struct jitmem *m, struct jitmem_stats *st);

/*
 * Profiling with perf(1), jitmem_perf(3).  Off unless enabled here or by the
 * environment (JITMEM_PERF=jitdump, map or jitdump,map at jitmem_open());
 * off, jitmem_perf_code() makes no system call and allocates nothing.
 */
#define JITMEM_PERF_JITDUMP	1 /* jit-PID.dump for perf inject --jit (both backends) */
#define JITMEM_PERF_MAP		2 /* /tmp/perf-PID.map (perf reads it for anonymous code only) */
#define JITMEM_PERF_SEGMENTS	4 /* also describe every executable segment installed */

int jitmem_perf_enable(struct jitmem *m, unsigned int flags);
unsigned int jitmem_perf_flags(const struct jitmem *m);
int jitmem_perf_code(struct jitmem *m, const char *name, const void *addr, size_t size,
		     const void *code);

#ifdef __cplusplus
}
#endif

#endif /* LIBJITMEM_H */
