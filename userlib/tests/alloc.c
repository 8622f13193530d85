// SPDX-License-Identifier: MIT OR LGPL-2.1
/* The JITLink-style allocator: placement, reuse, coalescing, the window. */
#include "helpers.h"

/* Allocate one segment, finalize it without actions. */
static int t_one(struct jitmem *m, unsigned int group, size_t size, void **fin)
{
	struct jitmem_seg_request req = T_REQ(group, size, 0);
	struct jitmem_alloc *a;
	int ret = jitmem_allocate(m, &req, 1, &a);

	if (ret)
		return ret;
	ret = jitmem_alloc_finalize(a, NULL, 0, fin, NULL);
	if (ret)
		jitmem_alloc_abandon(a);
	return ret;
}

/* Working memory is zeroed and writable; targets appear only at finalize. */
static int allocate_finalize_deallocate(void)
{
	struct jitmem_seg_request reqs[3] = {
		T_REQ(RX, 100, 0), T_REQ(RO, 5000, 0), T_REQ(RW, 16, 0),
	};
	unsigned char *w0, *w1, *w2, *code, *ro, *rw;
	struct jitmem_alloc *a;
	struct jitmem_stats st;
	struct jitmem *m;
	void *fin;
	size_t i;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_allocate(m, reqs, 3, &a));
	w0 = jitmem_alloc_working(a, 0);
	w1 = jitmem_alloc_working(a, 1);
	w2 = jitmem_alloc_working(a, 2);
	code = jitmem_alloc_target(a, 0);
	ro = jitmem_alloc_target(a, 1);
	rw = jitmem_alloc_target(a, 2);
	T_CHECK(w0 && w1 && w2 && code && ro && rw);
	for (i = 0; i < 5000; i++)
		T_EQ(w1[i], 0);
	T_EQ((uintptr_t)code % gr, 0);
	T_EQ((uintptr_t)ro % gr, 0);
	T_EQ((uintptr_t)rw % gr, 0);
	T_EQ(t_readable(code), 0);
	T_EQ(t_readable(ro), 0);
	T_CHECK(jitmem_alloc_working(a, 3) == NULL);
	T_CHECK(jitmem_alloc_target(a, 3) == NULL);
	T_CHECK(jitmem_alloc_working(NULL, 0) == NULL);
	T_CHECK(jitmem_alloc_target(NULL, 0) == NULL);
	t_code(w0, 1234);
	memset(w1, 'r', 5000);
	w2[15] = 'w';
	T_OK(jitmem_alloc_finalize(a, NULL, 0, &fin, NULL));
	T_EQ(t_call(code), 1234);
	T_EQ(ro[4999], 'r');
	T_EQ(ro[5000], 0);
	T_EQ(ro[2 * pg - 1], 0);
	T_EQ(rw[15], 'w');
	T_EQ(t_writable(code), 0);
	T_EQ(t_writable(ro), 0);
	T_EQ(t_writable(rw), 1);
	/* The key is the lowest Standard target. */
	T_CHECK(fin == (code < ro ? (code < rw ? code : rw) : (ro < rw ? ro : rw)));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 1);
	T_EQ(st.segments, 3);
	T_EQ(st.bytes_rx, T_UP(100, gr));
	T_EQ(st.bytes_r, T_UP(5000, gr));
	T_EQ(st.bytes_rw, T_UP(16, gr));
	T_EQ(st.held_bytes, 4 * pg);		/* zones do not share pages */
	T_OK(jitmem_deallocate(m, &fin, 1, NULL));
	T_EQ(t_freed(code, T_FILL_CODE), 1);
	T_EQ(t_freed(rw, T_FILL_DATA), 1);
	T_EQ(jitmem_deallocate(m, &fin, 1, NULL), -ENOENT);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	jitmem_close(m);
	return 0;
}

