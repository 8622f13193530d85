// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * What an LLVM ORC MemoryMapper over libjitmem needs (issue 15): slabs that
 * never touch, working memory at the memory-map layer, Finalize-only
 * regions and skipped zero-size and NoAlloc segments as JITLink's memory
 * managers have them, per-item batch results, action messages, and
 * deinitializing a range of a slab that stays.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "helpers.h"

#define SLAB (1UL << 20)
#define FIN JITMEM_LIFETIME_FINALIZE
#define NOALLOC JITMEM_LIFETIME_NOALLOC

static int t_init(struct jitmem *m, struct jitmem_segment *segs, size_t n,
		  const struct jitmem_action_pair *acts, size_t nacts, void **key)
{
	struct jitmem_init_request req = T_INIT(segs, n, acts, nacts);

	return jitmem_initialize(m, &req, key);
}

static int t_count(void *arg, struct jitmem_result *res)
{
	(void)res;
	++*(int *)arg;
	return 0;
}

static int t_cmp(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * How many bytes from @addr on read as freed memory of fill @fill: @len
 * when all do.  The kernel backend keeps freed pages mapped and scrubbed,
 * so each byte must be readable and hold @fill (old content fails); the
 * userspace backend makes them inaccessible, so each page must be.
 */
static size_t t_freed_bytes(const void *addr, size_t len, unsigned char fill)
{
	const volatile unsigned char *v = addr;
	const char *p = addr;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i == 0 || ((uintptr_t)(p + i) & (pg - 1)) == 0) {
			if (t_freed(p + i, fill) != 1 ||
			    t_readable(p + i) != JM_TEST_KERNEL)
				return i;
		}
		if (JM_TEST_KERNEL && v[i] != fill)
			return i;
	}
	return len;
}

/*
 * Two slabs never touch, so that a free list merging touching ranges never
 * joins two (a region cannot span slabs); the guard after each is not the
 * slab's, and goes with it.
 */
static int slabs_never_touch(void)
{
	uintptr_t start[32];
	void *slab[32];
	struct jitmem_stats st;
	struct jitmem *m;
	size_t size = 0;
	int i;

	T_CHECK((m = t_setup(NULL)));
	for (i = 0; i < 32; i++) {
		T_OK(jitmem_reserve(m, (size_t)(1 + i % 4) * 16 * pg, &slab[i]));
		size += (size_t)(1 + i % 4) * 16 * pg;
		start[i] = (uintptr_t)slab[i];
	}
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 32);
	T_EQ(st.reserved_bytes, size);
	for (i = 0; i < 32; i++) {
		size_t len = (size_t)(1 + i % 4) * 16 * pg;
		void *key;

		/* The page after it: inaccessible, and no part of the slab. */
		T_EQ(t_readable((char *)slab[i] + len), 0);
		{
			struct jitmem_segment seg = T_SEG((char *)slab[i] + len, pg, NULL, 0, RO);

			T_EQ(t_init(m, &seg, 1, NULL, 0, &key), -ENXIO);
		}
		start[i] = (uintptr_t)slab[i];
	}
	qsort(start, 32, sizeof(start[0]), t_cmp);
	for (i = 1; i < 32; i++) {
		size_t len = 0;
		int j;

		for (j = 0; j < 32; j++)
			if ((uintptr_t)slab[j] == start[i - 1])
				len = (size_t)(1 + j % 4) * 16 * pg;
		T_CHECK(start[i - 1] + len < start[i]);
	}
	/* Released: slab and guard are gone, the range is free. */
	T_OK(jitmem_release(m, slab[0]));
	{
		void *p = mmap(slab[0], 16 * pg + pg, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		T_CHECK(p == slab[0]);
		munmap(p, 16 * pg + pg);
	}
	jitmem_close(m);
	return 0;
}

/*
 * jitmem_prepare(): zeroed working memory of a slab's range, writable, not
 * the target; initialized from it, the target has the content and the
 * working memory is zero again; it goes with the slab.
 */
