// SPDX-License-Identifier: GPL-2.0-only
/*
 * JITMEM_IOC_INITIALIZE: mostly well-formed requests placed in free parts of
 * a slab, page-granular or at the granule, often next to live segments so
 * that regions share pages, some with one broken field, some at random.
 * predict() walks the checks in the module's order and names the one errno
 * the request must get; a success is applied to the model (pages, the
 * protection changes it needs, the region) and checked byte by byte, a
 * failure must have changed nothing.
 */
#include <errno.h>
#include <string.h>
#include <sys/personality.h>

#include "fuzz.h"

#define MAX_REQ_SEGS	MAX_SEGS
#define TASK_TOP	0x00007ffffffff000ULL

struct plan {
	struct jitmem_init_segment seg[MAX_REQ_SEGS];
	const uint8_t *mcontent[MAX_REQ_SEGS];	/* what content reads as */
	bool bad_content[MAX_REQ_SEGS];
	int n;
	/* the request around the segments */
	uint32_t nsegments, flags, stride;
	bool segs_fault, segs_tail, ro, rie;
	int why;		/* ST_* of the predicted errno, or -1 */
	bool tail_first;	/* E2BIG from whatever the bad pointer's tail reads */
	errset pre;		/* from the size field or the pointer */
	/* the segments sorted, as the module works on them */
	struct jitmem_init_segment sorted[MAX_REQ_SEGS];
	const uint8_t *scontent[MAX_REQ_SEGS];
};

static bool in_any_slab(const struct fuzz *f, uint64_t addr)
{
	int n;

	for (n = 0; n < NCTX; n++)
		if (model_slab_at(&f->ctx[n], addr) >= 0)
			return true;
	return false;
}

static uint64_t pgdown(const struct fuzz *f, uint64_t a)
{
	return a & ~(uint64_t)(f->page - 1);
}

static uint64_t pgup(const struct fuzz *f, uint64_t a)
{
	return (a + f->page - 1) & ~(uint64_t)(f->page - 1);
}

/* A live segment of @c inside slab @s, or NULL. */
static const struct mseg *live_in(struct fuzz *f, struct ctx *c,
				  const struct slab *s)
{
	int i, k;

	for (k = 0; k < 4 && c->nlive; k++) {
		const struct lseg *l = &c->live[rnd_below(&f->rng, c->nlive)];

		if (l->start >= s->addr && l->end <= s->addr + s->len) {
			i = l->slot;
			return &c->regions[i].seg[l->seg];
		}
	}
	return NULL;
}

/*
 * Place segment @k in slab @s; returns a protection hint for its group
 * (0: any), to pack it beside a neighbour of the same protection or, now
 * and then (HINT_OTHER), of another one.
 */
#define HINT_OTHER	0x80
static uint8_t place(struct fuzz *f, struct ctx *c, struct plan *p, int k,
		     const struct slab *s)
{
	struct jitmem_init_segment *g = &p->seg[k];
	uint64_t gr = f->lim.granule, pages = s->len / f->page;
	uint64_t end = s->addr + s->len, off, len;
	const struct mseg *nb;
	uint8_t hint = 0;
	int tries, j, mode;
	bool clash;

	for (tries = 0; tries < 8; tries++) {
		mode = rnd_below(&f->rng, 10);
		hint = 0;
		if (mode < 4) {
			off = rnd_below(&f->rng, pages);
			len = 1 + rnd_below(&f->rng, chance(&f->rng, 900) ? 4 : 256);
			if (len > pages - off)
				len = pages - off;
			g->addr = s->addr + off * f->page;
			g->length = len * f->page;
		} else {
			len = gr * (1 + rnd_below(&f->rng,
				    chance(&f->rng, 600) ? 8 :
				    chance(&f->rng, 700) ? 64 : 192));
			nb = NULL;
			if (mode >= 8 && k && chance(&f->rng, 500)) {
				/* next to the request's previous segment */
				g->addr = p->seg[k - 1].addr + p->seg[k - 1].length;
				hint = p->seg[k - 1].group & GROUP_PROT;
			} else if (mode >= 7 && (nb = live_in(f, c, s))) {
				/* beside a live segment: share its page */
				if (chance(&f->rng, 500) || nb->addr < s->addr + len)
					g->addr = nb->addr + nb->len;
				else
					g->addr = nb->addr - len;
				hint = nb->group & GROUP_PROT;
			} else {
				g->addr = s->addr + gr * rnd_below(&f->rng,
								   s->len / gr);
			}
			if (g->addr >= end)
				g->addr = end - gr;
			if (len > end - g->addr)
				len = end - g->addr;
			g->length = len;
			if (hint && chance(&f->rng, 80))
				hint |= HINT_OTHER;
		}
		clash = model_live_first(c, g->addr, g->addr + g->length) >= 0;
		for (j = 0; j < k && !clash; j++)
			clash = overlaps(g->addr, g->length, p->seg[j].addr,
					 p->seg[j].length);
		if (!clash)
			break;
	}
	return hint;
}

