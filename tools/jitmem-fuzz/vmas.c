// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mappings (VMAs) of each context.  The module makes every one of them
 * itself (RESERVE, a hole given back to its slab, a protection change) and
 * none ever merges with a neighbour (they have a .close and are
 * VM_MIXEDMAP), so the layout follows from the calls alone: munmap() and
 * flag-changing madvise() split them, a protection change replaces a run
 * of them with one.  The one thing the model cannot know is where mmap()
 * places a reservation; a RESERVE that gave holes back to older slabs is
 * followed by a look at /proc/self/maps (adopt_hole_fills()).  check_maps()
 * compares the whole model with /proc/self/maps.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

/* Index of the first VMA of @c that ends above @addr. */
static int lower(const struct ctx *c, uint64_t addr)
{
	int lo = 0, hi = c->nvmas;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (c->vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int vma_at(const struct ctx *c, uint64_t addr)
{
	int i = lower(c, addr);

	return i < c->nvmas && c->vmas[i].start <= addr ? i : -1;
}

int vma_first(const struct ctx *c, uint64_t start, uint64_t end)
{
	int i = lower(c, start);

	return i < c->nvmas && c->vmas[i].start < end ? i : -1;
}

int vma_of_slab_at(const struct ctx *c, uint32_t slab, uint64_t addr)
{
	int i = vma_at(c, addr);

	return i >= 0 && c->vmas[i].slab == slab ? i : -1;
}

/* jitmem_range_mapped(): @c's mappings cover the range, all with @perms. */
bool vma_range_mapped(const struct ctx *c, uint64_t start, uint64_t end,
		      uint8_t perms)
{
	uint64_t next = start;
	int i;

	for (i = lower(c, start); i < c->nvmas && c->vmas[i].start < end; i++) {
		if (c->vmas[i].start > next || c->vmas[i].perms != perms)
			return false;
		next = c->vmas[i].end;
	}
	return next >= end;
}

/* The mappings of one slab cover [start, end). */
bool vma_slab_covers(const struct ctx *c, uint32_t slab, uint64_t start,
		     uint64_t end)
{
	uint64_t next = start;
	int i;

	for (i = lower(c, start); i < c->nvmas && c->vmas[i].start < end; i++) {
		if (c->vmas[i].start > next || c->vmas[i].slab != slab)
			return false;
		next = c->vmas[i].end;
	}
	return next >= end;
}

static void slab_count(struct fuzz *f, struct ctx *c, uint32_t slab, int d)
{
	int s = model_slab_by_id(c, slab);

	if (s < 0)
		fuzz_fail(f, "vma model: no slab %u", slab);
	c->slabs[s].nvmas += d;
}

static void insert_at(struct fuzz *f, struct ctx *c, int i,
		      const struct vma *v)
{
	if (c->nvmas == MAX_VMAS)
		fuzz_fail(f, "vma model: more than %d mappings", MAX_VMAS);
	memmove(&c->vmas[i + 1], &c->vmas[i],
		(c->nvmas - i) * sizeof(c->vmas[0]));
	c->vmas[i] = *v;
	c->nvmas++;
	slab_count(f, c, v->slab, 1);
}

static void remove_at(struct fuzz *f, struct ctx *c, int i)
{
	slab_count(f, c, c->vmas[i].slab, -1);
	memmove(&c->vmas[i], &c->vmas[i + 1],
		(c->nvmas - i - 1) * sizeof(c->vmas[0]));
	c->nvmas--;
}

void vma_insert(struct fuzz *f, struct ctx *c, uint64_t start, uint64_t end,
		uint32_t slab, uint8_t perms, uint8_t mflags)
{
	struct vma v = { start, end, slab, perms, mflags };
	int i = lower(c, start);

	if (i < c->nvmas && c->vmas[i].start < end)
		fuzz_fail(f, "vma model: %#llx-%#llx over %#llx-%#llx",
			  (unsigned long long)start, (unsigned long long)end,
			  (unsigned long long)c->vmas[i].start,
			  (unsigned long long)c->vmas[i].end);
	insert_at(f, c, i, &v);
}

/* Split VMA @i at @addr inside it; the upper part is @i + 1. */
static void split_at(struct fuzz *f, struct ctx *c, int i, uint64_t addr)
{
	struct vma up = c->vmas[i];

	up.start = addr;
	c->vmas[i].end = addr;
	insert_at(f, c, i + 1, &up);
}

/* Split the VMAs straddling @start and @end; first index inside. */
static int split_range(struct fuzz *f, struct ctx *c, uint64_t start,
		       uint64_t end)
{
	int i = lower(c, start);

	if (i < c->nvmas && c->vmas[i].start < start && c->vmas[i].end > start)
		split_at(f, c, i++, start);
	{
		int j = lower(c, end);

		if (j < c->nvmas && c->vmas[j].start < end &&
		    c->vmas[j].end > end)
			split_at(f, c, j, end);
	}
	return i;
}

/* mmap(MAP_FIXED) by the module over free pages of one slab (keep). */
void vma_replace(struct fuzz *f, struct ctx *c, uint64_t start, uint64_t end,
		 uint32_t slab, uint8_t perms)
{
	int i = split_range(f, c, start, end);

	while (i < c->nvmas && c->vmas[i].start < end) {
		if (c->vmas[i].slab != slab)
			fuzz_fail(f, "vma model: remap over another slab");
		remove_at(f, c, i);
	}
	vma_insert(f, c, start, end, slab, perms, 0);
}

bool vma_room(const struct fuzz *f, int n)
{
	int k;

	for (k = 0; k < NCTX; k++)
		if (f->ctx[k].nvmas + n > MAX_VMAS - VMA_ROOM)
			return false;
	return true;
}

/* A model VMA of any context holding @addr (absent in a fork child if
 * MADV_DONTFORK kept it from the child). */
bool mm_any_vma(const struct fuzz *f, uint64_t addr, int *ctxp, int *vmap)
{
	int n, i;

	for (n = 0; n < NCTX; n++) {
		i = vma_at(&f->ctx[n], addr);
		if (i < 0)
			continue;
		if (f->in_child && (f->ctx[n].vmas[i].mflags & MF_DONTCOPY))
			return false;
		if (ctxp)
			*ctxp = n;
		if (vmap)
			*vmap = i;
		return true;
	}
	return false;
}

bool mm_range_has_hole(const struct fuzz *f, uint64_t start, uint64_t end)
{
	int n, i;

	while (start < end) {
		if (!mm_any_vma(f, start, &n, &i))
			return true;
		start = f->ctx[n].vmas[i].end;
	}
	return false;
}

static struct {
	uint64_t start, end;
	uint32_t slab;
} pieces[MAX_VMAS];

/*
 * munmap() of [start, end), by the process or by RELEASE: every mapping
 * there goes, whichever context it is of; each VMA's .close (in address
 * order) drops what it held.
 */
void mm_munmap(struct fuzz *f, uint64_t start, uint64_t end)
{
	int n, i, j, np, pending;

	for (n = 0; n < NCTX; n++) {
		struct ctx *c = &f->ctx[n];

		if (vma_first(c, start, end) < 0)
			continue;
		i = split_range(f, c, start, end);
		np = 0;
		while (i < c->nvmas && c->vmas[i].start < end) {
			pieces[np].start = c->vmas[i].start;
			pieces[np].end = c->vmas[i].end;
			pieces[np++].slab = c->vmas[i].slab;
			remove_at(f, c, i);
		}
		for (i = 0; i < np; i++) {
			for (j = i + 1, pending = 0; j < np; j++)
				pending += pieces[j].slab == pieces[i].slab;
			model_unmapped(f, c, pieces[i].slab, pieces[i].start,
				       pieces[i].end, pending);
		}
	}
}

/* A madvise() that sets or clears VMA flags: VMAs that change split. */
void mm_madvise_flags(struct fuzz *f, uint64_t start, uint64_t end,
		      uint8_t set, uint8_t clear)
{
	int n, i;

	for (n = 0; n < NCTX; n++) {
		struct ctx *c = &f->ctx[n];

		i = lower(c, start);
		while (i < c->nvmas && c->vmas[i].start < end) {
			uint8_t nf = (c->vmas[i].mflags | set) & ~clear;

			if (nf == c->vmas[i].mflags) {
				i++;
				continue;
			}
			if (c->vmas[i].start < start)
				split_at(f, c, i++, start);
			if (c->vmas[i].end > end)
				split_at(f, c, i, end);
			c->vmas[i++].mflags = nf;
		}
	}
}

const char *maps_perms(uint8_t perms)
{
	switch (perms) {
	case 0: return "---p";
	case JITMEM_GROUP_R: return "r--p";
	case PERMS_RW: return "rw-s";
	case PERMS_RX: return "r-xp";
	}
	return "????";
}

/* Each /proc/self/maps line of the device, parsed. */
struct mline {
	uint64_t start, end, off;
	char perms[5];
};

static int next_mline(char **cur, struct mline *m)
{
	char *line, *nl;
	int pos;

	while (**cur) {
		line = *cur;
		nl = strchr(line, '\n');
		if (nl) {
			*nl = 0;
			*cur = nl + 1;
		} else {
			*cur = line + strlen(line);
		}
		if (!strstr(line, "/dev/jitmem"))
			continue;
		pos = 0;
		if (sscanf(line, "%lx-%lx %4s %lx %n",
			   (unsigned long *)&m->start, (unsigned long *)&m->end,
			   m->perms, (unsigned long *)&m->off, &pos) < 4)
			continue;
		return 1;
	}
	return 0;
}

static const struct vma *model_vma_exact(const struct fuzz *f,
					 const struct mline *m, int *ctxp)
{
	int n, i;

	for (n = 0; n < NCTX; n++) {
		i = vma_at(&f->ctx[n], m->start);
		if (i >= 0 && f->ctx[n].vmas[i].start == m->start &&
		    f->ctx[n].vmas[i].end == m->end) {
			if (ctxp)
				*ctxp = n;
			return &f->ctx[n].vmas[i];
		}
	}
	return NULL;
}

static uint64_t vma_slab_addr(const struct fuzz *f, int n, const struct vma *v)
{
	int s = model_slab_by_id(&f->ctx[n], v->slab);

	return s < 0 ? ~0ULL : f->ctx[n].slabs[s].addr;
}

/* Every mapping of the device is a model VMA and the other way round. */
void check_maps(struct fuzz *f)
{
	struct mline m;
	char *cur;
	int n, seen = 0, want = 0;

	read_maps(f);
	cur = f->s.maps;
	while (next_mline(&cur, &m)) {
		const struct vma *v = model_vma_exact(f, &m, &n);

		if (!v)
			fuzz_fail(f, "maps: %#llx-%#llx %s +%#llx is not in the model",
				  (unsigned long long)m.start,
				  (unsigned long long)m.end, m.perms,
				  (unsigned long long)m.off);
		if (strcmp(m.perms, maps_perms(v->perms)) ||
		    m.off != m.start - vma_slab_addr(f, n, v))
			fuzz_fail(f, "maps: %#llx-%#llx %s +%#llx, model %s +%#llx",
				  (unsigned long long)m.start,
				  (unsigned long long)m.end, m.perms,
				  (unsigned long long)m.off,
				  maps_perms(v->perms),
				  (unsigned long long)(m.start -
						       vma_slab_addr(f, n, v)));
		seen++;
	}
	for (n = 0; n < NCTX; n++)
		want += f->ctx[n].nvmas;
	if (seen != want)
		fuzz_fail(f, "maps: %d mappings of the device, model %d", seen,
			  want);
}

bool ctx_has_holes(const struct ctx *c)
{
	int i;

	for (i = 0; i < c->nslabs; i++) {
		uint64_t a = c->slabs[i].addr, end = a + c->slabs[i].len;
		int v;

		while (a < end) {
			v = vma_of_slab_at(c, c->slabs[i].id, a);
			if (v < 0)
				return true;
			a = c->vmas[v].end;
		}
	}
	return false;
}

/*
 * A RESERVE of @c that mmap() placed in holes of @c's older slabs gave
 * those holes back to them (jitmem_fill_holes()): PROT_NONE mappings of
 * the old slab, one per round.  Where and in how many rounds is up to
 * mmap(); read them from /proc/self/maps.
 */
void adopt_hole_fills(struct fuzz *f, struct ctx *c)
{
	struct mline m;
	char *cur;
	int n, s, k;

	read_maps(f);
	cur = f->s.maps;
	while (next_mline(&cur, &m)) {
		if (model_vma_exact(f, &m, NULL))
			continue;
		s = model_slab_at(c, m.start);
		for (n = 0, k = -1; n < NCTX && k < 0; n++)
			k = vma_first(&f->ctx[n], m.start, m.end);
		if (s < 0 || k >= 0 || strcmp(m.perms, "---p") ||
		    m.end > c->slabs[s].addr + c->slabs[s].len ||
		    m.start - m.off != c->slabs[s].addr)
			fuzz_fail(f, "maps: unexpected %#llx-%#llx %s +%#llx after RESERVE",
				  (unsigned long long)m.start,
				  (unsigned long long)m.end, m.perms,
				  (unsigned long long)m.off);
		fuzz_log(f, " hole %#llx-%#llx back to slab %#llx",
			 (unsigned long long)m.start, (unsigned long long)m.end,
			 (unsigned long long)c->slabs[s].addr);
		vma_insert(f, c, m.start, m.end, c->slabs[s].id, 0, 0);
		f->stat[ST_HOLE_FILL]++;
	}
}

/* jitmem_vma_tidy(): a mapping of @slab with no page, or PROT_NONE. */
static bool tidy_ok(struct fuzz *f, struct ctx *c, int i, uint32_t slab)
{
	const struct vma *v = &c->vmas[i];

	return v->slab == slab &&
	       (!v->perms || pg_next(f, c, v->start, v->end) == v->end);
}

/*
 * jitmem_tidy(), after a DEINITIALIZE or RELEASE batch: each noted mapping
 * that holds no page is remapped PROT_NONE, with its neighbours of the same
 * slab that hold none or are PROT_NONE, as one mapping.
 */
void vma_tidy(struct fuzz *f, struct ctx *c)
{
	int n = c->ntidy, k, i, lo, hi;
	uint64_t addrs[TIDY_MAX];
	uint32_t slab;

	memcpy(addrs, c->tidy, n * sizeof(addrs[0]));
	c->ntidy = 0;
	for (k = 0; k < n; k++) {
		i = vma_at(c, addrs[k]);
		if (i < 0 || !c->vmas[i].perms)
			continue;
		slab = c->vmas[i].slab;
		if (!tidy_ok(f, c, i, slab))
			continue;
		for (lo = i; lo > 0 && c->vmas[lo - 1].end == c->vmas[lo].start &&
		     tidy_ok(f, c, lo - 1, slab); lo--)
			;
		for (hi = i; hi + 1 < c->nvmas &&
		     c->vmas[hi + 1].start == c->vmas[hi].end &&
		     tidy_ok(f, c, hi + 1, slab); hi++)
			;
		fuzz_log(f, " tidy %#llx-%#llx", (unsigned long long)c->vmas[lo].start,
			 (unsigned long long)c->vmas[hi].end);
		touch(f, c->vmas[lo].start);
		vma_replace(f, c, c->vmas[lo].start, c->vmas[hi].end, slab, 0);
		f->stat[ST_TIDY]++;
	}
}
