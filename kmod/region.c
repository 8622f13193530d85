// SPDX-License-Identifier: GPL-2.0-only
/*
 * Regions: the segments of one INITIALIZE request.
 *
 * A request is validated as a whole, its content copied into fresh pages
 * before any lock is taken, then checked against the context's slabs and
 * live segments, mapped, and published.  Any failure undoes all of it.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include <asm/cacheflush.h>

#include "jitmem.h"

#define JITMEM_GROUP_PROT (JITMEM_GROUP_R | JITMEM_GROUP_W | JITMEM_GROUP_X)
#define JITMEM_GROUP_ALL (JITMEM_GROUP_PROT | JITMEM_GROUP_FINALIZE)

static int jitmem_seg_check(const struct jitmem_init_segment *s)
{
	u8 prot = s->group & JITMEM_GROUP_PROT;

	if (memchr_inv(s->__reserved, 0, sizeof(s->__reserved)) ||
	    s->group & ~JITMEM_GROUP_ALL)
		return -EINVAL;
	if ((prot & (JITMEM_GROUP_W | JITMEM_GROUP_X)) ==
	    (JITMEM_GROUP_W | JITMEM_GROUP_X)) {
		jitmem_stats_refused(JITMEM_REFUSED_WX);
		return -EPERM;
	}
	if (!(prot & JITMEM_GROUP_R))
		return -EINVAL;
	if (!s->length || !PAGE_ALIGNED(s->addr) || !PAGE_ALIGNED(s->length) ||
	    s->addr + s->length < s->addr || s->addr + s->length > TASK_SIZE)
		return -EINVAL;
	if (s->content_size > s->length)
		return -EINVAL;
	return 0;
}

static int jitmem_seg_cmp(const void *a, const void *b)
{
	const struct jitmem_init_segment *x = a, *y = b;

	if (x->addr == y->addr)
		return 0;
	return x->addr < y->addr ? -1 : 1;
}

/* Validate the request alone; sorts it by address. */
static int jitmem_request_check(struct jitmem_init_segment *ks, unsigned int n)
{
	bool standard = false;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = jitmem_seg_check(&ks[i]);
		if (ret)
			return ret;
		if (!(ks[i].group & JITMEM_GROUP_FINALIZE))
			standard = true;
	}
	if (!standard)
		return -EINVAL;
	sort(ks, n, sizeof(*ks), jitmem_seg_cmp, NULL);
	for (i = 1; i < n; i++)
		if (ks[i].addr < ks[i - 1].addr + ks[i - 1].length)
			return -EINVAL;
	return 0;
}

static void jitmem_seg_free_pages(struct jitmem_seg *seg)
{
	unsigned long i, nr = jitmem_seg_bytes(seg) >> PAGE_SHIFT;

	if (!seg->pages)
		return;
	for (i = 0; i < nr && seg->pages[i]; i++)
		put_page(seg->pages[i]);
	kvfree(seg->pages);
	seg->pages = NULL;
}

static void jitmem_region_free(struct jitmem_region *r)
{
	unsigned int i;

	for (i = 0; i < r->nsegs; i++)
		jitmem_seg_free_pages(&r->segs[i]);
	kfree(r);
}

/* Fresh pages holding the content, zero-filled past it. */
static int jitmem_seg_fill(struct jitmem_seg *seg,
			   const struct jitmem_init_segment *s)
{
	unsigned long i, nr = s->length >> PAGE_SHIFT;
	const u8 __user *src = u64_to_user_ptr(s->content);
	u64 left = s->content_size;

	seg->pages = kvcalloc(nr, sizeof(*seg->pages), GFP_KERNEL_ACCOUNT);
	if (!seg->pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		size_t n = min_t(u64, left, PAGE_SIZE);
		struct page *page;
		void *kaddr;

		/* A request over the memcg limit fails, it kills nobody. */
		page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
				  __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
		if (!page)
			return -ENOMEM;
		seg->pages[i] = page;
		if (!n)
			continue;
		kaddr = kmap_local_page(page);
		if (copy_from_user(kaddr, src, n)) {
			kunmap_local(kaddr);
			return -EFAULT;
		}
		if (s->group & JITMEM_GROUP_X)
			flush_icache_range((unsigned long)kaddr,
					   (unsigned long)kaddr + PAGE_SIZE);
		kunmap_local(kaddr);
		flush_dcache_page(page);
		src += n;
		left -= n;
		cond_resched();
	}
	return 0;
}

