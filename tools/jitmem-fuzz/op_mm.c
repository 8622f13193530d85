// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory operations on slabs behind the module's back: munmap, mprotect,
 * madvise, mremap and plain accesses.  munmap() (and an mremap() shrink)
 * drop what the range held, exactly; mprotect() always fails (EACCES, or
 * ENOMEM where nothing is mapped), mremap() never moves nor grows a
 * mapping, and no madvise() changes what a page holds.
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

/* The user unmaps part of a slab: what was mapped there goes. */
void op_munmap(struct fuzz *f, struct ctx *c)
{
	uint64_t addr, len;
	int i;

	if (!vma_room(f, 2))
		return;
	i = pick_range(f, c, &addr, &len);
	if (i < 0)
		return;
	f->call++;
	fuzz_log(f, "munmap(%#llx, %#llx)", (unsigned long long)addr,
		 (unsigned long long)len);
	if (munmap((void *)(uintptr_t)addr, len))
		fuzz_fail(f, "munmap of a slab range failed: %s (%d mappings of the device; vm.max_map_count?)",
			  strerror(errno), maps_jitmem_count(f));
	mm_munmap(f, addr, addr + len);
	check_range(f, addr, len);
}

void op_mprotect(struct fuzz *f, struct ctx *c)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
		PROT_WRITE, PROT_EXEC, PROT_WRITE | PROT_EXEC,
	};
	uint64_t addr, len;
	int i = pick_range(f, c, &addr, &len), prot, ret, want;

	if (i < 0)
		return;
	prot = prots[rnd_below(&f->rng, 8)];
	f->call++;
	ret = mprotect((void *)(uintptr_t)addr, len, prot) ? -errno : 0;
	fuzz_log(f, "mprotect(%#llx, %#llx, %d) = %s",
		 (unsigned long long)addr, (unsigned long long)len, prot,
		 errname(-ret));
	/* Refused whatever is asked, once a mapping holds the start. */
	want = mm_any_vma(f, addr, NULL, NULL) ? EACCES : ENOMEM;
	expect_exact(f, "mprotect", ret, want);
}

/* Every page of the range is mapped, with a page there to fault in. */
static bool populatable(struct fuzz *f, uint64_t addr, uint64_t len,
			bool write)
{
	uint64_t a;
	int n, v;

	for (a = addr; a < addr + len; a += f->page) {
		if (!mm_any_vma(f, a, &n, &v))
			return false;
		if (!f->ctx[n].vmas[v].perms ||
		    (write && f->ctx[n].vmas[v].perms != PERMS_RW))
			return false;
		if (!pg_find(f, &f->ctx[n], a))
			return false;
	}
	return true;
}

static bool any_vma_in(struct fuzz *f, uint64_t addr, uint64_t len)
{
	int n;

	for (n = 0; n < NCTX; n++)
		if (vma_first(&f->ctx[n], addr, addr + len) >= 0)
			return true;
	return false;
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
	int i, adv, ret, want = 0;
	bool hole;

	if (!vma_room(f, 2))
		return;
	i = pick_range(f, c, &addr, &len);
	if (i < 0)
		return;
	adv = advice[rnd_below(&f->rng, sizeof(advice) / sizeof(advice[0]))];
	hole = mm_range_has_hole(f, addr, addr + len);
	f->call++;
	ret = madvise((void *)(uintptr_t)addr, len, adv) ? -errno : 0;
	fuzz_log(f, "madvise(%#llx, %#llx, %d) = %s",
		 (unsigned long long)addr, (unsigned long long)len, adv,
		 errname(-ret));
	switch (adv) {
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		if (populatable(f, addr, len, adv == MADV_POPULATE_WRITE))
			expect_exact(f, "MADV_POPULATE", ret, 0);
		else
			expect(f, "MADV_POPULATE of a range without pages", ret,
			       E(EINVAL) | E(EFAULT) | E(ENOMEM), false);
		return;
	case MADV_FREE:
	case MADV_WIPEONFORK:
		/* for anonymous memory only */
		expect_exact(f, "madvise", ret,
			     any_vma_in(f, addr, len) ? EINVAL : ENOMEM);
		return;
	case MADV_REMOVE:
		/* no punching holes in the context's pages */
		expect(f, "MADV_REMOVE", ret, E(EINVAL) | E(EACCES) |
		       E(ENODEV) | E(EOPNOTSUPP) | E(ENOMEM), false);
		return;
	}
	/* Advice a kernel without KSM or THP does not know: nothing done. */
	if ((adv == MADV_MERGEABLE || adv == MADV_HUGEPAGE) && ret == -EINVAL)
		return;
	/* The rest apply to what is mapped; a hole is ENOMEM at the end. */
	want = hole ? ENOMEM : 0;
	expect_exact(f, "madvise", ret, want);
	switch (adv) {
	case MADV_DONTFORK:
		mm_madvise_flags(f, addr, addr + len, MF_DONTCOPY, 0);
		break;
	case MADV_DOFORK:
		mm_madvise_flags(f, addr, addr + len, 0, MF_DONTCOPY);
		break;
	case MADV_RANDOM:
		mm_madvise_flags(f, addr, addr + len, MF_RAND, 0);
		break;
	case MADV_NORMAL:
		mm_madvise_flags(f, addr, addr + len, 0, MF_RAND);
		break;
	case MADV_HUGEPAGE:
		mm_madvise_flags(f, addr, addr + len, MF_HUGE, 0);
		break;
	}
	if (adv == MADV_DONTNEED)
		check_range(f, addr, len);	/* the pages come back */
}

