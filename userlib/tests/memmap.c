// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * SimpleNativeMemoryMap operations: jitmem_reserve(), jitmem_initialize(),
 * jitmem_deinitialize(_multiple)(), jitmem_release(_multiple)().
 */
#include "helpers.h"

#define SLAB (1UL << 20)

static int t_init1(struct jitmem *m, void *addr, size_t size, const void *content,
		   size_t content_size, unsigned int group, void **key)
{
	struct jitmem_segment seg = T_SEG(addr, size, content, content_size, group);
	struct jitmem_init_request req = { .segments = &seg, .nsegments = 1 };

	return jitmem_initialize(m, &req, key);
}

static int reserve_release(void)
{
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab;

	T_CHECK((m = t_setup(&slab)));
	T_EQ((uintptr_t)slab % pg, 0);
	T_EQ(t_readable(slab), 0);
	T_EQ(t_readable((char *)slab + SLAB - 1), 0);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 1);
	T_EQ(st.reserved_bytes, SLAB);
	T_OK(jitmem_release(m, slab));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 0);
	T_EQ(st.reserved_bytes, 0);
	T_EQ(jitmem_release(m, slab), -ENOENT);
	jitmem_close(m);
	return 0;
}

static int reserve_rounds_up(void)
{
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_reserve(m, 1, &slab));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.reserved_bytes, pg);
	jitmem_close(m);
	return 0;
}

static int reserve_bad_args(void)
{
	struct jitmem *m;
	void *slab;

	T_CHECK((m = t_setup(NULL)));
	T_EQ(jitmem_reserve(m, 0, &slab), -EINVAL);
	T_EQ(jitmem_reserve(m, pg, NULL), -EINVAL);
	T_EQ(jitmem_reserve(NULL, pg, &slab), -EINVAL);
	T_EQ(jitmem_reserve(m, SIZE_MAX, &slab), -EINVAL);
	T_EQ(jitmem_release(m, NULL), -ENOENT);
	T_EQ(jitmem_release(NULL, NULL), -EINVAL);
	T_EQ(jitmem_release_multiple(m, NULL, 1, NULL), -EINVAL);
	T_OK(jitmem_release_multiple(m, NULL, 0, NULL));
	jitmem_close(m);
	return 0;
}

/* Copied content, zero-filled rest, exact protections, lowest Standard key. */
static int initialize_content(void)
{
	static const char text[] = "jitmem rodata";
	unsigned char code[16], *ro, *rw, *rx;
	struct jitmem_segment segs[3];
	struct jitmem_init_request req = { .segments = segs, .nsegments = 3 };
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab, *key;
	size_t i, n;

	T_CHECK((m = t_setup(&slab)));
	rx = (unsigned char *)slab + 4 * pg;
	ro = (unsigned char *)slab + 8 * pg;
	rw = (unsigned char *)slab + 2 * pg;
	n = t_code(code, 42);
	segs[0] = T_SEGV(rx, pg, code, n, JITMEM_PROT_R | JITMEM_PROT_X);
	segs[1] = T_SEGV(ro, 2 * pg, text, sizeof(text), JITMEM_PROT_R);
	segs[2] = T_SEGV(rw, pg + 1, NULL, 0, JITMEM_PROT_R | JITMEM_PROT_W);
	T_OK(jitmem_initialize(m, &req, &key));
	T_CHECK(key == rw);
	T_EQ(t_call(rx), 42);
	T_CHECK(memcmp(ro, text, sizeof(text)) == 0);
	for (i = sizeof(text); i < 2 * pg; i++)
		T_EQ(ro[i], 0);
	for (i = n; i < pg; i++)
		T_EQ(rx[i], 0);
	for (i = 0; i < 2 * pg; i++)	/* pg + 1 covers two pages */
		T_EQ(rw[i], 0);
	T_EQ(t_writable(rx), 0);
	T_EQ(t_writable(ro), 0);
	T_EQ(t_writable(rw + 2 * pg - 1), 1);
	rw[0] = 7;
	T_EQ(t_readable(rw - 1), 0);	/* the page before is still reserved */
	T_EQ(t_readable(ro + 2 * pg), 0);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 1);
	T_EQ(st.segments, 3);
	T_EQ(st.bytes_rx, pg);
	T_EQ(st.bytes_r, 2 * pg);
	T_EQ(st.bytes_rw, 2 * pg);
	jitmem_close(m);
	return 0;
}

