// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory operations on slabs behind the module's back: munmap, mprotect,
 * madvise, mremap and plain accesses.  Protection changes must never give a
 * W+X mapping nor make initialized code writable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

/* A random page range of a random slab of c; -1 if it has none. */
static int pick_range(struct fuzz *f, struct ctx *c, uint64_t *addr,
		      uint64_t *len)
{
	const struct slab *s;
	uint64_t pages, off;
	int i;

	if (!c->nslabs)
		return -1;
	i = rnd_below(&f->rng, c->nslabs);
	s = &c->slabs[i];
	pages = s->len / f->page;
	if (chance(&f->rng, 300)) {
		*addr = s->addr;
		*len = s->len;
		return i;
	}
	off = rnd_below(&f->rng, pages);
	*addr = s->addr + off * f->page;
	*len = f->page * (1 + rnd_below(&f->rng, pages - off < 8 ? pages - off : 8));
	return i;
}

/* The user unmaps part of a slab: the model forgets what was there. */
void op_munmap(struct fuzz *f, struct ctx *c)
{
	uint64_t addr, len;
	int i = pick_range(f, c, &addr, &len);

	if (i < 0)
		return;
	f->call++;
	fuzz_log(f, "munmap(%#llx, %#llx)", (unsigned long long)addr,
		 (unsigned long long)len);
	if (munmap((void *)(uintptr_t)addr, len))
		fuzz_fail(f, "munmap of a slab range failed: %s (%d mappings of the device; vm.max_map_count?)",
			  strerror(errno), maps_jitmem_count(f));
	model_damage_range(f, addr, len);
}

static bool all_rw(struct ctx *c, uint64_t addr, uint64_t len, long page)
{
	const struct region *r;
	const struct mseg *s;

	for (; len; addr += page, len -= page) {
		s = model_seg_at(c, addr, &r);
		if (!s || r->unknown || (s->group & (JITMEM_GROUP_W |
			JITMEM_GROUP_X | JITMEM_GROUP_R)) !=
			(JITMEM_GROUP_R | JITMEM_GROUP_W))
			return false;
	}
	return true;
}

void op_mprotect(struct fuzz *f, struct ctx *c)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
		PROT_WRITE, PROT_EXEC, PROT_WRITE | PROT_EXEC,
	};
	uint64_t addr, len;
	int i = pick_range(f, c, &addr, &len), prot, ret;

	if (i < 0)
		return;
	prot = prots[rnd_below(&f->rng, 8)];
	f->call++;
	ret = mprotect((void *)(uintptr_t)addr, len, prot);
	fuzz_log(f, "mprotect(%#llx, %#llx, %d) = %d",
		 (unsigned long long)addr, (unsigned long long)len, prot, ret);
	if (ret)
		return;
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
		fuzz_fail(f, "mprotect(%#llx, %#llx, W|X) succeeded",
			  (unsigned long long)addr, (unsigned long long)len);
	if ((prot & PROT_WRITE) && !c->slabs[i].damaged &&
	    !c->slabs[i].tampered && !all_rw(c, addr, len, f->page))
		fuzz_fail(f, "mprotect(%#llx, %#llx, %d) made non-RW memory writable",
			  (unsigned long long)addr, (unsigned long long)len, prot);
	c->slabs[i].tampered = true;
}

/* Every slab the range touches, of any context, lost its PTEs there. */
static void zap_range(struct fuzz *f, uint64_t addr, uint64_t len)
{
	int n, i;

	for (n = 0; n < NCTX; n++)
		for (i = 0; i < f->ctx[n].nslabs; i++) {
			struct slab *s = &f->ctx[n].slabs[i];

			if (addr < s->addr + s->len && s->addr < addr + len)
				s->zapped = true;
		}
}

void op_madvise(struct fuzz *f, struct ctx *c)
{
	static const int advice[] = {
		MADV_DONTNEED, MADV_DONTNEED, MADV_WILLNEED, MADV_DONTFORK,
		MADV_DOFORK, MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ,
		MADV_POPULATE_WRITE, MADV_FREE, MADV_REMOVE, MADV_RANDOM,
		MADV_NORMAL, MADV_HUGEPAGE, MADV_MERGEABLE, MADV_WIPEONFORK,
	};
	uint64_t addr, len;
	int i = pick_range(f, c, &addr, &len), adv, ret;

	if (i < 0)
		return;
	adv = advice[rnd_below(&f->rng, sizeof(advice) / sizeof(advice[0]))];
	f->call++;
	ret = madvise((void *)(uintptr_t)addr, len, adv);
	fuzz_log(f, "madvise(%#llx, %#llx, %d) = %d",
		 (unsigned long long)addr, (unsigned long long)len, adv, ret);
	if (ret)
		return;
	switch (adv) {
	case MADV_DONTNEED:
		zap_range(f, addr, len);
		break;
	case MADV_DONTFORK:
	case MADV_WIPEONFORK:
		c->slabs[i].dontfork = true;
		break;
	case MADV_POPULATE_WRITE:
		if (!c->slabs[i].damaged && !c->slabs[i].tampered &&
		    !all_rw(c, addr, len, f->page))
			fuzz_fail(f, "MADV_POPULATE_WRITE succeeded on non-RW %#llx+%#llx",
				  (unsigned long long)addr,
				  (unsigned long long)len);
		break;
	case MADV_REMOVE:
	case MADV_FREE:
		c->slabs[i].tampered = true;	/* contents may be gone */
		break;
	}
}

void op_mremap(struct fuzz *f, struct ctx *c)
{
	uint64_t addr, len, nlen;
	void *p;
	int i = pick_range(f, c, &addr, &len), flags;

	if (i < 0)
		return;
	switch (rnd_below(&f->rng, 4)) {
	case 0:
		nlen = len + f->page * (1 + rnd_below(&f->rng, 4));
		flags = MREMAP_MAYMOVE;
		break;
	case 1:
		nlen = len;
		flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
		break;
	case 2:
		nlen = len > (uint64_t)f->page ? len - f->page : len;
		flags = 0;	/* shrink in place: unmaps the tail */
		break;
	default:
		nlen = len;
		flags = MREMAP_MAYMOVE;
		break;
	}
	f->call++;
	p = mremap((void *)(uintptr_t)addr, len, nlen, flags);
	fuzz_log(f, "mremap(%#llx, %#llx, %#llx, %d) = %p",
		 (unsigned long long)addr, (unsigned long long)len,
		 (unsigned long long)nlen, flags, p);
	if (p == MAP_FAILED)
		return;
	model_damage_range(f, addr, len);
	if ((uintptr_t)p != addr && c->norphans < MAX_SLABS) {
		c->orphan_addr[c->norphans] = (uintptr_t)p;
		c->orphan_len[c->norphans++] = nlen;
	}
	check_no_wx(f);
}

/* Touch an address: live segment -> its protection, else a fault. */
void op_access(struct fuzz *f, struct ctx *c)
{
	uint64_t addr, len;
	const struct region *r;
	int i;

	if (c->nregions && chance(&f->rng, 400)) {
		r = &c->regions[rnd_below(&f->rng, c->nregions)];
		i = rnd_below(&f->rng, r->nseg);
		addr = r->seg[i].addr + rnd_below(&f->rng, r->seg[i].len);
	} else if (pick_range(f, c, &addr, &len) >= 0) {
		addr += rnd_below(&f->rng, len);
	} else {
		return;
	}
	f->call++;
	fuzz_log(f, "access %#llx", (unsigned long long)addr);
	check_addr(f, c, addr);
}
