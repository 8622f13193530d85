// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the fuzzer believes a context holds.  A context is "exact" until an
 * operation with an unknown outcome (partial munmap, a failed write-back);
 * then its counters are no longer compared, and regions of damaged slabs
 * are "unknown": either result is accepted for them.
 */
#include <string.h>

#include "fuzz.h"

void model_reset(struct ctx *c, int fd)
{
	c->fd = fd;
	c->exact = true;
	c->nslabs = 0;
	c->nregions = 0;
	c->norphans = 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int model_add_slab(struct fuzz *f, struct ctx *c, uint64_t addr, uint64_t len)
{
	struct slab *s;
	int n, i;

	/*
	 * A new slab may take address space the user unmapped from another
	 * slab (the module drops that slab's stale records); it never
	 * overlaps a slab that is intact, of any context.
	 */
	for (n = 0; n < NCTX; n++) {
		struct ctx *o = &f->ctx[n];

		for (i = 0; i < o->nslabs; i++) {
			if (!overlaps(addr, len, o->slabs[i].addr,
				      o->slabs[i].len))
				continue;
			if (!o->slabs[i].damaged)
				fuzz_fail(f, "new slab %#llx+%#llx overlaps intact slab %#llx+%#llx",
					  (unsigned long long)addr,
					  (unsigned long long)len,
					  (unsigned long long)o->slabs[i].addr,
					  (unsigned long long)o->slabs[i].len);
			o->exact = false;
		}
	}
	if (c->nslabs == MAX_SLABS)
		return -1;
	s = &c->slabs[c->nslabs];
	memset(s, 0, sizeof(*s));
	s->addr = addr;
	s->len = len;
	return c->nslabs++;
}

/* Has region r a live segment in [addr, addr + len)? */
static bool region_in(const struct region *r, uint64_t addr, uint64_t len)
{
	int j;

	for (j = 0; j < r->nseg; j++) {
		const struct mseg *s = &r->seg[j];

		if ((s->group & JITMEM_GROUP_FINALIZE) && !r->fin_live)
			continue;
		if (overlaps(addr, len, s->addr, s->len))
			return true;
	}
	return false;
}

/*
 * Forget slab i and, when the module @released it, the regions RELEASE
 * deinitializes with it: those with a live segment in it (a region may span
 * slabs).  Indexes of later slabs shift down.
 */
void model_drop_slab(struct ctx *c, int i, bool released)
{
	const struct slab *sl = &c->slabs[i];
	int r;

	for (r = 0; released && r < c->nregions; r++) {
		if (region_in(&c->regions[r], sl->addr, sl->len)) {
			model_drop_region(c, r);
			r--;
		}
	}
	for (r = 0; r < c->nregions; r++) {
		if (c->regions[r].slab == i) {
			/* in other slabs, or the module forgot this slab */
			c->regions[r].slab = -1;
			c->regions[r].unknown |= !released;
		} else if (c->regions[r].slab > i) {
			c->regions[r].slab--;
		}
	}
	memmove(&c->slabs[i], &c->slabs[i + 1],
		(c->nslabs - i - 1) * sizeof(c->slabs[0]));
	c->nslabs--;
}

/*
 * The slab of c holding all of [addr, addr + len), or -1.  An intact slab
 * wins over a damaged one whose hole it was reserved in.
 */
int model_find_slab(const struct ctx *c, uint64_t addr, uint64_t len)
{
	int i, found = -1;

	for (i = 0; i < c->nslabs; i++) {
		const struct slab *s = &c->slabs[i];

		if (addr >= s->addr && addr + len >= addr &&
		    addr + len <= s->addr + s->len &&
		    (found < 0 || !s->damaged))
			found = i;
	}
	return found;
}

bool model_any_slab_overlaps(struct fuzz *f, uint64_t addr, uint64_t len)
{
	int n, i;

	for (n = 0; n < NCTX; n++)
		for (i = 0; i < f->ctx[n].nslabs; i++)
			if (overlaps(addr, len, f->ctx[n].slabs[i].addr,
				     f->ctx[n].slabs[i].len))
				return true;
	return false;
}

int model_find_region(const struct ctx *c, uint64_t key)
{
	int i;

	for (i = 0; i < c->nregions; i++)
		if (c->regions[i].key == key)
			return i;
	return -1;
}

void model_drop_region(struct ctx *c, int i)
{
	c->regions[i] = c->regions[--c->nregions];
}

/* Does [addr, addr + len) overlap a live (or maybe live) segment? */
bool model_overlaps_live(const struct ctx *c, uint64_t addr, uint64_t len)
{
	int i, j;

	for (i = 0; i < c->nregions; i++) {
		const struct region *r = &c->regions[i];

		for (j = 0; j < r->nseg; j++) {
			const struct mseg *s = &r->seg[j];

			if ((s->group & JITMEM_GROUP_FINALIZE) && !r->fin_live)
				continue;
			if (overlaps(addr, len, s->addr, s->len))
				return true;
		}
	}
	return false;
}

/* The user unmapped part of a slab: what it held is no longer known. */
void model_damage(struct fuzz *f, struct ctx *c, int slab)
{
	int i;

	(void)f;
	c->slabs[slab].damaged = true;
	c->exact = false;
	for (i = 0; i < c->nregions; i++)
		if (c->regions[i].slab == slab)
			c->regions[i].unknown = true;
}

static void count_seg(struct jitmem_query *q, const struct mseg *s)
{
	q->segments++;
	if (s->group & JITMEM_GROUP_X)
		q->bytes_rx += s->len;
	else if (s->group & JITMEM_GROUP_W)
		q->bytes_rw += s->len;
	else
		q->bytes_r += s->len;
}

void model_counters(const struct ctx *c, struct jitmem_query *q)
{
	int i, j;

	memset(q, 0, sizeof(*q));
	q->slabs = c->nslabs;
	for (i = 0; i < c->nslabs; i++)
		q->reserved_bytes += c->slabs[i].len;
	q->regions = c->nregions;
	for (i = 0; i < c->nregions; i++) {
		const struct region *r = &c->regions[i];

		for (j = 0; j < r->nseg; j++)
			if (!(r->seg[j].group & JITMEM_GROUP_FINALIZE) ||
			    r->fin_live)
				count_seg(q, &r->seg[j]);
	}
}

uint64_t model_init_bytes(const struct ctx *c)
{
	struct jitmem_query q;

	model_counters(c, &q);
	return q.bytes_r + q.bytes_rw + q.bytes_rx;
}

/* The live segment of c holding addr, if any. */
const struct mseg *model_seg_at(const struct ctx *c, uint64_t addr,
				const struct region **rp)
{
	int i, j;

	for (i = 0; i < c->nregions; i++) {
		const struct region *r = &c->regions[i];

		for (j = 0; j < r->nseg; j++) {
			const struct mseg *s = &r->seg[j];

			if ((s->group & JITMEM_GROUP_FINALIZE) && !r->fin_live)
				continue;
			if (addr >= s->addr && addr < s->addr + s->len) {
				*rp = r;
				return s;
			}
		}
	}
	return NULL;
}

/* [addr, addr + len) was unmapped: every slab it touched is damaged. */
void model_damage_range(struct fuzz *f, uint64_t addr, uint64_t len)
{
	int n, i;

	for (n = 0; n < NCTX; n++)
		for (i = 0; i < f->ctx[n].nslabs; i++)
			if (overlaps(addr, len, f->ctx[n].slabs[i].addr,
				     f->ctx[n].slabs[i].len))
				model_damage(f, &f->ctx[n], i);
}
