// SPDX-License-Identifier: GPL-2.0-only
/*
 * Slabs: reserved address space, a PROT_NONE mapping of the device until
 * regions are initialized in it.
 *
 * A slab lives while any of its VMAs does.  Whoever unmaps part of it (the
 * process, RELEASE, exit), .close drops the regions that lose a mapping,
 * and the last VMA takes the slab with it.  The address range of a slab the
 * process unmapped in part stays the slab's: a later RESERVE that lands in
 * such a hole gives it back to the slab (jitmem_fill_holes()), so that one
 * address never names two slabs.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "jitmem.h"

/* Rounds of jitmem_fill_holes() a RESERVE may take before it gives up. */
#define JITMEM_FILL_ROUNDS 64

/**
 * jitmem_slab_find() - the slab holding all of [start, end)
 * @ctx: the context
 * @start: first byte
 * @end: byte after the last
 *
 * Context: map_lock held.
 * Return: the slab, or NULL.
 */
struct jitmem_slab *jitmem_slab_find(struct jitmem_ctx *ctx,
				     unsigned long start, unsigned long end)
{
	struct jitmem_slab *slab;

	lockdep_assert_held(&ctx->map_lock);
	slab = jitmem_slab_entry(jitmem_range_find(&ctx->slabs, start));
	return slab && end <= slab->r.end ? slab : NULL;
}

static struct jitmem_slab *jitmem_slab_new(struct jitmem_ctx *ctx)
{
	struct jitmem_slab *slab = kzalloc(sizeof(*slab), GFP_KERNEL_ACCOUNT);

	if (!slab)
		return NULL;
	slab->ctx = ctx;
	refcount_set(&slab->ref, 1);
	RB_CLEAR_NODE(&slab->r.rb);
	return slab;
}

/**
 * jitmem_slab_put() - drop a reference on a slab
 * @slab: the slab
 *
 * Context: any that may free memory.
 */
void jitmem_slab_put(struct jitmem_slab *slab)
{
	if (refcount_dec_and_test(&slab->ref))
		kfree(slab);
}

/**
 * jitmem_slab_forget() - take a slab with no VMA and no region left out
 * @ctx: the context
 * @slab: the slab, in the tree
 *
 * Context: map_lock held for writing.
 */
void jitmem_slab_forget(struct jitmem_ctx *ctx, struct jitmem_slab *slab)
{
	struct jitmem_counters d = {
		.slabs = 1,
		.reserved_bytes = slab->r.end - slab->r.start,
	};

	lockdep_assert_held_write(&ctx->map_lock);
	jitmem_range_erase(&ctx->slabs, &slab->r);
	slab->dead = true;
	jitmem_notify_slab(ctx, slab);
	jitmem_account(ctx, &d, -1);
	jitmem_slab_put(slab);
}

/**
 * jitmem_slab_unmapped() - a mapping of @slab over [start, end) went away
 * @ctx: the context
 * @slab: the slab
 * @start: first byte of the mapping
 * @end: byte after its last
 * @how: whether the context's other mappings are still there to be zapped
 *
 * Drops every region with a segment there and frees the pages of the range
 * (their PTEs went with the mapping), and the slab when none of its VMAs
 * is left.
 *
 * Context: mmap_lock held, map_lock held for writing.
 */
void jitmem_slab_unmapped(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
			  unsigned long start, unsigned long end,
			  enum jitmem_drop how)
{
	lockdep_assert_held_write(&ctx->map_lock);
	if (!slab->inserted || slab->dead)
		return;		/* a RESERVE still placing it */
	start = max(start, slab->r.start);
	end = min(end, slab->r.end);
	if (!slab->nvmas) {
		start = slab->r.start;
		end = slab->r.end;
	}
	if (start < end) {
		ctx->dying_start = start;
		ctx->dying_end = end;
		jitmem_drop_range(ctx, start, end, how);
		jitmem_pages_free_range(ctx, start, end);
		ctx->dying_start = 0;
		ctx->dying_end = 0;
	}
	if (!slab->nvmas)
		jitmem_slab_forget(ctx, slab);
	/* Pages the dropped regions emptied elsewhere, as DEINITIALIZE does. */
	if (how == JITMEM_DROP_SCRUB)
		jitmem_pages_reclaim(ctx);
}

/*
 * The first slab of the tree overlapping [start, end), with a reference,
 * or NULL.
 */
static struct jitmem_slab *jitmem_slab_get_first(struct jitmem_ctx *ctx,
						 unsigned long start,
						 unsigned long end)
{
	struct jitmem_slab *slab;

	down_read(&ctx->map_lock);
	slab = jitmem_slab_entry(jitmem_range_first(&ctx->slabs, start, end));
	if (slab)
		refcount_inc(&slab->ref);
	up_read(&ctx->map_lock);
	return slab;
}

/*
 * The new mapping [start, end) of @slab, not in the tree yet, landed where
 * the process unmapped parts of older slabs (mmap() only returns free
 * address space, so it overlaps them only in their holes).  Give those
 * holes back to their slabs, unmap the rest.
 *
 * Return: 0 when the mapping overlaps no slab, 1 when holes were filled
 * and the mapping is gone, or a negative errno (the mapping is gone).
 */