static int t_bad(struct jitmem *m, void *addr, size_t size, const void *content,
		 size_t content_size, unsigned int group)
{
	void *key = (void *)1;
	int ret = t_init1(m, addr, size, content, content_size, group, &key);

	if (ret)
		return key == (void *)1 ? ret : -1000;	/* key untouched on error */
	return 0;
}

/* Flags and reserved fields of a segment and a request: any bit set is EINVAL. */
static int t_reserved_fields(struct jitmem *m, void *slab)
{
	struct jitmem_segment seg = T_SEG(slab, pg, NULL, 0, JITMEM_PROT_R);
	struct jitmem_init_request req = T_INIT(&seg, 1, NULL, 0);
	void *key = NULL;
	size_t i;

	seg.flags = 1;
	T_EQ(jitmem_initialize(m, &req, &key), -EINVAL);
	seg.flags = 1U << 31;
	T_EQ(jitmem_initialize(m, &req, &key), -EINVAL);
	seg.flags = 0;
	for (i = 0; i < sizeof(seg.reserved) / sizeof(seg.reserved[0]); i++) {
		seg.reserved[i] = 1;
		T_EQ(jitmem_initialize(m, &req, &key), -EINVAL);
		seg.reserved[i] = 0;
	}
	req.flags = 1;
	T_EQ(jitmem_initialize(m, &req, &key), -EINVAL);
	req.flags = 0;
	req.reserved0 = 1;
	T_EQ(jitmem_initialize(m, &req, &key), -EINVAL);
	req.reserved0 = 0;
	for (i = 0; i < sizeof(req.reserved) / sizeof(req.reserved[0]); i++) {
		req.reserved[i] = (uint64_t)1 << 63;
		T_EQ(jitmem_initialize(m, &req, &key), -EINVAL);
		req.reserved[i] = 0;
	}
	T_CHECK(key == NULL);
	return 0;
}

