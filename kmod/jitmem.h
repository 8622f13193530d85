/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jitmem internals shared by the files of the module.
 *
 * Locking, outermost first:
 *   jitmem_ctx.lock (mutex)   every ioctl of a context; protects its slabs,
 *                             regions, retired ranges and counters, and
 *                             ctx->mapping_task.
 *   mm->mmap_lock             taken inside ctx->lock (also by vm_mmap()).
 *                             ctx->segs is written with it held for writing,
 *                             so the .fault handler may read ctx->segs and
 *                             the segments it finds under the read lock.
 *   jitmem_ctx_list_lock      the list of contexts (netlink dumps) and
 *                             the next ctx->id; never held while taking
 *                             ctx->lock.  A context on the list has a live
 *                             file (its count may be 0 while it closes).
 * The vm_operations run under mmap_lock and must not take ctx->lock.
 */
#ifndef _JITMEM_H
#define _JITMEM_H

#include <linux/list.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include <linux/jitmem.h>

/* Protection indices of jitmem_counters.bytes[]. */
enum jitmem_prot {
	JITMEM_PROT_IDX_R,
	JITMEM_PROT_IDX_RW,
	JITMEM_PROT_IDX_RX,
	JITMEM_PROT_NR,
};

/* Per-context counters, protected by ctx->lock. */
struct jitmem_counters {
	u64 slabs;
	u64 reserved_bytes;
	u64 regions;
	u64 segments;
	u64 bytes[JITMEM_PROT_NR];
	u64 retired_bytes;
};

struct jitmem_slab {
	unsigned long start;
	unsigned long end;
};

struct jitmem_region;

/*
 * A live segment: [start, end) of pages owned by the context (one reference
 * each); the mm holds its own references for every PTE that maps them.
 */
struct jitmem_seg {
	unsigned long start;
	unsigned long end;
	u8 group;
	struct jitmem_region *region;
	struct page **pages;
};

struct jitmem_region {
	unsigned long key;
	unsigned int nsegs;
	struct jitmem_seg segs[];
};

struct jitmem_ctx {
	struct mutex lock;		/* see the top of this file */
	struct mm_struct *mm;
	struct file *file;
	struct task_struct *mapping_task;
	struct maple_tree slabs;	/* [start, end - 1] -> jitmem_slab */
	struct maple_tree segs;		/* [start, end - 1] -> jitmem_seg */
	struct maple_tree retired;	/* code ranges never reused */
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
	JITMEM_REFUSED_NR,
};

void jitmem_account(struct jitmem_ctx *ctx, const struct jitmem_counters *d,
		    int sign);
void jitmem_stats_contexts(int delta);
void jitmem_stats_refused(enum jitmem_refusal why);
void jitmem_stats_check_zero(void);
void jitmem_stats_read(struct jitmem_counters *cnt, u64 *contexts,
		       u64 refused[JITMEM_REFUSED_NR]);

/* Region events (netlink.c). */
enum jitmem_event {
	JITMEM_EVENT_INIT,
	JITMEM_EVENT_DEINIT,
	JITMEM_EVENT_RELEASE,
};

void jitmem_notify_seg(struct jitmem_ctx *ctx, enum jitmem_event ev,
		       const struct jitmem_seg *seg);
void jitmem_notify_slab(struct jitmem_ctx *ctx, const struct jitmem_slab *slab);
int jitmem_netlink_init(void);
void jitmem_netlink_exit(void);

long jitmem_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* Mappings (vma.c). */
static inline unsigned long jitmem_group_vm_flags(u8 group)
{
	unsigned long f = 0;

	if (group & JITMEM_GROUP_R)
		f |= VM_READ;
	if (group & JITMEM_GROUP_W)
		f |= VM_WRITE;
	if (group & JITMEM_GROUP_X)
		f |= VM_EXEC;
	return f;
}

static inline enum jitmem_prot jitmem_group_prot(u8 group)
{
	if (group & JITMEM_GROUP_X)
		return JITMEM_PROT_IDX_RX;
	if (group & JITMEM_GROUP_W)
		return JITMEM_PROT_IDX_RW;
	return JITMEM_PROT_IDX_R;
}

static inline unsigned long jitmem_seg_bytes(const struct jitmem_seg *seg)
{
	return seg->end - seg->start;
}

int jitmem_mmap(struct file *file, struct vm_area_struct *vma);
unsigned long jitmem_map(struct jitmem_ctx *ctx, unsigned long addr,
			 unsigned long len, unsigned long vm_flags, int flags);
bool jitmem_noexec(struct jitmem_ctx *ctx);
bool jitmem_vma_is_ours(struct jitmem_ctx *ctx, struct vm_area_struct *vma);
int jitmem_range_mapped(struct jitmem_ctx *ctx, unsigned long start,
			unsigned long end, unsigned long vm_flags,
			unsigned long *vstart, unsigned long *vend);
void jitmem_zap(struct jitmem_ctx *ctx, unsigned long start, unsigned long end);
int jitmem_insert_pages(struct jitmem_ctx *ctx, const struct jitmem_seg *seg);
int jitmem_unmap_range(struct jitmem_ctx *ctx, unsigned long start,
		       unsigned long end);

/* Slabs (slab.c) and regions (region.c), all with ctx->lock held. */
int jitmem_reserve(struct jitmem_ctx *ctx, struct jitmem_reserve *req);
int jitmem_release_one(struct jitmem_ctx *ctx, unsigned long addr);
struct jitmem_slab *jitmem_slab_find(struct jitmem_ctx *ctx,
				     unsigned long start, unsigned long end);
int jitmem_initialize(struct jitmem_ctx *ctx, struct jitmem_init_segment *ksegs,
		      unsigned int n, unsigned long *key);
int jitmem_deinit_one(struct jitmem_ctx *ctx, unsigned long key, u32 flags);
void jitmem_deinit_range(struct jitmem_ctx *ctx, unsigned long start,
			 unsigned long end);
void jitmem_ctx_free_all(struct jitmem_ctx *ctx);

#endif /* _JITMEM_H */
