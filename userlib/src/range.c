// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * jitmem_deinitialize_range(): everything in a range of a slab goes back to
 * reserved (regions deinitialized, prepared working memory discarded) while
 * the slab stays, for an adapter that abandons part of a slab it still hands
 * out elsewhere.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* Where r lies against [start, end): outside, wholly inside, or across. */
enum jm_where { JM_OUTSIDE, JM_INSIDE, JM_ACROSS };

static enum jm_where jm_region_where(const struct jm_region *r, uintptr_t start, uintptr_t end)
{
	size_t i, in = 0, out = 0;

	for (i = 0; i < r->nsegs; i++) {
		const struct jm_seg *s = &r->segs[i];

		if (!s->live && !s->held)
			continue;
		if (s->addr >= start && s->addr + s->len <= end)
			in++;
		else if (s->addr < end && s->addr + s->len > start)
			return JM_ACROSS;
		else
			out++;
	}
	return !in ? JM_OUTSIDE : out ? JM_ACROSS : JM_INSIDE;
}

/*
 * Under m->lock: claim (DYING, newest first) every region of slab inside
 * [start, end) into *regions (allocated, with room for the scratch of
 * jm_regions_free()).  -EBUSY, and nothing claimed, when one lies across
 * the range or is being initialized or deinitialized.
 */
static int jm_range_claim(struct jitmem *m, struct jm_slab *slab, uintptr_t start,
			  uintptr_t end, struct jm_region ***regions, size_t *n)
{
	struct jm_list *l;
	size_t count = 0;

	jm_list_for_each(l, &m->region_list) {
		struct jm_region *r = jm_region_of(l);
		enum jm_where w;

		if (r->slab != slab)
			continue;
		w = jm_region_where(r, start, end);
		if (w == JM_ACROSS || (w == JM_INSIDE && r->state != JM_REGION_LIVE))
			return -EBUSY;
		count += w == JM_INSIDE;
	}
	*regions = malloc((2 * count + 1) * sizeof(**regions));
	if (!*regions)
		return -ENOMEM;
	*n = 0;
	jm_list_for_each_reverse(l, &m->region_list) {
		struct jm_region *r = jm_region_of(l);

		if (r->slab == slab && jm_region_where(r, start, end) == JM_INSIDE) {
			r->state = JM_REGION_DYING;
			(*regions)[(*n)++] = r;
		}
	}
	return 0;
}

static int jm_deinit_range(struct jitmem *m, uintptr_t start, size_t size,
			   struct jitmem_result *res)
{
	struct jm_region **regions = NULL;
	struct jm_slab *slab;
	int *results = NULL, ret;
	void *shadow = NULL;
	size_t i, n = 0;

	size = jm_page_up(m, size);
	jm_lock(m);
	ret = m->ops->check(m);
	slab = ret ? NULL : jm_slab_containing(m, start, size);
	if (!ret && (!slab || slab->allocator || slab->releasing))
		ret = -ENXIO;
	if (!ret)
		ret = jm_range_claim(m, slab, start, start + size, &regions, &n);
	if (!ret) {
		results = calloc(2 * n + 1, sizeof(*results));
		if (!results) {
			for (i = 0; i < n; i++)
				regions[i]->state = JM_REGION_LIVE;
			ret = -ENOMEM;
		}
	}
	/* Pinned, the slab stays while the lock is dropped, even with no region. */
	if (!ret) {
		slab->pins++;
		shadow = slab->shadow;
	}
	jm_unlock(m);
	if (ret)
		goto out;
	jm_shadow_discard(slab, shadow, start, size);
	for (i = 0; i < n; i++)
		results[i] = jm_actions_dealloc(regions[i]->deallocs, regions[i]->ndeallocs, res);
	jm_regions_deinit(m, regions, results, regions + n, results + n, n);
	jm_lock(m);
	jm_regions_forget(m, regions, n);
	slab->pins--;
	jm_unlock(m);
	ret = jm_results_finish(results, NULL, n);
out:
	free(regions);
	free(results);
	return ret;
}

int jitmem_deinitialize_range(struct jitmem *m, void *addr, size_t size,
			      struct jitmem_result *result)
{
	JM_KEEP_ERRNO;
	uintptr_t start = (uintptr_t)addr;
	int ret;

	if (result)
		jm_result_clear(result);
	if (!m || !size || size > SIZE_MAX - m->page_size || start & (m->page_size - 1) ||
	    start + jm_page_up(m, size) < start)
		ret = -EINVAL;
	else
		ret = jm_deinit_range(m, start, size, result);
	if (result)
		jm_result_set(result, ret);
	return ret;
}