static int allocate_bad_args(void)
{
	struct jitmem_seg_request req = T_REQ(RO, 1, 0);
	struct jitmem_alloc *a = NULL;
	struct jitmem_stats st;
	struct jitmem *m;
	void *fin;

	T_CHECK((m = t_setup(NULL)));
	T_EQ(jitmem_allocate(m, &req, 0, &a), -EINVAL);
	T_EQ(jitmem_allocate(m, NULL, 1, &a), -EINVAL);
	T_EQ(jitmem_allocate(m, &req, 1, NULL), -EINVAL);
	T_EQ(jitmem_allocate(NULL, &req, 1, &a), -EINVAL);
	req.align = 3;
	T_EQ(jitmem_allocate(m, &req, 1, &a), -EINVAL);
	req.align = 0;
	req.group = JITMEM_PROT_R | JITMEM_PROT_W | JITMEM_PROT_X;
	T_EQ(jitmem_allocate(m, &req, 1, &a), -EPERM);
	req.group = JITMEM_PROT_X;
	T_EQ(jitmem_allocate(m, &req, 1, &a), -EINVAL);
	req.group = RO | JITMEM_LIFETIME_FINALIZE | JITMEM_LIFETIME_NOALLOC;
	T_EQ(jitmem_allocate(m, &req, 1, &a), -EINVAL);
	req.group = RO | 64;
	T_EQ(jitmem_allocate(m, &req, 1, &a), -EINVAL);
	req.group = RO;
	req.flags = 1;
	T_EQ(jitmem_allocate(m, &req, 1, &a), -EINVAL);
	req.flags = 0;
	req.reserved[0] = 1;
	T_EQ(jitmem_allocate(m, &req, 1, &a), -EINVAL);
	req.reserved[0] = 0;
	req.reserved[1] = 1;
	T_EQ(jitmem_allocate(m, &req, 1, &a), -EINVAL);
	req.reserved[1] = 0;
	T_CHECK(a == NULL);
	req.group = RO;
	T_OK(jitmem_allocate(m, &req, 1, &a));
	T_EQ(jitmem_alloc_finalize(a, NULL, 1, &fin, NULL), -EINVAL);
	T_EQ(jitmem_alloc_finalize(a, NULL, 0, NULL, NULL), -EINVAL);
	T_EQ(jitmem_alloc_finalize(NULL, NULL, 0, &fin, NULL), -EINVAL);
	jitmem_alloc_abandon(a);
	jitmem_alloc_abandon(NULL);
	T_EQ(jitmem_deallocate(m, NULL, 1, NULL), -EINVAL);
	T_OK(jitmem_deallocate(m, NULL, 0, NULL));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	jitmem_close(m);
	return 0;
}

/* A slab is reserved once, lazily, and the next allocations go in it. */
static int second_allocation_reuses_slab(void)
{
	struct jitmem_stats st;
	struct jitmem *m;
	void *f1, *f2;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 0);
	T_OK(t_one(m, RX, 10, &f1));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 1);
	T_OK(t_one(m, RX, 10, &f2));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 1);
	T_CHECK((char *)f2 == (char *)f1 + gr);	/* first fit, right after */
	T_OK(jitmem_deallocate(m, &f1, 1, NULL));
	T_OK(t_one(m, RX, 10, &f1));		/* the freed range, again */
	T_CHECK((char *)f2 == (char *)f1 + gr);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 1);
	jitmem_close(m);
	return 0;
}

