// SPDX-License-Identifier: GPL-2.0-only
/*
 * JITMEM_IOC_INITIALIZE: mostly well-formed requests placed in free parts of
 * a slab, some with one broken field, some at random.  The model predicts
 * the outcome; a success is checked byte by byte, a failure must leave
 * every target range inaccessible.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"

#define MAX_REQ_SEGS	MAX_SEGS

struct plan {
	struct jitmem_init_segment seg[MAX_REQ_SEGS];
	int n;
	errset want;
	bool may_succeed;
	bool uncertain;		/* success is possible but not modelled exactly */
};

static bool ovl(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void definite(struct plan *p, errset e)
{
	p->want |= e;
	p->may_succeed = false;
}

/* An errno the model cannot rule out; success stays exact. */
static void maybe(struct plan *p, errset e)
{
	p->want |= e;
}

/* Success possible but not modelled exactly (damaged slab, ...). */
static void possible(struct plan *p, errset e)
{
	p->want |= e;
	p->uncertain = true;
}

/* Place segment k in free pages of slab s when it can. */
static void place(struct fuzz *f, struct ctx *c, struct plan *p, int k,
		  const struct slab *s)
{
	struct jitmem_init_segment *g = &p->seg[k];
	uint64_t pages = s->len / f->page, off, len;
	int tries, j;
	bool clash;

	for (tries = 0; tries < 8; tries++) {
		off = rnd_below(&f->rng, pages);
		len = 1 + rnd_below(&f->rng, chance(&f->rng, 900) ? 4 : 256);
		if (len > pages - off)
			len = pages - off;
		g->addr = s->addr + off * f->page;
		g->length = len * f->page;
		clash = model_overlaps_live(c, g->addr, g->length);
		for (j = 0; j < k && !clash; j++)
			clash = ovl(g->addr, g->length, p->seg[j].addr,
				    p->seg[j].length);
		if (!clash)
			break;
	}
}

static void fill_content(struct fuzz *f, struct jitmem_init_segment *g)
{
	uint64_t cs;

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
	if (cs)
		g->content = (uintptr_t)gen_content(f, cs);
	else
		g->content = chance(&f->rng, 300) ? gen_bad_ptr(f) : 0;
}

/* Break one field of segment k; record what the kernel must answer. */
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
	struct ctx *o;
	uint8_t grp;

	switch (rnd_below(&f->rng, 10)) {
	case 0:
		g->addr += 1 + rnd_below(&f->rng, f->page - 1);
		definite(p, E(EINVAL));
		break;
	case 1:
		g->length = 0;
		g->content_size = 0;
		definite(p, E(EINVAL));
		break;
	case 2:
		g->length += 1 + rnd_below(&f->rng, f->page - 1);
		definite(p, E(EINVAL) | E(ENXIO));
		break;
	case 3:
		g->content_size = g->length + 1 + rnd_below(&f->rng, 2 * f->page);
		g->content = (uintptr_t)f->s.pool;
		definite(p, E(EINVAL));
		break;
	case 4:
		grp = bad_groups[rnd_below(&f->rng, sizeof(bad_groups))];
		g->group = grp;
		if ((grp & JITMEM_GROUP_W) && (grp & JITMEM_GROUP_X))
			definite(p, E(EPERM) | E(EINVAL));
		else
			definite(p, E(EINVAL));
		break;
	case 5:
		g->__reserved[rnd_below(&f->rng, 7)] = 1 + rnd_below(&f->rng, 255);
		definite(p, E(EINVAL));
		break;
	case 6:
		if (!g->content_size)
			g->content_size = 1 + rnd_below(&f->rng, g->length);
		g->content = gen_bad_ptr(f);
		definite(p, E(EFAULT));
		break;
	case 7:
		/* Outside every slab of this context. */
		o = &f->ctx[rnd_below(&f->rng, NCTX)];
		if (o != c && o->nslabs && chance(&f->rng, 500))
			g->addr = o->slabs[rnd_below(&f->rng, o->nslabs)].addr;
		else
			g->addr = 0x500000000000ULL +
				  f->page * rnd_below(&f->rng, 1 << 20);
		if (model_find_slab(c, g->addr, g->length) >= 0 ||
		    model_overlaps_live(c, g->addr, g->length))
			possible(p, E(ENXIO) | E(EBUSY) | E(EINVAL));
		else
			definite(p, E(ENXIO));
		break;
	case 8:
		g->addr = ~0ULL & ~(uint64_t)(f->page - 1);
		definite(p, E(EINVAL) | E(ENXIO));
		break;
	default:
		/* Straddle the end of the slab. */
		if (c->nslabs) {
			const struct slab *s =
				&c->slabs[rnd_below(&f->rng, c->nslabs)];

			g->addr = s->addr + s->len - f->page;
			g->length = 2 * f->page;
			if (g->content_size > g->length)
				g->content_size = g->length;
		}
		if (model_find_slab(c, g->addr, g->length) >= 0 ||
		    model_overlaps_live(c, g->addr, g->length))
			possible(p, E(ENXIO) | E(EBUSY) | E(EINVAL));
		else
			definite(p, E(ENXIO));
	}
}