static struct jitmem_region *jitmem_region_build(struct jitmem_init_segment *ks,
						 unsigned int n)
{
	struct jitmem_region *r;
	unsigned int i;
	int ret;

	r = kzalloc(struct_size(r, segs, n), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->nsegs = n;
	r->key = ULONG_MAX;
	for (i = 0; i < n; i++) {
		struct jitmem_seg *seg = &r->segs[i];

		seg->start = ks[i].addr;
		seg->end = ks[i].addr + ks[i].length;
		seg->group = ks[i].group;
		seg->region = r;
		if (!(seg->group & JITMEM_GROUP_FINALIZE))
			r->key = min(r->key, seg->start);
		ret = jitmem_seg_fill(seg, &ks[i]);
		if (ret) {
			jitmem_region_free(r);
			return ERR_PTR(ret);
		}
	}
	return r;
}

/* Checks against the context's state; ctx->lock held. */
static int jitmem_region_admit(struct jitmem_ctx *ctx, struct jitmem_region *r)
{
	u64 bytes = 0, live;
	unsigned int i;
	int p;

	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];
		unsigned long idx = seg->start;

		if (!jitmem_slab_find(ctx, seg->start, seg->end))
			return -ENXIO;
		if (mt_find(&ctx->segs, &idx, seg->end - 1))
			return -EBUSY;
		idx = seg->start;
		if (mt_find(&ctx->retired, &idx, seg->end - 1))
			return -EADDRNOTAVAIL;
		if ((seg->group & JITMEM_GROUP_X) &&
		    jitmem_noexec(ctx))
			return -EACCES;
		bytes += jitmem_seg_bytes(seg);
	}
	for (live = 0, p = 0; p < JITMEM_PROT_NR; p++)
		live += ctx->cnt.bytes[p];
	if (live + bytes > READ_ONCE(jitmem_max_initialized_bytes)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -ENOSPC;
	}
	return 0;
}

/*
 * Free pages of a slab around @seg, bounded by live segments and by the
 * segments of the same request that want other permissions: the run that
 * may take @seg's permissions.
 */
static void jitmem_free_run(struct jitmem_ctx *ctx, struct jitmem_region *r,
			    struct jitmem_seg *seg, unsigned long *lo,
			    unsigned long *hi)
{
	struct jitmem_slab *slab = jitmem_slab_find(ctx, seg->start, seg->end);
	unsigned long idx = seg->end;
	struct jitmem_seg *nb;
	unsigned int i;

	*lo = slab->start;
	*hi = slab->end;
	nb = mt_prev(&ctx->segs, seg->start, slab->start);
	if (nb)
		*lo = max(*lo, nb->end);
	nb = mt_find(&ctx->segs, &idx, slab->end - 1);
	if (nb)
		*hi = min(*hi, nb->start);
	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *o = &r->segs[i];

		if (jitmem_group_vm_flags(o->group) ==
		    jitmem_group_vm_flags(seg->group))
			continue;
		if (o->end <= seg->start)
			*lo = max(*lo, o->end);
		else if (o->start >= seg->end)
			*hi = min(*hi, o->start);
	}
}

/*
 * Give @seg's range its permissions.  The whole free run around it, within
 * the mappings it touches, is remapped, so segments of one protection that
 * are placed side by side share a single VMA.
 */
static int jitmem_seg_prepare(struct jitmem_ctx *ctx, struct jitmem_region *r,
			      struct jitmem_seg *seg)
{
	unsigned long want = jitmem_group_vm_flags(seg->group);
	unsigned long lo, hi, vlo, vhi, addr;
	int ret;

