// SPDX-License-Identifier: GPL-2.0-only
/* JITMEM_IOC_RESERVE with random lengths, hints and flags. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"

#define USER_TOP	0x00007ffffffff000ULL	/* x86-64 TASK_SIZE, 4 levels */
#define USER_TOP_LA57	0x00fffffffffff000ULL	/* and with 5 levels */

/* A hint: nothing, free-looking space, one of our slabs, or nonsense. */
static uint64_t gen_hint(struct fuzz *f, struct ctx *c, bool fixed)
{
	uint64_t pg = f->page;

	switch (rnd_below(&f->rng, fixed ? 6 : 8)) {
	case 0:
		if (c->nslabs)
			return c->slabs[rnd_below(&f->rng, c->nslabs)].addr +
			       pg * rnd_below(&f->rng, 2);
		/* fall through */
	case 1:
		return (uintptr_t)f->s.arg;
	case 2:
		return 0xffff888000000000ULL;
	case 3:
	case 4:
		return 0x300000000000ULL + pg * rnd_below(&f->rng, 1 << 20);
	case 5:
		return pg * (1 + rnd_below(&f->rng, 64));	/* low memory */
	case 6:
		return 0x200000000000ULL + 1 + rnd_below(&f->rng, pg - 1);
	default:
		return 0;
	}
}

static uint64_t gen_reserve_len(struct fuzz *f)
{
	if (chance(&f->rng, 850))
		return f->page * (1 + rnd_below(&f->rng, 32));
	if (chance(&f->rng, 300))
		return 1ULL << 30;
	return gen_length(f);
}

/* Is any of [addr, addr + len) mapped: scratch, or a model mapping? */
static bool range_in_use(struct fuzz *f, uint64_t addr, uint64_t len)
{
	const uint64_t a = (uintptr_t)f->s.arg;
	int n;

	if (addr < a + f->page && a < addr + len)
		return true;
	for (n = 0; n < NCTX; n++)
		if (vma_first(&f->ctx[n], addr, addr + len) >= 0)
			return true;
	return false;
}

static bool own_slab_overlaps(const struct ctx *c, uint64_t addr, uint64_t len)
{
	int i;

	for (i = 0; i < c->nslabs; i++)
		if (overlaps(addr, len, c->slabs[i].addr, c->slabs[i].len))
			return true;
	return false;
}