/* Freed neighbours coalesce: two freed granules hold a two-granule allocation. */
static int freed_neighbours_coalesce(void)
{
	struct jitmem *m;
	void *f[4], *big;

	T_CHECK((m = t_setup(NULL)));
	T_OK(t_one(m, RO, 1, &f[0]));
	T_OK(t_one(m, RO, 1, &f[1]));
	T_OK(t_one(m, RO, 1, &f[2]));
	T_OK(t_one(m, RO, 1, &f[3]));
	T_CHECK((char *)f[1] == (char *)f[0] + gr && (char *)f[2] == (char *)f[1] + gr);
	/* Free the second, then the first: the range merges with its next. */
	T_OK(jitmem_deallocate(m, &f[1], 1, NULL));
	T_OK(jitmem_deallocate(m, &f[0], 1, NULL));
	T_OK(t_one(m, RO, 2 * gr, &big));
	T_CHECK(big == f[0]);
	/* Free both sides of one: it merges with prev and next. */
	T_OK(jitmem_deallocate(m, &big, 1, NULL));
	T_OK(jitmem_deallocate(m, &f[2], 1, NULL));
	T_OK(t_one(m, RO, 3 * gr, &big));
	T_CHECK(big == f[0]);
	jitmem_close(m);
	return 0;
}

/* A freed range is reused for its protection only: zones do not mix. */
static int zones_per_protection(void)
{
	struct jitmem *m;
	void *code, *data, *ro;

	T_CHECK((m = t_setup(NULL)));
	T_OK(t_one(m, RX, 1, &code));
	T_OK(jitmem_deallocate(m, &code, 1, NULL));
	T_OK(t_one(m, RW, 1, &data));
	T_OK(t_one(m, RO, 1, &ro));
	T_CHECK(data != code && ro != code && data != ro);
	T_OK(t_one(m, RX, 1, &data));
	T_CHECK(data == code);
	jitmem_close(m);
	return 0;
}

/* Abandon gives the ranges back; in-flight allocations do not survive close. */
static int abandon_returns_ranges(void)
{
	struct jitmem_seg_request reqs[2] = { T_REQ(RX, 1, 0), T_REQ(RW, 3 * 4096, 0) };
	struct jitmem_alloc *a, *b;
	struct jitmem_stats st;
	struct jitmem *m;
	void *t0, *t1;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_allocate(m, reqs, 2, &a));
	t0 = jitmem_alloc_target(a, 0);
	t1 = jitmem_alloc_target(a, 1);
	jitmem_alloc_abandon(a);
	T_OK(jitmem_allocate(m, reqs, 2, &a));
	T_CHECK(jitmem_alloc_target(a, 0) == t0 && jitmem_alloc_target(a, 1) == t1);
	T_OK(jitmem_allocate(m, reqs, 2, &b));	/* left in flight for close */
	T_CHECK(jitmem_alloc_target(b, 0) != t0);
	jitmem_alloc_abandon(a);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_EQ(st.slabs, 1);
	jitmem_close(m);
	return 0;
}

/* Alignment above the granule is honoured; working memory is aligned as asked. */
static int alignment(void)
{
	struct jitmem_seg_request reqs[3] = {
		T_REQ(RX, 1, 1 << 16), T_REQ(RO, 100, 64), T_REQ(RW, 1, 1 << 21),
	};
	struct jitmem_alloc *a;
	struct jitmem *m;
	void *fin;

	T_CHECK((m = t_setup(NULL)));
	T_OK(t_one(m, RX, 1, &fin));	/* so that the next one is not aligned by chance */
	T_OK(jitmem_allocate(m, reqs, 3, &a));
	T_EQ((uintptr_t)jitmem_alloc_target(a, 0) % (1 << 16), 0);
	T_EQ((uintptr_t)jitmem_alloc_target(a, 1) % 64, 0);
	T_EQ((uintptr_t)jitmem_alloc_target(a, 1) % gr, 0);
	T_EQ((uintptr_t)jitmem_alloc_target(a, 2) % (1 << 21), 0);
	T_EQ((uintptr_t)jitmem_alloc_working(a, 0) % (1 << 16), 0);
	T_EQ((uintptr_t)jitmem_alloc_working(a, 1) % 64, 0);
	T_EQ((uintptr_t)jitmem_alloc_working(a, 2) % (1 << 21), 0);
	T_OK(jitmem_alloc_finalize(a, NULL, 0, &fin, NULL));
	T_OK(jitmem_deallocate(m, &fin, 1, NULL));
	jitmem_close(m);
	return 0;
}