/* What a request without a broken field must produce, from the model. */
static void judge(struct fuzz *f, struct ctx *c, struct plan *p, int *slabp)
{
	bool standard = false, has_x = false;
	uint64_t total = 0;
	int k, j, si;

	*slabp = -1;
	for (k = 0; k < p->n; k++) {
		const struct jitmem_init_segment *g = &p->seg[k];

		if (!(g->group & JITMEM_GROUP_FINALIZE))
			standard = true;
		if (g->group & JITMEM_GROUP_X)
			has_x = true;
		total += g->length;
		for (j = 0; j < k; j++)
			if (ovl(g->addr, g->length, p->seg[j].addr,
				p->seg[j].length))
				definite(p, E(EINVAL));
		si = model_find_slab(c, g->addr, g->length);
		if (si < 0)
			continue;	/* broken on purpose, judged there */
		if (*slabp < 0)
			*slabp = si;
		else if (si != *slabp)
			possible(p, E(ENXIO) | E(EINVAL));
		if (c->slabs[si].damaged)
			possible(p, E(ENXIO) | E(EBUSY));
		if (model_overlaps_live(c, g->addr, g->length)) {
			const struct region *r;
			const struct mseg *s = NULL;
			uint64_t a;

			/* known live overlap: EBUSY; unknown: maybe */
			for (a = g->addr; a < g->addr + g->length && !s;
			     a += f->page)
				s = model_seg_at(c, a, &r);
			if (s && !r->unknown)
				definite(p, E(EBUSY));
			else
				possible(p, E(EBUSY));
		}
	}
	if (!standard)
		definite(p, E(EINVAL));
	if (has_x && f->lim.dev_noexec)
		definite(p, E(EACCES));
	if (!f->lim.exec_reuse)
		maybe(p, E(EADDRNOTAVAIL));
	if (f->lim.known && c->exact) {
		if (model_init_bytes(c) + total > f->lim.max_initialized_bytes)
			definite(p, E(ENOSPC));
	} else {
		maybe(p, E(ENOSPC));
	}
}

static void record(struct fuzz *f, struct ctx *c, const struct plan *p,
		   uint64_t key, int slab)
{
	uint64_t want_key = ~0ULL;
	struct region *r;
	int k;

	for (k = 0; k < p->n; k++)
		if (!(p->seg[k].group & JITMEM_GROUP_FINALIZE) &&
		    p->seg[k].addr < want_key)
			want_key = p->seg[k].addr;
	if (key != want_key)
		fuzz_fail(f, "INITIALIZE key %#llx, want %#llx",
			  (unsigned long long)key,
			  (unsigned long long)want_key);
	fuzz_log(f, " record key %#llx slab %d%s", (unsigned long long)key,
		 slab, p->uncertain ? " unknown" : "");
	if (c->nregions == MAX_REGIONS || slab < 0) {
		c->exact = false;	/* cannot track it: forget counters */
		return;
	}
	r = &c->regions[c->nregions++];
	memset(r, 0, sizeof(*r));
	r->key = key;
	r->slab = slab;
	r->nseg = p->n;
	r->unknown = p->uncertain;
	if (p->uncertain) {
		/* not modelled exactly: no counter or address checks there */
		c->exact = false;
		for (k = 0; k < p->n; k++) {
			int si = model_find_slab(c, p->seg[k].addr,
						 p->seg[k].length);

			if (si >= 0)
				c->slabs[si].tampered = true;
		}
	}
	for (k = 0; k < p->n; k++) {
		r->seg[k].addr = p->seg[k].addr;
		r->seg[k].len = p->seg[k].length;
		r->seg[k].content_size = p->seg[k].content_size;
		r->seg[k].content = p->seg[k].content_size ?
			(const uint8_t *)(uintptr_t)p->seg[k].content : NULL;
		r->seg[k].group = p->seg[k].group;
		if (p->seg[k].group & JITMEM_GROUP_FINALIZE)
			r->fin_live = true;
	}
	check_region(f, c, r, chance(&f->rng, 100));
}

