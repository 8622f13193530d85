// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * 100k live allocations of code + rodata + data cost a bounded number of
 * VMAs (vm.max_map_count is 65530 by default), reuse freed ranges, and run.
 * JITMEM_SCALE_N sets the count: check-debug asks fewer of the KASAN kernel.
 */
#include "helpers.h"

#include <stdlib.h>

static int N;

/* 100000, or JITMEM_SCALE_N (at least 1000). */
static int scale_n(void)
{
	const char *env = getenv("JITMEM_SCALE_N");
	int n = env ? atoi(env) : 0;

	return n >= 1000 ? n : 100000;
}
#define MAX_NEW_VMAS 256

struct t_obj {
	void *fin;
	void *code;
	long *ro, *rw;
};

static int t_alloc(struct jitmem *m, struct t_obj *o, int i)
{
	static const struct jitmem_seg_request reqs[3] = { T_REQ(RX, 16, 0), T_REQ(RO, 8, 0),
							   T_REQ(RW, 8, 0) };
	struct jitmem_alloc *a;
	int ret = jitmem_allocate(m, reqs, 3, &a);

	if (ret)
		return ret;
	t_code(jitmem_alloc_working(a, 0), i);
	*(long *)jitmem_alloc_working(a, 1) = i;
	*(long *)jitmem_alloc_working(a, 2) = -i;
	o->code = jitmem_alloc_target(a, 0);
	o->ro = jitmem_alloc_target(a, 1);
	o->rw = jitmem_alloc_target(a, 2);
	ret = jitmem_alloc_finalize(a, NULL, 0, &o->fin, NULL);
	if (ret)
		jitmem_alloc_abandon(a);
	return ret;
}

static int t_obj_ok(const struct t_obj *o, int i)
{
	return t_call(o->code) == i && *o->ro == i && *o->rw == -i;
}

static int t_free_range(struct jitmem *m, struct t_obj *objs, int from, int to, int step)
{
	void **keys = malloc(sizeof(*keys) * (size_t)(to - from));
	int i, n = 0, ret;

	if (!keys)
		return -ENOMEM;
	for (i = from; i < to; i += step)
		keys[n++] = objs[i].fin;
	ret = jitmem_deallocate(m, keys, (size_t)n, NULL);
	free(keys);
	return ret;
}

static int many_allocations(void)
{
	struct t_obj *objs = calloc(N = scale_n(), sizeof(*objs));
	const int q = N / 10;	/* the ranges below are tenths of N */
	long before, after, again;
	struct jitmem_stats st;
	uint64_t slabs;
	struct jitmem *m;
	int i;

	T_CHECK(objs != NULL);
	T_OK(t_open(&m));
	before = t_maps_count();
	for (i = 0; i < N; i++)
		T_OK(t_alloc(m, &objs[i], i));
	after = t_maps_count();
	T_OK(jitmem_get_stats(m, &st));
	slabs = st.slabs;
	printf("# %d allocations: %ld VMAs before, %ld after, %llu slabs\n", N, before, after,
	       (unsigned long long)slabs);
	T_CHECK(after - before <= MAX_NEW_VMAS);
	T_EQ(st.regions, N);
	T_EQ(st.segments, 3 * N);
	for (i = 0; i < N; i += 997)
		T_CHECK(t_obj_ok(&objs[i], i));
	T_CHECK(t_obj_ok(&objs[N - 1], N - 1));

	/* A freed block is reused: no new slab, no new VMAs to speak of. */
	T_OK(t_free_range(m, objs, 2 * q, 3 * q, 1));
	for (i = 2 * q; i < 3 * q; i++)
		T_OK(t_alloc(m, &objs[i], i));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, slabs);
	T_EQ(st.regions, N);
	again = t_maps_count();
	printf("# after reusing %d: %ld VMAs\n", q, again);
	T_CHECK(again - before <= MAX_NEW_VMAS);
	for (i = 2 * q; i < 3 * q; i += 331)
		T_CHECK(t_obj_ok(&objs[i], i));

#if JM_TEST_KERNEL
	/*
	 * The kernel keeps a freed range's protection, so holes split nothing:
	 * every other allocation freed still leaves the VMAs bounded.
	 */
	T_OK(t_free_range(m, objs, 4 * q, 8 * q, 2));
	again = t_maps_count();
	printf("# after freeing every other of %d: %ld VMAs\n", 4 * q, again);
	T_CHECK(again - before <= MAX_NEW_VMAS);
	for (i = 4 * q + 1; i < 8 * q; i += 2 * 313)
		T_CHECK(t_obj_ok(&objs[i], i));
	for (i = 4 * q; i < 8 * q; i += 2)
		T_OK(t_alloc(m, &objs[i], i));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, slabs);
#endif
	T_OK(t_free_range(m, objs, 0, N, 1));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_EQ(st.segments, 0);
	jitmem_close(m);
	free(objs);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(many_allocations),
};

T_MAIN("scale_" T_BACKEND, cases)
