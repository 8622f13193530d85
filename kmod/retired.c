// SPDX-License-Identifier: GPL-2.0-only
/*
 * Retired code (exec_reuse=0): the ranges of deinitialized code segments,
 * which no segment may overlap for the rest of the context's life.  The
 * segment itself is the record, so retiring never allocates and cannot
 * fail: no code leaves without its range recorded.
 */
#include <linux/slab.h>

#include "jitmem.h"

/**
 * jitmem_retired_overlaps() - does [start, end) overlap retired code?
 * @ctx: the context
 * @start: first byte
 * @end: byte after the last
 *
 * Context: map_lock held.
 * Return: true if it does.
 */
bool jitmem_retired_overlaps(struct jitmem_ctx *ctx, unsigned long start,
			     unsigned long end)
{
	lockdep_assert_held(&ctx->map_lock);
	return jitmem_range_first(&ctx->retired, start, end);
}

/**
 * jitmem_retire() - record the range of a code segment that is going
 * @ctx: the context
 * @seg: the segment, just taken out of ctx->segs
 *
 * Context: map_lock held for writing.
 */
void jitmem_retire(struct jitmem_ctx *ctx, struct jitmem_seg *seg)
{
	struct jitmem_counters d = { .retired_bytes = jitmem_seg_bytes(seg) };

	lockdep_assert_held_write(&ctx->map_lock);
	seg->retired = true;
	seg->region->nretired++;
	jitmem_range_insert(&ctx->retired, &seg->r);
	jitmem_account(ctx, &d, 1);
}

/**
 * jitmem_retired_free_all() - the context goes: forget its retired code
 * @ctx: the context, with no live segment left
 *
 * Context: map_lock held for writing.
 */
void jitmem_retired_free_all(struct jitmem_ctx *ctx)
{
	struct rb_node *n;

	lockdep_assert_held_write(&ctx->map_lock);
	while ((n = rb_first(&ctx->retired))) {
		struct jitmem_seg *seg = jitmem_seg_entry(jitmem_range_entry(n));
		struct jitmem_region *r = seg->region;
		struct jitmem_counters d = {
			.retired_bytes = jitmem_seg_bytes(seg),
		};

		jitmem_range_erase(&ctx->retired, &seg->r);
		jitmem_account(ctx, &d, -1);
		if (!--r->nretired && !r->nlive)
			kfree(r);
	}
}
