// SPDX-License-Identifier: GPL-2.0-only
/*
 * JITMEM_IOC_DEINITIALIZE and JITMEM_IOC_RELEASE: batches of good, stale,
 * foreign and random items.  Items are judged in order against the model,
 * so a duplicate key is first freed, then ENOENT.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"

#define SENTINEL	0x7eadbeef

struct batch_plan {
	struct jitmem_batch b;
	uint32_t n;		/* items written to the scratch array */
	errset want;
	bool may_succeed;
	bool unknown;		/* on EFAULT, items may have been processed */
	void *arg;
};

static uint64_t any_key(struct fuzz *f, struct ctx *c)
{
	const struct region *r;

	if (!c->nregions)
		return 0x500000000000ULL;
	r = &c->regions[rnd_below(&f->rng, c->nregions)];
	if (r->nseg > 1 && chance(&f->rng, 100))
		return r->seg[rnd_below(&f->rng, r->nseg)].addr;
	return r->key;
}

static uint64_t any_slab(struct fuzz *f, struct ctx *c)
{
	if (!c->nslabs)
		return (uintptr_t)f->s.arg;
	return c->slabs[rnd_below(&f->rng, c->nslabs)].addr;
}

static uint64_t gen_item(struct fuzz *f, struct ctx *c, bool release)
{
	struct ctx *o = &f->ctx[rnd_below(&f->rng, NCTX)];
	unsigned int pick = rnd_below(&f->rng, 100);

	if (pick < 55)
		return release ? any_slab(f, c) : any_key(f, c);
	if (pick < 70)
		return release ? any_slab(f, o) : any_key(f, o);
	if (pick < 85)
		return (release ? any_slab(f, c) : any_key(f, c)) +
		       f->page * (1 + rnd_below(&f->rng, 2));
	if (pick < 92)
		return release ? any_key(f, c) : any_slab(f, c);
	return rnd(&f->rng) & ~(uint64_t)(f->page - 1);
}

/* Build the request; the caller issues it. */
static void gen_batch(struct fuzz *f, struct ctx *c, struct batch_plan *p,
		      bool release)
{
	uint32_t i;
	errset e;

	memset(p, 0, sizeof(*p));
	p->may_succeed = true;
	p->n = 1 + rnd_below(&f->rng, chance(&f->rng, 900) ? 8 : MAX_ITEMS);
	for (i = 0; i < p->n; i++) {
		f->s.items[i] = gen_item(f, c, release);
		f->s.results[i] = SENTINEL;
	}
	p->b.count = p->n;
	p->b.items = (uintptr_t)f->s.items;
	p->b.results = (uintptr_t)f->s.results;
	if (!release && chance(&f->rng, 250))
		p->b.flags = JITMEM_DEINIT_FINALIZE_ONLY;

	switch (rnd_below(&f->rng, 80)) {
	case 0:
		p->b.count = 0;
		p->want |= E(EINVAL);
		p->may_succeed = false;
		break;
	case 1:
		p->b.count = f->lim.known ? f->lim.max_batch + 1 : 0xffffffff;
		p->want |= E(E2BIG);
		p->may_succeed = false;
		break;
	case 2:
		p->b.flags |= 1U << rnd_below(&f->rng, 32);
		if (release || p->b.flags & ~JITMEM_DEINIT_FINALIZE_ONLY) {
			p->want |= E(EINVAL);
			p->may_succeed = false;
		}
		break;
	case 3:
		p->b.items = gen_bad_ptr(f);
		p->want |= E(EFAULT);
		p->may_succeed = false;
		break;
	case 4:
		p->b.results = chance(&f->rng, 500) ? (uintptr_t)f->s.ro :
						       gen_bad_ptr(f);
		p->want |= E(EFAULT);
		p->may_succeed = false;
		p->unknown = true;
		break;
	case 5:
		p->b.failed = 1 + rnd_below(&f->rng, 100);	/* out only */
		break;
	}
	if (chance(&f->rng, 10)) {
		p->b.size = sizeof(p->b);
		p->arg = gen_req_ro(f, &p->b, sizeof(p->b));
		p->want |= E(EFAULT);
		p->may_succeed = false;
		p->unknown = true;
	} else {
		e = gen_req(f, &p->b, sizeof(p->b), &p->arg);
		if (e) {
			p->want |= e;
			p->may_succeed = false;
		}
	}
}