/* Every invalid field alone gets its errno and leaves nothing behind. */
static int initialize_validation(void)
{
	struct jitmem_segment two[2];
	struct jitmem_init_request req = { .segments = two, .nsegments = 2 };
	struct jitmem_stats st;
	char content[64] = "x";
	struct jitmem *m;
	void *slab, *other, *key;
	char *s;

	T_CHECK((m = t_setup(&slab)));
	s = slab;
	T_EQ(t_bad(m, s + 1, pg, NULL, 0, JITMEM_PROT_R), -EINVAL);
	T_EQ(t_bad(m, s, 0, NULL, 0, JITMEM_PROT_R), -EINVAL);	/* nothing left */
	T_EQ(t_bad(m, s, pg, content, pg + 1, JITMEM_PROT_R), -EINVAL);
	T_EQ(t_bad(m, s, pg, NULL, 1, JITMEM_PROT_R), -EFAULT);
	T_EQ(t_bad(m, s, pg, NULL, 0, JITMEM_PROT_R | JITMEM_PROT_W | JITMEM_PROT_X), -EPERM);
	T_EQ(t_bad(m, s, pg, NULL, 0, JITMEM_PROT_W | JITMEM_PROT_X), -EPERM);
	T_EQ(t_bad(m, s, pg, NULL, 0, JITMEM_PROT_X), -EINVAL);
	T_EQ(t_bad(m, s, pg, NULL, 0, JITMEM_PROT_W), -EINVAL);
	T_EQ(t_bad(m, s, pg, NULL, 0, 0), -EINVAL);
	T_EQ(t_bad(m, s, pg, NULL, 0, JITMEM_PROT_R | 32), -EINVAL);
	T_EQ(t_bad(m, s, pg, NULL, 0, JITMEM_PROT_R | JITMEM_LIFETIME_NOALLOC), -EINVAL);
	T_EQ(t_bad(m, s, pg, NULL, 0, JITMEM_PROT_R | JITMEM_LIFETIME_NOALLOC |
		   JITMEM_LIFETIME_FINALIZE), -EINVAL);
	T_EQ(t_bad(m, s - SLAB, pg, NULL, 0, JITMEM_PROT_R), -ENXIO);
	T_EQ(t_bad(m, s + SLAB - pg, 2 * pg, NULL, 0, JITMEM_PROT_R), -ENXIO);
	T_EQ(t_bad(m, s + SLAB, pg, NULL, 0, JITMEM_PROT_R), -ENXIO);
	/* Overlapping each other, and in two slabs. */
	two[0] = T_SEGV(s, 2 * pg, NULL, 0, JITMEM_PROT_R);
	two[1] = T_SEGV(s + pg, pg, NULL, 0, JITMEM_PROT_R | JITMEM_PROT_W);
	T_EQ(jitmem_initialize(m, &req, &key), -EINVAL);
	T_OK(jitmem_reserve(m, SLAB, &other));
	two[1].addr = other;
	T_EQ(jitmem_initialize(m, &req, &key), -ENXIO);
	/* Bad requests. */
	T_EQ(jitmem_initialize(m, NULL, &key), -EINVAL);
	T_EQ(jitmem_initialize(m, &req, NULL), -EINVAL);
	req.nsegments = 0;
	T_EQ(jitmem_initialize(m, &req, &key), -EINVAL);
	req.nsegments = 1;
	req.nactions = 1;
	T_EQ(jitmem_initialize(m, &req, &key), -EINVAL);
	req.nactions = 0;
	T_EQ(t_reserved_fields(m, s), 0);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_EQ(st.segments, 0);
	/* Over a live region. */
	T_OK(t_init1(m, s + pg, pg, content, 1, JITMEM_PROT_R, &key));
	T_EQ(t_bad(m, s, 2 * pg, NULL, 0, JITMEM_PROT_R), -EBUSY);
	T_EQ(t_bad(m, s + pg, pg, NULL, 0, JITMEM_PROT_R), -EBUSY);
	T_OK(t_bad(m, s, pg, NULL, 0, JITMEM_PROT_R));
	T_OK(t_bad(m, s + 2 * pg, pg, NULL, 0, JITMEM_PROT_R));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 3);
	jitmem_close(m);
	return 0;
}

/* Deinitialized memory faults again, and the range can be initialized anew. */
static int deinitialize_reuse(void)
{
	char content[8] = "abcdefg";
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab, *key, *key2;
	char *p;

	T_CHECK((m = t_setup(&slab)));
	p = (char *)slab + pg;
	T_OK(t_init1(m, p, pg, content, sizeof(content), JITMEM_PROT_R | JITMEM_PROT_W, &key));
	T_CHECK(key == p);
	memset(p, 0x5a, pg);
	T_OK(jitmem_deinitialize(m, key));
	T_EQ(t_freed(p, T_FILL_DATA), 1);
	T_EQ(t_freed(p + pg - 1, T_FILL_DATA), 1);	/* scrubbed whole, not only content_size */
	T_EQ(jitmem_deinitialize(m, key), -ENOENT);
	T_EQ(jitmem_deinitialize(m, (char *)key + pg), -ENOENT);
	T_EQ(jitmem_deinitialize(NULL, key), -EINVAL);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_OK(t_init1(m, p, pg, content, 2, JITMEM_PROT_R, &key2));
	T_CHECK(key2 == p);
	T_EQ(p[0], 'a');
	T_EQ(p[2], 0);		/* fresh pages: nothing of the old content */
	T_EQ(p[pg - 1], 0);
	T_OK(jitmem_deinitialize(m, key2));
	jitmem_close(m);
	return 0;
}