static int prepare_working_memory(void)
{
	struct jitmem_seg_request sreq = T_REQ(RX, 1, 0);
	struct jitmem_alloc *a;
	unsigned char *w, *w2, *code;
	struct jitmem *m;
	void *slab, *key, *p;
	size_t i, n;

	T_CHECK((m = t_setup(&slab)));
	code = (unsigned char *)slab + 4 * pg;
	T_OK(jitmem_prepare(m, code, 2 * pg, (void **)&w));
	T_CHECK(w && (w < code || w >= code + 2 * pg));
	for (i = 0; i < 2 * pg; i++)
		T_EQ(w[i], 0);
	n = t_code(w, 31);
	memset(w + pg, 0xcc, pg);	/* a second page, written too */
	T_EQ(t_readable(code), 0);	/* the target is untouched */
	/* The same range again: the same place, zeroed. */
	T_OK(jitmem_prepare(m, code + pg, pg, (void **)&w2));
	T_CHECK(w2 == w + pg);
	T_EQ(w2[0], 0);
	{
		struct jitmem_segment seg = T_SEG(code, pg, w, n, RX);

		T_OK(t_init(m, &seg, 1, NULL, 0, &key));
	}
	T_EQ(t_call(code), 31);
	for (i = 0; i < pg; i++)	/* staged and installed: discarded */
		T_EQ(w[i], 0);
	/* Over a live region, outside a slab, unaligned, in the allocator's. */
	T_EQ(jitmem_prepare(m, code, pg, &p), -EBUSY);
	T_EQ(jitmem_prepare(m, (char *)slab + SLAB, pg, &p), -ENXIO);
	T_EQ(jitmem_prepare(m, (char *)slab + SLAB - pg, 2 * pg, &p), -ENXIO);
	T_EQ(jitmem_prepare(m, code + 1, pg, &p), -EINVAL);
	T_EQ(jitmem_prepare(m, code + pg, 0, &p), -EINVAL);
	T_EQ(jitmem_prepare(m, code + pg, pg, NULL), -EINVAL);
	T_EQ(jitmem_prepare(NULL, code + pg, pg, &p), -EINVAL);
	T_OK(jitmem_allocate(m, &sreq, 1, &a));
	T_EQ(jitmem_prepare(m, jitmem_alloc_target(a, 0), pg, &p), -ENXIO);
	jitmem_alloc_abandon(a);
	T_OK(jitmem_release(m, slab));
	T_EQ(t_readable(w), 0);
	jitmem_close(m);
	return 0;
}

/*
 * Only Finalize segments: JITLink's managers accept it (ORC's
 * SimpleNativeMemoryMap does not).  The actions see the memory, then it is
 * freed; the key, its lowest segment, keeps its range until deinitialize,
 * which runs the dealloc actions.
 */
static int finalize_only_region(void)
{
	struct jitmem_segment segs[2];
	int deallocs = 0;
	struct jitmem_action_pair pair = { { NULL, NULL }, { t_count, &deallocs } };
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab, *key, *key2;
	char *s;

	T_CHECK((m = t_setup(&slab)));
	s = slab;
	segs[0] = T_SEGV(s + 3 * pg, pg, "b", 1, RW | FIN);
	segs[1] = T_SEGV(s + 2 * pg, pg, "a", 1, RO | FIN);
	T_OK(t_init(m, segs, 2, &pair, 1, &key));
	T_CHECK(key == s + 2 * pg);
	T_EQ(t_freed_bytes(s + 2 * pg, 2 * pg, T_FILL_DATA), 2 * pg);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);	/* it holds no memory, here or in the module */
	T_EQ(st.segments, 0);
	T_EQ(st.bytes_r + st.bytes_rw, 0);
	/* The key's range is still taken; the other one is free. */
	segs[0] = T_SEGV(s + 2 * pg, pg, NULL, 0, RO);
	T_EQ(t_init(m, segs, 1, NULL, 0, &key2), -EBUSY);
	segs[0].addr = s + 3 * pg;
	T_OK(t_init(m, segs, 1, NULL, 0, &key2));
	T_EQ(deallocs, 0);
	T_OK(jitmem_deinitialize(m, key));
	T_EQ(deallocs, 1);
	T_EQ(jitmem_deinitialize(m, key), -ENOENT);
	segs[0].addr = s + 2 * pg;
	T_OK(t_init(m, segs, 1, NULL, 0, &key));
	T_CHECK(key == s + 2 * pg);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 2);
	jitmem_close(m);
	return 0;
}

