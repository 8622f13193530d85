// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pages a context holds, as the module keeps them (kmod/page.c): per
 * page the bytes live segments use in it and its protection; a page with
 * no user is empty, kept mapped, and remembered in the order it emptied so
 * that the model frees the same pages a reclaim frees.
 *
 * Pages live in chunks of CHUNK_PAGES consecutive pages, found through a
 * small hash per context; chunks come from a pool mapped before fuzzing.
 */
#include <string.h>

#include "fuzz.h"

#define CHUNK_SHIFT(f)	((f)->pshift + CHUNK_ORDER)

static uint32_t hslot(uint64_t key)
{
	return mix64(key) & (CHASH - 1);
}

static struct chunk *chunk_find(struct fuzz *f, struct ctx *c, uint64_t key,
				uint32_t *slotp)
{
	uint32_t h = hslot(key);

	while (c->chash[h]) {
		struct chunk *ch = &f->s.chunks[c->chash[h] - 1];

		if (ch->key == key) {
			if (slotp)
				*slotp = h;
			return ch;
		}
		h = (h + 1) & (CHASH - 1);
	}
	if (slotp)
		*slotp = h;
	return NULL;
}

static struct chunk *chunk_get(struct fuzz *f, struct ctx *c, uint64_t key)
{
	struct chunk *ch;
	uint32_t h;
	int i;

	ch = chunk_find(f, c, key, &h);
	if (ch)
		return ch;
	if (!f->s.nfree || c->nchunks >= CHASH / 4 * 3)
		fuzz_fail(f, "page model: out of chunks");
	c->nchunks++;
	i = f->s.chunk_free[--f->s.nfree];
	ch = &f->s.chunks[i];
	memset(ch, 0, sizeof(*ch));
	ch->key = key;
	c->chash[h] = i + 1;
	return ch;
}

/* Free a chunk with no held page; linear probing, backward shift. */
static void chunk_put(struct fuzz *f, struct ctx *c, struct chunk *ch)
{
	uint32_t h, j, home;

	chunk_find(f, c, ch->key, &h);
	f->s.chunk_free[f->s.nfree++] = c->chash[h] - 1;
	c->nchunks--;
	c->chash[h] = 0;
	for (j = (h + 1) & (CHASH - 1); c->chash[j]; j = (j + 1) & (CHASH - 1)) {
		home = hslot(f->s.chunks[c->chash[j] - 1].key);
		/* move j into the hole h if its home is not in (h, j] */
		if ((j > h && (home <= h || home > j)) ||
		    (j < h && home <= h && home > j)) {
			c->chash[h] = c->chash[j];
			c->chash[j] = 0;
			h = j;
		}
	}
}

void pages_reset(struct fuzz *f, struct ctx *c)
{
	int h;

	for (h = 0; h < CHASH; h++)
		if (c->chash[h])
			f->s.chunk_free[f->s.nfree++] = c->chash[h] - 1;
	memset(c->chash, 0, sizeof(c->chash));
	c->nchunks = 0;
	c->held = 0;
	c->nempty = 0;
	c->eseq = 0;
	c->ehead = 0;
	c->etail = 0;
	c->ntidy = 0;
}

static struct mpage *slot_of(struct fuzz *f, struct chunk *ch, uint64_t addr)
{
	return &ch->p[(addr >> f->pshift) & (CHUNK_PAGES - 1)];
}

/* The held page at @addr, or NULL. */
struct mpage *pg_find(struct fuzz *f, struct ctx *c, uint64_t addr)
{
	struct chunk *ch = chunk_find(f, c, addr >> CHUNK_SHIFT(f), NULL);
	struct mpage *p;

	if (!ch)
		return NULL;
	p = slot_of(f, ch, addr);
	return p->held ? p : NULL;
}

/* A new page at @addr with protection @pi and no user yet. */
struct mpage *pg_hold(struct fuzz *f, struct ctx *c, uint64_t addr, int pi)
{
	struct chunk *ch = chunk_get(f, c, addr >> CHUNK_SHIFT(f));
	struct mpage *p = slot_of(f, ch, addr);

	if (p->held)
		fuzz_fail(f, "page model: %#llx held twice",
			  (unsigned long long)addr);
	memset(p, 0, sizeof(*p));
	p->held = 1;
	p->pi = pi;
	ch->nheld++;
	c->held++;
	return p;
}

static void compact_ring(struct fuzz *f, struct ctx *c)
{
	uint32_t i, n = 0;

	for (i = c->ehead; i != c->etail; i++) {
		struct eref e = c->ering[i & (ERING - 1)];
		struct mpage *p = pg_find(f, c, e.addr);

		/* writes stay behind the reads: ehead + n <= i */
		if (p && p->eseq == e.seq)
			c->ering[(c->ehead + n++) & (ERING - 1)] = e;
	}
	c->etail = c->ehead + n;
	if (n == ERING)
		fuzz_fail(f, "page model: %u empty pages", n);
}

static void mark_empty(struct fuzz *f, struct ctx *c, uint64_t addr,
		       struct mpage *p)
{
	if (c->etail - c->ehead == ERING)
		compact_ring(f, c);
	p->eseq = ++c->eseq;
	c->ering[c->etail++ & (ERING - 1)] = (struct eref){ addr, p->eseq };
	c->nempty++;
}

static void unmark_empty(struct ctx *c, struct mpage *p)
{
	if (p->eseq) {
		p->eseq = 0;
		c->nempty--;
	}
}

