// SPDX-License-Identifier: GPL-2.0-only
/* Random values: lengths, groups, content and bad pointers. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"

/* Pointers that must fault when the kernel dereferences them. */
uint64_t gen_bad_ptr(struct fuzz *f)
{
	struct ctx *c = &f->ctx[rnd_below(&f->rng, NCTX)];

	switch (rnd_below(&f->rng, 9)) {
	case 0: return 0;
	case 1: return 1 + rnd_below(&f->rng, 0xfff);
	case 2: return 0xffff888000000000ULL + rnd_below(&f->rng, 1 << 20);
	case 3: return 0x0000800000000000ULL;	/* first non-canonical */
	case 4: return ~0ULL - rnd_below(&f->rng, 64);
	case 5: return (uintptr_t)f->s.guard + rnd_below(&f->rng, f->page);
	case 6:
		/* A slab page the context holds no page at faults. */
		if (c->nslabs) {
			const struct slab *s = &c->slabs[rnd_below(&f->rng, c->nslabs)];
			uint64_t a = s->addr + s->len - f->page;

			if (addr_faults(f, a) && addr_faults(f, a + f->page - 1))
				return a + 8 * rnd_below(&f->rng, f->page / 8);
		}
		return (uintptr_t)f->s.guard;
	case 7: return 0x0000800000000000ULL - 8;	/* last user bytes */
	default: return 0xdead000000000000ULL;
	}
}

/* Mostly a few pages; sometimes zero, unaligned or absurd. */
uint64_t gen_length(struct fuzz *f)
{
	uint64_t pg = f->page;

	switch (rnd_below(&f->rng, 20)) {
	case 0: return 0;
	case 1: return 1 + rnd_below(&f->rng, 3 * pg);
	case 2: return pg * (1 + rnd_below(&f->rng, 4)) + 8;
	case 3: return ~0ULL & ~(pg - 1);
	case 4: return 1ULL << (40 + rnd_below(&f->rng, 8));
	case 5: return pg * (64 + rnd_below(&f->rng, 1024));
	default: return pg * (1 + rnd_below(&f->rng, 6));
	}
}

/*
 * Content of @size bytes from the pool; when it can, a stub that returns
 * its own offset, so executable regions can be called and checked.
 */
const uint8_t *gen_content(struct fuzz *f, uint64_t size)
{
	uint64_t off;

	if (size > POOL_SIZE)
		return f->s.pool;
	if (chance(&f->rng, 500) && size <= POOL_SIZE - NFUNCS * FUNC_STRIDE)
		off = rnd_below(&f->rng, NFUNCS) * FUNC_STRIDE;
	else
		off = rnd_below(&f->rng, POOL_SIZE - size + 1);
	return f->s.pool + off;
}

uint8_t gen_group(struct fuzz *f)
{
	static const uint8_t groups[] = {
		JITMEM_GROUP_R,
		JITMEM_GROUP_R | JITMEM_GROUP_W,
		JITMEM_GROUP_R | JITMEM_GROUP_X,
	};
	uint8_t g = groups[rnd_below(&f->rng, 3)];

	if (chance(&f->rng, 150))
		g |= JITMEM_GROUP_FINALIZE;
	return g;
}

/*
 * Place a request of @len bytes whose size field says @size in the arg
 * page.  Bytes past @len up to @size are zero unless *tail_dirty comes back
 * true; *faults is true when the declared size runs into the guard page.
 */
void *gen_arg(struct fuzz *f, const void *req, uint32_t len, uint32_t size,
	      bool *tail_dirty, bool *faults)
{
	uint64_t span = size > len ? size : len;
	uint8_t *p;

	*tail_dirty = false;
	*faults = false;
	memset(f->s.arg, 0, f->page);
	if (span > (uint64_t)f->page) {
		p = f->s.arg + f->page - len;	/* tail runs into the guard */
		*faults = size > len;
	} else if (chance(&f->rng, 30)) {
		p = f->s.arg + f->page - span / 2;	/* straddles the guard */
		p = (uint8_t *)((uintptr_t)p & ~7UL);
		if (p + len > f->s.guard) {
			/* the request itself must be readable to build it */
			p = f->s.arg + f->page - len;
		}
		*faults = p + size > f->s.guard;
	} else {
		uint64_t pad = 8 * rnd_below(&f->rng, 16);

		if (span + pad > (uint64_t)f->page)
			pad = 0;
		p = f->s.arg + f->page - span - pad;
	}
	memcpy(p, req, len);
	if (size > len && !*faults && chance(&f->rng, 500)) {
		p[len + rnd_below(&f->rng, size - len)] = 1 + rnd_below(&f->rng, 255);
		*tail_dirty = true;
	}
	return p;
}

/*
 * Choose the size field of a request of @len bytes (its first member),
 * whose first version had @min, and place it in the arg page; *argp is
 * what to pass to ioctl().  Returns the errnos the size choice implies, 0
 * when it is valid.
 */
errset gen_req(struct fuzz *f, void *req, uint32_t len, uint32_t min,
	       void **argp)
{
	uint32_t size = len;
	bool dirty, faults;
	errset e = 0;

	switch (rnd_below(&f->rng, 50)) {
	case 0:
		size = rnd_below(&f->rng, min);	/* below the first version */
		e = E(EINVAL);
		break;
	case 5:
		if (min < len)	/* an older program's struct */
			size = min + 8 * rnd_below(&f->rng, (len - min) / 8);
		break;
	case 1:
	case 2:
		size = len + 8 * (1 + rnd_below(&f->rng, 8));
		break;
	case 3:
		size = f->page + 8 * rnd_below(&f->rng, 8);
		break;
	case 4:
		size = 0xffffffff;
		break;
	}
	*(uint32_t *)req = size;
	*argp = gen_arg(f, req, len, size, &dirty, &faults);
	if (dirty)
		e |= E(E2BIG);
	if (faults || size > f->page)
		e |= E(EFAULT) | E(E2BIG);
	return e;
}

/* The request in a read-only page: the kernel can read it, not answer. */
void *gen_req_ro(struct fuzz *f, const void *req, uint32_t len)
{
	uint8_t *p = f->s.ro + f->page - len;

	mprotect(f->s.ro, f->page, PROT_READ | PROT_WRITE);
	memset(f->s.ro, 0, f->page);
	memcpy(p, req, len);
	mprotect(f->s.ro, f->page, PROT_READ);
	return p;
}