/* The request failed but may have done part of its work. */
static void forget_items(struct fuzz *f, struct ctx *c, uint32_t n,
			 bool release)
{
	uint32_t i;
	int j;

	(void)f;
	c->exact = false;
	for (i = 0; i < n; i++) {
		for (j = 0; j < c->nslabs; j++)
			if (release && c->slabs[j].addr == f->s.items[i])
				model_damage(f, c, j);
		j = model_find_region(c, f->s.items[i]);
		if (j >= 0)
			c->regions[j].unknown = true;
	}
}

static int32_t result_of(struct fuzz *f, uint32_t i)
{
	int32_t r = f->s.results[i];

	if (r == SENTINEL)
		r = 0;	/* only failures need be written (after clearing) */
	if (r && r != -ENOENT)
		fuzz_fail(f, "item %u (%#llx): result %d, want 0 or -ENOENT",
			  i, (unsigned long long)f->s.items[i], r);
	return r;
}

static void want_result(struct fuzz *f, uint32_t i, int32_t got, int32_t want,
			const char *why)
{
	if (got != want)
		fuzz_fail(f, "item %u (%#llx): result %s, want %s (%s)", i,
			  (unsigned long long)f->s.items[i], errname(-got),
			  errname(-want), why);
}

static void verify_deinit(struct fuzz *f, struct ctx *c, uint32_t n,
			  bool fin_only)
{
	uint64_t gone[MAX_ITEMS];
	uint32_t i, ngone = 0;
	int32_t res;
	int ri;

	for (i = 0; i < n; i++) {
		struct region *r;

		res = result_of(f, i);
		ri = model_find_region(c, f->s.items[i]);
		if (ri < 0) {
			want_result(f, i, res, -ENOENT, "no such region");
			continue;
		}
		r = &c->regions[ri];
		if (fin_only) {
			if (!r->unknown)
				want_result(f, i, res, r->fin_live ? 0 : -ENOENT,
					    r->fin_live ? "Finalize segments live" :
					    "no live Finalize segment");
			if (!res && r->fin_live) {
				for (int k = 0; k < r->nseg; k++)
					if (r->seg[k].group & JITMEM_GROUP_FINALIZE &&
					    ngone < MAX_ITEMS && !r->unknown)
						gone[ngone++] = r->seg[k].addr;
				r->fin_live = false;
			}
			continue;
		}
		if (!r->unknown) {
			want_result(f, i, res, 0, "live region");
			if (ngone < MAX_ITEMS)
				gone[ngone++] = r->seg[rnd_below(&f->rng,
								 r->nseg)].addr;
		}
		fuzz_log(f, " drop region %#llx", (unsigned long long)r->key);
		model_drop_region(c, ri);
	}
	for (i = 0; i < ngone; i++)
		check_addr(f, c, gone[i]);
}

void op_deinitialize(struct fuzz *f, struct ctx *c)
{
	struct batch_plan p;
	uint32_t i, failed = 0;
	int ret;

	gen_batch(f, c, &p, false);
	fuzz_log(f, " deinit count %u n %u flags %#x items %#llx results %#llx size %u; want %#x%s",
		 p.b.count, p.n, p.b.flags, (unsigned long long)p.b.items,
		 (unsigned long long)p.b.results, *(uint32_t *)p.arg, p.want,
		 p.may_succeed ? " may succeed" : "");
	for (i = 0; i < p.n && f->call + 1 >= f->verbose_from; i++)
		fuzz_log(f, "  item %u: %#llx", i,
			 (unsigned long long)f->s.items[i]);
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_DEINITIALIZE, p.arg);
	expect(f, "DEINITIALIZE", ret, p.want, p.may_succeed);
	if (ret) {
		if (p.unknown && ret == -EFAULT)
			forget_items(f, c, p.n, false);
		return;
	}
	for (i = 0; i < p.n; i++)
		failed += f->s.results[i] != 0 && f->s.results[i] != SENTINEL;
	if (((struct jitmem_batch *)p.arg)->failed != failed)
		fuzz_fail(f, "DEINITIALIZE failed=%u, %u results not 0",
			  ((struct jitmem_batch *)p.arg)->failed, failed);
	verify_deinit(f, c, p.n, p.b.flags & JITMEM_DEINIT_FINALIZE_ONLY);
}

/*
 * Drop slab i after a RELEASE answered @res for it; when intact (@check),
 * its range must be gone from the process.
 */
static void released(struct fuzz *f, struct ctx *c, int i, int32_t res,
		     bool check)
{
	uint64_t addr = c->slabs[i].addr, len = c->slabs[i].len;
	uint8_t v;

	fuzz_log(f, " drop slab %#llx (%d regions before, result %d)",
		 (unsigned long long)addr, c->nregions, res);
	model_drop_slab(c, i, !res);
	if (check && !model_any_slab_overlaps(f, addr, len) &&
	    probe_read((uint8_t *)(uintptr_t)addr, &v))
		fuzz_fail(f, "released slab %#llx is still readable",
			  (unsigned long long)addr);
}