static void *remap_scratch(struct fuzz *f)
{
	void *p = mmap(f->s.mdst, MSCRATCH_PAGES * f->page, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (p != f->s.mdst)
		fuzz_fail(f, "mmap of the mremap target: %s", strerror(errno));
	return p;
}

void op_mremap(struct fuzz *f, struct ctx *c)
{
	uint64_t addr, len, nlen;
	const struct vma *v = NULL;
	int i = pick_range(f, c, &addr, &len), flags, n, vi, want;
	void *p, *dst = NULL;
	const struct slab *s;
	bool unmapped = false;
	struct ctx *o;

	if (i < 0 || !vma_room(f, 2))
		return;
	if (mm_any_vma(f, addr, &n, &vi))
		v = &f->ctx[n].vmas[vi];
	switch (rnd_below(&f->rng, 5)) {
	case 0:
		nlen = len + f->page * (1 + rnd_below(&f->rng, 4));
		flags = chance(&f->rng, 500) ? MREMAP_MAYMOVE : 0;
		want = EFAULT;	/* never grows (VM_DONTEXPAND) */
		break;
	case 1:
		nlen = len;
		flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;
		want = v ? EINVAL : EFAULT;
		break;
	case 2:
		nlen = len > (uint64_t)f->page ? len - f->page : len;
		flags = 0;	/* shrink in place: unmaps the tail */
		want = v ? 0 : EFAULT;
		break;
	case 3:
		o = &f->ctx[rnd_below(&f->rng, NCTX)];
		if (!o->nslabs)
			o = c;
		s = &o->slabs[rnd_below(&f->rng, o->nslabs)];
		if (chance(&f->rng, 300) && len <= s->len) {
			/*
			 * A move onto a slab (never past its end): what is
			 * there is unmapped first.
			 */
			nlen = len;
			flags = MREMAP_MAYMOVE | MREMAP_FIXED;
			dst = (void *)(uintptr_t)(s->addr + f->page *
				rnd_below(&f->rng, (s->len - len) / f->page + 1));
			if (!v) {
				want = EFAULT;
			} else if (overlaps(addr, len, (uintptr_t)dst, len)) {
				want = EINVAL;
			} else {
				mm_munmap(f, (uintptr_t)dst, (uintptr_t)dst + len);
				unmapped = true;
				mm_any_vma(f, addr, &n, &vi);
				v = &f->ctx[n].vmas[vi];
				want = len > v->end - addr ? EFAULT : EPERM;
			}
			break;
		}
		if (len <= MSCRATCH_PAGES * (uint64_t)f->page) {
			/* a move: refused by the module */
			nlen = len;
			flags = MREMAP_MAYMOVE | MREMAP_FIXED;
			dst = f->s.mdst;
			want = !v ? EFAULT : len > v->end - addr ? EFAULT : EPERM;
			break;
		}
		/* fall through */
	default:
		nlen = len;
		flags = MREMAP_MAYMOVE;
		want = v ? 0 : EFAULT;	/* the same size: nothing to do */
		break;
	}
	f->call++;
	p = mremap((void *)(uintptr_t)addr, len, nlen, flags, dst);
	fuzz_log(f, "mremap(%#llx, %#llx, %#llx, %d, %p) = %p",
		 (unsigned long long)addr, (unsigned long long)len,
		 (unsigned long long)nlen, flags, dst, p);
	if (dst == f->s.mdst)
		remap_scratch(f);
	else if (unmapped)
		check_range(f, (uintptr_t)dst, len);
	if (p == MAP_FAILED) {
		expect_exact(f, "mremap", -errno, want);
		if (want != EPERM)
			return;
		/*
		 * Refused by .mremap once the copy was made: the kernel
		 * unmaps the copy, whose .close reclaims as any does.
		 */
		f->stat[ST_MOVE]++;
		pg_reclaim(f, &f->ctx[n]);
		return;
	}
	expect_exact(f, "mremap", 0, want);
	if ((uintptr_t)p != addr)
		fuzz_fail(f, "mremap moved %#llx to %p",
			  (unsigned long long)addr, p);
	if (nlen < len) {
		mm_munmap(f, addr + nlen, addr + len);
		check_range(f, addr + nlen, len - nlen);
	}
}

/*
 * Touch an address: a live segment, a byte beside one (in a page it may
 * share), or anywhere in a slab; the model says what it reads.
 */
void op_access(struct fuzz *f, struct ctx *c)
{
	uint64_t addr, len;
	const struct region *r;
	int i;

	if (c->nregions && chance(&f->rng, 500)) {
		r = &c->regions[c->rlist[rnd_below(&f->rng, c->nregions)]];
		i = rnd_below(&f->rng, r->nseg);
		addr = r->seg[i].addr + rnd_below(&f->rng, r->seg[i].len);
		if (chance(&f->rng, 400))
			addr = (addr & ~(uint64_t)(f->page - 1)) +
			       rnd_below(&f->rng, f->page);
	} else if (pick_range(f, c, &addr, &len) >= 0) {
		addr += rnd_below(&f->rng, len);
	} else {
		return;
	}
	f->call++;
	fuzz_log(f, "access %#llx", (unsigned long long)addr);
	check_addr(f, addr);
	if (chance(&f->rng, 50))
		check_forced_write(f, addr);
}
