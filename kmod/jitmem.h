/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jitmem internals shared by the files of the module.
 *
 * Locking, outermost first:
 *   ctx->lock (mutex)        serializes the ioctls of a context, so that an
 *                            ioctl's checks, the mappings it makes and its
 *                            commit are one step for the others; protects
 *                            ctx->map_op.
 *   mm->mmap_lock            taken inside ctx->lock (vm_mmap() takes it).
 *   ctx->map_lock (rwsem)    everything the vm_operations see: the slabs,
 *                            segments, regions, retired ranges, counters,
 *                            slab->nvmas.  Every change holds it for
 *                            writing: the ioctls (never across vm_mmap() or
 *                            vm_munmap()) and .close (a mapping went away:
 *                            munmap(), MAP_FIXED over it, mremap() shrink,
 *                            exit).  .fault and .open hold it for reading,
 *                            as do the readers of the counters.
 *   jitmem_ctx_list_lock     the list of contexts (netlink dumps) and the
 *                            next ctx->id; never held while taking a lock
 *                            above.  A context on the list has a live file
 *                            (its count may be 0 while it closes).
 *
 * Neither mmap_lock nor map_lock is held across a user copy: the user's
 * buffer may be a jitmem mapping, whose fault takes map_lock.
 *
 * The vm_operations never take ctx->lock and never rely on mmap_lock
 * excluding the ioctls: on 6.1 they run under mmap_lock (.close of munmap()
 * after it was downgraded to reading), while since 6.4 a fault may enter
 * under the VMA's own lock instead (do_fault() then retries under mmap_lock
 * before calling ->fault of a VMA without ->map_pages, but map_lock does
 * not depend on that).
 */
#ifndef _JITMEM_H
#define _JITMEM_H

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/mman.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include <linux/jitmem.h>

#include "compat.h"
#include "range.h"

#define JITMEM_GROUP_PROT (JITMEM_GROUP_R | JITMEM_GROUP_W | JITMEM_GROUP_X)
#define JITMEM_GROUP_ALL (JITMEM_GROUP_PROT | JITMEM_GROUP_FINALIZE)

/* Protection indices of jitmem_counters.bytes[]. */
enum jitmem_prot {
	JITMEM_PROT_IDX_R,
	JITMEM_PROT_IDX_RW,
	JITMEM_PROT_IDX_RX,
	JITMEM_PROT_NR,
};

/*
 * Per-context counters, under ctx->map_lock.  Only u64 members: stats.c
 * walks the struct as an array.
 */
struct jitmem_counters {
	u64 slabs;
	u64 reserved_bytes;
	u64 regions;
	u64 segments;
	u64 bytes[JITMEM_PROT_NR];
	u64 retired_bytes;
	u64 held_bytes;		/* pages held, live and empty */
	u64 empty_bytes;	/* empty pages kept mapped for reuse */
};

#define JITMEM_NCOUNTERS (sizeof(struct jitmem_counters) / sizeof(u64))
static_assert(sizeof(struct jitmem_counters) == 10 * sizeof(u64));

/*
 * Segments start and end at multiples of this many bytes (VERSION reports
 * it): a cache line, small enough to pack small functions.
 */
#define JITMEM_GRANULE		64
static_assert(PAGE_SIZE % JITMEM_GRANULE == 0);

/* Mappings left without a page that one call tidies, at most. */
#define JITMEM_TIDY_MAX		8

struct jitmem_ctx;

/*
 * A reserved range of address space.  The owner's VMAs of the device each
 * point to their slab (vm_private_data); @nvmas counts them, and the slab
 * is forgotten when the last one goes.  References: one per VMA, one for
 * the context's tree, one per ioctl working on the slab across vm_mmap();
 * @dead once the slab left the tree.
 */
struct jitmem_slab {
	struct jitmem_range r;		/* in ctx->slabs once @inserted */
	struct jitmem_ctx *ctx;
	refcount_t ref;
	unsigned int nvmas;
	bool inserted;
	bool dead;
};

struct jitmem_region;

/*
 * A segment: [start, end), granule-aligned, in the context's pages.  A
 * deinitialized code segment whose range must never hold code again
 * (exec_reuse=0) stays allocated as the record of that range, in
 * ctx->retired.
 */
struct jitmem_seg {
	struct jitmem_range r;		/* in ctx->segs, then maybe ctx->retired */
	u8 group;
	bool live;
	bool retired;
	struct jitmem_region *region;
	const u8 __user *content;	/* during INITIALIZE */
	u64 content_size;
};