/*
 * Content from the pool; now and then from a live segment of the
 * context's own memory (the kernel then reads a jitmem mapping).
 */
static void fill_content(struct fuzz *f, struct ctx *c, struct plan *p, int k)
{
	struct jitmem_init_segment *g = &p->seg[k];
	const struct mseg *s;
	uint64_t cs, o;

	switch (rnd_below(&f->rng, 10)) {
	case 0:
		cs = 0;
		break;
	case 1:
	case 2:
		cs = g->length;
		break;
	default:
		cs = rnd_below(&f->rng, g->length + 1);
	}
	if (cs > POOL_SIZE)
		cs = POOL_SIZE;
	g->content_size = cs;
	p->mcontent[k] = NULL;
	if (!cs) {
		g->content = chance(&f->rng, 300) ? gen_bad_ptr(f) : 0;
		return;
	}
	if (c->nlive && chance(&f->rng, 50)) {
		s = model_seg_at(c, c->live[rnd_below(&f->rng, c->nlive)].start,
				 NULL);
		if (s && s->content_size) {
			o = rnd_below(&f->rng, s->content_size);
			if (cs > s->content_size - o)
				cs = s->content_size - o;
			g->content_size = cs;
			g->content = s->addr + o;
			p->mcontent[k] = s->content + o;
			return;
		}
	}
	p->mcontent[k] = gen_content(f, cs);
	g->content = (uintptr_t)p->mcontent[k];
}

/* Break one field of segment @k; predict() tells what it must get. */
static void break_seg(struct fuzz *f, struct ctx *c, struct plan *p, int k)
{
	static const uint8_t bad_groups[] = {
		0, JITMEM_GROUP_W, JITMEM_GROUP_X, JITMEM_GROUP_FINALIZE,
		JITMEM_GROUP_W | JITMEM_GROUP_X,
		JITMEM_GROUP_R | JITMEM_GROUP_W | JITMEM_GROUP_X,
		JITMEM_GROUP_R | 0x10, JITMEM_GROUP_R | 0x80,
		JITMEM_GROUP_R | JITMEM_GROUP_W | JITMEM_GROUP_X |
			JITMEM_GROUP_FINALIZE,
	};
	struct jitmem_init_segment *g = &p->seg[k];
	uint64_t gr = f->lim.granule;
	struct ctx *o;

	switch (rnd_below(&f->rng, 11)) {
	case 0:
		g->addr += 1 + rnd_below(&f->rng, gr - 1);
		break;
	case 1:
		g->length = 0;
		g->content_size = 0;
		break;
	case 2:
		g->length += 1 + rnd_below(&f->rng, gr - 1);
		break;
	case 3:
		g->content_size = g->length + 1 + rnd_below(&f->rng, 2 * f->page);
		g->content = (uintptr_t)f->s.pool;
		p->mcontent[k] = f->s.pool;
		break;
	case 4:
		g->group = bad_groups[rnd_below(&f->rng, sizeof(bad_groups))];
		break;
	case 5:
		g->__reserved[rnd_below(&f->rng, 7)] = 1 + rnd_below(&f->rng, 255);
		break;
	case 6:
		if (!g->content_size)
			g->content_size = 1 + rnd_below(&f->rng, g->length);
		g->content = gen_bad_ptr(f);
		p->bad_content[k] = true;
		break;
	case 7:
		/* Outside every slab of this context, or in another's. */
		o = &f->ctx[rnd_below(&f->rng, NCTX)];
		if (o != c && o->nslabs && chance(&f->rng, 500))
			g->addr = o->slabs[rnd_below(&f->rng, o->nslabs)].addr;
		else
			g->addr = 0x500000000000ULL +
				  f->page * rnd_below(&f->rng, 1 << 20);
		break;
	case 8:
		g->addr = ~0ULL & ~(uint64_t)(f->page - 1);
		break;
	case 9:
		/* Straddle the end of a slab. */
		if (c->nslabs) {
			const struct slab *s =
				&c->slabs[rnd_below(&f->rng, c->nslabs)];

			g->addr = s->addr + s->len - f->page;
			g->length = 2 * f->page;
			if (g->content_size > g->length)
				g->content_size = g->length;
		}
		break;
	default:
		/* Shift it: onto live segments, or into their pages. */
		g->addr += chance(&f->rng, 500) ? gr : (uint64_t)f->page;
		break;
	}
}