/*
 * Segments of size 0 and NoAlloc segments hold nothing for the executor:
 * skipped, as JITLink's memory managers skip them, and never the key.
 */
static int empty_and_noalloc_segments_skipped(void)
{
	unsigned char code[16];
	struct jitmem_segment segs[4];
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab, *key;
	char *s;

	T_CHECK((m = t_setup(&slab)));
	s = slab;
	segs[0] = T_SEGV(s, 0, NULL, 0, RO);				/* below the code */
	segs[1] = T_SEGV((void *)16, 4 * pg, "debug", 5, RO | NOALLOC);	/* anywhere */
	segs[2] = T_SEGV(s + pg, pg, code, t_code(code, 8), RX);
	segs[3] = T_SEGV(s + pg, 0, NULL, 0, RW);			/* on the code */
	T_OK(t_init(m, segs, 4, NULL, 0, &key));
	T_CHECK(key == s + pg);
	T_EQ(t_call(s + pg), 8);
	T_EQ(t_readable(s), 0);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.segments, 1);
	T_EQ(st.bytes_rx, pg);
	T_EQ(st.bytes_r, 0);
	/* Nothing else: nothing to initialize. */
	T_EQ(t_init(m, segs, 2, NULL, 0, &key), -EINVAL);
	/* Still checked: content beyond size 0, bad groups. */
	segs[0] = T_SEGV(s + 2 * pg, 0, "x", 1, RO);
	segs[1] = T_SEGV(s + 3 * pg, pg, NULL, 0, RO);
	T_EQ(t_init(m, segs, 2, NULL, 0, &key), -EINVAL);
	segs[0] = T_SEGV(s + 2 * pg, 0, NULL, 0, RW | JITMEM_PROT_X);
	T_EQ(t_init(m, segs, 2, NULL, 0, &key), -EPERM);
	segs[0] = T_SEGV(NULL, pg, NULL, 0, RO | NOALLOC | FIN);
	T_EQ(t_init(m, segs, 2, NULL, 0, &key), -EINVAL);
	segs[0] = T_SEGV(NULL, pg, NULL, 0, JITMEM_PROT_X | NOALLOC);
	T_EQ(t_init(m, segs, 2, NULL, 0, &key), -EINVAL);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 1);
	jitmem_close(m);
	return 0;
}