/* A batch goes on past bad keys and returns the first error. */
static int deinitialize_multiple_bad_items(void)
{
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab, *keys[5];
	char *s;

	T_CHECK((m = t_setup(&slab)));
	s = slab;
	T_OK(t_init1(m, s, pg, NULL, 0, JITMEM_PROT_R, &keys[0]));
	keys[1] = s + 5 * pg;
	T_OK(t_init1(m, s + 2 * pg, pg, NULL, 0, JITMEM_PROT_R, &keys[2]));
	keys[3] = keys[0];	/* twice in one batch: the second is unknown */
	T_OK(t_init1(m, s + 3 * pg, pg, NULL, 0, JITMEM_PROT_R, &keys[4]));
	T_EQ(jitmem_deinitialize_multiple(m, keys, 5, NULL), -ENOENT);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_EQ(t_freed(s, T_FILL_DATA), 1);
	T_EQ(t_freed(s + 2 * pg, T_FILL_DATA), 1);
	T_EQ(t_freed(s + 3 * pg, T_FILL_DATA), 1);
	T_OK(jitmem_deinitialize_multiple(m, keys, 0, NULL));
	T_EQ(jitmem_deinitialize_multiple(m, NULL, 1, NULL), -EINVAL);
	jitmem_close(m);
	return 0;
}

static int count_action(void *arg, struct jitmem_result *res)
{
	(void)res;
	++*(int *)arg;
	return 0;
}

/* Release runs the pending dealloc actions of the slab's live regions. */
static int release_runs_deallocs(void)
{
	struct jitmem_action_pair pair = { { NULL, NULL }, { count_action, NULL } };
	struct jitmem_segment seg = T_SEG(NULL, 0, NULL, 0, JITMEM_PROT_R);
	struct jitmem_init_request req = T_INIT(&seg, 1, &pair, 1);
	struct jitmem_stats st;
	int deallocs = 0;
	struct jitmem *m;
	void *slab, *key;
	int i;

	T_CHECK((m = t_setup(&slab)));
	pair.dealloc.arg = &deallocs;
	seg.size = pg;
	for (i = 0; i < 3; i++) {
		seg.addr = (char *)slab + i * pg;
		T_OK(jitmem_initialize(m, &req, &key));
	}
	T_EQ(deallocs, 0);
	T_OK(jitmem_release(m, slab));
	T_EQ(deallocs, 3);
	T_EQ(t_readable(slab), 0);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_EQ(st.slabs, 0);
	T_EQ(jitmem_deinitialize(m, key), -ENOENT);
	jitmem_close(m);
	T_EQ(deallocs, 3);
	return 0;
}

static int release_multiple_bad_items(void)
{
	struct jitmem_stats st;
	struct jitmem *m;
	void *slabs[4], *key;

	T_CHECK((m = t_setup(&slabs[0])));
	T_OK(jitmem_reserve(m, SLAB, &slabs[2]));
	T_OK(t_init1(m, slabs[2], pg, NULL, 0, JITMEM_PROT_R, &key));
	slabs[1] = (char *)slabs[0] + pg;	/* inside a slab, not its start */
	slabs[3] = slabs[0];			/* twice */
	T_EQ(jitmem_release_multiple(m, slabs, 4, NULL), -ENOENT);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 0);
	T_EQ(st.regions, 0);
	jitmem_close(m);
	return 0;
}

/* The allocator's slabs and memory are not the caller's to release or initialize. */
static int allocator_slabs_private(void)
{
	struct jitmem_seg_request req = T_REQ(JITMEM_PROT_R, 1, 0);
	struct jitmem_alloc *a;
	struct jitmem *m;
	void *key, *target;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_allocate(m, &req, 1, &a));
	target = jitmem_alloc_target(a, 0);
	T_EQ(t_init1(m, target, pg, NULL, 0, JITMEM_PROT_R, &key), -ENXIO);
	T_EQ(jitmem_release(m, target), -ENOENT);
	jitmem_alloc_abandon(a);
	jitmem_close(m);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(reserve_release),
	T_CASE(reserve_rounds_up),
	T_CASE(reserve_bad_args),
	T_CASE(initialize_content),
	T_CASE(initialize_validation),
	T_CASE(deinitialize_reuse),
	T_CASE(deinitialize_multiple_bad_items),
	T_CASE(release_runs_deallocs),
	T_CASE(release_multiple_bad_items),
	T_CASE(allocator_slabs_private),
};

T_MAIN("memmap_" T_BACKEND, cases)
