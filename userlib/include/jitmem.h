/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * libjitmem: executable memory for JIT compilers without writable code.
 *
 * Every function returning int returns 0 or a negative errno value, and no
 * function changes errno: it is restored on return, whatever the library's
 * system calls set on the way.  A handle has no global state and may be used
 * by several threads at once.  Structs the caller fills have flags and
 * reserved fields that must be 0 (else EINVAL): zero-initialize them.  See
 * jitmem(3).
 */
#ifndef LIBJITMEM_H
#define LIBJITMEM_H

#include <stddef.h>
#include <stdint.h>

/* JITMEM_VERSION_MAJOR, _MINOR, _PATCH: generated from userlib/Makefile */
#include "jitmem_version.h"

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
#define JITMEM_OPEN_FALLBACK	2 /* kernel backend if its device is usable, else userspace */

/* (major, minor, patch) as one number that compares in order */
#define JITMEM_VERSION_CODE(major, minor, patch) \
	(((major) << 16) | ((minor) << 8) | (patch))
#define JITMEM_VERSION \
	JITMEM_VERSION_CODE(JITMEM_VERSION_MAJOR, JITMEM_VERSION_MINOR, JITMEM_VERSION_PATCH)

/* The JITMEM_VERSION of the library running (it may be newer than the header). */
unsigned int jitmem_version(void);

struct jitmem;

int jitmem_open(struct jitmem **out, unsigned int flags);
void jitmem_close(struct jitmem *m);
int jitmem_backend_is_kernel(const struct jitmem *m);
size_t jitmem_page_size(const struct jitmem *m);
/* The allocator's unit of placement: the module's segment granule, else the page. */
size_t jitmem_granule(const struct jitmem *m);

/*
 * Environment: JITMEM_DEVICE is the kernel backend's device when the caller
 * names none; JITMEM_REQUIRE_KERNEL=1 refuses the userspace backend (no
 * fallback: the kernel backend's error is returned and said on stderr).
 */
#define JITMEM_DEVICE_DEFAULT	"/dev/jitmem"

struct jitmem_open_opts {
	const char *device;	/* NULL: $JITMEM_DEVICE, else JITMEM_DEVICE_DEFAULT */
	unsigned int flags;	/* JITMEM_OPEN_* */
	unsigned int reserved0;	/* 0 */
	uint64_t reserved[3];	/* 0 */
};

/* jitmem_backend_info.backend */
#define JITMEM_BACKEND_KERNEL		1
#define JITMEM_BACKEND_USERSPACE	2

/* jitmem_backend_info.cause: why the kernel backend is not the one in use */
#define JITMEM_CAUSE_NONE	0 /* it is */
#define JITMEM_CAUSE_REQUESTED	1 /* JITMEM_OPEN_USERSPACE */
#define JITMEM_CAUSE_NO_NODE	2 /* ENOENT: no device node (module not loaded?) */
#define JITMEM_CAUSE_NO_DRIVER	3 /* ENXIO, ENODEV: the node's module is not loaded */
#define JITMEM_CAUSE_PERMISSION	4 /* EACCES, EPERM: not allowed to open the node */
#define JITMEM_CAUSE_NODEV	5 /* EACCES: the node is on a nodev mount */
#define JITMEM_CAUSE_NOT_JITMEM	6 /* ENOTTY: the node is not jitmem's device */
#define JITMEM_CAUSE_OLD_ABI	7 /* EOPNOTSUPP: the module lacks this library's ABI */
#define JITMEM_CAUSE_NOEXEC	8 /* EACCES: the node is on a noexec mount: no code */
#define JITMEM_CAUSE_OTHER	9 /* another error, in .error */

/* jitmem_backend_info.flags */
#define JITMEM_INFO_FALLBACK		1 /* userspace, as the kernel backend was unusable */
#define JITMEM_INFO_KERNEL_REQUIRED	2 /* JITMEM_REQUIRE_KERNEL is set */

struct jitmem_backend_info {
	unsigned int backend;	/* JITMEM_BACKEND_*, 0 when jitmem_open_opts() failed */
	unsigned int cause;	/* JITMEM_CAUSE_* */
	int error;		/* the kernel backend's negative errno, 0 if none */
	unsigned int flags;	/* JITMEM_INFO_* */
	const char *device;	/* the node tried, NULL for JITMEM_OPEN_USERSPACE */
	uint64_t reserved[4];	/* 0 */
};

/* opts may be NULL (flags 0); info, if not NULL, is filled even on failure. */
int jitmem_open_opts(struct jitmem **out, const struct jitmem_open_opts *opts,
		     struct jitmem_backend_info *info);
int jitmem_get_backend_info(const struct jitmem *m, struct jitmem_backend_info *info);
/* A sentence for JITMEM_CAUSE_*, for messages: never NULL. */
const char *jitmem_cause_str(unsigned int cause);