/* A finalize action's error and message come back with its index. */
static int initialize_result(void)
{
	struct jitmem_action_pair pairs[2] = {
		{ { NULL, NULL }, { NULL, NULL } },
		{ { t_fail, (void *)-ENOEXEC }, { NULL, NULL } },
	};
	struct jitmem_result res;
	struct jitmem_segment seg;
	struct jitmem_init_request req = T_INIT(&seg, 1, pairs, 2);
	struct jitmem *m;
	void *slab, *key;

	T_CHECK((m = t_setup(&slab)));
	seg = T_SEGV(slab, pg, NULL, 0, RO);
	req.result = &res;
	memset(&res, 0x5a, sizeof(res));
	T_EQ(jitmem_initialize(m, &req, &key), -ENOEXEC);
	T_EQ(res.error, -ENOEXEC);
	T_EQ(res.flags, JITMEM_RESULT_FINALIZE);
	T_EQ(res.action, 1);
	printf("# message: %s\n", res.message);
	T_CHECK(!strcmp(res.message, "t_fail: Exec format error"));
	T_EQ(res.reserved[0] | res.reserved[1], 0);
	/* Not an action: the error, no message. */
	seg.size = 0;
	memset(&res, 0x5a, sizeof(res));
	T_EQ(jitmem_initialize(m, &req, &key), -EINVAL);
	T_EQ(res.error, -EINVAL);
	T_EQ(res.flags, 0);
	T_EQ(res.message[0], 0);
	/* Success: all clear. */
	seg.size = pg;
	req.nactions = 1;
	memset(&res, 0x5a, sizeof(res));
	T_OK(jitmem_initialize(m, &req, &key));
	T_EQ(res.error, 0);
	T_EQ(res.flags, 0);
	T_EQ(res.message[0], 0);
	jitmem_close(m);
	return 0;
}

/* The allocator's finalize says the same. */
static int alloc_finalize_result(void)
{
	struct jitmem_seg_request sreq = T_REQ(RX, 8, 0);
	struct jitmem_action_pair pair = { { t_fail, (void *)-ENOLINK }, { NULL, NULL } };
	struct jitmem_result res;
	struct jitmem_alloc *a;
	struct jitmem *m;
	void *fin;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_allocate(m, &sreq, 1, &a));
	T_EQ(jitmem_alloc_finalize(a, &pair, 1, &fin, &res), -ENOLINK);
	T_EQ(res.error, -ENOLINK);
	T_EQ(res.flags, JITMEM_RESULT_FINALIZE);
	T_EQ(res.action, 0);
	T_CHECK(strstr(res.message, "t_fail: "));
	T_OK(jitmem_alloc_finalize(a, NULL, 0, &fin, &res));
	T_EQ(res.error, 0);
	T_OK(jitmem_deallocate(m, &fin, 1, NULL));
	jitmem_close(m);
	return 0;
}

/*
 * Batch calls: one result per item, a dealloc action's message with it,
 * every good item done; the first error returned.
 */
static int batch_results(void)
{
	struct jitmem_action_pair bad[2] = {
		{ { NULL, NULL }, { t_fail, (void *)-EBADMSG } },
		{ { NULL, NULL }, { t_fail, (void *)-EXDEV } },
	};
	struct jitmem_result res[4];
	struct jitmem_segment seg;
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab, *slab2, *keys[4], *addrs[3];
	char *s;

	T_CHECK((m = t_setup(&slab)));
	s = slab;
	seg = T_SEGV(s, pg, NULL, 0, RO);
	T_OK(t_init(m, &seg, 1, NULL, 0, &keys[0]));
	keys[1] = s + 9 * pg;
	seg.addr = s + pg;
	T_OK(t_init(m, &seg, 1, bad, 2, &keys[2]));
	seg.addr = s + 2 * pg;
	T_OK(t_init(m, &seg, 1, NULL, 0, &keys[3]));
	memset(res, 0x5a, sizeof(res));
	T_EQ(jitmem_deinitialize_multiple(m, keys, 4, res), -ENOENT);
	T_EQ(res[0].error, 0);
	T_EQ(res[0].message[0], 0);
	T_EQ(res[1].error, -ENOENT);
	T_EQ(res[1].flags, 0);
	/* Dealloc actions run in reverse: pair 1's fails first. */
	T_EQ(res[2].error, -EXDEV);
	T_EQ(res[2].flags, JITMEM_RESULT_DEALLOC);
	T_EQ(res[2].action, 1);
	T_CHECK(!strcmp(res[2].message, "t_fail: Invalid cross-device link"));
	T_EQ(res[3].error, 0);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	/* Release: the slab's regions' actions, per slab. */
	T_OK(jitmem_reserve(m, SLAB, &slab2));
	seg.addr = slab2;
	T_OK(t_init(m, &seg, 1, bad, 1, &keys[0]));
	addrs[0] = slab;
	addrs[1] = s + pg;
	addrs[2] = slab2;
	memset(res, 0x5a, sizeof(res));
	T_EQ(jitmem_release_multiple(m, addrs, 3, res), -ENOENT);
	T_EQ(res[0].error, 0);
	T_EQ(res[1].error, -ENOENT);
	T_EQ(res[2].error, -EBADMSG);
	T_EQ(res[2].flags, JITMEM_RESULT_DEALLOC);
	T_EQ(res[2].action, 0);
	T_CHECK(strstr(res[2].message, "t_fail: Bad message"));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 0);
	T_OK(jitmem_deinitialize_multiple(m, keys, 0, res));
	jitmem_close(m);
	return 0;
}