void op_reserve(struct fuzz *f, struct ctx *c)
{
	struct jitmem_reserve r, *out;
	struct jitmem_query q;
	bool fixed, ro = false, may_succeed = true, maps = false;
	errset want = 0;
	void *arg;
	int ret, i;

	memset(&r, 0, sizeof(r));
	r.length = gen_reserve_len(f);
	fixed = chance(&f->rng, 100);
	if (fixed || chance(&f->rng, 100))
		r.addr = gen_hint(f, c, fixed);
	if (fixed)
		r.flags = JITMEM_RESERVE_FIXED_NOREPLACE;
	if (chance(&f->rng, 20))
		r.flags |= 1U << (1 + rnd_below(&f->rng, 31));
	model_counters(c, &q, f->page);

	/* In the order jitmem_reserve() checks. */
	if (r.flags & ~JITMEM_RESERVE_FIXED_NOREPLACE ||
	    !r.length || r.length % f->page || r.addr % f->page ||
	    r.addr + r.length < r.addr) {
		want = E(EINVAL);
		may_succeed = false;
	} else if (r.length > USER_TOP) {
		/* TASK_SIZE is larger with 5-level page tables */
		want = E(EINVAL) | E(ENOSPC);
		may_succeed = false;
	} else if (fixed && r.addr + r.length > USER_TOP_LA57) {
		want = E(EINVAL);	/* beyond user space */
		may_succeed = false;
	} else if (fixed && r.addr + r.length > USER_TOP) {
		/* user space with 5-level page tables, if the CPU has them */
		want = E(EINVAL) | E(EEXIST) | E(ENOSPC);
	} else if (f->lim.known &&
		   q.reserved_bytes + r.length > f->lim.max_reserved_bytes) {
		want = E(ENOSPC);
		may_succeed = false;
	} else if (fixed && (own_slab_overlaps(c, r.addr, r.length) ||
			     range_in_use(f, r.addr, r.length))) {
		want = E(EEXIST);	/* a hole of ours, or any mapping */
		may_succeed = false;
	} else if (fixed && r.addr < 0x10000) {
		/* below mmap_min_addr: root (CAP_SYS_RAWIO) may map there */
		want = E(EPERM) | E(EACCES) | E(EEXIST);
	} else if (fixed) {
		want = E(EEXIST);	/* something we do not track */
	} else {
		maps = true;	/* mmap() places it; it may fill holes */
		want = E(ENOMEM);	/* more than 64 rounds of hole filling */
	}
	if (!f->lim.known)
		want |= E(ENOSPC);

	if (chance(&f->rng, 10)) {
		r.size = sizeof(r);
		arg = gen_req_ro(f, &r, sizeof(r));
		ro = true;
		want |= E(EFAULT);	/* after the slab was made */
		may_succeed = false;
	} else if (chance(&f->rng, 10)) {
		arg = (void *)(uintptr_t)gen_bad_ptr(f);
		want = E(EFAULT);
		may_succeed = false;
		maps = false;
	} else {
		errset e = gen_req(f, &r, sizeof(r), sizeof(r), &arg);

		if (e) {
			want = e;
			may_succeed = false;
			maps = false;
		}
	}

	fuzz_log(f, " reserve length %#llx hint %#llx flags %#x size %u; want %#x%s",
		 (unsigned long long)r.length, (unsigned long long)r.addr,
		 r.flags, r.size, want,
		 may_succeed ? " may succeed" : "");
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_RESERVE, arg);
	expect(f, "RESERVE", ret, want, may_succeed);
	if (ret) {
		/* Made, then unmapped: its .close reclaims as any does. */
		if (ro && ret == -EFAULT)
			pg_reclaim(f, c);
		/* A slab made and given back leaves only filled holes. */
		if (maps && ctx_has_holes(c))
			adopt_hole_fills(f, c);
		/* EEXIST in a hole of ours: the hole stays unmapped */
		if (fixed && own_slab_overlaps(c, r.addr, r.length))
			check_addr(f, r.addr);
		if (ro || chance(&f->rng, 100))
			query_check(f, c);
		return;
	}
	out = arg;
	if (out->addr % f->page || (fixed && out->addr != r.addr))
		fuzz_fail(f, "RESERVE returned addr %#llx (hint %#llx, flags %#x)",
			  (unsigned long long)out->addr,
			  (unsigned long long)r.addr, r.flags);
	fuzz_log(f, " slab %#llx+%#llx", (unsigned long long)out->addr,
		 (unsigned long long)r.length);
	i = model_add_slab(f, c, out->addr, r.length);
	if (i >= 0 && maps && ctx_has_holes(c))
		adopt_hole_fills(f, c);
	if (i < 0) {
		/* The model is full: give the slab back at once. */
		uint64_t item = out->addr;
		int32_t res = 1;
		struct jitmem_batch b = {
			.size = sizeof(b), .items = (uintptr_t)&item,
			.results = (uintptr_t)&res, .count = 1,
		};

		ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_RELEASE, &b);
		if (ret || b.failed || res)
			fuzz_fail(f, "RELEASE of a fresh slab: %s, result %d",
				  errname(-ret), res);
		vma_tidy(f, c);		/* every batch ends with one */
		if (maps && ctx_has_holes(c))
			adopt_hole_fills(f, c);
		return;
	}
	check_addr(f, out->addr);
	check_addr(f, out->addr + r.length - 1);
}
