// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Placement of an allocation's segments.  An allocator slab is cut into one
 * zone per protection (RX, R, RW), each whole pages with its own free list,
 * and a range is only ever reused for the same protection.  Segments of one
 * protection thus sit next to each other and share a VMA: 100k allocations
 * cost a few VMAs per slab, not three each.  The free lists work at the
 * granule (the module's, 64 B, else the page): small segments of different
 * allocations share pages, which the module allows for one protection, and
 * never a page of another protection's zone.  An allocation lies in a
 * single slab (one region, one slab, as the kernel and ORC want); slabs come
 * from the window.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

#define JM_ZONE_SIZE ((size_t)32 << 20)
/* Slabs one allocation may add, when other threads take each one first */
#define JM_GROW_TRIES 4

/* Executor memory: not NoAlloc, and not of size 0 (an address, no range). */
static bool jm_seg_executor(const struct jm_alloc_seg *s)
{
	return !(s->group & JITMEM_LIFETIME_NOALLOC);
}

static bool jm_seg_placed(const struct jm_alloc_seg *s)
{
	return jm_seg_executor(s) && s->len;
}

static struct jm_freelist *jm_seg_zone(struct jm_slab *slab, const struct jm_alloc_seg *s)
{
	return &slab->zones[jm_group_class(s->group)].free;
}

/* Undo the takes of segments [0, i), in reverse: their ranges coalesce back. */
static void jm_unplace_upto(struct jitmem_alloc *a, struct jm_slab *slab, size_t i)
{
	while (i--) {
		struct jm_alloc_seg *s = &a->segs[i];

		if (jm_seg_placed(s))
			jm_fl_add(jm_seg_zone(slab, s), s->target, s->len);
		s->target = 0;
	}
}

static int jm_place_in(struct jitmem_alloc *a, struct jm_slab *slab)
{
	size_t i;
	int ret;

	for (i = 0; i < a->n; i++) {
		struct jm_alloc_seg *s = &a->segs[i];

		if (!jm_seg_placed(s))
			continue;
		ret = jm_fl_take(jm_seg_zone(slab, s), s->len, s->align, &s->target);
		if (ret) {
			jm_unplace_upto(a, slab, i);
			return ret;
		}
	}
	/*
	 * Size 0: an address in the allocation's slab that holds nothing, as
	 * JITLink gives such segments (the start of its protection's zone).
	 */
	for (i = 0; i < a->n; i++)
		if (jm_seg_executor(&a->segs[i]) && !a->segs[i].len)
			a->segs[i].target = slab->zones[jm_group_class(a->segs[i].group)].start;
	a->slab = slab;
	return 0;
}

/* How many bytes of each zone a needs, with the slack of its alignments. */
static int jm_zone_needs(const struct jitmem *m, const struct jitmem_alloc *a,
			 size_t need[JM_NCLASSES])
{
	const size_t window = (size_t)2 << 30;	/* nothing larger fits anyway */
	size_t i;
	int c;

	for (c = 0; c < JM_NCLASSES; c++)
		need[c] = 0;
	for (i = 0; i < a->n; i++) {
		const struct jm_alloc_seg *s = &a->segs[i];
		size_t slack = s->align - m->granule;

		if (!jm_seg_placed(s))
			continue;
		c = jm_group_class(s->group);
		if (s->len > window || s->len + slack > window - need[c])
			return -ENOMEM;
		need[c] += s->len + slack;
	}
	return 0;
}

/*
 * Without m->lock (it reserves): a new slab, not linked yet, whose zones
 * hold at least what a needs.  Zones are whole pages, so segments of two
 * protections never share a page.
 */
static int jm_slab_new(struct jitmem *m, const struct jitmem_alloc *a, struct jm_slab **out)
{
	size_t need[JM_NCLASSES], zone[JM_NCLASSES], len = 0;
	uintptr_t start;
	struct jm_slab *slab;
	int c, ret;

	ret = jm_zone_needs(m, a, need);
	if (ret)
		return ret;
	for (c = 0; c < JM_NCLASSES; c++) {
		zone[c] = need[c] > JM_ZONE_SIZE ? jm_page_up(m, need[c]) : JM_ZONE_SIZE;
		len += zone[c];
	}
	slab = calloc(1, sizeof(*slab));
	if (!slab)
		return -ENOMEM;
	ret = jm_window_carve(m, len, &start);
	if (ret) {
		free(slab);
		return ret;
	}
	slab->allocator = true;
	slab->start = start;
	slab->len = len;
	for (c = 0; c < JM_NCLASSES; c++) {
		slab->zones[c].start = start;
		slab->zones[c].len = zone[c];
		jm_fl_init(&slab->zones[c].free, m->granule);
		/* On -ENOMEM the zone stays empty: the placement below fails. */
		jm_fl_add(&slab->zones[c].free, start, zone[c]);
		start += zone[c];
	}
	*out = slab;
	return 0;
}

/* Under m->lock: first fit in the oldest slab that holds it all, else -ENOSPC. */
static int jm_place_locked(struct jitmem *m, struct jitmem_alloc *a)
{
	struct jm_list *l;
	int ret;

	jm_list_for_each(l, &m->slab_list) {
		if (!jm_slab_of(l)->allocator)
			continue;
		ret = jm_place_in(a, jm_slab_of(l));
		if (ret != -ENOSPC)
			return ret;
	}
	return -ENOSPC;
}

/*
 * Place a and put it in flight.  A new slab is reserved without m->lock;
 * meanwhile other threads may free ranges, add slabs or take the new one,
 * so the placement starts again from the oldest slab once it is linked.
 */
int jm_place(struct jitmem *m, struct jitmem_alloc *a)
{
	struct jm_slab *slab;
	int ret, tries;
	size_t i;

	for (i = 0; i < a->n && !jm_seg_executor(&a->segs[i]); i++)
		;
	jm_lock(m);
	/* NoAlloc only: no executor memory at all. */
	ret = i == a->n ? 0 : jm_place_locked(m, a);
	for (tries = 0; ret == -ENOSPC; tries++) {
		if (tries == JM_GROW_TRIES) {
			ret = -ENOMEM;
			break;
		}
		jm_unlock(m);
		ret = jm_slab_new(m, a, &slab);
		if (ret)
			return ret;
		jm_lock(m);
		jm_slab_link(m, slab, slab->start, slab->len);
		ret = jm_place_locked(m, a);
	}
	if (!ret)
		jm_list_add_tail(&m->inflight, &a->link);
	jm_unlock(m);
	return ret;
}

/* Under m->lock: an abandoned allocation's ranges go back. */
void jm_unplace(struct jitmem *m, struct jitmem_alloc *a)
{
	(void)m;
	if (a->slab)
		jm_unplace_upto(a, a->slab, a->n);
	a->slab = NULL;
}
