// SPDX-License-Identifier: GPL-2.0-only
/*
 * Regions: the segments of one INITIALIZE request.
 *
 * A request is validated as a whole, its content copied into fresh pages
 * and its key written back before any lock is taken, then checked against
 * the context's slabs and live segments, mapped, and published.  Any
 * failure undoes all of it.  A region goes (jitmem_region_drop()) when it
 * is deinitialized, when any of its segments loses its mapping (munmap(),
 * MAP_FIXED over it, mremap() shrink, RELEASE, exit), or with the context.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/personality.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include <asm/cacheflush.h>

#include "jitmem.h"

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

/* A region that was never published. */
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

		seg->r.start = ks[i].addr;
		seg->r.end = ks[i].addr + ks[i].length;
		RB_CLEAR_NODE(&seg->r.rb);
		seg->group = ks[i].group;
		seg->region = r;
		if (!(seg->group & JITMEM_GROUP_FINALIZE))
			r->key = min(r->key, seg->r.start);
		ret = jitmem_seg_fill(seg, &ks[i]);
		if (ret) {
			jitmem_region_free(r);
			return ERR_PTR(ret);
		}
	}
	return r;
}

/* Checks against the context's state; map_lock held. */
static int jitmem_region_admit(struct jitmem_ctx *ctx, struct jitmem_region *r)
{
	struct jitmem_counters *c = &ctx->cnt;
	u64 bytes = 0, live;
	unsigned int i;

	lockdep_assert_held(&ctx->map_lock);
	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];

		if (!jitmem_slab_find(ctx, seg->r.start, seg->r.end))
			return -ENXIO;
		if (jitmem_range_first(&ctx->segs, seg->r.start, seg->r.end))
			return -EBUSY;
		if (jitmem_retired_overlaps(ctx, seg->r.start, seg->r.end))
			return -EADDRNOTAVAIL;
		if ((seg->group & JITMEM_GROUP_X) && jitmem_noexec(ctx))
			return -EACCES;
		bytes += jitmem_seg_bytes(seg);
	}
	live = c->bytes[JITMEM_PROT_IDX_R] + c->bytes[JITMEM_PROT_IDX_RW] +
	       c->bytes[JITMEM_PROT_IDX_RX];
	if (live + bytes > READ_ONCE(jitmem_max_initialized_bytes)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -ENOSPC;
	}
	return 0;
}

/*
 * Free pages of a slab around @seg, bounded by live segments and by the
 * segments of the same request that want other permissions: the run that
 * may take @seg's permissions.  map_lock held.
 */
static void jitmem_free_run(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
			    struct jitmem_region *r, struct jitmem_seg *seg,
			    unsigned long *lo, unsigned long *hi)
{
	struct jitmem_range *next, *prev;
	unsigned int i;

	*lo = slab->r.start;
	*hi = slab->r.end;
	next = jitmem_range_first(&ctx->segs, seg->r.end, ULONG_MAX);
	prev = jitmem_range_entry(next ? rb_prev(&next->rb) :
					 rb_last(&ctx->segs));
	if (next)
		*hi = min(*hi, next->start);
	if (prev)
		*lo = max(*lo, prev->end);
	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *o = &r->segs[i];

		if (jitmem_group_perms(o->group) ==
		    jitmem_group_perms(seg->group))
			continue;
		if (o->r.end <= seg->r.start)
			*lo = max(*lo, o->r.end);
		else if (o->r.start >= seg->r.end)
			*hi = min(*hi, o->r.start);
	}
}

/*
 * Is @seg's range already mapped with its permissions?  0 if so,
 * 1 if it must be remapped, -ENXIO if it is not all the context's.
 */
static int jitmem_seg_mapped(struct jitmem_ctx *ctx, struct jitmem_seg *seg,
			     unsigned long *vlo, unsigned long *vhi)
{
	int ret;

	mmap_read_lock(ctx->mm);
	ret = jitmem_range_mapped(ctx, seg->r.start, seg->r.end,
				  jitmem_group_perms(seg->group), NULL, NULL);
	if (ret)
		ret = jitmem_range_mapped(ctx, seg->r.start, seg->r.end, ~0UL,
					  vlo, vhi) ?: 1;
	mmap_read_unlock(ctx->mm);
	return ret;
}

/*
 * Give each segment's range its permissions.  The whole free run around a
 * segment, within the mappings it touches, is remapped, so segments of one
 * protection placed side by side share a single VMA.
 */