/*
 * The outcome of one operation or batch item: an error and, when an action
 * failed, which one and what it said (an ORC adapter passes it to LLVM).
 */
#define JITMEM_MESSAGE_SIZE	256

#define JITMEM_RESULT_FINALIZE	1 /* a finalize action failed */
#define JITMEM_RESULT_DEALLOC	2 /* a dealloc action failed */

struct jitmem_result {
	int error;		/* 0 or a negative errno */
	unsigned int flags;	/* JITMEM_RESULT_* */
	size_t action;		/* index of the failing action's pair */
	char message[JITMEM_MESSAGE_SIZE];	/* "" or the failing action's */
	uint64_t reserved[2];	/* 0 */
};

/*
 * SimpleNativeMemoryMap: slabs of address space, regions initialized in them.
 * Two slabs from jitmem_reserve() never touch: an inaccessible guard page of
 * the library's follows each.  Batch calls go on past a bad item and return
 * the first error; results[], if not NULL, gets one result per item.
 */
int jitmem_reserve(struct jitmem *m, size_t size, void **addr);
int jitmem_release(struct jitmem *m, void *addr);
int jitmem_release_multiple(struct jitmem *m, void *const addrs[], size_t n,
			    struct jitmem_result results[]);

/* Working memory for [addr, addr + size) of a slab, zeroed, never the target */
int jitmem_prepare(struct jitmem *m, void *addr, size_t size, void **working);

struct jitmem_segment {
	void *addr;		/* page-aligned, inside one slab from jitmem_reserve() */
	size_t size;		/* rounded up to whole pages; 0: skipped */
	const void *content;	/* content_size bytes copied to addr */
	size_t content_size;	/* at most size; the rest reads as zero */
	unsigned int group;	/* JITMEM_PROT_R, R|W or R|X, | a JITMEM_LIFETIME_* */
	unsigned int flags;	/* 0 */
	uint64_t reserved[2];	/* 0 */
};

/* 0 or a negative errno; on failure it may say why in res->message. */
typedef int (*jitmem_action_fn)(void *arg, struct jitmem_result *res);

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
	unsigned int flags;	/* 0 */
	unsigned int reserved0;	/* 0 */
	struct jitmem_result *result;	/* NULL, or filled: why it failed */
	uint64_t reserved[2];	/* 0 */
};

int jitmem_initialize(struct jitmem *m, const struct jitmem_init_request *req, void **key);
int jitmem_deinitialize(struct jitmem *m, void *key);
int jitmem_deinitialize_multiple(struct jitmem *m, void *const keys[], size_t n,
				 struct jitmem_result results[]);
/* Every region inside [addr, addr + size) of a slab goes; the slab stays. */
int jitmem_deinitialize_range(struct jitmem *m, void *addr, size_t size,
			      struct jitmem_result *result);

/* JITLink-style allocator on top */
struct jitmem_seg_request {
	unsigned int group;	/* JITMEM_PROT_* | JITMEM_LIFETIME_* */
	unsigned int flags;	/* 0 */
	size_t size;		/* rounded up to jitmem_granule() */
	size_t align;		/* power of two, 0 for the default (jitmem_granule()) */
	uint64_t reserved[2];	/* 0 */
};

struct jitmem_alloc;

int jitmem_allocate(struct jitmem *m, const struct jitmem_seg_request *reqs, size_t n,
		    struct jitmem_alloc **out);
void *jitmem_alloc_working(struct jitmem_alloc *a, size_t i);
void *jitmem_alloc_target(struct jitmem_alloc *a, size_t i);
int jitmem_alloc_finalize(struct jitmem_alloc *a, const struct jitmem_action_pair *actions,
			  size_t n, void **finalized, struct jitmem_result *result);
void jitmem_alloc_abandon(struct jitmem_alloc *a);
int jitmem_deallocate(struct jitmem *m, void *const finalized[], size_t n,
		      struct jitmem_result results[]);

/* What the backend holds for this handle (the kernel's QUERY counters). */
struct jitmem_stats {
	uint64_t slabs;		/* reserved slabs, the allocator's included */
	uint64_t reserved_bytes;
	uint64_t regions;	/* initialized regions */
	uint64_t segments;	/* initialized segments */
	uint64_t bytes_r;	/* initialized bytes by protection */
	uint64_t bytes_rw;
	uint64_t bytes_rx;
	uint64_t retired_bytes;	/* code ranges never to be reused (module's exec_reuse=0) */
	uint64_t held_bytes;	/* memory held: whole pages, live or kept empty for reuse */
	uint64_t empty_bytes;	/* of which empty pages kept mapped for reuse */
	uint64_t reserved[6];	/* 0: counters of later versions */
};

int jitmem_get_stats(struct jitmem *m, struct jitmem_stats *st);

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