/*
 * A page of the context (page.c): in ctx->pages by user page number, one
 * reference of @page held.  Its mapping's permissions are those of
 * @prot, which only changes once it is freed.
 */
struct jitmem_page {
	struct page *page;
	unsigned long addr;
	struct list_head empty;		/* on ctx->empty while @users is 0 */
	unsigned int users;		/* bytes of live segments in it */
	u8 prot;			/* enum jitmem_prot */
	bool snap;			/* a fork child maps it: copy first */
	bool unscrubbed;		/* emptied; scrubbed unless freed */
};

/*
 * The segments of one INITIALIZE, sorted by address.  Freed when no segment
 * is live or retired.
 */
struct jitmem_region {
	unsigned long key;
	unsigned int nsegs;
	unsigned int nlive;
	unsigned int nretired;
	struct jitmem_seg segs[];
};

/*
 * What a mapping made by the module itself is for: the VMA's slab and
 * permissions, and whether the VMAs it replaces keep their segments (a
 * protection change of free pages) or lose them like any unmapped range.
 */
struct jitmem_map_op {
	struct task_struct *task;	/* the ioctl's thread, during the call */
	struct jitmem_slab *slab;
	unsigned long perms;		/* VM_READ | VM_WRITE | VM_EXEC bits */
	bool keep;
};

struct jitmem_ctx {
	struct mutex lock;		/* see the top of this file */
	struct rw_semaphore map_lock;
	struct mm_struct *mm;
	struct file *file;
	struct jitmem_map_op map_op;	/* ctx->lock; read by .mmap/.close */
	u64 remaps;			/* ctx->lock: see jitmem_map() */
	struct rb_root slabs;		/* jitmem_slab */
	struct rb_root segs;		/* live jitmem_seg */
	struct rb_root retired;		/* retired jitmem_seg */
	struct xarray pages;		/* user page number -> jitmem_page */
	struct list_head empty;		/* empty jitmem_page, oldest first */
	unsigned int nunscrubbed;	/* map_lock: the newest, until the */
					/* call's jitmem_pages_reclaim() */
	unsigned long dying_start;	/* map_lock: pages being freed, */
	unsigned long dying_end;	/* not worth a scrub */
	unsigned long tidy[JITMEM_TIDY_MAX]; /* map_lock: mappings left */
	unsigned int ntidy;		/* without a page (protect.c) */
	struct jitmem_counters cnt;
	struct list_head node;		/* jitmem_ctx_list */
	u64 id;				/* rises along jitmem_ctx_list */
	pid_t tgid;
	kuid_t uid;
	char comm[TASK_COMM_LEN];
};

/* Module parameters (params.c). */
extern bool jitmem_exec_reuse;
extern unsigned long jitmem_max_reserved_bytes;
extern unsigned long jitmem_max_initialized_bytes;
extern unsigned int jitmem_max_segments;
extern unsigned int jitmem_max_batch;
extern unsigned long jitmem_max_empty_bytes;
extern bool jitmem_debug_writes;

/* Contexts, for the netlink dump (main.c). */
extern struct list_head jitmem_ctx_list;
extern struct mutex jitmem_ctx_list_lock;

/* Global counters and refusal reasons (stats.c). */
enum jitmem_refusal {
	JITMEM_REFUSED_WX,
	JITMEM_REFUSED_MPROTECT,
	JITMEM_REFUSED_INVAL,
	JITMEM_REFUSED_LIMIT,
	JITMEM_REFUSED_FOREIGN_MM,
	JITMEM_REFUSED_MREMAP,
	JITMEM_REFUSED_NR,
};

/* Counter @field of struct jitmem_counters, by index (jitmem_count()). */
#define JITMEM_CNT(field) (offsetof(struct jitmem_counters, field) / sizeof(u64))

/* The module-wide sums of the contexts' counters (stats.c). */
extern atomic64_t jitmem_global[JITMEM_NCOUNTERS];

/**
 * jitmem_count() - change one counter of a context, and its total
 * @ctx: the context
 * @i: the counter, JITMEM_CNT(field)
 * @delta: how much to add; negative to take away
 *
 * Inline and one field at a time: the counters change on every publish
 * and free, for each segment and region.
 *
 * Context: map_lock held for writing.
 */