static void verify_release(struct fuzz *f, struct ctx *c, uint32_t n)
{
	uint32_t i;
	int32_t res;
	int j, found;

	for (i = 0; i < n; i++) {
		res = result_of(f, i);
		found = -1;
		for (j = 0; j < c->nslabs; j++) {
			if (c->slabs[j].addr != f->s.items[i])
				continue;
			if (found < 0 || !c->slabs[j].damaged)
				found = j;
		}
		if (found < 0) {
			want_result(f, i, res, -ENOENT, "no slab starts here");
			continue;
		}
		if (!c->slabs[found].damaged) {
			want_result(f, i, res, 0, "intact slab");
			released(f, c, found, res, true);
		} else {
			/* what the user left of it stays mapped: unmap later */
			if (c->norphans < MAX_SLABS) {
				c->orphan_addr[c->norphans] = c->slabs[found].addr;
				c->orphan_len[c->norphans++] = c->slabs[found].len;
			}
			released(f, c, found, res, false);
		}
	}
}

void op_release(struct fuzz *f, struct ctx *c)
{
	struct batch_plan p;
	uint32_t i, failed = 0;
	int ret;

	gen_batch(f, c, &p, true);
	for (i = 0; i < p.n && f->call + 1 >= f->verbose_from; i++)
		fuzz_log(f, "  release item %u: %#llx", i,
			 (unsigned long long)f->s.items[i]);
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_RELEASE, p.arg);
	expect(f, "RELEASE", ret, p.want, p.may_succeed);
	if (ret) {
		if (p.unknown && ret == -EFAULT)
			forget_items(f, c, p.n, true);
		return;
	}
	for (i = 0; i < p.n; i++)
		failed += f->s.results[i] != 0 && f->s.results[i] != SENTINEL;
	if (((struct jitmem_batch *)p.arg)->failed != failed)
		fuzz_fail(f, "RELEASE failed=%u, %u results not 0",
			  ((struct jitmem_batch *)p.arg)->failed, failed);
	verify_release(f, c, p.n);
}

/* Unmap [addr, addr + len) except where a slab of the model lives. */
void unmap_free(struct fuzz *f, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len, cut, next;
	int n, i;

	while (addr < end) {
		cut = end;
		next = end;
		for (n = 0; n < NCTX; n++)
			for (i = 0; i < f->ctx[n].nslabs; i++) {
				const struct slab *s = &f->ctx[n].slabs[i];

				if (s->addr < end && s->addr + s->len > addr &&
				    (s->addr > addr ? s->addr : addr) < cut) {
					cut = s->addr > addr ? s->addr : addr;
					next = s->addr + s->len;
				}
			}
		if (cut > addr)
			munmap((void *)(uintptr_t)addr, cut - addr);
		addr = next;
	}
}

/*
 * RELEASE every slab of the context in one batch and unmap what the user
 * left behind (parts of unmapped slabs, moved mappings).
 */
void release_all(struct fuzz *f, struct ctx *c)
{
	uint64_t dmg_addr[MAX_SLABS], dmg_len[MAX_SLABS];
	struct jitmem_batch b;
	int i, ndmg = 0, ret;

	if (c->nslabs) {
		memset(&b, 0, sizeof(b));
		b.size = sizeof(b);
		b.items = (uintptr_t)f->s.items;
		b.results = (uintptr_t)f->s.results;
		b.count = c->nslabs;
		for (i = 0; i < c->nslabs; i++) {
			f->s.items[i] = c->slabs[i].addr;
			f->s.results[i] = SENTINEL;
			if (c->slabs[i].damaged) {
				dmg_addr[ndmg] = c->slabs[i].addr;
				dmg_len[ndmg++] = c->slabs[i].len;
			}
		}
		ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_RELEASE, &b);
		expect(f, "RELEASE of every slab", ret, 0, true);
		verify_release(f, c, b.count);
		if (c->nslabs)
			fuzz_fail(f, "%d slabs left after releasing all",
				  c->nslabs);
	}
	for (i = 0; i < ndmg; i++)
		unmap_free(f, dmg_addr[i], dmg_len[i]);
	for (i = 0; i < c->norphans; i++)
		unmap_free(f, c->orphan_addr[i], c->orphan_len[i]);
	c->norphans = 0;
	c->nregions = 0;
}
