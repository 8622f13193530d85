// SPDX-License-Identifier: MIT OR LGPL-2.1
/* One handle, many threads: every call at once, results still exact. */
#include <pthread.h>
#include <stdatomic.h>

#include "helpers.h"

#define THREADS 4
#define ITERS 500

struct t_shared {
	struct jitmem *m;
	atomic_int finalized, deallocated, errors;
};

struct t_arg {
	struct t_shared *sh;
	int id;
};

static int t_fin(void *arg, struct jitmem_result *res)
{
	(void)res;
	atomic_fetch_add(&((struct t_shared *)arg)->finalized, 1);
	return 0;
}

static int t_dealloc(void *arg, struct jitmem_result *res)
{
	(void)res;
	atomic_fetch_add(&((struct t_shared *)arg)->deallocated, 1);
	return 0;
}

static void *t_allocator(void *p)
{
	struct t_arg *arg = p;
	struct t_shared *sh = arg->sh;
	struct jitmem_seg_request reqs[3] = {
		T_REQ(JITMEM_PROT_R | JITMEM_PROT_X, 16, 0),
		T_REQ(JITMEM_PROT_R | JITMEM_PROT_W, 100, 0),
		T_REQ(JITMEM_PROT_R | JITMEM_LIFETIME_FINALIZE, 10, 0),
	};
	struct jitmem_action_pair pair = { { t_fin, sh }, { t_dealloc, sh } };
	void *keep[8] = { 0 };
	int i;

	for (i = 0; i < ITERS; i++) {
		struct jitmem_alloc *a;
		int value = arg->id * 100000 + i;
		void *fin, *code;

		if (jitmem_allocate(sh->m, reqs, 3, &a)) {
			atomic_fetch_add(&sh->errors, 1);
			continue;
		}
		t_code(jitmem_alloc_working(a, 0), value);
		code = jitmem_alloc_target(a, 0);
		if (i % 7 == 3) {
			jitmem_alloc_abandon(a);
			continue;
		}
		if (jitmem_alloc_finalize(a, &pair, 1, &fin, NULL) || t_call(code) != value) {
			atomic_fetch_add(&sh->errors, 1);
			continue;
		}
		/* Keep a few alive for a while, so frees interleave. */
		if (keep[i % 8] && jitmem_deallocate(sh->m, &keep[i % 8], 1, NULL))
			atomic_fetch_add(&sh->errors, 1);
		keep[i % 8] = fin;
	}
	for (i = 0; i < 8; i++)
		if (keep[i] && jitmem_deallocate(sh->m, &keep[i], 1, NULL))
			atomic_fetch_add(&sh->errors, 1);
	return NULL;
}

/* SimpleNativeMemoryMap calls on a slab of its own, plus release. */
static void *t_mapper(void *p)
{
	struct t_arg *arg = p;
	struct t_shared *sh = arg->sh;
	size_t pg = jitmem_page_size(sh->m);
	struct jitmem_action_pair pair = { { t_fin, sh }, { t_dealloc, sh } };
	int i, j;

	for (i = 0; i < ITERS / 10; i++) {
		void *slab, *keys[4];
		char c = (char)i;

		if (jitmem_reserve(sh->m, 16 * pg, &slab)) {
			atomic_fetch_add(&sh->errors, 1);
			continue;
		}
		for (j = 0; j < 4; j++) {
			struct jitmem_segment seg = T_SEG((char *)slab + 2 * j * pg, pg, &c, 1,
						      JITMEM_PROT_R);
			struct jitmem_init_request req = T_INIT(&seg, 1, &pair, 1);

			if (jitmem_initialize(sh->m, &req, &keys[j]) || *(char *)keys[j] != c)
				atomic_fetch_add(&sh->errors, 1);
		}
		if (jitmem_deinitialize_multiple(sh->m, keys, 2, NULL))
			atomic_fetch_add(&sh->errors, 1);
		if (jitmem_release(sh->m, slab))	/* runs the last two deallocs */
			atomic_fetch_add(&sh->errors, 1);
	}
	return NULL;
}

static void *t_reader(void *p)
{
	struct t_arg *arg = p;
	struct jitmem_stats st;
	int i;

	for (i = 0; i < ITERS * 4; i++)
		if (jitmem_get_stats(arg->sh->m, &st))
			atomic_fetch_add(&arg->sh->errors, 1);
	return NULL;
}

static int threads_share_a_handle(void)
{
	struct t_shared sh = { 0 };
	struct t_arg args[THREADS + 2];
	pthread_t tids[THREADS + 2];
	struct jitmem_stats st;
	int i;

	T_OK(t_open(&sh.m));
	for (i = 0; i < THREADS + 2; i++) {
		args[i] = (struct t_arg){ &sh, i };
		T_OK(pthread_create(&tids[i], NULL,
				    i < THREADS ? t_allocator : i == THREADS ? t_mapper : t_reader,
				    &args[i]));
	}
	for (i = 0; i < THREADS + 2; i++)
		T_OK(pthread_join(tids[i], NULL));
	T_EQ(atomic_load(&sh.errors), 0);
	T_EQ(atomic_load(&sh.finalized), atomic_load(&sh.deallocated));
	T_CHECK(atomic_load(&sh.finalized) > THREADS * ITERS / 2);
	T_OK(jitmem_get_stats(sh.m, &st));
	T_EQ(st.regions, 0);
	T_EQ(st.segments, 0);
	jitmem_close(sh.m);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(threads_share_a_handle),
};

T_MAIN("threads_" T_BACKEND, cases)