static inline void jitmem_count(struct jitmem_ctx *ctx, unsigned int i,
				s64 delta)
{
	lockdep_assert_held_write(&ctx->map_lock);
	((u64 *)&ctx->cnt)[i] += delta;
	atomic64_add(delta, &jitmem_global[i]);
}

void jitmem_account(struct jitmem_ctx *ctx, const struct jitmem_counters *d,
		    int sign);
void jitmem_stats_contexts(int delta);
void jitmem_stats_refused(enum jitmem_refusal why);
void jitmem_stats_check_zero(void);
void jitmem_stats_read(struct jitmem_counters *cnt, u64 *contexts,
		       u64 refused[JITMEM_REFUSED_NR]);
int jitmem_ctx_counters(struct jitmem_ctx *ctx, struct jitmem_counters *cnt);
void jitmem_stats_debug_write(void);
u64 jitmem_stats_debug_writes(void);

/* Debugger writes (debug.c). */
int jitmem_vm_access(struct vm_area_struct *vma, unsigned long addr,
		     void *buf, int len, int write);

/* Region events (netlink.c). */
enum jitmem_event {
	JITMEM_EVENT_INIT,
	JITMEM_EVENT_DEINIT,
};

void jitmem_notify_seg(struct jitmem_ctx *ctx, enum jitmem_event ev,
		       const struct jitmem_seg *seg);
void jitmem_notify_slab(struct jitmem_ctx *ctx, const struct jitmem_slab *slab);
int jitmem_netlink_init(void);
void jitmem_netlink_exit(void);

long jitmem_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/*
 * A group's protection bits are the VM_* bits of its mapping and the PROT_*
 * bits that ask for it.
 */
static_assert(JITMEM_GROUP_R == VM_READ && JITMEM_GROUP_W == VM_WRITE &&
	      JITMEM_GROUP_X == VM_EXEC);
static_assert(PROT_READ == VM_READ && PROT_WRITE == VM_WRITE &&
	      PROT_EXEC == VM_EXEC);

#define JITMEM_VM_PERMS (VM_READ | VM_WRITE | VM_EXEC)

/* The VM_* (and PROT_*) permission bits of a segment group. */
static inline unsigned long jitmem_group_perms(u8 group)
{
	return group & JITMEM_GROUP_PROT;
}

static inline enum jitmem_prot jitmem_group_prot(u8 group)
{
	if (group & JITMEM_GROUP_X)
		return JITMEM_PROT_IDX_RX;
	if (group & JITMEM_GROUP_W)
		return JITMEM_PROT_IDX_RW;
	return JITMEM_PROT_IDX_R;
}

static inline struct jitmem_seg *jitmem_seg_entry(struct jitmem_range *r)
{
	return r ? container_of(r, struct jitmem_seg, r) : NULL;
}

static inline struct jitmem_slab *jitmem_slab_entry(struct jitmem_range *r)
{
	return r ? container_of(r, struct jitmem_slab, r) : NULL;
}

static inline unsigned long jitmem_seg_bytes(const struct jitmem_seg *seg)
{
	return seg->r.end - seg->r.start;
}

/* The enum jitmem_prot of a mapping's VM_* permission bits. */
static inline u8 jitmem_perms_prot(unsigned long perms)
{
	return jitmem_group_prot(perms);
}

/* Mappings (vma.c). */
int jitmem_mmap(struct file *file, struct vm_area_struct *vma);
unsigned long jitmem_map(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
			 unsigned long addr, unsigned long len,
			 unsigned long perms, int flags, bool keep);
int jitmem_unmap(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
		 unsigned long start, unsigned long end);
int jitmem_unmap_all(struct jitmem_ctx *ctx, unsigned long start,
		     unsigned long end, bool keep);
bool jitmem_noexec(struct jitmem_ctx *ctx);
bool jitmem_vma_of(struct jitmem_slab *slab, struct vm_area_struct *vma);
struct jitmem_slab *jitmem_vma_slab(struct vm_area_struct *vma);
int jitmem_range_mapped(struct jitmem_ctx *ctx, unsigned long start,
			unsigned long end, unsigned long perms,
			unsigned long *vstart, unsigned long *vend);

/* How jitmem_region_drop() leaves what it drops. */
enum jitmem_drop {
	JITMEM_DROP_SCRUB,	/* mapped: scrub what goes, keep empty pages */
	JITMEM_DROP_GONE,	/* no mapping left (the mm is exiting) */
};

