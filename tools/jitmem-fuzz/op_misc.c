// SPDX-License-Identifier: GPL-2.0-only
/* JITMEM_IOC_VERSION, JITMEM_IOC_QUERY and ioctl numbers that do not exist. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "fuzz.h"

#define KNOWN_FEATURES	(JITMEM_FEATURE_MEMMAP | JITMEM_FEATURE_NETLINK | \
			 JITMEM_FEATURE_FORK)

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
		e = gen_req(f, &v, sizeof(v), &arg);
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
}

static void compare(struct fuzz *f, const char *what, uint64_t got,
		    uint64_t want)
{
	if (got != want)
		fuzz_fail(f, "QUERY %s = %llu, want %llu", what,
			  (unsigned long long)got, (unsigned long long)want);
}

/* Counters equal the model (exact context), or zero when asked. */
void query_check(struct fuzz *f, struct ctx *c, bool must_be_zero)
{
	struct jitmem_query q, m;
	int ret;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_QUERY, &q);
	expect(f, "QUERY", ret, 0, true);
	if (must_be_zero)
		memset(&m, 0, sizeof(m));
	else if (c->exact)
		model_counters(c, &m);
	else
		return;
	compare(f, "slabs", q.slabs, m.slabs);
	compare(f, "reserved_bytes", q.reserved_bytes, m.reserved_bytes);
	compare(f, "regions", q.regions, m.regions);
	compare(f, "segments", q.segments, m.segments);
	compare(f, "bytes_r", q.bytes_r, m.bytes_r);
	compare(f, "bytes_rw", q.bytes_rw, m.bytes_rw);
	compare(f, "bytes_rx", q.bytes_rx, m.bytes_rx);
	if (f->lim.exec_reuse)
		compare(f, "retired_bytes", q.retired_bytes, 0);
}

void op_query(struct fuzz *f, struct ctx *c)
{
	struct jitmem_query q, m, *out;
	bool may_succeed = true;
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
		e = gen_req(f, &q, sizeof(q), &arg);
		if (e) {
			want |= e;
			may_succeed = false;
		}
	}
	ret = fuzz_ioctl(f, c->fd, JITMEM_IOC_QUERY, arg);
	expect(f, "QUERY", ret, want, may_succeed);
	if (ret || !c->exact)
		return;
	out = arg;
	model_counters(c, &m);
	compare(f, "slabs", out->slabs, m.slabs);
	compare(f, "reserved_bytes", out->reserved_bytes, m.reserved_bytes);
	compare(f, "regions", out->regions, m.regions);
	compare(f, "segments", out->segments, m.segments);
	compare(f, "bytes_r", out->bytes_r, m.bytes_r);
	compare(f, "bytes_rw", out->bytes_rw, m.bytes_rw);
	compare(f, "bytes_rx", out->bytes_rx, m.bytes_rx);
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