static void gen_plan(struct fuzz *f, struct ctx *c, struct plan *p)
{
	const struct slab *s = NULL;
	uint8_t hint;
	int k;

	memset(p, 0, sizeof(*p));
	p->n = 1 + rnd_below(&f->rng, chance(&f->rng, 800) ? 3 : MAX_REQ_SEGS);
	if (c->nslabs)
		s = &c->slabs[rnd_below(&f->rng, c->nslabs)];
	for (k = 0; k < p->n; k++) {
		struct jitmem_init_segment *g = &p->seg[k];

		hint = 0;
		if (s && chance(&f->rng, 20) && c->nslabs > 1)
			hint = place(f, c, p, k,
				     &c->slabs[rnd_below(&f->rng, c->nslabs)]);
		else if (s)
			hint = place(f, c, p, k, s);
		else
			g->addr = 0x500000000000ULL, g->length = f->page;
		g->group = gen_group(f);
		if (hint & HINT_OTHER) {
			while ((g->group & GROUP_PROT) == (hint & GROUP_PROT))
				g->group = gen_group(f);
		} else if (hint) {
			g->group = hint | (g->group & JITMEM_GROUP_FINALIZE);
		}
		fill_content(f, c, p, k);
		if (!s || chance(&f->rng, 30))
			break_seg(f, c, p, k);
	}
}

/* jitmem_seg_check() */
static int seg_check(const struct jitmem_init_segment *s, uint64_t gr)
{
	uint8_t prot = s->group & GROUP_PROT;
	int i;

	for (i = 0; i < 7; i++)
		if (s->__reserved[i])
			return EINVAL;
	if (s->group & ~(GROUP_PROT | JITMEM_GROUP_FINALIZE))
		return EINVAL;
	if ((prot & (JITMEM_GROUP_W | JITMEM_GROUP_X)) ==
	    (JITMEM_GROUP_W | JITMEM_GROUP_X))
		return EPERM;
	if (!(prot & JITMEM_GROUP_R))
		return EINVAL;
	if (!s->length || s->addr % gr || s->length % gr ||
	    s->addr + s->length < s->addr || s->addr + s->length > TASK_TOP)
		return EINVAL;
	if (s->content_size > s->length)
		return EINVAL;
	return 0;
}

static void sort_segs(struct plan *p)
{
	int i, j;

	memcpy(p->sorted, p->seg, sizeof(p->seg));
	memcpy(p->scontent, p->mcontent, sizeof(p->mcontent));
	for (i = 1; i < p->n; i++)
		for (j = i; j > 0 && p->sorted[j].addr < p->sorted[j - 1].addr;
		     j--) {
			struct jitmem_init_segment t = p->sorted[j];
			const uint8_t *tc = p->scontent[j];

			p->sorted[j] = p->sorted[j - 1];
			p->sorted[j - 1] = t;
			p->scontent[j] = p->scontent[j - 1];
			p->scontent[j - 1] = tc;
		}
}

/* Protection of the request's segments in the page at @a, or -1. */
static int plan_page_pi(const struct fuzz *f, const struct plan *p, uint64_t a)
{
	int k;

	for (k = 0; k < p->n; k++)
		if (overlaps(a, f->page, p->sorted[k].addr, p->sorted[k].length))
			return group_pi(p->sorted[k].group);
	return -1;
}

