// SPDX-License-Identifier: GPL-2.0-only
/*
 * JITMEM_IOC_DEINITIALIZE and JITMEM_IOC_RELEASE: batches of good, stale,
 * foreign and random items.  Items are judged in order against the model,
 * so a duplicate key is first freed, then ENOENT.  The request is all or
 * nothing: results are cleared before any item is processed, so a bad
 * results array fails it whole; only the final write-back of the struct
 * can fail after the items were processed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"

#define SENTINEL	0x7eadbeef

struct batch_plan {
	struct jitmem_batch b;
	uint32_t n;		/* items written to the scratch array */
	errset want;
	bool may_succeed;
	bool done;		/* on EFAULT, the items were processed */
	void *arg;
};

static uint64_t any_key(struct fuzz *f, struct ctx *c)
{
	const struct region *r;

	if (!c->nregions)
		return 0x500000000000ULL;
	r = &c->regions[c->rlist[rnd_below(&f->rng, c->nregions)]];
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
	if (pick < 80)
		return (release ? any_slab(f, c) : any_key(f, c)) +
		       f->page * (1 + rnd_below(&f->rng, 2));
	if (pick < 85)
		return any_key(f, c) + f->lim.granule;
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
		p->want = E(EINVAL);
		break;
	case 1:
		p->b.count = f->lim.known ? f->lim.max_batch + 1 : 0xffffffff;
		p->want = E(E2BIG);
		break;
	case 2:
		p->b.flags |= 1U << rnd_below(&f->rng, 32);
		if (release || p->b.flags & ~JITMEM_DEINIT_FINALIZE_ONLY)
			p->want = E(EINVAL);
		break;
	case 3:
		p->b.items = gen_bad_ptr(f);
		p->want = E(EFAULT);
		break;
	case 4:
		/* cleared before anything is done: nothing is */
		p->b.results = chance(&f->rng, 500) ? (uintptr_t)f->s.ro :
						       gen_bad_ptr(f);
		p->want = E(EFAULT);
		break;
	case 5:
		p->b.failed = 1 + rnd_below(&f->rng, 100);	/* out only */
		break;
	}
	p->may_succeed = !p->want;
	if (chance(&f->rng, 10)) {
		p->b.size = sizeof(p->b);
		p->arg = gen_req_ro(f, &p->b, sizeof(p->b));
		if (p->may_succeed) {
			p->want = E(EFAULT);	/* only the write-back fails */
			p->done = true;
			p->may_succeed = false;
		}
	} else {
		e = gen_req(f, &p->b, sizeof(p->b), sizeof(p->b), &p->arg);
		if (e) {
			p->want = e;
			p->may_succeed = false;
		}
	}
}

static void want_result(struct fuzz *f, uint32_t i, int32_t got, int32_t want,
			const char *why)
{
	if (got != want)
		fuzz_fail(f, "item %u (%#llx): result %s, want %s (%s)", i,
			  (unsigned long long)f->s.items[i], errname(-got),
			  errname(-want), why);
}

static void check_failed(struct fuzz *f, const struct batch_plan *p,
			 uint32_t n, const char *what)
{
	uint32_t i, failed = 0;

	for (i = 0; i < n; i++)
		failed += f->s.results[i] != 0;
	if (!p->done && ((struct jitmem_batch *)p->arg)->failed != failed)
		fuzz_fail(f, "%s failed=%u, %u results not 0", what,
			  ((struct jitmem_batch *)p->arg)->failed, failed);
}

/* After the items: the batch's tidy, then what it freed is checked. */
static void batch_end(struct fuzz *f, struct ctx *c, const uint64_t *gone,
		      uint32_t ngone)
{
	uint32_t i;

	vma_tidy(f, c);
	for (i = 0; i < ngone; i++)
		check_addr(f, gone[i]);
}

/* Process the items on the model as the module did, and compare. */
static void verify_deinit(struct fuzz *f, struct ctx *c, uint32_t n,
			  bool fin_only)
{
	uint64_t gone[MAX_ITEMS];
	uint32_t i, ngone = 0;
	int slot;

	for (i = 0; i < n; i++) {
		struct region *r;

		slot = model_find_region(c, f->s.items[i]);
		if (slot < 0) {
			want_result(f, i, f->s.results[i], -ENOENT,
				    "no such region");
			continue;
		}
		r = &c->regions[slot];
		if (ngone < MAX_ITEMS)
			gone[ngone++] = r->seg[rnd_below(&f->rng, r->nseg)].addr;
		fuzz_log(f, " drop region %#llx%s", (unsigned long long)r->key,
			 fin_only ? " (finalize only)" : "");
		if (model_drop_region(f, c, slot, fin_only))
			want_result(f, i, f->s.results[i], 0, "live region");
		else
			want_result(f, i, f->s.results[i], -ENOENT,
				    "no live Finalize segment");
	}
	pg_reclaim(f, c);
	batch_end(f, c, gone, ngone);
}


/* Are [start, end) all mapped, by @c's own mappings (jitmem_only_ours())? */
static bool only_ours(struct fuzz *f, struct ctx *c, uint64_t start,
		      uint64_t end)
{
	int n, i;

	while (start < end) {
		if (!mm_any_vma(f, start, &n, &i) || &f->ctx[n] != c)
			return false;
		start = c->vmas[i].end;
	}
	return true;
}