static int jitmem_fill_holes(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
			     unsigned long start, unsigned long end)
{
	unsigned long cur = start, s, e, addr;
	struct jitmem_slab *old;
	int ret = 0;

	while (cur < end && (old = jitmem_slab_get_first(ctx, cur, end))) {
		s = max(old->r.start, cur);
		e = min(old->r.end, end);
		if (cur < s)
			ret = jitmem_unmap(ctx, slab, cur, s);
		if (!ret) {
			addr = jitmem_map(ctx, old, s, e - s, 0, MAP_FIXED, false);
			if (IS_ERR_VALUE(addr))
				ret = (long)addr;
		}
		jitmem_slab_put(old);
		if (ret) {
			jitmem_unmap(ctx, slab, cur, end);
			return ret;
		}
		cur = e;
	}
	if (cur == start)
		return 0;
	if (cur < end)
		ret = jitmem_unmap(ctx, slab, cur, end);
	return ret ?: 1;
}

static bool jitmem_slab_overlaps(struct jitmem_ctx *ctx, unsigned long start,
				 unsigned long end)
{
	bool ret;

	down_read(&ctx->map_lock);
	ret = jitmem_range_first(&ctx->slabs, start, end);
	up_read(&ctx->map_lock);
	return ret;
}

static int jitmem_reserve_check(struct jitmem_ctx *ctx,
				const struct jitmem_reserve *req)
{
	struct jitmem_counters cnt;
	int ret;

	if (req->flags & ~JITMEM_RESERVE_FIXED_NOREPLACE)
		return -EINVAL;
	if (!req->length || !PAGE_ALIGNED(req->length) ||
	    !PAGE_ALIGNED(req->addr) || req->length > TASK_SIZE ||
	    req->addr + req->length < req->addr)
		return -EINVAL;
	/* An exact range must be user address space, not a hint mmap() may move. */
	if ((req->flags & JITMEM_RESERVE_FIXED_NOREPLACE) &&
	    req->addr + req->length > TASK_SIZE)
		return -EINVAL;
	ret = jitmem_ctx_counters(ctx, &cnt);
	if (ret)
		return ret;
	if (cnt.reserved_bytes + req->length >
	    READ_ONCE(jitmem_max_reserved_bytes)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -ENOSPC;
	}
	return 0;
}

/**
 * jitmem_reserve() - JITMEM_IOC_RESERVE
 * @ctx: the context
 * @req: the request; @req->addr receives the slab's address
 *
 * Context: ctx->lock held; takes mmap_lock and map_lock.
 * Return: 0, or -EINVAL, -ENOSPC, -EEXIST, -ENOMEM, -EINTR (see the uapi).
 */
int jitmem_reserve(struct jitmem_ctx *ctx, struct jitmem_reserve *req)
{
	struct jitmem_counters d = { .slabs = 1, .reserved_bytes = req->length };
	int mflags = 0, rounds = 0, ret;
	struct jitmem_slab *slab;
	unsigned long addr;

	lockdep_assert_held(&ctx->lock);
	ret = jitmem_reserve_check(ctx, req);
	if (ret)
		return ret;
	if (req->flags & JITMEM_RESERVE_FIXED_NOREPLACE) {
		/* In a hole of an older slab: that range is still in use. */
		if (jitmem_slab_overlaps(ctx, req->addr, req->addr + req->length))
			return -EEXIST;
		mflags = MAP_FIXED_NOREPLACE;
	}
	slab = jitmem_slab_new(ctx);
	if (!slab)
		return -ENOMEM;
	do {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (++rounds > JITMEM_FILL_ROUNDS) {
			ret = -ENOMEM;
			break;
		}
		addr = jitmem_map(ctx, slab, req->addr, req->length, 0, mflags,
				  false);
		if (IS_ERR_VALUE(addr)) {
			ret = (long)addr;
			break;
		}
		/* Each round fills holes for good: this ends. */
		ret = jitmem_fill_holes(ctx, slab, addr, addr + req->length);
		cond_resched();
	} while (ret == 1);
	if (ret) {
		jitmem_slab_put(slab);
		return ret;
	}

	down_write(&ctx->map_lock);
	slab->r.start = addr;
	slab->r.end = addr + req->length;
	slab->inserted = true;
	jitmem_range_insert(&ctx->slabs, &slab->r);
	jitmem_account(ctx, &d, 1);
	/* Another thread may have unmapped it already. */
	if (!slab->nvmas)
		jitmem_slab_forget(ctx, slab);
	up_write(&ctx->map_lock);
	req->addr = addr;
	return 0;
}

/* A slab of the batch, by address. */
struct jitmem_release_item {
	struct jitmem_slab *slab;
	unsigned int idx;
};

