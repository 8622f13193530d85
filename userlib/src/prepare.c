// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * jitmem_prepare(): working memory at the memory-map layer, what an ORC
 * MemoryMapper's prepare() returns.  Each slab of the caller's gets, at its
 * first use, a shadow: an anonymous read-write mapping of the slab's size.
 * The working memory of [addr, addr + size) is the shadow at the same
 * offset, never the target, whose pages only the backend writes.  Pages are
 * discarded (MADV_DONTNEED: they read as zero again and cost nothing) when
 * they are prepared, once a region is initialized from them, and when their
 * range is deinitialized; the shadow goes with its slab.  Nothing is kept
 * per call, so working memory an adapter abandons without saying how far it
 * reached costs only its touched pages, until prepared again or released.
 */
#include <errno.h>
#include <sys/mman.h>

#include "internal.h"

/* Under m->lock: the shadow's pages of [addr, addr + len) are zero again. */
void jm_shadow_discard(struct jm_slab *slab, uintptr_t addr, size_t len)
{
	if (slab && slab->shadow && len)
		madvise((char *)slab->shadow + (addr - slab->start), len, MADV_DONTNEED);
}

/* Under m->lock, after a region was initialized: its staging is done. */
void jm_shadow_discard_segs(struct jm_slab *slab, const struct jm_seg *segs, size_t n)
{
	uintptr_t start;
	size_t i, len;

	if (!slab || !slab->shadow || !n)
		return;
	/* segs are sorted (jm_segs_from_user): one call per run of neighbours. */
	start = segs[0].addr;
	len = segs[0].len;
	for (i = 1; i < n; i++) {
		if (segs[i].addr == start + len) {
			len += segs[i].len;
			continue;
		}
		jm_shadow_discard(slab, start, len);
		start = segs[i].addr;
		len = segs[i].len;
	}
	jm_shadow_discard(slab, start, len);
}

void jm_shadow_free(struct jm_slab *slab)
{
	if (slab->shadow)
		munmap(slab->shadow, slab->len);
	slab->shadow = NULL;
}

/* Under m->lock: a live segment of slab overlaps [addr, addr + len). */
bool jm_slab_range_busy(struct jm_slab *slab, uintptr_t addr, size_t len)
{
	struct jm_node *prev = jm_tree_floor(&slab->segs, addr);
	struct jm_node *next = jm_tree_ceil(&slab->segs, addr);

	if (prev && prev->key + jm_entry(prev, struct jm_seg, node)->len > addr)
		return true;
	return next && next->key < addr + len;
}

int jitmem_prepare(struct jitmem *m, void *addr, size_t size, void **working)
{
	JM_KEEP_ERRNO;
	uintptr_t start = (uintptr_t)addr;
	struct jm_slab *slab;
	void *p;
	int ret;

	if (!m || !working || !size || size > SIZE_MAX - m->page_size ||
	    start & (m->page_size - 1))
		return -EINVAL;
	size = jm_page_up(m, size);
	jm_lock(m);
	ret = m->ops->check(m);
	slab = ret ? NULL : jm_slab_containing(m, start, size);
	if (!ret && (!slab || slab->allocator || slab->releasing))
		ret = -ENXIO;
	if (!ret && jm_slab_range_busy(slab, start, size))
		ret = -EBUSY;
	if (!ret && !slab->shadow) {
		p = mmap(NULL, slab->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			ret = -ENOMEM;
		else
			slab->shadow = p;
	}
	if (!ret) {
		jm_shadow_discard(slab, start, size);
		*working = (char *)slab->shadow + (start - slab->start);
	}
	jm_unlock(m);
	return ret;
}
