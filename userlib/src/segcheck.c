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

/*
 * Copy and check the caller's segments into out[], *nout of them, sorted by
 * address.  As ORC's memory managers do, a NoAlloc segment and a segment of
 * size 0 are skipped: they hold nothing for the executor.  Their group and
 * content_size are checked all the same.
 */
int jm_segs_from_user(const struct jitmem *m, const struct jitmem_segment *in, size_t n,
		      struct jm_seg *out, size_t *nout)
{
	size_t i, k = 0;
	int ret;

	for (i = 0; i < n; i++) {
		uintptr_t addr = (uintptr_t)in[i].addr;
		unsigned int group = in[i].group;
		size_t size = in[i].size;

		if (in[i].flags || !jm_zero(in[i].reserved, sizeof(in[i].reserved)))
			return -EINVAL;
		if ((group & JITMEM_LIFETIME_NOALLOC) && (group & JITMEM_LIFETIME_FINALIZE))
			return -EINVAL;
		ret = jm_group_check(group & ~JITMEM_LIFETIME_NOALLOC);
		if (ret)
			return ret;
		if (in[i].content_size > size)
			return -EINVAL;
		if (!size || (group & JITMEM_LIFETIME_NOALLOC))
			continue;
		if (size > SIZE_MAX - m->page_size || addr & (m->page_size - 1))
			return -EINVAL;
		if (!in[i].content && in[i].content_size)
			return -EFAULT;
		out[k] = (struct jm_seg){
			.addr = addr,
			.len = jm_page_up(m, size),
			.content = in[i].content,
			.content_size = in[i].content_size,
			.group = group,
			.live = true,
		};
		if (out[k].addr + out[k].len < out[k].addr)
			return -EINVAL;
		k++;
	}
	qsort(out, k, sizeof(*out), jm_seg_cmp);
	for (i = 1; i < k; i++)
		if (out[i - 1].addr + out[i - 1].len > out[i].addr)
			return -EINVAL;
	*nout = k;
	return jm_segs_key(out, k, NULL);
}

/*
 * The key: the lowest address of a Standard segment, as SimpleNativeMemoryMap
 * has it; of a region with Finalize segments only (which JITLink's memory
 * managers accept), the lowest of those.  None at all: EINVAL.
 */
int jm_segs_key(const struct jm_seg *segs, size_t n, uintptr_t *key)
{
	uintptr_t lowest = UINTPTR_MAX, lowest_fin = UINTPTR_MAX;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(segs[i].group & JITMEM_LIFETIME_FINALIZE) && segs[i].addr < lowest)
			lowest = segs[i].addr;
		if (segs[i].addr < lowest_fin)
			lowest_fin = segs[i].addr;
	}
	if (lowest == UINTPTR_MAX)
		lowest = lowest_fin;
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
	for (i = 0; i < n; i++)
		if (jm_slab_range_busy(slab, segs[i].addr, segs[i].len))
			return -EBUSY;
	*slabp = slab;
	return 0;
}