/* jitmem_run_lo(): where a remap for @perms may start, below @lo. */
static uint64_t run_lo(const struct fuzz *f, const struct ctx *c,
		       const struct slab *sl, uint8_t perms, uint64_t lo)
{
	int v, pv;

	while (lo > sl->addr) {
		v = vma_of_slab_at(c, sl->id, lo - 1);
		if (v < 0)
			break;
		if (c->vmas[v].perms == perms)
			return c->vmas[v].start;
		pv = model_live_before(c, lo);
		if (pv >= 0 && c->live[pv].end > c->vmas[v].start)
			return pgup(f, c->live[pv].end);
		lo = c->vmas[v].start;
	}
	return lo > sl->addr ? lo : sl->addr;
}

/* jitmem_run_hi(): the same above @hi. */
static uint64_t run_hi(const struct fuzz *f, const struct ctx *c,
		       const struct slab *sl, uint8_t perms, uint64_t hi)
{
	uint64_t end = sl->addr + sl->len;
	int v, nx;

	while (hi < end) {
		v = vma_of_slab_at(c, sl->id, hi);
		if (v < 0)
			break;
		if (c->vmas[v].perms == perms)
			return c->vmas[v].end;
		nx = model_live_first(c, hi, c->vmas[v].end);
		if (nx >= 0)
			return pgdown(f, c->live[nx].start);
		hi = c->vmas[v].end;
	}
	return hi < end ? hi : end;
}

struct created {
	uint64_t lo, hi;
	int pi;
};

/*
 * jitmem_plan_protect(): the remaps the sorted segments need, applied to
 * the model, until segment @upto; @cr receives the ranges remapped.
 */
static int protect_segs(struct fuzz *f, struct ctx *c, struct plan *p,
			int upto, struct created *cr)
{
	int k, j, n = 0;

	for (k = 0; k < upto; k++) {
		const struct jitmem_init_segment *g = &p->sorted[k];
		uint8_t perms = g->group & GROUP_PROT;
		uint64_t start = pgdown(f, g->addr);
		uint64_t end = pgup(f, g->addr + g->length);
		uint64_t lo = 0, hi = ~0ULL, a;
		const struct slab *sl;

		if (vma_range_mapped(c, start, end, perms))
			continue;
		for (j = 0; j < p->n; j++) {
			const struct jitmem_init_segment *o = &p->sorted[j];

			if ((o->group & GROUP_PROT) == perms)
				continue;
			if (o->addr + o->length <= g->addr) {
				a = pgup(f, o->addr + o->length);
				lo = a > lo ? a : lo;
			} else if (o->addr >= g->addr + g->length) {
				a = pgdown(f, o->addr);
				hi = a < hi ? a : hi;
			}
		}
		sl = &c->slabs[model_slab_holding(c, g->addr, g->addr + g->length)];
		a = run_lo(f, c, sl, perms, start);
		lo = a > lo ? a : lo;
		a = run_hi(f, c, sl, perms, end);
		hi = a < hi ? a : hi;
		fuzz_log(f, " remap %#llx-%#llx %s", (unsigned long long)lo,
			 (unsigned long long)hi, maps_perms(perms));
		vma_replace(f, c, lo, hi, sl->id, perms);
		f->stat[ST_REMAP]++;
		cr[n++] = (struct created){ lo, hi, group_pi(g->group) };
	}
	return n;
}

static struct vma saved_vmas[MAX_VMAS];
static struct slab saved_slabs[MAX_SLABS];

/*
 * A segment's pages have a hole: its remap fails with ENXIO after the
 * earlier segments' remaps, which are undone.  The mappings come back as
 * they were, made anew (no madvise() flags) where a remap touched them.
 */
