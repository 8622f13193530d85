// SPDX-License-Identifier: GPL-2.0-only
/*
 * Slabs: reserved address space, a PROT_NONE mapping of the device until
 * regions are initialized in it.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>

#include "jitmem.h"

/* The slab holding all of [start, end), if any; ctx->lock held. */
struct jitmem_slab *jitmem_slab_find(struct jitmem_ctx *ctx,
				     unsigned long start, unsigned long end)
{
	struct jitmem_slab *slab = mtree_load(&ctx->slabs, start);

	return slab && end <= slab->end ? slab : NULL;
}

/* Forget a slab (its mappings already gone): deinitialize its regions. */
static void jitmem_slab_drop(struct jitmem_ctx *ctx, struct jitmem_slab *slab)
{
	struct jitmem_counters d = {
		.slabs = 1,
		.reserved_bytes = slab->end - slab->start,
	};

	jitmem_deinit_range(ctx, slab->start, slab->end);
	mtree_erase(&ctx->slabs, slab->start);
	jitmem_notify_slab(ctx, slab);
	jitmem_account(ctx, &d, -1);
	kfree(slab);
}

/* Is any of @slab still mapped by the context outside [start, end)? */
static bool jitmem_slab_mapped_outside(struct jitmem_ctx *ctx,
				       const struct jitmem_slab *slab,
				       unsigned long start, unsigned long end)
{
	VMA_ITERATOR(vmi, ctx->mm, slab->start);
	struct vm_area_struct *vma;
	bool mapped = false;

	mmap_read_lock(ctx->mm);
	for_each_vma_range(vmi, vma, slab->end) {
		if (jitmem_vma_is_ours(ctx, vma) &&
		    (vma->vm_start < start || vma->vm_end > end)) {
			mapped = true;
			break;
		}
	}
	mmap_read_unlock(ctx->mm);
	return mapped;
}

/*
 * A new mapping [start, end) landed where the user unmapped older slabs.
 * A slab unmapped whole is gone, as after munmap() of any mapping.  A slab
 * unmapped in part keeps its holes: the new mapping is kept where it fills
 * them, making that slab whole again (inaccessible there) so its address
 * keeps naming it alone; the rest is given back.  Returns true if the
 * mapping was used to fill holes.
 */
static bool jitmem_fill_holes(struct jitmem_ctx *ctx, unsigned long start,
			      unsigned long end)
{
	unsigned long idx = start, cur = start;
	struct jitmem_slab *old;

	while ((old = mt_find(&ctx->slabs, &idx, end - 1))) {
		if (!jitmem_slab_mapped_outside(ctx, old, start, end)) {
			jitmem_slab_drop(ctx, old);
			continue;
		}
		if (cur < old->start)
			jitmem_unmap_range(ctx, cur, old->start);
		cur = min(old->end, end);
	}
	if (cur == start)
		return false;
	if (cur < end)
		jitmem_unmap_range(ctx, cur, end);
	return true;
}

int jitmem_reserve(struct jitmem_ctx *ctx, struct jitmem_reserve *req)
{
	struct jitmem_counters d = { .slabs = 1 };
	struct jitmem_slab *slab;
	unsigned long addr;
	int mflags = 0;
	int ret;

	if (req->flags & ~JITMEM_RESERVE_FIXED_NOREPLACE)
		return -EINVAL;
	if (!req->length || !PAGE_ALIGNED(req->length) ||
	    !PAGE_ALIGNED(req->addr) || req->addr + req->length < req->addr ||
	    req->length > TASK_SIZE)
		return -EINVAL;
	if (req->flags & JITMEM_RESERVE_FIXED_NOREPLACE)
		mflags = MAP_FIXED_NOREPLACE;

	if (ctx->cnt.reserved_bytes + req->length >
	    READ_ONCE(jitmem_max_reserved_bytes)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -ENOSPC;
	}
	slab = kzalloc(sizeof(*slab), GFP_KERNEL_ACCOUNT);
	if (!slab)
		return -ENOMEM;
	for (;;) {
		addr = jitmem_map(ctx, req->addr, req->length, 0, mflags);
		if (IS_ERR_VALUE(addr)) {
			kfree(slab);
			return (long)addr;
		}
		if (!jitmem_fill_holes(ctx, addr, addr + req->length))
			break;
		/* Each round fills holes for good: this ends. */
		if (mflags || fatal_signal_pending(current)) {
			kfree(slab);
			return mflags ? -EEXIST : -EINTR;
		}
		cond_resched();
	}
	slab->start = addr;
	slab->end = addr + req->length;
	ret = mtree_insert_range(&ctx->slabs, slab->start, slab->end - 1, slab,
				 GFP_KERNEL_ACCOUNT);
	if (ret) {
		vm_munmap(slab->start, req->length);
		kfree(slab);
		return ret;
	}
	d.reserved_bytes = req->length;
	jitmem_account(ctx, &d, 1);
	req->addr = addr;
	return 0;
}

int jitmem_release_one(struct jitmem_ctx *ctx, unsigned long addr)
{
	struct jitmem_slab *slab = mtree_load(&ctx->slabs, addr);
	int ret;

	if (!slab || slab->start != addr)
		return -ENOENT;
	/* Unmap first: a failed munmap() leaves the slab as it was. */
	ret = jitmem_unmap_range(ctx, slab->start, slab->end);
	if (ret)
		return ret;
	jitmem_slab_drop(ctx, slab);
	return 0;
}