/* Live segments take @bytes of the page (jitmem_page_use()). */
void pg_use(struct fuzz *f, struct ctx *c, uint64_t addr, unsigned int bytes)
{
	struct mpage *p = pg_find(f, c, addr);

	if (!p)
		fuzz_fail(f, "page model: use of %#llx, not held",
			  (unsigned long long)addr);
	if (!p->users)
		unmark_empty(c, p);
	p->users += bytes;
}

/* They give @bytes back; an empty page stays, kept mapped. */
void pg_unuse(struct fuzz *f, struct ctx *c, uint64_t addr,
	      unsigned int bytes)
{
	struct mpage *p = pg_find(f, c, addr);

	if (!p || p->users < bytes)
		fuzz_fail(f, "page model: unuse of %#llx (%u users)",
			  (unsigned long long)addr, p ? p->users : 0);
	p->users -= bytes;
	if (!p->users)
		mark_empty(f, c, addr & ~(uint64_t)(f->page - 1), p);
}

static void pg_remove(struct fuzz *f, struct ctx *c, uint64_t addr)
{
	struct chunk *ch = chunk_find(f, c, addr >> CHUNK_SHIFT(f), NULL);
	struct mpage *p = slot_of(f, ch, addr);

	unmark_empty(c, p);
	p->held = 0;
	c->held--;
	if (!--ch->nheld)
		chunk_put(f, c, ch);
}

/* The first held page in [addr, end), or @end. */
uint64_t pg_next(struct fuzz *f, struct ctx *c, uint64_t addr, uint64_t end)
{
	unsigned int cs = CHUNK_SHIFT(f);
	uint64_t key, a;

	addr &= ~(uint64_t)(f->page - 1);
	while (addr < end) {
		struct chunk *ch;

		key = addr >> cs;
		ch = chunk_find(f, c, key, NULL);
		if (!ch) {
			addr = (key + 1) << cs;
			continue;
		}
		for (a = addr; a < end && (a >> cs) == key; a += f->page)
			if (slot_of(f, ch, a)->held)
				return a;
		addr = a;
	}
	return end;
}

/* A range's mapping went away: its pages go (jitmem_pages_free_range()). */
void pg_free_range(struct fuzz *f, struct ctx *c, uint64_t start, uint64_t end)
{
	uint64_t a;

	for (a = pg_next(f, c, start, end); a < end;
	     a = pg_next(f, c, a + f->page, end)) {
		if (pg_find(f, c, a)->users)
			fuzz_fail(f, "page model: freeing %#llx with users",
				  (unsigned long long)a);
		pg_remove(f, c, a);
	}
}

void pg_free_empty(struct fuzz *f, struct ctx *c, uint64_t start, uint64_t end)
{
	uint64_t a;

	for (a = pg_next(f, c, start, end); a < end;
	     a = pg_next(f, c, a + f->page, end))
		if (!pg_find(f, c, a)->users)
			pg_remove(f, c, a);
}

void pg_free_mismatched(struct fuzz *f, struct ctx *c, uint64_t start,
			uint64_t end, int pi)
{
	uint64_t a;

	for (a = pg_next(f, c, start, end); a < end;
	     a = pg_next(f, c, a + f->page, end)) {
		struct mpage *p = pg_find(f, c, a);

		if (!p->users && p->pi != pi)
			pg_remove(f, c, a);
	}
}

/* The page that has been empty longest, or 0. */
static uint64_t oldest_empty(struct fuzz *f, struct ctx *c)
{
	while (c->ehead != c->etail) {
		struct eref e = c->ering[c->ehead & (ERING - 1)];
		struct mpage *p = pg_find(f, c, e.addr);

		if (p && p->eseq == e.seq)
			return e.addr;
		c->ehead++;
	}
	return 0;
}

/* Widen [*lo, *hi) over the empty pages of [start, end). */
static void empty_span(struct fuzz *f, struct ctx *c, uint64_t start,
		       uint64_t end, uint64_t *lo, uint64_t *hi)
{
	uint64_t a;

	for (a = pg_next(f, c, start, end); a < end;
	     a = pg_next(f, c, a + f->page, end)) {
		if (pg_find(f, c, a)->users)
			continue;
		if (a < *lo)
			*lo = a;
		if (a + f->page > *hi)
			*hi = a + f->page;
	}
}

/*
 * jitmem_pages_reclaim(): past max_empty_bytes, free the empty pages of the
 * mapping holding the oldest one (from the lowest to the highest of them),
 * again while above four times the limit, and note the mapping for a tidy.
 * An oldest page no mapping holds (one a munmap() is taking, whose .close
 * comes later) goes alone.
 */
void pg_reclaim(struct fuzz *f, struct ctx *c)
{
	uint64_t max = f->lim.max_empty_bytes, lo, hi;
	int v;

	if (c->nempty * f->page <= max)
		return;
	do {
		lo = oldest_empty(f, c);
		if (!lo)
			fuzz_fail(f, "page model: %llu empty pages, none listed",
				  (unsigned long long)c->nempty);
		hi = lo + f->page;
		v = vma_at(c, lo);
		if (v >= 0)
			empty_span(f, c, c->vmas[v].start, c->vmas[v].end,
				   &lo, &hi);
		fuzz_log(f, " reclaim %#llx-%#llx", (unsigned long long)lo,
			 (unsigned long long)hi);
		pg_free_empty(f, c, lo, hi);
		if (v >= 0 && c->ntidy < TIDY_MAX)
			c->tidy[c->ntidy++] = c->vmas[v].start;
		f->stat[ST_RECLAIM]++;
	} while (c->nempty * f->page > 4 * max && c->nempty);
}
