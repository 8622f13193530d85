// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Validation of jitmem_initialize() segments, identical for both backends and
 * done before anything is touched: the kernel checks the same again.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "segcheck.h"

static int jm_seg_cmp(const void *a, const void *b)
{
	const struct jm_seg *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Copy and check the caller's segments; on success they are sorted by address. */
int jm_segs_from_user(const struct jitmem *m, const struct jitmem_segment *in, size_t n,
		      struct jm_seg *out)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		uintptr_t addr = (uintptr_t)in[i].addr;
		size_t size = in[i].size;

		if (in[i].flags || !jm_zero(in[i].reserved, sizeof(in[i].reserved)))
			return -EINVAL;
		if (!size || size > SIZE_MAX - m->page_size || addr & (m->page_size - 1))
			return -EINVAL;
		ret = jm_group_check(in[i].group);
		if (ret)
			return ret;
		if (in[i].content_size > size)
			return -EINVAL;
		if (!in[i].content && in[i].content_size)
			return -EFAULT;
		out[i] = (struct jm_seg){
			.addr = addr,
			.len = jm_page_up(m, size),
			.content = in[i].content,
			.content_size = in[i].content_size,
			.group = in[i].group,
			.live = true,
		};
		if (out[i].addr + out[i].len < out[i].addr)
			return -EINVAL;
	}
	qsort(out, n, sizeof(*out), jm_seg_cmp);
	for (i = 1; i < n; i++)
		if (out[i - 1].addr + out[i - 1].len > out[i].addr)
			return -EINVAL;
	return jm_segs_key(out, n, NULL);
}

/* The key: the lowest address of a Standard segment. */
int jm_segs_key(const struct jm_seg *segs, size_t n, uintptr_t *key)
{
	uintptr_t lowest = UINTPTR_MAX;
	size_t i;

	for (i = 0; i < n; i++)
		if (!(segs[i].group & JITMEM_LIFETIME_FINALIZE) && segs[i].addr < lowest)
			lowest = segs[i].addr;
	if (lowest == UINTPTR_MAX)
		return -EINVAL;
	if (key)
		*key = lowest;
	return 0;
}

/*
 * Under m->lock: every (sorted) segment inside the same live slab from
 * jitmem_reserve(), none over a live segment.
 */
int jm_segs_check_slab(struct jitmem *m, const struct jm_seg *segs, size_t n,
		       struct jm_slab **slabp)
{
	struct jm_slab *slab;
	size_t i;

	slab = jm_slab_containing(m, segs[0].addr, segs[n - 1].addr + segs[n - 1].len -
				  segs[0].addr);
	if (!slab || slab->allocator || slab->releasing)
		return -ENXIO;
	for (i = 0; i < n; i++) {
		struct jm_node *prev = jm_tree_floor(&slab->segs, segs[i].addr);
		struct jm_node *next = jm_tree_ceil(&slab->segs, segs[i].addr);

		if (prev && jm_entry(prev, struct jm_seg, node)->addr +
			    jm_entry(prev, struct jm_seg, node)->len > segs[i].addr)
			return -EBUSY;
		if (next && next->key < segs[i].addr + segs[i].len)
			return -EBUSY;
	}
	*slabp = slab;
	return 0;
}