/* jitmem_unmap(): one munmap() when only the slab is mapped in its range. */
static void release_slab(struct fuzz *f, struct ctx *c, int s)
{
	uint64_t start = c->slabs[s].addr, end = start + c->slabs[s].len;
	uint32_t id = c->slabs[s].id;
	int n, i;

	for (n = 0; n < NCTX; n++)
		for (i = vma_first(&f->ctx[n], start, end);
		     i >= 0 && i < f->ctx[n].nvmas &&
		     f->ctx[n].vmas[i].start < end; i++)
			if (&f->ctx[n] != c || f->ctx[n].vmas[i].slab != id) {
				model_release_slab(f, c, s);	/* one each */
				return;
			}
	mm_munmap(f, start, end);
}

static int cmp_addr(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * jitmem_release_batch(): the slabs named, by address; side by side and
 * with nothing else mapped among them, in one munmap(), else one by one.
 * The order decides what each .close reclaims.
 */
static void verify_release(struct fuzz *f, struct ctx *c, uint32_t n)
{
	uint64_t gone[MAX_ITEMS], addrs[MAX_ITEMS], end;
	uint32_t i, j, k, ngone = 0, na = 0;
	int s;

	for (i = 0; i < n; i++) {
		s = model_slab_at(c, f->s.items[i]);
		for (j = 0; j < na && addrs[j] != f->s.items[i]; j++)
			;
		if (s < 0 || c->slabs[s].addr != f->s.items[i] || j < na) {
			want_result(f, i, f->s.results[i], -ENOENT,
				    "no slab starts here");
			continue;
		}
		want_result(f, i, f->s.results[i], 0, "a slab");
		fuzz_log(f, " release slab %#llx (%d mappings)",
			 (unsigned long long)c->slabs[s].addr,
			 c->slabs[s].nvmas);
		if (ngone < MAX_ITEMS)
			gone[ngone++] = c->slabs[s].addr +
				rnd_below(&f->rng, c->slabs[s].len);
		addrs[na++] = f->s.items[i];
	}
	qsort(addrs, na, sizeof(addrs[0]), cmp_addr);
	for (i = 0; i < na; i = j) {
		s = model_slab_at(c, addrs[i]);
		end = addrs[i] + c->slabs[s].len;
		for (j = i + 1; j < na && addrs[j] == end; j++)
			end += c->slabs[model_slab_at(c, addrs[j])].len;
		if (j - i > 1 && only_ours(f, c, addrs[i], end)) {
			mm_munmap(f, addrs[i], end);
			continue;
		}
		for (k = i; k < j; k++)
			release_slab(f, c, model_slab_at(c, addrs[k]));
	}
	for (i = 0; i < na; i++)
		if (model_slab_at(c, addrs[i]) >= 0)
			fuzz_fail(f, "model: slab %#llx left after RELEASE",
				  (unsigned long long)addrs[i]);
	batch_end(f, c, gone, ngone);	/* each .close reclaimed */
}

/* One DEINITIALIZE or RELEASE batch, judged item by item. */
static void op_batch(struct fuzz *f, struct ctx *c, bool release)
{
	const char *what = release ? "RELEASE" : "DEINITIALIZE";
	struct batch_plan p;
	uint32_t i;
	int ret;

	gen_batch(f, c, &p, release);
	fuzz_log(f, " %s count %u n %u flags %#x items %#llx results %#llx size %u; want %#x%s",
		 what, p.b.count, p.n, p.b.flags,
		 (unsigned long long)p.b.items,
		 (unsigned long long)p.b.results, *(uint32_t *)p.arg, p.want,
		 p.may_succeed ? " may succeed" : "");
	for (i = 0; i < p.n && fuzz_verbose(f); i++)
		fuzz_log(f, "  item %u: %#llx", i,
			 (unsigned long long)f->s.items[i]);
	ret = fuzz_ioctl(f, c->fd, release ? JITMEM_IOC_RELEASE :
			 JITMEM_IOC_DEINITIALIZE, p.arg);
	expect(f, what, ret, p.want, p.may_succeed);
	if (ret && !p.done) {
		if (chance(&f->rng, 100))
			query_check(f, c);
		return;
	}
	check_failed(f, &p, p.n, what);
	if (release)
		verify_release(f, c, p.n);
	else
		verify_deinit(f, c, p.n,
			      p.b.flags & JITMEM_DEINIT_FINALIZE_ONLY);
}

void op_deinitialize(struct fuzz *f, struct ctx *c)
{
	op_batch(f, c, false);
}

void op_release(struct fuzz *f, struct ctx *c)
{
	op_batch(f, c, true);
}

/* RELEASE every slab of the context in one batch. */
void release_all(struct fuzz *f, struct ctx *c)
{
	struct batch_plan p;
	int i, ret;

	if (!c->nslabs)
		return;
	memset(&p, 0, sizeof(p));
	p.b.size = sizeof(p.b);
	p.b.items = (uintptr_t)f->s.items;
	p.b.results = (uintptr_t)f->s.results;
	p.b.count = c->nslabs;
	p.arg = &p.b;
	for (i = 0; i < c->nslabs; i++) {
		f->s.items[i] = c->slabs[i].addr;
		f->s.results[i] = SENTINEL;
	}
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_RELEASE, &p.b);
	expect(f, "RELEASE of every slab", ret, 0, true);
	check_failed(f, &p, p.b.count, "RELEASE");
	verify_release(f, c, p.b.count);
	if (c->nslabs || c->nregions || c->held || c->nvmas)
		fuzz_fail(f, "after releasing all: %d slabs, %d regions, %llu pages, %d mappings",
			  c->nslabs, c->nregions, (unsigned long long)c->held,
			  c->nvmas);
}