static void protect_fails_at(struct fuzz *f, struct ctx *c, struct plan *p,
			     int k)
{
	struct created cr[MAX_REQ_SEGS];
	int n, i, j, nv = c->nvmas;

	memcpy(saved_vmas, c->vmas, nv * sizeof(c->vmas[0]));
	memcpy(saved_slabs, c->slabs, c->nslabs * sizeof(c->slabs[0]));
	n = protect_segs(f, c, p, k, cr);
	f->stat[ST_UNDO] += n > 0;
	memcpy(c->vmas, saved_vmas, nv * sizeof(c->vmas[0]));
	memcpy(c->slabs, saved_slabs, c->nslabs * sizeof(c->slabs[0]));
	c->nvmas = nv;
	for (i = 0; i < nv; i++)
		for (j = 0; j < n; j++)
			if (c->vmas[i].start < cr[j].hi &&
			    cr[j].lo < c->vmas[i].end)
				c->vmas[i].mflags = 0;
}

/* The errno the module must answer (0: success), in its order of checks. */
static int predict(struct fuzz *f, struct ctx *c, struct plan *p,
		   int *hole_at)
{
	uint64_t total = 0, a, prev_end;
	bool standard = false;
	int k, e, si, pi;

	*hole_at = -1;
	p->why = -1;
	/* jitmem_ioc_initialize() */
	if (p->flags || !p->nsegments)
		return EINVAL;
	if (p->nsegments > f->lim.max_segments)
		return E2BIG;
	if (p->stride < sizeof(struct jitmem_init_segment))
		return EINVAL;
	if (p->stride > (uint64_t)f->page)
		return E2BIG;
	if (p->segs_fault) {
		/* copy_struct_from_user() checks a longer element's tail first */
		p->tail_first = p->stride > sizeof(struct jitmem_init_segment);
		return EFAULT;
	}
	if (p->segs_tail)
		return E2BIG;
	/* jitmem_request_check() */
	for (k = 0; k < p->n; k++) {
		e = seg_check(&p->seg[k], f->lim.granule);
		if (e)
			return e;
		if (!(p->seg[k].group & JITMEM_GROUP_FINALIZE))
			standard = true;
	}
	if (!standard)
		return EINVAL;
	sort_segs(p);
	for (k = 1; k < p->n; k++) {
		prev_end = p->sorted[k - 1].addr + p->sorted[k - 1].length;
		if (p->sorted[k].addr < prev_end)
			return EINVAL;
		if (pgdown(f, p->sorted[k].addr) == pgdown(f, prev_end - 1) &&
		    (p->sorted[k].group & GROUP_PROT) !=
		    (p->sorted[k - 1].group & GROUP_PROT)) {
			p->why = ST_REQ_SHARE;
			return EINVAL;
		}
	}
	for (k = 0; k < p->n; k++)
		total += p->sorted[k].length;
	if (total > f->lim.max_initialized_bytes)
		return ENOSPC;
	if (p->ro)
		return EFAULT;	/* the key is written first */
	/* jitmem_plan_admit() */
	for (k = 0; k < p->n; k++) {
		const struct jitmem_init_segment *g = &p->sorted[k];
		uint64_t end = g->addr + g->length;

		if (model_slab_holding(c, g->addr, end) < 0)
			return ENXIO;
		if (model_live_first(c, g->addr, end) >= 0)
			return EBUSY;
		if (!f->lim.exec_reuse &&
		    model_retired_overlaps(c, g->addr, end))
			return EADDRNOTAVAIL;
		if ((g->group & JITMEM_GROUP_X) && f->lim.dev_noexec)
			return EACCES;
		if (p->rie && !(g->group & JITMEM_GROUP_X) &&
		    !vma_range_mapped(c, pgdown(f, g->addr), pgup(f, end),
				      g->group & GROUP_PROT)) {
			p->why = ST_ENOEXEC;
			return ENOEXEC;
		}
	}
	if (model_live_bytes(c) + total > f->lim.max_initialized_bytes)
		return ENOSPC;
	for (k = 0; k < p->n; k++) {
		const struct jitmem_init_segment *g = &p->sorted[k];

		for (a = pgdown(f, g->addr); a < g->addr + g->length;
		     a += f->page) {
			struct mpage *pg = pg_find(f, c, a);

			pi = plan_page_pi(f, p, a);
			if (pg && pg->pi != pi && pg->users) {
				p->why = ST_PAGE_BUSY;
				return EBUSY;
			}
		}
	}
	/* content, read while writing new pages and faulted in */
	for (k = 0; k < p->n; k++)
		if (p->seg[k].content_size && p->bad_content[k])
			return EFAULT;
	/* jitmem_plan_protect(): a hole in a segment's pages */
	for (k = 0; k < p->n; k++) {
		const struct jitmem_init_segment *g = &p->sorted[k];

		si = model_slab_holding(c, g->addr, g->addr + g->length);
		if (!vma_slab_covers(c, c->slabs[si].id, pgdown(f, g->addr),
				     pgup(f, g->addr + g->length))) {
			*hole_at = k;
			return ENXIO;
		}
	}
	return 0;
}

