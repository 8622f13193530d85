/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * libjitmem internals.
 *
 * Locking: m->lock protects everything reachable from the handle, and is
 * never held across a system call that can block (an ioctl, mmap, munmap,
 * mprotect, madvise) nor across actions (user callbacks, which may call the
 * library).  What such a call works on is claimed under the lock first
 * (a region PENDING or DYING, a slab releasing or pinned, an allocator's
 * ranges taken from its free lists), then the lock is dropped for the call
 * and taken again to finish: two threads publishing at once meet only in
 * the backend.
 */
#ifndef JM_INTERNAL_H
#define JM_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jitmem.h>

#include "freelist.h"
#include "list.h"
#include "tree.h"

/*
 * At the top of every public function: errno is restored when it returns,
 * so that no call changes errno (jitmem.h promises it).
 */
static inline void jm_errno_restore(const int *saved)
{
	errno = *saved;
}

#define JM_KEEP_ERRNO \
	const int jm_saved_errno_ __attribute__((cleanup(jm_errno_restore))) = errno

/* Reserved fields of public structs: all zero, or the caller is newer than us. */
static inline bool jm_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

#define JM_PROT_MASK	(JITMEM_PROT_R | JITMEM_PROT_W | JITMEM_PROT_X)
#define JM_GROUP_MASK	(JM_PROT_MASK | JITMEM_LIFETIME_FINALIZE)

/* Allocator zones, one per protection; the order is the layout in a slab. */
enum jm_class { JM_CLASS_RX, JM_CLASS_R, JM_CLASS_RW, JM_NCLASSES };

/* One segment of a region: whole pages in the caller's slabs, granules in the allocator's. */
struct jm_seg {
	struct jm_node node;	/* in slab->segs (user slabs only), key: addr */
	uintptr_t addr;
	size_t len;
	const void *content;	/* valid during initialize only */
	size_t content_size;
	unsigned int group;	/* JITMEM_PROT_* | JITMEM_LIFETIME_FINALIZE */
	bool live;		/* false once a Finalize segment was freed */
	bool held;		/* freed, but its range stays the region's: the key */
};

/* A dealloc action kept for deinitialize, and the index of its pair. */
struct jm_dealloc {
	struct jitmem_action action;
	size_t index;
};

enum jm_region_state {
	JM_REGION_PENDING,	/* initialized, finalize actions running */
	JM_REGION_LIVE,
	JM_REGION_DYING,	/* dealloc actions running */
};

struct jm_region {
	struct jm_node node;		/* in m->regions, key: the region's key */
	struct jm_list link;		/* in m->region_list, creation order */
	struct jm_slab *slab;
	enum jm_region_state state;
	bool fin_only;			/* only Finalize segments: the backend holds
					 * them as Standard until they are freed */
	bool in_backend;		/* the backend holds some of its segments */
	size_t nsegs;
	struct jm_seg *segs;
	size_t ndeallocs;
	struct jm_dealloc *deallocs;	/* run in reverse */
};

struct jm_zone {
	uintptr_t start;
	size_t len;
	struct jm_freelist free;
};

struct jm_slab {
	struct jm_node node;		/* in m->slabs, key: start */
	struct jm_list link;		/* in m->slab_list, creation order */
	uintptr_t start;
	size_t len;
	bool allocator;			/* the allocator's: zones, not releasable */
	bool releasing;
	bool busy;			/* scratch of release: a region is in use */
	unsigned int pins;		/* unlocked calls using it (prepare, range): not releasable */
	size_t guard;			/* bytes of our guard mapping after the slab */
	void *shadow;			/* working memory of jitmem_prepare(), or NULL */
	size_t item;			/* scratch of release: its batch item */
	struct jm_zone zones[JM_NCLASSES];
	struct jm_tree segs;		/* live segments (user slabs) */
};

/* The allocator's address window: every slab of the allocator is in it. */
struct jm_window {
	uintptr_t start;
	uintptr_t cursor;		/* [cursor, end) is still our placeholder */
	uintptr_t end;
};

enum jm_place {
	JM_PLACE_ANY,			/* anywhere, hint or not */
	JM_PLACE_WINDOW,		/* exactly at hint, over our placeholder */
};

struct jm_backend_ops {
	bool kernel;
	/* May this process use the handle?  (A kernel context is per process.) */
	int (*check)(struct jitmem *m);
	int (*reserve)(struct jitmem *m, size_t len, uintptr_t hint, enum jm_place place,
		       uintptr_t *addr);
	/* Batches: 0 with results[] filled, or an error for all items. */
	int (*release)(struct jitmem *m, struct jm_slab *const slabs[], int results[], size_t n);
	int (*initialize)(struct jitmem *m, struct jm_region *r, uintptr_t *key);
	int (*deinitialize)(struct jitmem *m, struct jm_region *const regions[], int results[],
			    size_t n, bool finalize_only);
	/* NULL: the library counts what it holds. */
	int (*stats)(struct jitmem *m, struct jitmem_stats *st);
	/*
	 * Times the backend replaced mappings (a profiler sees each as a new
	 * mmap of the range); NULL: it never does behind the library's back.
	 */
	int (*remaps)(struct jitmem *m, uint64_t *count);
	void (*close)(struct jitmem *m);
};