/* Protection changes (protect.c). */
struct jitmem_vmarec {
	unsigned long start;
	unsigned long end;
	unsigned long perms;
	struct jitmem_slab *slab;
	bool created;		/* the new mapping, not one it replaced */
};

/* The mappings a request's protection changes replaced and made. */
struct jitmem_protect {
	unsigned int n;
	unsigned int cap;
	struct jitmem_vmarec *rec;
};

int jitmem_protect(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
		   struct jitmem_protect *pr, unsigned long start,
		   unsigned long end, unsigned long perms,
		   unsigned long lo_bound, unsigned long hi_bound);
void jitmem_protect_undo(struct jitmem_ctx *ctx, struct jitmem_protect *pr);
void jitmem_protect_commit(struct jitmem_ctx *ctx, struct jitmem_protect *pr);
void jitmem_protect_free(struct jitmem_protect *pr);
void jitmem_tidy_note(struct jitmem_ctx *ctx, unsigned long addr);
void jitmem_tidy(struct jitmem_ctx *ctx);

/* Slabs (slab.c). */
int jitmem_reserve(struct jitmem_ctx *ctx, struct jitmem_reserve *req);
int jitmem_release_one(struct jitmem_ctx *ctx, unsigned long addr);
int jitmem_release_batch(struct jitmem_ctx *ctx, const u64 *addrs,
			 int *results, unsigned int n);
struct jitmem_slab *jitmem_slab_find(struct jitmem_ctx *ctx,
				     unsigned long start, unsigned long end);
void jitmem_slab_put(struct jitmem_slab *slab);
void jitmem_slab_forget(struct jitmem_ctx *ctx, struct jitmem_slab *slab);
void jitmem_slab_unmapped(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
			  unsigned long start, unsigned long end,
			  enum jitmem_drop how);

/* Pages (page.c). */
void jitmem_page_fill(struct page *page, u8 prot, unsigned int off,
		      unsigned int len);
struct page *jitmem_page_alloc(u8 prot, struct page *copy);
struct jitmem_page *jitmem_page_new(unsigned long addr, struct page *page,
				    u8 prot);
void jitmem_page_destroy(struct jitmem_page *jp);
struct jitmem_page *jitmem_page_lookup(struct jitmem_ctx *ctx,
				       unsigned long addr);
struct jitmem_page *jitmem_page_at(struct xa_state *xas, unsigned long addr);
int jitmem_page_reserve(struct jitmem_ctx *ctx, unsigned long addr);
void jitmem_page_unreserve(struct jitmem_ctx *ctx, unsigned long addr);
void jitmem_page_install(struct jitmem_ctx *ctx, struct jitmem_page *jp);
void jitmem_page_use(struct jitmem_ctx *ctx, struct jitmem_page *jp,
		     unsigned int bytes);
int jitmem_page_cow(struct jitmem_ctx *ctx, struct jitmem_page *jp,
		    struct page *copy);
void jitmem_page_unuse(struct jitmem_ctx *ctx, unsigned long addr,
		       unsigned int len, enum jitmem_drop how);
void jitmem_pages_free_range(struct jitmem_ctx *ctx, unsigned long start,
			     unsigned long end);
void jitmem_pages_free_empty(struct jitmem_ctx *ctx, unsigned long start,
			     unsigned long end);
void jitmem_pages_free_mismatched(struct jitmem_ctx *ctx, unsigned long start,
				  unsigned long end, unsigned long perms);
void jitmem_pages_reclaim(struct jitmem_ctx *ctx);
int jitmem_pages_init(void);
void jitmem_pages_exit(void);

/* Regions (region.c) and retired code ranges (retired.c). */
int jitmem_initialize(struct jitmem_ctx *ctx, struct jitmem_init_segment *ksegs,
		      unsigned int n, u64 __user *ukey);
int jitmem_deinit_batch(struct jitmem_ctx *ctx, const u64 *keys, int *results,
			unsigned int n, u32 flags);

void jitmem_drop_range(struct jitmem_ctx *ctx, unsigned long start,
		       unsigned long end, enum jitmem_drop how);
bool jitmem_retired_overlaps(struct jitmem_ctx *ctx, unsigned long start,
			     unsigned long end);
void jitmem_retire(struct jitmem_ctx *ctx, struct jitmem_seg *seg);
void jitmem_retired_free_all(struct jitmem_ctx *ctx);

#endif /* _JITMEM_H */