/* The request went through: pages, remaps, the region. */
static void apply(struct fuzz *f, struct ctx *c, struct plan *p, uint64_t key)
{
	struct created cr[MAX_REQ_SEGS];
	uint64_t want_key = ~0ULL, a;
	bool shared = false, sub = false;
	struct region *r;
	int k, n, pi;

	for (k = 0; k < p->n; k++)
		if (!(p->sorted[k].group & JITMEM_GROUP_FINALIZE) &&
		    p->sorted[k].addr < want_key)
			want_key = p->sorted[k].addr;
	if (key != want_key)
		fuzz_fail(f, "INITIALIZE key %#llx, want %#llx",
			  (unsigned long long)key,
			  (unsigned long long)want_key);
	n = protect_segs(f, c, p, p->n, cr);
	/* each page: the context's own of that protection, or a new one */
	for (k = 0; k < p->n; k++) {
		const struct jitmem_init_segment *g = &p->sorted[k];

		for (a = pgdown(f, g->addr); a < g->addr + g->length;
		     a += f->page) {
			struct mpage *pg = pg_find(f, c, a);

			pi = group_pi(g->group);
			if (pg && pg->pi == pi) {
				shared = true;
				continue;
			}
			if (pg)	/* an empty page of another protection */
				pg_free_empty(f, c, a, a + f->page);
			pg_hold(f, c, a, pi);
		}
	}
	r = model_new_region(c);
	r->key = key;
	r->nseg = p->n;
	for (k = 0; k < p->n; k++) {
		r->seg[k].addr = p->sorted[k].addr;
		r->seg[k].len = p->sorted[k].length;
		r->seg[k].content_size = p->sorted[k].content_size;
		r->seg[k].content = p->sorted[k].content_size ?
				    p->scontent[k] : NULL;
		r->seg[k].group = p->sorted[k].group;
		if (p->sorted[k].group & JITMEM_GROUP_FINALIZE)
			r->fin_live = true;
		touch(f, p->sorted[k].addr);
		sub |= (p->sorted[k].addr | p->sorted[k].length) &
		       (f->page - 1);
	}
	f->stat[ST_SHARED] += shared;
	f->stat[ST_SUBPAGE] += sub;
	model_publish(f, c, r);
	/* jitmem_protect_commit() */
	for (k = 0; k < n; k++)
		pg_free_mismatched(f, c, cr[k].lo, cr[k].hi, cr[k].pi);
	fuzz_log(f, " region %#llx", (unsigned long long)key);
	check_region(f, c, r, chance(&f->rng, 100));
	/* the free bytes around one, in pages it may share */
	k = rnd_below(&f->rng, p->n);
	a = r->seg[k].addr + r->seg[k].len;
	if (in_any_slab(f, a))
		check_addr(f, a);
	if (in_any_slab(f, r->seg[k].addr - 1))
		check_addr(f, r->seg[k].addr - 1);
}