struct jitmem {
	pthread_mutex_t lock;
	const struct jm_backend_ops *ops;
	struct jitmem_backend_info info;	/* .device is device[] */
	int fd;
	pid_t pid;
	size_t page_size;
	size_t granule;			/* of the allocator's placement: divides page_size */
	struct jm_tree slabs;
	struct jm_list slab_list;
	struct jm_tree regions;
	struct jm_list region_list;
	struct jm_window window;
	struct jm_list inflight;	/* allocations not finalized yet */
	struct jm_perf *perf;		/* NULL: profiling off (perf.c) */
	char device[];			/* the kernel backend's node, "" if none */
};

struct jm_alloc_seg {
	unsigned int group;
	size_t size;
	size_t align;
	size_t len;			/* size in whole granules */
	uintptr_t target;		/* 0 for NoAlloc */
	void *working;
};

struct jitmem_alloc {
	struct jitmem *m;
	struct jm_list link;		/* in m->inflight */
	struct jm_slab *slab;
	size_t n;
	struct jm_alloc_seg segs[];
};

extern const struct jm_backend_ops jm_kernel_ops;
extern const struct jm_backend_ops jm_user_ops;

static inline size_t jm_page_up(const struct jitmem *m, size_t len)
{
	return (len + m->page_size - 1) & ~(m->page_size - 1);
}

static inline size_t jm_granule_up(const struct jitmem *m, size_t len)
{
	return (len + m->granule - 1) & ~(m->granule - 1);
}

#define jm_region_of(l)	jm_entry(l, struct jm_region, link)
#define jm_slab_of(l)	jm_entry(l, struct jm_slab, link)

static inline void jm_lock(struct jitmem *m)
{
	pthread_mutex_lock(&m->lock);
}

static inline void jm_unlock(struct jitmem *m)
{
	pthread_mutex_unlock(&m->lock);
}

/* device.c */
struct jitmem_version;
int jm_version_check(const struct jitmem_version *v);
int jm_kernel_open(struct jitmem *m, const char *path, unsigned int *cause);

/* group.c */
int jm_group_check(unsigned int group);
enum jm_class jm_group_class(unsigned int group);

/* slab.c */
#define JM_RELEASE_CHUNK 64
void jm_slab_unlink(struct jitmem *m, struct jm_slab *s);
void jm_slab_free(struct jm_slab *s);
void jm_slab_link(struct jitmem *m, struct jm_slab *s, uintptr_t start, size_t len);
struct jm_slab *jm_slab_containing(struct jitmem *m, uintptr_t addr, size_t len);
void jm_slabs_release(struct jitmem *m, struct jm_slab *slabs[], int results[], size_t n);

/* actions.c */
void jm_result_clear(struct jitmem_result *res);
void jm_result_set(struct jitmem_result *res, int error);
int jm_actions_finalize(const struct jitmem_action_pair *actions, size_t n,
			struct jm_dealloc *deallocs, size_t *ndeallocs,
			struct jitmem_result *res);
int jm_actions_dealloc(const struct jm_dealloc *deallocs, size_t n, struct jitmem_result *res);

/* region.c */
int jm_region_initialize(struct jitmem *m, struct jm_slab *slab, const struct jm_seg *segs,
			 size_t nsegs, const struct jitmem_action_pair *actions, size_t nactions,
			 uintptr_t *key, struct jitmem_result *res);
void jm_region_forget(struct jitmem *m, struct jm_region *r, bool give_back);
void jm_region_seg_forget(struct jitmem *m, struct jm_region *r, struct jm_seg *s,
			  bool give_back);

/* deinit.c */
void jm_results_start(struct jitmem_result out[], size_t n);
int jm_results_finish(const int results[], struct jitmem_result out[], size_t n);
void jm_regions_run_deallocs(struct jm_region *const regions[], int results[],
			     struct jitmem_result out[], size_t n);
void jm_regions_deinit(struct jitmem *m, struct jm_region *const regions[], int results[],
		       struct jm_region *live[], int kres[], size_t n);
void jm_regions_forget(struct jitmem *m, struct jm_region *regions[], size_t n);

/* prepare.c */
void jm_shadow_discard(const struct jm_slab *slab, void *shadow, uintptr_t addr, size_t len);
void jm_shadow_discard_segs(const struct jm_slab *slab, void *shadow, const struct jm_seg *segs,
			    size_t n);
void jm_shadow_free(struct jm_slab *slab);
bool jm_slab_range_busy(struct jm_slab *slab, uintptr_t addr, size_t len);

/* window.c */
int jm_window_carve(struct jitmem *m, size_t len, uintptr_t *addr);
void jm_window_close(struct jitmem *m);

/* place.c */
int jm_place(struct jitmem *m, struct jitmem_alloc *a);
void jm_unplace(struct jitmem *m, struct jitmem_alloc *a);

/* perf.c: m->perf is set once, by jitmem_perf_enable(), and read without m->lock. */
void jm_perf_open_env(struct jitmem *m);
void jm_perf_installed(struct jitmem *m, const struct jm_seg *segs, size_t n);
void jm_perf_forget(struct jitmem *m, uintptr_t addr, size_t len);
void jm_perf_close(struct jitmem *m);

static inline bool jm_perf_on(const struct jitmem *m)
{
	return __atomic_load_n(&m->perf, __ATOMIC_ACQUIRE) != NULL;
}

#endif /* JM_INTERNAL_H */
