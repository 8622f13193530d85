// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the fuzzer knows a context holds: slabs, regions and the index of
 * their live segments, counters, retired code; and what happens to them
 * when a mapping goes away (kmod/slab.c, kmod/region.c): every region with
 * a live segment in the range that went is dropped whole, the pages of the
 * range are freed, and a slab without mappings is forgotten.
 */
#include <string.h>

#include "fuzz.h"

void model_reset(struct fuzz *f, struct ctx *c, int fd)
{
	int i;

	pages_reset(f, c);
	c->fd = fd;
	c->nslabs = 0;
	c->nregions = 0;
	for (i = 0; i < MAX_REGIONS; i++)
		c->regions[i].used = false;
	c->nlive = 0;
	c->nvmas = 0;
	c->nretired = 0;
	c->retired_full = false;
	c->retired_bytes = 0;
	memset(c->bytes, 0, sizeof(c->bytes));
	c->segments = 0;
}

int model_slab_by_id(const struct ctx *c, uint32_t id)
{
	int i;

	for (i = 0; i < c->nslabs; i++)
		if (c->slabs[i].id == id)
			return i;
	return -1;
}

/* jitmem_slab_find(): the slab holding all of [start, end), or -1. */
int model_slab_holding(const struct ctx *c, uint64_t start, uint64_t end)
{
	int i = model_slab_at(c, start);

	return i >= 0 && end <= c->slabs[i].addr + c->slabs[i].len ? i : -1;
}

int model_slab_at(const struct ctx *c, uint64_t addr)
{
	int i;

	for (i = 0; i < c->nslabs; i++)
		if (addr >= c->slabs[i].addr &&
		    addr - c->slabs[i].addr < c->slabs[i].len)
			return i;
	return -1;
}

/*
 * A new slab takes free address space: no mapping of any context is
 * there, and no slab range of its own context (RESERVE gives holes back).
 */
int model_add_slab(struct fuzz *f, struct ctx *c, uint64_t addr, uint64_t len)
{
	struct slab *s;
	int n, i;

	for (n = 0; n < NCTX; n++) {
		if (vma_first(&f->ctx[n], addr, addr + len) >= 0)
			fuzz_fail(f, "new slab %#llx+%#llx over a mapping of context %d",
				  (unsigned long long)addr,
				  (unsigned long long)len, n);
	}
	for (i = 0; i < c->nslabs; i++)
		if (overlaps(addr, len, c->slabs[i].addr, c->slabs[i].len))
			fuzz_fail(f, "new slab %#llx+%#llx in a hole of slab %#llx+%#llx",
				  (unsigned long long)addr,
				  (unsigned long long)len,
				  (unsigned long long)c->slabs[i].addr,
				  (unsigned long long)c->slabs[i].len);
	if (c->nslabs == MAX_SLABS)
		return -1;
	s = &c->slabs[c->nslabs];
	memset(s, 0, sizeof(*s));
	s->addr = addr;
	s->len = len;
	s->id = ++c->next_slab_id;
	c->nslabs++;
	vma_insert(f, c, addr, addr + len, s->id, 0, 0);
	return c->nslabs - 1;
}

void model_forget_slab(struct fuzz *f, struct ctx *c, int i)
{
	if (c->slabs[i].nvmas)
		fuzz_fail(f, "model: forgetting slab %#llx with %d mappings",
			  (unsigned long long)c->slabs[i].addr,
			  c->slabs[i].nvmas);
	fuzz_log(f, " slab %#llx gone", (unsigned long long)c->slabs[i].addr);
	memmove(&c->slabs[i], &c->slabs[i + 1],
		(c->nslabs - i - 1) * sizeof(c->slabs[0]));
	c->nslabs--;
}

int model_find_region(const struct ctx *c, uint64_t key)
{
	int i = model_live_at(c, key);
	int slot;

	if (i < 0)
		return -1;
	slot = c->live[i].slot;
	return c->regions[slot].key == key ? slot : -1;
}