static int jitmem_region_prepare(struct jitmem_ctx *ctx,
				 struct jitmem_region *r)
{
	unsigned long lo, hi, vlo = 0, vhi = 0, want, addr;
	struct jitmem_slab *slab;
	unsigned int i;
	int ret;

	/*
	 * With READ_IMPLIES_EXEC, vm_mmap() would add PROT_EXEC to a readable
	 * mapping (.mmap refuses it, after MAP_FIXED unmapped the old one):
	 * refuse before anything changes.
	 */
	for (i = 0; i < r->nsegs; i++) {
		ret = jitmem_seg_mapped(ctx, &r->segs[i], &vlo, &vhi);
		if (ret < 0)
			return ret;
		if (ret && !(r->segs[i].group & JITMEM_GROUP_X) &&
		    (current->personality & READ_IMPLIES_EXEC))
			return -ENOEXEC;
	}

	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];

		ret = jitmem_seg_mapped(ctx, seg, &vlo, &vhi);
		if (ret <= 0) {
			if (ret)
				return ret;
			continue;
		}
		down_read(&ctx->map_lock);
		slab = jitmem_slab_find(ctx, seg->r.start, seg->r.end);
		if (slab) {
			refcount_inc(&slab->ref);
			jitmem_free_run(ctx, slab, r, seg, &lo, &hi);
		}
		up_read(&ctx->map_lock);
		if (!slab)
			return -ENXIO;
		lo = max(lo, vlo);
		hi = min(hi, vhi);
		want = jitmem_group_perms(seg->group);
		addr = jitmem_map(ctx, slab, lo, hi - lo, want, MAP_FIXED, true);
		jitmem_slab_put(slab);
		if (IS_ERR_VALUE(addr))
			return (long)addr;
	}
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

/*
 * Map the pages and publish the segments; all or nothing.  The events go
 * out with map_lock held for reading (after mmap_lock is dropped), so that
 * no .close can free the segments meanwhile.
 */
static int jitmem_region_publish(struct jitmem_ctx *ctx, struct jitmem_region *r)
{
	unsigned int i, stored = 0;
	int ret = 0;

	if (mmap_read_lock_killable(ctx->mm))
		return -EINTR;
	down_write(&ctx->map_lock);
	for (i = 0; !ret && i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];

		if (!jitmem_slab_find(ctx, seg->r.start, seg->r.end))
			ret = -ENXIO;
		else
			ret = jitmem_range_mapped(ctx, seg->r.start, seg->r.end,
						  jitmem_group_perms(seg->group),
						  NULL, NULL);
	}
	for (i = 0; !ret && i < r->nsegs; i++, stored++) {
		jitmem_range_insert(&ctx->segs, &r->segs[i].r);
		ret = jitmem_insert_pages(ctx, &r->segs[i]);
	}
	if (ret) {
		for (i = 0; i < stored; i++) {
			jitmem_range_erase(&ctx->segs, &r->segs[i].r);
			jitmem_zap(ctx, r->segs[i].r.start, r->segs[i].r.end);
		}
		up_write(&ctx->map_lock);
		mmap_read_unlock(ctx->mm);
		return ret;
	}
	for (i = 0; i < r->nsegs; i++)
		jitmem_count_seg(ctx, &r->segs[i], 1);
	jitmem_count_region(ctx, 1);
	r->nlive = r->nsegs;
	downgrade_write(&ctx->map_lock);
	mmap_read_unlock(ctx->mm);
	for (i = 0; i < r->nsegs; i++)
		jitmem_notify_seg(ctx, JITMEM_EVENT_INIT, &r->segs[i]);
	up_read(&ctx->map_lock);
	return 0;
}

/**
 * jitmem_initialize() - JITMEM_IOC_INITIALIZE
 * @ctx: the context
 * @ksegs: the request's segments, copied in
 * @n: how many
 * @ukey: where the key goes in the caller's struct
 *
 * The key is written back first, before anything changes (it only depends
 * on the request), so that a key the kernel cannot write fails the request
 * whole and no other thread ever waits on a fault of it.
 *
 * Context: process context, no lock held; takes ctx->lock, mmap_lock and
 * map_lock.
 * Return: 0, or an errno the uapi lists for INITIALIZE.
 */