	if (mmap_read_lock_killable(ctx->mm))
		return -EINTR;
	ret = jitmem_range_mapped(ctx, seg->start, seg->end, want, NULL, NULL);
	if (!ret) {
		mmap_read_unlock(ctx->mm);
		return 0;
	}
	ret = jitmem_range_mapped(ctx, seg->start, seg->end, ~0UL, &vlo, &vhi);
	mmap_read_unlock(ctx->mm);
	if (ret)
		return ret;

	jitmem_free_run(ctx, r, seg, &lo, &hi);
	lo = max(lo, vlo);
	hi = min(hi, vhi);
	addr = jitmem_map(ctx, lo, hi - lo, want, MAP_FIXED);
	if (IS_ERR_VALUE(addr))
		return (long)addr;
	return 0;
}

static void jitmem_count_seg(struct jitmem_ctx *ctx, struct jitmem_seg *seg,
			     int sign)
{
	struct jitmem_counters d = { .segments = 1 };

	d.bytes[jitmem_group_prot(seg->group)] = jitmem_seg_bytes(seg);
	jitmem_account(ctx, &d, sign);
}

static void jitmem_count_region(struct jitmem_ctx *ctx, int sign)
{
	struct jitmem_counters d = { .regions = 1 };

	jitmem_account(ctx, &d, sign);
}

/* Map the pages and publish the segments; all or nothing. */
static int jitmem_region_publish(struct jitmem_ctx *ctx, struct jitmem_region *r)
{
	unsigned int i, stored = 0;
	int ret;

	if (mmap_write_lock_killable(ctx->mm))
		return -EINTR;
	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];

		ret = jitmem_range_mapped(ctx, seg->start, seg->end,
					  jitmem_group_vm_flags(seg->group),
					  NULL, NULL);
		if (ret)
			goto undo;
	}
	for (i = 0; i < r->nsegs; i++, stored++) {
		struct jitmem_seg *seg = &r->segs[i];

		ret = mtree_insert_range(&ctx->segs, seg->start, seg->end - 1,
					 seg, GFP_KERNEL_ACCOUNT);
		if (ret)
			goto undo;
		ret = jitmem_insert_pages(ctx, seg);
		if (ret) {
			stored++;
			goto undo;
		}
	}
	mmap_write_unlock(ctx->mm);
	return 0;

undo:
	for (i = 0; i < stored; i++) {
		mtree_erase(&ctx->segs, r->segs[i].start);
		jitmem_zap(ctx, r->segs[i].start, r->segs[i].end);
	}
	mmap_write_unlock(ctx->mm);
	return ret;
}

int jitmem_initialize(struct jitmem_ctx *ctx, struct jitmem_init_segment *ksegs,
		      unsigned int n, unsigned long *key)
{
	struct jitmem_region *r;
	unsigned int i;
	u64 bytes;
	int ret;

	ret = jitmem_request_check(ksegs, n);
	if (ret) {
		if (ret == -EINVAL)
			jitmem_stats_refused(JITMEM_REFUSED_INVAL);
		return ret;
	}
	/* Refuse what can never fit before allocating pages for it. */
	for (i = 0, bytes = 0; i < n; i++)
		bytes += ksegs[i].length;
	if (bytes > READ_ONCE(jitmem_max_initialized_bytes)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -ENOSPC;
	}
	r = jitmem_region_build(ksegs, n);
	if (IS_ERR(r))
		return PTR_ERR(r);

	if (mutex_lock_killable(&ctx->lock)) {
		jitmem_region_free(r);
		return -EINTR;
	}
	ret = jitmem_region_admit(ctx, r);
	for (i = 0; !ret && i < r->nsegs; i++)
		ret = jitmem_seg_prepare(ctx, r, &r->segs[i]);
	if (!ret)
		ret = jitmem_region_publish(ctx, r);
	if (ret) {
		mutex_unlock(&ctx->lock);
		jitmem_region_free(r);
		return ret;
	}
	for (i = 0; i < r->nsegs; i++) {
		jitmem_count_seg(ctx, &r->segs[i], 1);
		jitmem_notify_seg(ctx, JITMEM_EVENT_INIT, &r->segs[i]);
	}
	jitmem_count_region(ctx, 1);
	*key = r->key;
	mutex_unlock(&ctx->lock);
	return 0;
}