static void gen_plan(struct fuzz *f, struct ctx *c, struct plan *p)
{
	const struct slab *s = NULL;
	int k;

	memset(p, 0, sizeof(*p));
	p->may_succeed = true;
	p->want = E(ENOMEM);
	p->n = 1 + rnd_below(&f->rng, chance(&f->rng, 800) ? 3 : MAX_REQ_SEGS);
	if (c->nslabs)
		s = &c->slabs[rnd_below(&f->rng, c->nslabs)];
	for (k = 0; k < p->n; k++) {
		struct jitmem_init_segment *g = &p->seg[k];

		if (s && chance(&f->rng, 20) && c->nslabs > 1)
			place(f, c, p, k, &c->slabs[rnd_below(&f->rng, c->nslabs)]);
		else if (s)
			place(f, c, p, k, s);
		else
			g->addr = 0x500000000000ULL, g->length = f->page;
		g->group = gen_group(f);
		fill_content(f, g);
		if (!s || chance(&f->rng, 30))
			break_seg(f, c, p, k);
	}
}

void op_initialize(struct fuzz *f, struct ctx *c)
{
	struct jitmem_initialize req, *out;
	uint32_t stride = sizeof(struct jitmem_init_segment);
	struct plan p;
	void *arg;
	bool ro = false;
	int ret, k, slab;

	gen_plan(f, c, &p);
	judge(f, c, &p, &slab);
	memset(&req, 0, sizeof(req));
	req.nsegments = p.n;

	switch (rnd_below(&f->rng, 60)) {
	case 0:
		req.nsegments = 0;
		definite(&p, E(EINVAL));
		break;
	case 1:
		req.nsegments = f->lim.known ? f->lim.max_segments + 1 :
					       0xffffffff;
		definite(&p, E(E2BIG));
		break;
	case 2:
		req.flags = 1U << rnd_below(&f->rng, 32);
		definite(&p, E(EINVAL));
		break;
	case 3:
		stride = rnd_below(&f->rng, sizeof(struct jitmem_init_segment));
		definite(&p, E(EINVAL));
		break;
	case 4:
	case 5:
		stride += 8 * (1 + rnd_below(&f->rng, 4));
		break;
	case 6:
		stride = f->page + 8;
		definite(&p, E(E2BIG) | E(EFAULT));
		break;
	}
	memset(f->s.segbuf, 0, (size_t)p.n * 64 + 64);
	for (k = 0; k < p.n; k++)
		memcpy(f->s.segbuf + (size_t)k * stride, &p.seg[k],
		       stride < sizeof(p.seg[k]) ? stride : sizeof(p.seg[k]));
	if (stride > sizeof(struct jitmem_init_segment) && stride <= 64 &&
	    chance(&f->rng, 200)) {
		k = rnd_below(&f->rng, p.n);
		f->s.segbuf[(size_t)k * stride + sizeof(struct jitmem_init_segment) +
			    rnd_below(&f->rng, stride - sizeof(struct jitmem_init_segment))] = 0x5a;
		definite(&p, E(E2BIG));
	}
	req.segment_size = stride;
	req.segments = (uintptr_t)f->s.segbuf;
	if (chance(&f->rng, 15)) {
		req.segments = gen_bad_ptr(f);
		definite(&p, E(EFAULT));
	}

	if (chance(&f->rng, 10)) {
		req.size = sizeof(req);
		arg = gen_req_ro(f, &req, sizeof(req));
		ro = true;
		definite(&p, E(EFAULT));
	} else if (chance(&f->rng, 10)) {
		arg = (void *)(uintptr_t)gen_bad_ptr(f);
		definite(&p, E(EFAULT));
	} else {
		errset e = gen_req(f, &req, sizeof(req), &arg);

		if (e)
			definite(&p, e);
	}

	if (f->call + 1 >= f->verbose_from)
		for (k = 0; k < p.n; k++)
			fuzz_log(f, " seg %d: addr %#llx len %#llx content %#llx+%#llx group %#x; want %#x%s%s",
				 k, (unsigned long long)p.seg[k].addr,
				 (unsigned long long)p.seg[k].length,
				 (unsigned long long)p.seg[k].content,
				 (unsigned long long)p.seg[k].content_size,
				 p.seg[k].group, p.want,
				 p.may_succeed ? " may succeed" : "",
				 p.uncertain ? " uncertain" : "");
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_INITIALIZE, arg);
	expect(f, "INITIALIZE", ret, p.want, p.may_succeed);
	if (!ret) {
		out = arg;
		record(f, c, &p, out->key, slab);
		return;
	}
	/* All or nothing: no target page became accessible. */
	for (k = 0; k < p.n; k++)
		check_addr(f, c, p.seg[k].addr);
	if ((ro || chance(&f->rng, 50)) && c->exact)
		query_check(f, c, false);
}
