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

static bool overlaps_known(struct fuzz *f, uint64_t addr, uint64_t len)
{
	const uint64_t a = (uintptr_t)f->s.arg;

	if (addr < a + f->page && a < addr + len)
		return true;
	for (int n = 0; n < NCTX; n++)
		for (int i = 0; i < f->ctx[n].nslabs; i++) {
			const struct slab *s = &f->ctx[n].slabs[i];

			if (!s->damaged && addr < s->addr + s->len &&
			    s->addr < addr + len)
				return true;
		}
	return false;
}

void op_reserve(struct fuzz *f, struct ctx *c)
{
	struct jitmem_reserve r, *out;
	struct jitmem_query q;
	bool fixed, ro = false, may_succeed = true;
	errset want = E(ENOMEM);
	void *arg;
	int ret, i;

	memset(&r, 0, sizeof(r));
	r.length = gen_reserve_len(f);
	fixed = chance(&f->rng, 100);
	if (fixed || chance(&f->rng, 100))
		r.addr = gen_hint(f, c, fixed);
	if (fixed)
		r.flags = JITMEM_RESERVE_FIXED_NOREPLACE;
	if (chance(&f->rng, 20)) {
		r.flags |= 1U << (1 + rnd_below(&f->rng, 31));
		want |= E(EINVAL);
		may_succeed = false;
	}

	if (!r.length || r.length % f->page || r.addr % f->page ||
	    r.addr + r.length < r.addr) {
		want |= E(EINVAL);
		may_succeed = false;
	} else if (r.length > USER_TOP) {
		want |= E(EINVAL) | E(ENOSPC);
		may_succeed = false;
	} else if (fixed && r.addr + r.length > USER_TOP_LA57) {
		want |= E(EINVAL);	/* beyond user space */
		may_succeed = false;
	} else if (fixed && r.addr + r.length > USER_TOP) {
		/* user space with 5-level page tables, if the CPU has them */
		want |= E(EINVAL) | E(EEXIST);
	} else if (fixed && r.addr < 0x10000) {
		/* below mmap_min_addr: root (CAP_SYS_RAWIO) may map there */
		want |= E(EPERM) | E(EACCES) | E(EEXIST);
	} else if (fixed && overlaps_known(f, r.addr, r.length)) {
		want |= E(EEXIST);
		may_succeed = false;
	} else if (fixed) {
		want |= E(EEXIST);	/* something we do not track */
	}
	model_counters(c, &q);
	if (f->lim.known && c->exact) {
		if (q.reserved_bytes + r.length > f->lim.max_reserved_bytes) {
			want |= E(ENOSPC);
			may_succeed = false;
		}
	} else {
		want |= E(ENOSPC);
	}

	if (chance(&f->rng, 10)) {
		r.size = sizeof(r);
		arg = gen_req_ro(f, &r, sizeof(r));
		ro = true;
		want |= E(EFAULT);
		may_succeed = false;
	} else if (chance(&f->rng, 10)) {
		arg = (void *)(uintptr_t)gen_bad_ptr(f);
		want |= E(EFAULT);
		may_succeed = false;
	} else {
		errset e = gen_req(f, &r, sizeof(r), &arg);

		if (e) {
			want |= e;
			may_succeed = false;
		}
	}

	fuzz_log(f, " reserve length %#llx hint %#llx flags %#x size %u; want %#x%s",
		 (unsigned long long)r.length, (unsigned long long)r.addr,
		 r.flags, r.size, want,
		 may_succeed ? " may succeed" : "");
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_RESERVE, arg);
	expect(f, "RESERVE", ret, want, may_succeed);
	if (ret) {
		/* Nothing may stay reserved: a write-back failure rolls back. */
		if (ro && c->exact)
			query_check(f, c, false);
		return;
	}
	out = arg;
	if (out->addr % f->page || (fixed && out->addr != r.addr))
		fuzz_fail(f, "RESERVE returned addr %#llx (hint %#llx, flags %#x)",
			  (unsigned long long)out->addr,
			  (unsigned long long)r.addr, r.flags);
	i = model_add_slab(f, c, out->addr, r.length);
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
		return;
	}
	check_addr(f, c, out->addr);
	check_addr(f, c, out->addr + r.length - 1);
}