/* Index of the first live segment that ends above @addr. */
static int live_lower(const struct ctx *c, uint64_t addr)
{
	int lo = 0, hi = c->nlive;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (c->live[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* jitmem_range_first() over the live segments. */
int model_live_first(const struct ctx *c, uint64_t start, uint64_t end)
{
	int i = live_lower(c, start);

	return i < c->nlive && c->live[i].start < end ? i : -1;
}

int model_live_at(const struct ctx *c, uint64_t addr)
{
	return model_live_first(c, addr, addr + 1);
}

/* The last live segment that ends at or below @addr, or -1. */
int model_live_before(const struct ctx *c, uint64_t addr)
{
	return live_lower(c, addr) - 1;
}

const struct mseg *model_seg_at(const struct ctx *c, uint64_t addr,
				const struct region **rp)
{
	int i = model_live_at(c, addr);
	const struct region *r;

	if (i < 0)
		return NULL;
	r = &c->regions[c->live[i].slot];
	if (rp)
		*rp = r;
	return &r->seg[c->live[i].seg];
}

struct region *model_new_region(struct ctx *c)
{
	int slot;

	for (slot = 0; c->regions[slot].used; slot++)
		;
	memset(&c->regions[slot], 0, sizeof(c->regions[slot]));
	return &c->regions[slot];
}

static bool seg_live(const struct region *r, int j)
{
	return !(r->seg[j].group & JITMEM_GROUP_FINALIZE) || r->fin_live;
}

/* Calls pg_use()/pg_unuse() for each page of a segment, in address order. */
static void seg_pages(struct fuzz *f, struct ctx *c, const struct mseg *s,
		      bool use)
{
	uint64_t a = s->addr, end = s->addr + s->len, e;

	while (a < end) {
		e = (a & ~(uint64_t)(f->page - 1)) + f->page;
		if (e > end)
			e = end;
		if (use)
			pg_use(f, c, a, e - a);
		else
			pg_unuse(f, c, a, e - a);
		a = e;
	}
}

/* A new region is live: index, counters; its pages are in place. */
void model_publish(struct fuzz *f, struct ctx *c, struct region *r)
{
	int slot = r - c->regions, j, i;

	if (c->nlive + r->nseg > MAX_LIVE)
		fuzz_fail(f, "model: too many live segments");
	r->used = true;
	c->rpos[slot] = c->nregions;
	c->rlist[c->nregions++] = slot;
	for (j = 0; j < r->nseg; j++) {
		const struct mseg *s = &r->seg[j];

		i = live_lower(c, s->addr);
		memmove(&c->live[i + 1], &c->live[i],
			(c->nlive - i) * sizeof(c->live[0]));
		c->live[i] = (struct lseg){
			.start = s->addr, .end = s->addr + s->len,
			.slot = slot, .seg = j, .pi = group_pi(s->group),
		};
		c->nlive++;
		c->bytes[group_pi(s->group)] += s->len;
		c->segments++;
		seg_pages(f, c, s, true);
	}
}

static void retire(struct ctx *c, const struct mseg *s)
{
	if (c->nretired == MAX_RETIRED) {
		c->retired_full = true;
	} else {
		c->retired_start[c->nretired] = s->addr;
		c->retired_end[c->nretired++] = s->addr + s->len;
	}
	c->retired_bytes += s->len;
}

bool model_retired_overlaps(const struct ctx *c, uint64_t start, uint64_t end)
{
	int i;

	for (i = 0; i < c->nretired; i++)
		if (start < c->retired_end[i] && c->retired_start[i] < end)
			return true;
	return false;
}

/*
 * jitmem_region_drop(): the live segments of the region (its Finalize ones
 * with @fin_only) leave the index and give their bytes back, in address
 * order.  Returns how many went; the region goes when none is left.
 */
unsigned int model_drop_region(struct fuzz *f, struct ctx *c, int slot,
			       bool fin_only)
{
	struct region *r = &c->regions[slot];
	unsigned int n = 0;
	int j, i, left = 0;

	for (j = 0; j < r->nseg; j++) {
		const struct mseg *s = &r->seg[j];

		if (!seg_live(r, j) ||
		    (fin_only && !(s->group & JITMEM_GROUP_FINALIZE))) {
			left += seg_live(r, j);
			continue;
		}
		i = model_live_at(c, s->addr);
		if (i < 0 || c->live[i].slot != slot)
			fuzz_fail(f, "model: segment %#llx not indexed",
				  (unsigned long long)s->addr);
		memmove(&c->live[i], &c->live[i + 1],
			(c->nlive - i - 1) * sizeof(c->live[0]));
		c->nlive--;
		c->bytes[group_pi(s->group)] -= s->len;
		c->segments--;
		seg_pages(f, c, s, false);
		if (!f->lim.exec_reuse && (s->group & JITMEM_GROUP_X))
			retire(c, s);
		touch(f, s->addr);
		n++;
	}
	if (fin_only)
		r->fin_live = false;
	if (n && !left) {
		fuzz_log(f, " region %#llx gone", (unsigned long long)r->key);
		r->used = false;
		i = c->rpos[slot];
		c->rlist[i] = c->rlist[--c->nregions];
		c->rpos[c->rlist[i]] = i;
	}
	return n;
}

/* jitmem_drop_range(): every region with a live segment in the range. */
void model_drop_range(struct fuzz *f, struct ctx *c, uint64_t start,
		      uint64_t end)
{
	int i;

	while ((i = model_live_first(c, start, end)) >= 0) {
		model_drop_region(f, c, c->live[i].slot, false);
		f->stat[ST_UNMAP_DROP]++;
	}
}

/*
 * jitmem_slab_unmapped(): a VMA of the slab over [start, end) went away;
 * @pending more of its VMAs go in the same munmap() after this one.
 */
void model_unmapped(struct fuzz *f, struct ctx *c, uint32_t slab_id,
		    uint64_t start, uint64_t end, int pending)
{
	int i = model_slab_by_id(c, slab_id);
	uint64_t ss, se;

	if (i < 0)
		fuzz_fail(f, "model: unmapped a VMA of no slab");
	ss = c->slabs[i].addr;
	se = ss + c->slabs[i].len;
	if (start < ss)
		start = ss;
	if (end > se)
		end = se;
	fuzz_log(f, " unmapped %#llx-%#llx of slab %#llx",
		 (unsigned long long)start, (unsigned long long)end,
		 (unsigned long long)ss);
	touch(f, start);
	if (start < end) {
		model_drop_range(f, c, start, end);
		pg_free_range(f, c, start, end);
	}
	if (!c->slabs[i].nvmas && !pending) {
		model_drop_range(f, c, ss, se);
		pg_free_range(f, c, ss, se);
		model_forget_slab(f, c, i);
	}
	pg_reclaim(f, c);	/* pages the dropped regions emptied elsewhere */
}

/* RELEASE of slab @i: each of its mappings goes, in address order. */
void model_release_slab(struct fuzz *f, struct ctx *c, int i)
{
	uint32_t id = c->slabs[i].id;
	int v;

	touch(f, c->slabs[i].addr);
	/* all of them in one munmap() or one each: the same .close calls */
	while (c->slabs[i].nvmas) {
		for (v = 0; c->vmas[v].slab != id; v++)
			;
		mm_munmap(f, c->vmas[v].start, c->vmas[v].end);
		i = model_slab_by_id(c, id);
		if (i < 0)
			return;
	}
	fuzz_fail(f, "model: slab without mappings left over");
}

void model_counters(const struct ctx *c, struct jitmem_query *q, long page)
{
	int i;

	memset(q, 0, sizeof(*q));
	q->slabs = c->nslabs;
	for (i = 0; i < c->nslabs; i++)
		q->reserved_bytes += c->slabs[i].len;
	q->regions = c->nregions;
	q->segments = c->segments;
	q->bytes_r = c->bytes[PI_R];
	q->bytes_rw = c->bytes[PI_RW];
	q->bytes_rx = c->bytes[PI_RX];
	q->retired_bytes = c->retired_bytes;
	q->held_bytes = c->held * page;
	q->empty_bytes = c->nempty * page;
}

uint64_t model_live_bytes(const struct ctx *c)
{
	return c->bytes[PI_R] + c->bytes[PI_RW] + c->bytes[PI_RX];
}