/* A failed finalize leaves the allocation as it was: retry or abandon. */
static int finalize_failure_keeps_allocation(void)
{
	struct jitmem_seg_request req = T_REQ(RX, 8, 0);
	struct jitmem_action_pair bad = { { t_fail, (void *)-ENOLINK }, { NULL, NULL } };
	struct jitmem_alloc *a;
	struct jitmem_stats st;
	struct jitmem *m;
	void *fin = NULL, *target;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_allocate(m, &req, 1, &a));
	t_code(jitmem_alloc_working(a, 0), 77);
	target = jitmem_alloc_target(a, 0);
	T_EQ(jitmem_alloc_finalize(a, &bad, 1, &fin, NULL), -ENOLINK);
	T_CHECK(fin == NULL);
	T_EQ(t_freed(target, T_FILL_CODE), 1);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_CHECK(jitmem_alloc_target(a, 0) == target);
	T_OK(jitmem_alloc_finalize(a, NULL, 0, &fin, NULL));
	T_EQ(t_call(target), 77);
	T_OK(jitmem_deallocate(m, &fin, 1, NULL));
	jitmem_close(m);
	return 0;
}

/* Nothing Standard: nothing outlives finalize, which ORC refuses too. */
/* Nothing that reaches the executor (NoAlloc and size 0 only): no region to key. */
static int finalize_needs_a_segment(void)
{
	struct jitmem_seg_request reqs[2] = { T_REQ(RX, 0, 0), T_REQ(RO | JITMEM_LIFETIME_NOALLOC,
								   8, 0) };
	struct jitmem_alloc *a;
	struct jitmem *m;
	void *fin;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_allocate(m, reqs, 2, &a));
	T_EQ(jitmem_alloc_finalize(a, NULL, 0, &fin, NULL), -EINVAL);
	jitmem_alloc_abandon(a);
	jitmem_close(m);
	return 0;
}

/* A batch deallocate goes on past bad items and returns the first error. */
static int deallocate_bad_items(void)
{
	struct jitmem_stats st;
	struct jitmem *m;
	void *f[3];

	T_CHECK((m = t_setup(NULL)));
	T_OK(t_one(m, RW, 1, &f[0]));
	T_OK(t_one(m, RW, 1, &f[2]));
	f[1] = (char *)f[2] + 16 * pg;
	T_EQ(jitmem_deallocate(m, f, 3, NULL), -ENOENT);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_EQ(t_freed(f[0], T_FILL_DATA), 1);
	T_EQ(t_freed(f[2], T_FILL_DATA), 1);
	jitmem_close(m);
	return 0;
}

/*
 * Slabs are added next to each other as they are needed, never scattered:
 * every target stays within 2 GiB of every other, and when the window is
 * full allocation fails cleanly.
 */
static int window_bounds_slabs(void)
{
	struct jitmem_seg_request req = T_REQ(RO, (size_t)200 << 20, 0);
	struct jitmem_alloc *a[32];
	uintptr_t lo = UINTPTR_MAX, hi = 0, t;
	struct jitmem_stats st;
	struct jitmem *m;
	int i, n, ret = 0;

	T_CHECK((m = t_setup(NULL)));
	for (n = 0; n < 32; n++) {
		ret = jitmem_allocate(m, &req, 1, &a[n]);
		if (ret)
			break;
		t = (uintptr_t)jitmem_alloc_target(a[n], 0);
		lo = t < lo ? t : lo;
		hi = t + req.size > hi ? t + req.size : hi;
	}
	printf("# %d allocations of 200 MiB, span %lu MiB, then %d\n", n,
	       (unsigned long)((hi - lo) >> 20), ret);
	T_CHECK(ret == -ENOMEM || ret == -ENOSPC);
	T_CHECK(n >= 5);
	T_CHECK(hi - lo <= (uintptr_t)2 << 30);
	T_OK(jitmem_get_stats(m, &st));
	T_CHECK(st.slabs >= 2);
	/* Small code still fits in what is left of the RX zones, in the window. */
	req.size = 1;
	req.group = RX;
	T_OK(jitmem_allocate(m, &req, 1, &a[n]));
	t = (uintptr_t)jitmem_alloc_target(a[n], 0);
	lo = t < lo ? t : lo;
	hi = t + pg > hi ? t + pg : hi;
	T_CHECK(hi - lo <= (uintptr_t)2 << 30);
	for (i = 0; i <= n; i++)
		jitmem_alloc_abandon(a[i]);
	jitmem_close(m);
	return 0;
}