/*
 * jitmem_deinitialize_range(): the regions inside go (dealloc actions run),
 * prepared working memory there is discarded, the rest of the slab and the
 * slab itself stay; a region across the edge is EBUSY and nothing changes.
 */
static int deinitialize_range(void)
{
	struct jitmem_action_pair pair = { { NULL, NULL }, { t_count, NULL } };
	struct jitmem_action_pair bad = { { NULL, NULL }, { t_fail, (void *)-ENOTBLK } };
	struct jitmem_segment segs[2];
	struct jitmem_result res;
	struct jitmem_stats st;
	int deallocs = 0;
	struct jitmem *m;
	void *slab, *ka, *kb, *kc, *w;
	char *s;

	T_CHECK((m = t_setup(&slab)));
	s = slab;
	pair.dealloc.arg = &deallocs;
	segs[0] = T_SEGV(s, pg, "a", 1, RO);
	segs[1] = T_SEGV(s + pg, pg, NULL, 0, RW);
	T_OK(t_init(m, segs, 2, &pair, 1, &ka));
	segs[0] = T_SEGV(s + 4 * pg, pg, "b", 1, RO);
	T_OK(t_init(m, segs, 1, &pair, 1, &kb));
	segs[0] = T_SEGV(s + 8 * pg, pg, "c", 1, RO);
	segs[1] = T_SEGV(s + 12 * pg, pg, NULL, 0, RW);
	T_OK(t_init(m, segs, 2, &pair, 1, &kc));
	T_OK(jitmem_prepare(m, s + 5 * pg, pg, &w));
	memset(w, 'w', pg);
	/* c lies across [8, 10) pages: EBUSY, nothing changes. */
	T_EQ(jitmem_deinitialize_range(m, s + 8 * pg, 2 * pg, NULL), -EBUSY);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 3);
	T_EQ(deallocs, 0);
	/* a and b are inside [0, 6) pages. */
	T_OK(jitmem_deinitialize_range(m, s, 6 * pg, &res));
	T_EQ(res.error, 0);
	T_EQ(deallocs, 2);
	T_EQ(t_freed_bytes(s, 2 * pg, T_FILL_DATA), 2 * pg);
	T_EQ(t_freed_bytes(s + 4 * pg, pg, T_FILL_DATA), pg);
	T_EQ(*(char *)w, 0);	/* discarded */
	T_EQ(s[8 * pg], 'c');
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 1);
	T_EQ(st.regions, 1);
	T_EQ(jitmem_deinitialize(m, ka), -ENOENT);
	/* The range is reserved again. */
	segs[0] = T_SEGV(s, 6 * pg, "d", 1, RO);
	T_OK(t_init(m, segs, 1, &bad, 1, &ka));
	/* Nothing inside: fine.  A failing dealloc action: its result. */
	T_OK(jitmem_deinitialize_range(m, s + 6 * pg, 2 * pg, NULL));
	T_EQ(jitmem_deinitialize_range(m, s, 6 * pg, &res), -ENOTBLK);
	T_EQ(res.flags, JITMEM_RESULT_DEALLOC);
	T_CHECK(strstr(res.message, "t_fail: "));
	T_EQ(t_freed_bytes(s, 6 * pg, T_FILL_DATA), 6 * pg);
	/* Bad ranges. */
	T_EQ(jitmem_deinitialize_range(m, s + 1, pg, NULL), -EINVAL);
	T_EQ(jitmem_deinitialize_range(m, s, 0, NULL), -EINVAL);
	T_EQ(jitmem_deinitialize_range(NULL, s, pg, NULL), -EINVAL);
	T_EQ(jitmem_deinitialize_range(m, s + SLAB - pg, 2 * pg, &res), -ENXIO);
	T_EQ(res.error, -ENXIO);
	T_OK(jitmem_deinitialize_range(m, s, SLAB, NULL));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_EQ(st.slabs, 1);
	T_EQ(deallocs, 3);
	jitmem_close(m);
	return 0;
}