/*
 * Take the selected live segments of @r out of the tree and the page
 * tables; mmap_lock held for writing.  Returns how many were taken.
 */
static unsigned int jitmem_region_unpublish(struct jitmem_ctx *ctx,
					    struct jitmem_region *r,
					    bool finalize_only)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];

		if (!seg->pages || (finalize_only &&
				    !(seg->group & JITMEM_GROUP_FINALIZE)))
			continue;
		mtree_erase(&ctx->segs, seg->start);
		jitmem_zap(ctx, seg->start, seg->end);
		n++;
	}
	return n;
}

/* Account, retire and free what jitmem_region_unpublish() took. */
static void jitmem_region_retire(struct jitmem_ctx *ctx,
				 struct jitmem_region *r, bool finalize_only)
{
	bool reuse = READ_ONCE(jitmem_exec_reuse);
	unsigned int i, live = 0;

	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];

		if (!seg->pages)
			continue;
		if (finalize_only && !(seg->group & JITMEM_GROUP_FINALIZE)) {
			live++;
			continue;
		}
		jitmem_notify_seg(ctx, JITMEM_EVENT_DEINIT, seg);
		jitmem_count_seg(ctx, seg, -1);
		if (!reuse && (seg->group & JITMEM_GROUP_X) &&
		    !mtree_store_range(&ctx->retired, seg->start, seg->end - 1,
				       xa_mk_value(1), GFP_KERNEL_ACCOUNT)) {
			struct jitmem_counters d = {
				.retired_bytes = jitmem_seg_bytes(seg),
			};

			jitmem_account(ctx, &d, 1);
		}
		jitmem_seg_free_pages(seg);
	}
	if (!live) {
		jitmem_count_region(ctx, -1);
		kfree(r);
	}
}

static struct jitmem_region *jitmem_region_lookup(struct jitmem_ctx *ctx,
						  unsigned long key)
{
	struct jitmem_seg *seg = mtree_load(&ctx->segs, key);

	if (!seg || seg->region->key != key)
		return NULL;
	return seg->region;
}

int jitmem_deinit_one(struct jitmem_ctx *ctx, unsigned long key, u32 flags)
{
	bool fin = flags & JITMEM_DEINIT_FINALIZE_ONLY;
	struct jitmem_region *r;
	unsigned int n;

	if (mmap_write_lock_killable(ctx->mm))
		return -EINTR;
	r = jitmem_region_lookup(ctx, key);
	n = r ? jitmem_region_unpublish(ctx, r, fin) : 0;
	mmap_write_unlock(ctx->mm);
	if (!n)
		return -ENOENT;
	jitmem_region_retire(ctx, r, fin);
	return 0;
}

/* Deinitialize every region with a live segment in [start, end). */
void jitmem_deinit_range(struct jitmem_ctx *ctx, unsigned long start,
			 unsigned long end)
{
	struct jitmem_seg *seg;
	unsigned long idx = start;

	while ((seg = mt_find(&ctx->segs, &idx, end - 1))) {
		struct jitmem_region *r = seg->region;

		mmap_write_lock(ctx->mm);
		jitmem_region_unpublish(ctx, r, false);
		mmap_write_unlock(ctx->mm);
		jitmem_region_retire(ctx, r, false);
		idx = start;
	}
}

/* The file is gone: no mapping of it is left in any mm. */
void jitmem_ctx_free_all(struct jitmem_ctx *ctx)
{
	struct jitmem_seg *seg;
	unsigned long idx = 0;

	while ((seg = mt_find(&ctx->segs, &idx, ULONG_MAX))) {
		struct jitmem_region *r = seg->region;
		unsigned int i;

		for (i = 0; i < r->nsegs; i++) {
			if (!r->segs[i].pages)
				continue;
			mtree_erase(&ctx->segs, r->segs[i].start);
			jitmem_notify_seg(ctx, JITMEM_EVENT_DEINIT, &r->segs[i]);
			jitmem_count_seg(ctx, &r->segs[i], -1);
		}
		jitmem_count_region(ctx, -1);
		jitmem_region_free(r);
		idx = 0;
	}
}