/*
 * Small code packs at the granule: 3000 live 64 B functions hold at most
 * twice the bytes asked (the module's held_bytes, whole pages), each one
 * callable.  The userspace backend is page-granular: a page each.
 */
#define T_SMALL 3000

static int small_code_packs(void)
{
	static void *fin[T_SMALL], *code[T_SMALL];
	struct jitmem_seg_request req = T_REQ(RX, 64, 0);
	struct jitmem_stats st;
	struct jitmem_alloc *a;
	struct jitmem *m;
	int i;

	T_CHECK((m = t_setup(NULL)));
	for (i = 0; i < T_SMALL; i++) {
		T_OK(jitmem_allocate(m, &req, 1, &a));
		t_code(jitmem_alloc_working(a, 0), i);
		code[i] = jitmem_alloc_target(a, 0);
		T_OK(jitmem_alloc_finalize(a, NULL, 0, &fin[i], NULL));
	}
	for (i = 0; i < T_SMALL; i++)
		T_EQ(t_call(code[i]), i);
	T_OK(jitmem_get_stats(m, &st));
	printf("# %d live 64 B functions: %llu bytes held, %.2fx the bytes asked\n", T_SMALL,
	       (unsigned long long)st.held_bytes, (double)st.held_bytes / (T_SMALL * 64));
	T_EQ(st.regions, T_SMALL);
	T_EQ(st.bytes_rx, T_SMALL * T_UP(64, gr));
	if (JM_TEST_KERNEL) {
		T_EQ(gr, 64);	/* this tree's module: JITMEM_FEATURE_SUBPAGE */
		T_CHECK(st.held_bytes >= T_SMALL * 64);
		T_CHECK(st.held_bytes <= 2 * T_SMALL * 64);
	} else {
		T_EQ(st.held_bytes, (uint64_t)T_SMALL * pg);
	}
	/* Every other one freed: the rest still run, the holes are reused. */
	for (i = 0; i < T_SMALL; i += 2)
		T_OK(jitmem_deallocate(m, &fin[i], 1, NULL));
	for (i = 1; i < T_SMALL; i += 2)
		T_EQ(t_call(code[i]), i);
	T_OK(jitmem_allocate(m, &req, 1, &a));
	T_CHECK(jitmem_alloc_target(a, 0) == code[0]);
	jitmem_alloc_abandon(a);
	for (i = 1; i < T_SMALL; i += 2)
		fin[i / 2] = fin[i];
	T_OK(jitmem_deallocate(m, fin, T_SMALL / 2, NULL));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	jitmem_close(m);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(allocate_finalize_deallocate),
	T_CASE(allocate_bad_args),
	T_CASE(second_allocation_reuses_slab),
	T_CASE(freed_neighbours_coalesce),
	T_CASE(zones_per_protection),
	T_CASE(abandon_returns_ranges),
	T_CASE(alignment),
	T_CASE(finalize_failure_keeps_allocation),
	T_CASE(finalize_needs_a_segment),
	T_CASE(deallocate_bad_items),
	T_CASE(window_bounds_slabs),
	T_CASE(small_code_packs),
};

T_MAIN("alloc_" T_BACKEND, cases)
