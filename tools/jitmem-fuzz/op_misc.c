// SPDX-License-Identifier: GPL-2.0-only
/* JITMEM_IOC_VERSION, JITMEM_IOC_QUERY and ioctl numbers that do not exist. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fuzz.h"

#define KNOWN_FEATURES	(JITMEM_FEATURE_MEMMAP | JITMEM_FEATURE_NETLINK | \
			 JITMEM_FEATURE_FORK | JITMEM_FEATURE_SUBPAGE)
#define SIZE_UPTO(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

void op_version(struct fuzz *f, struct ctx *c)
{
	struct jitmem_version v, *out;
	bool may_succeed = true;
	errset want = 0, e;
	void *arg;
	int ret;

	memset(&v, 0, sizeof(v));
	if (chance(&f->rng, 50)) {
		v.flags = 1U << rnd_below(&f->rng, 32);
		want |= E(EINVAL);
		may_succeed = false;
	}
	if (chance(&f->rng, 50)) {
		v.__reserved = 1 + rnd_below(&f->rng, 0xffff);
		want |= E(EINVAL);
		may_succeed = false;
	}
	v.features = rnd(&f->rng);	/* out only: any input is fine */
	if (chance(&f->rng, 20)) {
		arg = (void *)(uintptr_t)gen_bad_ptr(f);
		want |= E(EFAULT);
		may_succeed = false;
	} else {
		e = gen_req(f, &v, sizeof(v), SIZE_UPTO(struct jitmem_version,
							 page_size), &arg);
		if (e) {
			want |= e;
			may_succeed = false;
		}
	}
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_VERSION, arg);
	expect(f, "VERSION", ret, want, may_succeed);
	if (ret)
		return;
	out = arg;
	if (out->abi_version != JITMEM_ABI_VERSION ||
	    out->page_size != (uint64_t)f->page ||
	    out->features != f->lim.features || out->features & ~KNOWN_FEATURES)
		fuzz_fail(f, "VERSION: abi %u page_size %llu features %#llx",
			  out->abi_version, (unsigned long long)out->page_size,
			  (unsigned long long)out->features);
	/* An older program's struct has no granule: it is left alone. */
	if (out->size >= sizeof(*out) && out->granule != f->lim.granule)
		fuzz_fail(f, "VERSION: granule %llu, want %llu",
			  (unsigned long long)out->granule,
			  (unsigned long long)f->lim.granule);
	if (out->size < sizeof(*out) && out->granule != v.granule)
		fuzz_fail(f, "VERSION with size %u wrote the granule", out->size);
}

static void compare(struct fuzz *f, const char *what, uint64_t got,
		    uint64_t want)
{
	if (got != want)
		fuzz_fail(f, "QUERY %s = %llu, want %llu", what,
			  (unsigned long long)got, (unsigned long long)want);
}

/* Every counter the struct's @size holds against the model. */
static void compare_query(struct fuzz *f, struct ctx *c,
			  const struct jitmem_query *q, uint32_t size)
{
	struct jitmem_query m;

	model_counters(c, &m, f->page);
	compare(f, "slabs", q->slabs, m.slabs);
	compare(f, "reserved_bytes", q->reserved_bytes, m.reserved_bytes);
	compare(f, "regions", q->regions, m.regions);
	compare(f, "segments", q->segments, m.segments);
	compare(f, "bytes_r", q->bytes_r, m.bytes_r);
	compare(f, "bytes_rw", q->bytes_rw, m.bytes_rw);
	compare(f, "bytes_rx", q->bytes_rx, m.bytes_rx);
	if (!c->retired_full)
		compare(f, "retired_bytes", q->retired_bytes, m.retired_bytes);
	if (size >= SIZE_UPTO(struct jitmem_query, held_bytes))
		compare(f, "held_bytes", q->held_bytes, m.held_bytes);
	if (size >= SIZE_UPTO(struct jitmem_query, empty_bytes))
		compare(f, "empty_bytes", q->empty_bytes, m.empty_bytes);
}

void query_check(struct fuzz *f, struct ctx *c)
{
	struct jitmem_query q;
	int ret;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_QUERY, &q);
	expect(f, "QUERY", ret, 0, true);
	compare_query(f, c, &q, q.size);
}

void op_query(struct fuzz *f, struct ctx *c)
{
	struct jitmem_query q, *out;
	bool may_succeed = true;
	uint8_t tail[sizeof(q)];
	errset want = 0, e;
	void *arg;
	int ret;

	memset(&q, 0xa5, sizeof(q));	/* out fields: any input is fine */
	q.flags = 0;
	if (chance(&f->rng, 50)) {
		q.flags = 1U << rnd_below(&f->rng, 32);
		want |= E(EINVAL);
		may_succeed = false;
	}
	if (chance(&f->rng, 20)) {
		arg = (void *)(uintptr_t)gen_bad_ptr(f);
		want |= E(EFAULT);
		may_succeed = false;
	} else if (chance(&f->rng, 20)) {
		q.size = sizeof(q);
		arg = gen_req_ro(f, &q, sizeof(q));
		want |= E(EFAULT);
		may_succeed = false;
	} else {
		e = gen_req(f, &q, sizeof(q), SIZE_UPTO(struct jitmem_query,
							 retired_bytes), &arg);
		if (e) {
			want |= e;
			may_succeed = false;
		}
	}
	out = arg;
	if (may_succeed)
		memcpy(tail, arg, sizeof(q));
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_QUERY, arg);
	expect(f, "QUERY", ret, want, may_succeed);
	if (ret)
		return;
	compare_query(f, c, out, out->size);
	/* Nothing written past the caller's size. */
	if (out->size < sizeof(q) &&
	    memcmp((uint8_t *)arg + out->size, tail + out->size,
		   sizeof(q) - out->size))
		fuzz_fail(f, "QUERY with size %u wrote past it", out->size);
}

/* Numbers of the jitmem type that are not commands: ENOTTY, nothing else. */
void op_bad_cmd(struct fuzz *f, struct ctx *c)
{
	unsigned long cmd;
	unsigned int nr = rnd_below(&f->rng, chance(&f->rng, 500) ? 8 : 256);
	unsigned int dir = rnd_below(&f->rng, 4);
	unsigned int size = rnd_below(&f->rng, 1 << 14);
	int ret;

	if (dir == _IOC_NONE)
		size = nr <= JITMEM_CMD_QUERY ? 1 + size % 64 : 0;
	cmd = _IOC(dir, JITMEM_TYPE, nr, size);
	ret = fuzz_ioctl(f, c->fd, cmd,
			 chance(&f->rng, 500) ? (void *)f->s.arg :
			 (void *)(uintptr_t)gen_bad_ptr(f));
	expect(f, "unknown ioctl", ret, E(ENOTTY), false);
}
