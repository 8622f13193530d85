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

/*
 * Without m->lock (madvise() takes the mmap lock), on a range the caller has
 * claimed: the pages of [addr, addr + len) in shadow, the working memory of
 * slab, are zero again.  shadow is slab's, read under the lock, or NULL.
 */
void jm_shadow_discard(const struct jm_slab *slab, void *shadow, uintptr_t addr, size_t len)
{
	if (shadow && len)
		madvise((char *)shadow + (addr - slab->start), len, MADV_DONTNEED);
}

/* After a region was initialized: its staging is done.  As jm_shadow_discard(). */
void jm_shadow_discard_segs(const struct jm_slab *slab, void *shadow, const struct jm_seg *segs,
			    size_t n)
{
	uintptr_t start;
	size_t i, len;

	if (!shadow || !n)
		return;
	/* segs are sorted (jm_segs_from_user): one call per run of neighbours. */
	start = segs[0].addr;
	len = segs[0].len;
	for (i = 1; i < n; i++) {
		if (segs[i].addr == start + len) {
			len += segs[i].len;
			continue;
		}
		jm_shadow_discard(slab, shadow, start, len);
		start = segs[i].addr;
		len = segs[i].len;
	}
	jm_shadow_discard(slab, shadow, start, len);
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

/* Under m->lock: a caller's slab holding [start, start + size) with nothing live there. */
static int jm_prepare_slab(struct jitmem *m, uintptr_t start, size_t size, struct jm_slab **out)
{
	struct jm_slab *slab;
	int ret = m->ops->check(m);

	if (ret)
		return ret;
	slab = jm_slab_containing(m, start, size);
	if (!slab || slab->allocator || slab->releasing)
		return -ENXIO;
	if (jm_slab_range_busy(slab, start, size))
		return -EBUSY;
	*out = slab;
	return 0;
}

/*
 * Without m->lock, on a pinned slab without a shadow: map one.  Of two
 * threads mapping it at once, the one that loses the race unmaps its own.
 */
static int jm_shadow_map(struct jitmem *m, struct jm_slab *slab, void **shadow)
{
	void *p = mmap(NULL, slab->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	jm_lock(m);
	if (!slab->shadow) {
		slab->shadow = p;
		p = NULL;
	}
	*shadow = slab->shadow;
	jm_unlock(m);
	if (p)
		munmap(p, slab->len);
	return 0;
}

/* The slab is pinned (not releasable) while its shadow is mapped or discarded without m->lock. */
int jitmem_prepare(struct jitmem *m, void *addr, size_t size, void **working)
{
	JM_KEEP_ERRNO;
	uintptr_t start = (uintptr_t)addr;
	struct jm_slab *slab;
	void *shadow = NULL;
	int ret;

	if (!m || !working || !size || size > SIZE_MAX - m->page_size ||
	    start & (m->page_size - 1))
		return -EINVAL;
	size = jm_page_up(m, size);
	jm_lock(m);
	ret = jm_prepare_slab(m, start, size, &slab);
	if (!ret) {
		slab->pins++;
		shadow = slab->shadow;
	}
	jm_unlock(m);
	if (ret)
		return ret;
	if (!shadow)
		ret = jm_shadow_map(m, slab, &shadow);
	if (!ret) {
		jm_shadow_discard(slab, shadow, start, size);
		*working = (char *)shadow + (start - slab->start);
	}
	jm_lock(m);
	slab->pins--;
	jm_unlock(m);
	return ret;
}
