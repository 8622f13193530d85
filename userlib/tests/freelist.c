// SPDX-License-Identifier: MIT OR LGPL-2.1
/* The coalescing free list alone, against a page bitmap model. */
#include "freelist.h"
#include "helpers.h"

#define G 4096UL
#define PAGES 512

static int take_add_coalesce(void)
{
	struct jm_freelist fl;
	uintptr_t a, b, c, d;

	jm_fl_init(&fl, G);
	T_OK(jm_fl_add(&fl, 100 * G, 10 * G));
	T_OK(jm_fl_take(&fl, G, G, &a));
	T_OK(jm_fl_take(&fl, 2 * G, G, &b));
	T_OK(jm_fl_take(&fl, G, G, &c));
	T_EQ(a, 100 * G);
	T_EQ(b, 101 * G);
	T_EQ(c, 103 * G);
	T_EQ(jm_fl_count(&fl), 1);
	T_EQ(jm_fl_largest(&fl), 6 * G);
	T_OK(jm_fl_add(&fl, a, G));		/* no neighbour: a new range */
	T_EQ(jm_fl_count(&fl), 2);
	T_OK(jm_fl_add(&fl, c, G));		/* merges with the tail */
	T_EQ(jm_fl_count(&fl), 2);
	T_EQ(jm_fl_largest(&fl), 7 * G);
	T_OK(jm_fl_add(&fl, b, 2 * G));		/* merges with both */
	T_EQ(jm_fl_count(&fl), 1);
	T_EQ(jm_fl_largest(&fl), 10 * G);
	T_EQ(jm_fl_add(&fl, b, G), -EINVAL);	/* already free */
	T_EQ(jm_fl_take(&fl, 11 * G, G, &d), -ENOSPC);
	T_OK(jm_fl_take(&fl, 10 * G, G, &d));
	T_EQ(d, 100 * G);
	T_EQ(jm_fl_count(&fl), 0);
	T_EQ(jm_fl_take(&fl, G, G, &d), -ENOSPC);
	jm_fl_destroy(&fl);
	return 0;
}

/* Lowest address first, and aligned takes leave both sides free. */
static int first_fit_and_alignment(void)
{
	struct jm_freelist fl;
	uintptr_t a;

	jm_fl_init(&fl, G);
	T_OK(jm_fl_add(&fl, 1000 * G, 20 * G));
	T_OK(jm_fl_add(&fl, 10 * G, 2 * G));
	T_OK(jm_fl_add(&fl, 500 * G, 8 * G));
	T_OK(jm_fl_take(&fl, 3 * G, G, &a));
	T_EQ(a, 500 * G);
	T_OK(jm_fl_take(&fl, G, G, &a));
	T_EQ(a, 10 * G);
	T_OK(jm_fl_take(&fl, G, 16 * G, &a));	/* 1000 is not 16-page aligned */
	T_EQ(a, 1008 * G);
	T_OK(jm_fl_add(&fl, 2000 * G, 64 * G));
	T_OK(jm_fl_take(&fl, 2 * G, 32 * G, &a));
	T_EQ(a, 2016 * G);
	T_EQ(jm_fl_largest(&fl), 46 * G);
	T_OK(jm_fl_add(&fl, a, 2 * G));
	T_EQ(jm_fl_largest(&fl), 64 * G);
	jm_fl_destroy(&fl);
	return 0;
}

static uint32_t t_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Random takes and gives against a bitmap: same free pages, same first fit. */
static int matches_bitmap_model(void)
{
	unsigned char used[PAGES] = { 0 };
	uintptr_t starts[PAGES];
	size_t lens[PAGES], nlive = 0, i, j;
	struct jm_freelist fl;
	uint32_t seed = 12345;
	int op;

	jm_fl_init(&fl, G);
	T_OK(jm_fl_add(&fl, 0, PAGES * G));
	for (op = 0; op < 20000; op++) {
		if (nlive && (t_rand(&seed) % 2 || nlive == PAGES)) {
			i = t_rand(&seed) % nlive;
			T_OK(jm_fl_add(&fl, starts[i], lens[i]));
			for (j = 0; j < lens[i] / G; j++)
				used[starts[i] / G + j] = 0;
			starts[i] = starts[--nlive];
			lens[i] = lens[nlive];
		} else {
			size_t pages = 1 + t_rand(&seed) % 8, run = 0, expect = PAGES;
			uintptr_t a;
			int ret;

			for (j = 0; j < PAGES; j++) {
				run = used[j] ? 0 : run + 1;
				if (run == pages) {
					expect = j + 1 - pages;
					break;
				}
			}
			ret = jm_fl_take(&fl, pages * G, G, &a);
			if (expect == PAGES) {
				T_EQ(ret, -ENOSPC);
				continue;
			}
			T_OK(ret);
			T_EQ(a / G, expect);
			for (j = 0; j < pages; j++)
				used[expect + j] = 1;
			starts[nlive] = a;
			lens[nlive++] = pages * G;
		}
	}
	while (nlive--)
		T_OK(jm_fl_add(&fl, starts[nlive], lens[nlive]));
	T_EQ(jm_fl_count(&fl), 1);
	T_EQ(jm_fl_largest(&fl), PAGES * G);
	jm_fl_destroy(&fl);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(take_add_coalesce),
	T_CASE(first_fit_and_alignment),
	T_CASE(matches_bitmap_model),
};

T_MAIN("freelist_utest", cases)