int jitmem_initialize(struct jitmem_ctx *ctx, struct jitmem_init_segment *ksegs,
		      unsigned int n, u64 __user *ukey)
{
	struct jitmem_region *r;
	unsigned int i;
	u64 bytes;
	int ret;

	ret = jitmem_request_check(ksegs, n);
	if (ret)
		return ret;
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
	if (put_user(r->key, ukey)) {
		jitmem_region_free(r);
		return -EFAULT;
	}

	if (mutex_lock_killable(&ctx->lock)) {
		jitmem_region_free(r);
		return -EINTR;
	}
	down_read(&ctx->map_lock);
	ret = jitmem_region_admit(ctx, r);
	up_read(&ctx->map_lock);
	if (!ret)
		ret = jitmem_region_prepare(ctx, r);
	if (!ret)
		ret = jitmem_region_publish(ctx, r);
	mutex_unlock(&ctx->lock);
	if (ret)
		jitmem_region_free(r);
	return ret;
}

/*
 * Take the live segments of @r (only its Finalize ones if @finalize_only)
 * out of the context: out of the tree and the page tables, accounted,
 * retired or freed.  The region goes when nothing of it is left.  This is
 * the one teardown of every path.  Returns how many segments it took.
 */
static unsigned int jitmem_region_drop(struct jitmem_ctx *ctx,
				       struct jitmem_region *r,
				       bool finalize_only, enum jitmem_drop how)
{
	bool reuse = READ_ONCE(jitmem_exec_reuse);
	unsigned int i, n = 0;

	lockdep_assert_held_write(&ctx->map_lock);
	for (i = 0; i < r->nsegs; i++) {
		struct jitmem_seg *seg = &r->segs[i];

		if (!seg->pages || (finalize_only &&
				    !(seg->group & JITMEM_GROUP_FINALIZE)))
			continue;
		jitmem_range_erase(&ctx->segs, &seg->r);
		if (how == JITMEM_DROP_ZAP)
			jitmem_zap(ctx, seg->r.start, seg->r.end);
		jitmem_notify_seg(ctx, JITMEM_EVENT_DEINIT, seg);
		jitmem_count_seg(ctx, seg, -1);
		if (!reuse && (seg->group & JITMEM_GROUP_X))
			jitmem_retire(ctx, seg);
		jitmem_seg_free_pages(seg);
		n++;
	}
	r->nlive -= n;
	if (n && !r->nlive) {
		jitmem_count_region(ctx, -1);
		if (!r->nretired)
			kfree(r);
	}
	return n;
}

static struct jitmem_region *jitmem_region_lookup(struct jitmem_ctx *ctx,
						  unsigned long key)
{
	struct jitmem_seg *seg;

	seg = jitmem_seg_entry(jitmem_range_find(&ctx->segs, key));
	if (!seg || seg->region->key != key)
		return NULL;
	return seg->region;
}

/**
 * jitmem_deinit_one() - DEINITIALIZE one region
 * @ctx: the context
 * @key: the region's key
 * @flags: JITMEM_DEINIT_FINALIZE_ONLY or 0
 *
 * Context: ctx->lock held; takes mmap_lock (for reading) and map_lock.
 * Return: 0, -ENOENT (no region with this key, or no live Finalize segment
 * with JITMEM_DEINIT_FINALIZE_ONLY), -EINTR.
 */
int jitmem_deinit_one(struct jitmem_ctx *ctx, unsigned long key, u32 flags)
{
	bool fin = flags & JITMEM_DEINIT_FINALIZE_ONLY;
	struct jitmem_region *r;
	unsigned int n = 0;

	lockdep_assert_held(&ctx->lock);
	if (mmap_read_lock_killable(ctx->mm))
		return -EINTR;
	down_write(&ctx->map_lock);
	r = jitmem_region_lookup(ctx, key);
	if (r)
		n = jitmem_region_drop(ctx, r, fin, JITMEM_DROP_ZAP);
	up_write(&ctx->map_lock);
	mmap_read_unlock(ctx->mm);
	return n ? 0 : -ENOENT;
}

/**
 * jitmem_drop_range() - drop every region with a live segment in a range
 * @ctx: the context
 * @start: first byte
 * @end: byte after the last
 * @how: JITMEM_DROP_ZAP if the context's other mappings are still there
 *
 * Context: map_lock held for writing; mmap_lock held with JITMEM_DROP_ZAP.
 */
void jitmem_drop_range(struct jitmem_ctx *ctx, unsigned long start,
		       unsigned long end, enum jitmem_drop how)
{
	struct jitmem_range *r;

	lockdep_assert_held_write(&ctx->map_lock);
	while ((r = jitmem_range_first(&ctx->segs, start, end)))
		jitmem_region_drop(ctx, jitmem_seg_entry(r)->region, false, how);
}