void op_initialize(struct fuzz *f, struct ctx *c)
{
	struct jitmem_initialize req, *out;
	int ret, k, want, hole_at, pers = -1;
	struct plan p;
	void *arg;

	/* room in the model for what it may add */
	if (c->nregions >= MAX_REGIONS - 1 || c->nlive > MAX_LIVE - MAX_SEGS ||
	    !vma_room(f, 2 * MAX_SEGS + 2))
		return;
	gen_plan(f, c, &p);
	memset(&req, 0, sizeof(req));
	p.nsegments = p.n;
	p.stride = sizeof(struct jitmem_init_segment);
	switch (rnd_below(&f->rng, 60)) {
	case 0:
		p.nsegments = 0;
		break;
	case 1:
		p.nsegments = f->lim.known ? f->lim.max_segments + 1 :
					     0xffffffff;
		break;
	case 2:
		p.flags = 1U << rnd_below(&f->rng, 32);
		break;
	case 3:
		p.stride = rnd_below(&f->rng, sizeof(struct jitmem_init_segment));
		break;
	case 4:
	case 5:
		p.stride += 8 * (1 + rnd_below(&f->rng, 4));
		break;
	case 6:
		p.stride = f->page + 8;
		break;
	}
	memset(f->s.segbuf, 0, (size_t)p.n * 128 + 128);
	for (k = 0; k < p.n && p.stride <= 128; k++)
		memcpy(f->s.segbuf + (size_t)k * p.stride, &p.seg[k],
		       p.stride < sizeof(p.seg[k]) ? p.stride : sizeof(p.seg[k]));
	if (p.stride > sizeof(struct jitmem_init_segment) && p.stride <= 128 &&
	    chance(&f->rng, 200)) {
		k = rnd_below(&f->rng, p.n);
		f->s.segbuf[(size_t)k * p.stride + sizeof(struct jitmem_init_segment) +
			    rnd_below(&f->rng, p.stride - sizeof(struct jitmem_init_segment))] = 0x5a;
		p.segs_tail = true;
	}
	req.nsegments = p.nsegments;
	req.flags = p.flags;
	req.segment_size = p.stride;
	req.segments = (uintptr_t)f->s.segbuf;
	if (chance(&f->rng, 15)) {
		req.segments = gen_bad_ptr(f);
		p.segs_fault = true;
	}
	if (chance(&f->rng, 10)) {
		req.size = sizeof(req);
		arg = gen_req_ro(f, &req, sizeof(req));
		p.ro = true;
	} else if (chance(&f->rng, 10)) {
		arg = (void *)(uintptr_t)gen_bad_ptr(f);
		p.pre = E(EFAULT);
	} else {
		p.pre = gen_req(f, &req, sizeof(req), sizeof(req), &arg);
	}
	want = predict(f, c, &p, &hole_at);
	fuzz_log(f, " initialize n %u flags %#x stride %u segments %#llx%s%s%s",
		 p.nsegments, p.flags, p.stride,
		 (unsigned long long)req.segments, p.segs_fault ? " (faults)" : "",
		 p.segs_tail ? " (dirty tail)" : "", p.ro ? " read-only" : "");
	if (fuzz_verbose(f))
		for (k = 0; k < p.n; k++)
			fuzz_log(f, " seg %d: addr %#llx len %#llx content %#llx+%#llx group %#x; want %s (%#x)",
				 k, (unsigned long long)p.seg[k].addr,
				 (unsigned long long)p.seg[k].length,
				 (unsigned long long)p.seg[k].content,
				 (unsigned long long)p.seg[k].content_size,
				 p.seg[k].group, errname(want), p.pre);
	if (!p.pre && !want && chance(&f->rng, 20)) {
		/* a legacy personality: only remaps for code are allowed */
		pers = personality(0xffffffff);
		p.rie = true;
		want = predict(f, c, &p, &hole_at);
		personality(pers | READ_IMPLIES_EXEC);
	}
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_INITIALIZE, arg);
	if (pers != -1)
		personality(pers);
	if (p.pre) {
		expect(f, "INITIALIZE", ret, p.pre, false);
	} else if (p.tail_first && ret == -E2BIG) {
		/* the tail of the bad array was readable and not zero */
	} else {
		expect_exact(f, "INITIALIZE", ret, want);
		if (p.why >= 0)
			f->stat[p.why]++;
	}
	if (!ret) {
		out = arg;
		apply(f, c, &p, out->key);
		return;
	}
	if (!p.pre && want == ENXIO && hole_at > 0)
		protect_fails_at(f, c, &p, hole_at);
	/* All or nothing: nothing changed where it would have gone. */
	k = rnd_below(&f->rng, p.n);
	{
		uint64_t a = p.seg[k].addr, z = a + p.seg[k].length - 1;

		if (in_any_slab(f, a))
			check_addr(f, a);
		if (z > a && in_any_slab(f, z) && chance(&f->rng, 300))
			check_addr(f, z);
	}
	if (p.ro || chance(&f->rng, 50))
		query_check(f, c);
}