/*
 * The allocator: a Finalize-only allocation is finalized, holds no memory,
 * and its key's range is not handed out until it is deallocated.  A
 * segment of size 0 gets working memory and an address, and no memory.
 */
static int allocator_finalize_only_and_empty(void)
{
	struct jitmem_seg_request fin_req = T_REQ(RO | FIN, 8, 0);
	struct jitmem_seg_request reqs[2] = { T_REQ(RO, 0, 0), T_REQ(RX, 8, 0) };
	int deallocs = 0;
	struct jitmem_action_pair pair = { { NULL, NULL }, { t_count, &deallocs } };
	struct jitmem_alloc *a;
	struct jitmem_stats st;
	struct jitmem *m;
	void *fin, *fin2, *target;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_allocate(m, &fin_req, 1, &a));
	target = jitmem_alloc_target(a, 0);
	memcpy(jitmem_alloc_working(a, 0), "finalize", 8);
	T_OK(jitmem_alloc_finalize(a, &pair, 1, &fin, NULL));
	T_CHECK(fin == target);
	T_EQ(t_freed_bytes(target, 8, T_FILL_DATA), 8);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_OK(jitmem_allocate(m, &fin_req, 1, &a));
	T_CHECK(jitmem_alloc_target(a, 0) != target);
	jitmem_alloc_abandon(a);
	T_OK(jitmem_deallocate(m, &fin, 1, NULL));
	T_EQ(deallocs, 1);
	T_OK(jitmem_allocate(m, &fin_req, 1, &a));
	T_CHECK(jitmem_alloc_target(a, 0) == target);	/* free again */
	jitmem_alloc_abandon(a);
	/* Size 0. */
	T_OK(jitmem_allocate(m, reqs, 2, &a));
	T_CHECK(jitmem_alloc_working(a, 0) && jitmem_alloc_target(a, 0));
	T_CHECK(jitmem_alloc_working(a, 0) != jitmem_alloc_working(a, 1));
	t_code(jitmem_alloc_working(a, 1), 12);
	target = jitmem_alloc_target(a, 1);
	T_OK(jitmem_alloc_finalize(a, NULL, 0, &fin2, NULL));
	T_CHECK(fin2 == target);
	T_EQ(t_call(target), 12);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.segments, 1);
	T_EQ(st.bytes_r, 0);
	T_OK(jitmem_deallocate(m, &fin2, 1, NULL));
	T_EQ(t_freed_bytes(target, 8, T_FILL_CODE), 8);
	jitmem_close(m);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(slabs_never_touch),
	T_CASE(prepare_working_memory),
	T_CASE(finalize_only_region),
	T_CASE(empty_and_noalloc_segments_skipped),
	T_CASE(initialize_result),
	T_CASE(alloc_finalize_result),
	T_CASE(batch_results),
	T_CASE(deinitialize_range),
	T_CASE(allocator_finalize_only_and_empty),
};

T_MAIN("orc_" T_BACKEND, cases)