static int jitmem_release_cmp(const void *a, const void *b)
{
	const struct jitmem_release_item *x = a, *y = b;

	if (x->slab->r.start == y->slab->r.start)
		return x->idx < y->idx ? -1 : 1;
	return x->slab->r.start < y->slab->r.start ? -1 : 1;
}

/* Is [start, end) mapped by the context's own VMAs alone? */
static bool jitmem_only_ours(struct jitmem_ctx *ctx, unsigned long start,
			     unsigned long end)
{
	bool ret;

	mmap_read_lock(ctx->mm);
	ret = !jitmem_range_mapped(ctx, start, end, ~0UL, NULL, NULL);
	mmap_read_unlock(ctx->mm);
	return ret;
}

/*
 * Unmap items [first, last] of @it, slabs side by side: one munmap() (one
 * TLB flush) when nothing else is mapped among them, else slab by slab.
 */
static void jitmem_release_run(struct jitmem_ctx *ctx,
			       struct jitmem_release_item *it,
			       unsigned int first, unsigned int last,
			       int *results)
{
	unsigned long start = it[first].slab->r.start;
	unsigned long end = it[last].slab->r.end;
	unsigned int i;
	int ret;

	if (first < last && jitmem_only_ours(ctx, start, end)) {
		ret = jitmem_unmap_all(ctx, start, end, false);
		for (i = first; i <= last; i++)
			results[it[i].idx] = ret;
		return;
	}
	for (i = first; i <= last; i++)
		results[it[i].idx] = jitmem_unmap(ctx, it[i].slab,
						  it[i].slab->r.start,
						  it[i].slab->r.end);
}

/**
 * jitmem_release_batch() - RELEASE a list of slabs
 * @ctx: the context
 * @addrs: the slabs' addresses
 * @results: receives 0 or a negative errno per address: -ENOENT (no slab
 *	starts there, or it was named before in the list), or the error of
 *	munmap() (the slab stays, less what was unmapped)
 * @n: how many
 *
 * Unmaps the slabs; .close deinitializes their regions and forgets them.
 * Slabs that lie side by side, with nothing else mapped among them, go in
 * one munmap(): one TLB flush for them all.
 *
 * Context: ctx->lock held; takes mmap_lock and map_lock.
 * Return: 0, or -ENOMEM (nothing done).
 */
int jitmem_release_batch(struct jitmem_ctx *ctx, const u64 *addrs,
			 int *results, unsigned int n)
{
	struct jitmem_release_item *it;
	unsigned int i, k, m = 0, first;
	struct jitmem_slab *slab;

	lockdep_assert_held(&ctx->lock);
	it = kvmalloc_array(n, sizeof(*it), GFP_KERNEL_ACCOUNT);
	if (!it)
		return -ENOMEM;
	down_read(&ctx->map_lock);
	for (i = 0; i < n; i++) {
		slab = jitmem_slab_entry(jitmem_range_find(&ctx->slabs, addrs[i]));
		results[i] = -ENOENT;
		if (!slab || slab->r.start != addrs[i])
			continue;
		refcount_inc(&slab->ref);
		it[m++] = (struct jitmem_release_item){ .slab = slab, .idx = i };
	}
	up_read(&ctx->map_lock);
	sort(it, m, sizeof(*it), jitmem_release_cmp, NULL);
	/* A slab named twice: the first item releases it, the others ENOENT. */
	for (i = 1, k = m ? 1 : 0; i < m; i++) {
		if (it[i].slab == it[k - 1].slab)
			jitmem_slab_put(it[i].slab);
		else
			it[k++] = it[i];
	}
	m = k;
	for (i = 0, first = 0; i < m; i++) {
		if (i + 1 == m || it[i + 1].slab->r.start != it[i].slab->r.end) {
			jitmem_release_run(ctx, it, first, i, results);
			first = i + 1;
		}
	}
	for (i = 0; i < m; i++)
		jitmem_slab_put(it[i].slab);
	kvfree(it);
	return 0;
}

/**
 * jitmem_release_one() - RELEASE one slab
 * @ctx: the context
 * @addr: the slab's address
 *
 * Unmaps the slab; .close deinitializes its regions and forgets it.
 *
 * Context: ctx->lock held; takes mmap_lock and map_lock.
 * Return: 0, -ENOENT (no slab starts at @addr), or the error of munmap()
 * (the slab stays, less what was unmapped).
 */
int jitmem_release_one(struct jitmem_ctx *ctx, unsigned long addr)
{
	struct jitmem_slab *slab;
	unsigned long start = 0, end = 0;
	int ret;

	lockdep_assert_held(&ctx->lock);
	down_read(&ctx->map_lock);
	slab = jitmem_slab_entry(jitmem_range_find(&ctx->slabs, addr));
	if (slab && slab->r.start == addr) {
		refcount_inc(&slab->ref);
		start = slab->r.start;
		end = slab->r.end;
	} else {
		slab = NULL;
	}
	up_read(&ctx->map_lock);
	if (!slab)
		return -ENOENT;
	ret = jitmem_unmap(ctx, slab, start, end);
	jitmem_slab_put(slab);
	return ret;
}
