// SPDX-License-Identifier: MIT OR LGPL-2.1
/* JITLink lifetime policies: Standard, Finalize, NoAlloc. */
#include "helpers.h"

#define FIN JITMEM_LIFETIME_FINALIZE
#define NOALLOC JITMEM_LIFETIME_NOALLOC

struct t_seen {
	const char *ro;		/* a Finalize segment */
	char *rw;		/* another one, writable */
	int ok;
};

/* The finalize action sees the Finalize segments initialized. */
static int t_look(void *arg, struct jitmem_result *res)
{
	struct t_seen *s = arg;

	(void)res;
	s->ok = s->ro[0] == 'f' && s->ro[1] == 0 && s->rw[0] == 'g';
	s->rw[1] = 'h';
	return 0;
}

/* Finalize segments are visible to the finalize actions, then gone at once. */
static int finalize_segments_gone_after_finalize(void)
{
	struct jitmem_seg_request reqs[3] = {
		T_REQ(RX, 8, 0), T_REQ(RO | FIN, 2, 0), T_REQ(RW | FIN, 2, 0),
	};
	struct t_seen seen = { 0 };
	struct jitmem_action_pair pair = { { t_look, &seen }, { NULL, NULL } };
	struct jitmem_alloc *a;
	struct jitmem_stats st;
	struct jitmem *m;
	void *fin, *code;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_allocate(m, reqs, 3, &a));
	t_code(jitmem_alloc_working(a, 0), 5);
	*(char *)jitmem_alloc_working(a, 1) = 'f';
	*(char *)jitmem_alloc_working(a, 2) = 'g';
	code = jitmem_alloc_target(a, 0);
	seen.ro = jitmem_alloc_target(a, 1);
	seen.rw = jitmem_alloc_target(a, 2);
	T_OK(jitmem_alloc_finalize(a, &pair, 1, &fin, NULL));
	T_EQ(seen.ok, 1);
	T_CHECK(fin == code);
	T_EQ(t_freed(seen.ro, T_FILL_DATA), 1);
	T_EQ(t_freed(seen.rw, T_FILL_DATA), 1);
	T_EQ(t_call(code), 5);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 1);
	T_EQ(st.segments, 1);
	T_EQ(st.bytes_r + st.bytes_rw, 0);
	T_EQ(st.bytes_rx, T_UP(16, gr));
	/* Their ranges are free again, for the same protection. */
	T_OK(jitmem_allocate(m, reqs + 1, 2, &a));
	T_CHECK(jitmem_alloc_target(a, 0) == seen.ro);
	T_CHECK(jitmem_alloc_target(a, 1) == seen.rw);
	jitmem_alloc_abandon(a);
	T_OK(jitmem_deallocate(m, &fin, 1, NULL));
	jitmem_close(m);
	return 0;
}

/* The same through jitmem_initialize(): the range is free while the region lives. */
static int finalize_segment_initialize(void)
{
	struct t_seen seen = { 0 };
	struct jitmem_action_pair pair = { { t_look, &seen }, { NULL, NULL } };
	struct jitmem_segment segs[3];
	struct jitmem_init_request req = T_INIT(segs, 3, &pair, 1);
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab, *key, *key2;
	char *s;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_reserve(m, 1 << 20, &slab));
	s = slab;
	seen.ro = s;
	seen.rw = s + pg;
	segs[0] = T_SEGV(s, pg, "f", 2, RO | FIN);
	segs[1] = T_SEGV(s + pg, pg, "g", 1, RW | FIN);
	segs[2] = T_SEGV(s + 2 * pg, pg, "s", 1, RO);
	T_OK(jitmem_initialize(m, &req, &key));
	T_EQ(seen.ok, 1);
	T_CHECK(key == s + 2 * pg);
	T_EQ(t_freed(s, T_FILL_DATA), 1);
	T_EQ(t_freed(s + pg, T_FILL_DATA), 1);
	T_EQ(s[2 * pg], 's');
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.segments, 1);
	segs[0].group = RO;
	req.nsegments = 2;
	req.nactions = 0;
	T_OK(jitmem_initialize(m, &req, &key2));
	T_EQ(s[0], 'f');
	T_OK(jitmem_deinitialize(m, key));
	T_OK(jitmem_deinitialize(m, key2));
	jitmem_close(m);
	return 0;
}

/* A failing finalize action with Finalize segments leaves nothing behind. */
static int finalize_failure_with_finalize_segments(void)
{
	struct jitmem_seg_request reqs[2] = { T_REQ(RX, 8, 0), T_REQ(RO | FIN, 2, 0) };
	struct jitmem_action_pair pair = { { t_fail, (void *)-ENOSTR }, { NULL, NULL } };
	struct jitmem_alloc *a;
	struct jitmem_stats st;
	struct jitmem *m;
	void *fin;

	T_CHECK((m = t_setup(NULL)));
	T_OK(jitmem_allocate(m, reqs, 2, &a));
	T_EQ(jitmem_alloc_finalize(a, &pair, 1, &fin, NULL), -ENOSTR);
	T_EQ(t_freed(jitmem_alloc_target(a, 1), T_FILL_DATA), 1);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	T_EQ(st.segments, 0);
	jitmem_alloc_abandon(a);
	jitmem_close(m);
	return 0;
}

/*
 * NoAlloc: working memory only, no executor address, nothing reaches the
 * backend (the kernel's counters in the kernel backend).
 */
static int noalloc_never_reaches_backend(void)
{
	struct jitmem_seg_request reqs[3] = {
		T_REQ(RO | NOALLOC, 1 << 20, 0), T_REQ(RO, 1, 0), T_REQ(RW | NOALLOC, 10, 0),
	};
	struct jitmem_alloc *a;
	struct jitmem_stats st;
	struct jitmem *m;
	char *debug;
	void *fin;

	T_CHECK((m = t_setup(NULL)));
	/* NoAlloc alone: no slab, no region. */
	T_OK(jitmem_allocate(m, reqs, 1, &a));
	T_CHECK(jitmem_alloc_target(a, 0) == NULL);
	debug = jitmem_alloc_working(a, 0);
	T_CHECK(debug != NULL);
	memset(debug, 'd', 1 << 20);
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 0);
	T_EQ(jitmem_alloc_finalize(a, NULL, 0, &fin, NULL), -EINVAL);
	jitmem_alloc_abandon(a);
	/* With a Standard segment: only that one is initialized. */
	T_OK(jitmem_allocate(m, reqs, 3, &a));
	T_CHECK(jitmem_alloc_target(a, 0) == NULL);
	T_CHECK(jitmem_alloc_target(a, 2) == NULL);
	T_CHECK(jitmem_alloc_target(a, 1) != NULL);
	memset(jitmem_alloc_working(a, 0), 'd', 1 << 20);
	memset(jitmem_alloc_working(a, 2), 'e', 10);
	T_OK(jitmem_alloc_finalize(a, NULL, 0, &fin, NULL));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 1);
	T_EQ(st.regions, 1);
	T_EQ(st.segments, 1);
	T_EQ(st.bytes_r, gr);
	T_EQ(st.bytes_rw + st.bytes_rx, 0);
	T_OK(jitmem_deallocate(m, &fin, 1, NULL));
	jitmem_close(m);
	return 0;
}

/* Standard memory lives until its own deallocation, whatever else goes. */
static int standard_lives_until_deallocated(void)
{
	struct jitmem_seg_request req = T_REQ(RX, 6, 0);
	struct jitmem_alloc *a;
	struct jitmem *m;
	void *fin[8], *code[8];
	int i;

	T_CHECK((m = t_setup(NULL)));
	for (i = 0; i < 8; i++) {
		T_OK(jitmem_allocate(m, &req, 1, &a));
		t_code(jitmem_alloc_working(a, 0), i);
		code[i] = jitmem_alloc_target(a, 0);
		T_OK(jitmem_alloc_finalize(a, NULL, 0, &fin[i], NULL));
	}
	for (i = 0; i < 8; i += 2)
		T_OK(jitmem_deallocate(m, &fin[i], 1, NULL));
	for (i = 1; i < 8; i += 2)
		T_EQ(t_call(code[i]), i);
	for (i = 0; i < 8; i += 2)
		T_EQ(t_freed(code[i], T_FILL_CODE), 1);
	jitmem_close(m);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(finalize_segments_gone_after_finalize),
	T_CASE(finalize_segment_initialize),
	T_CASE(finalize_failure_with_finalize_segments),
	T_CASE(noalloc_never_reaches_backend),
	T_CASE(standard_lives_until_deallocated),
};

T_MAIN("lifetime_" T_BACKEND, cases)
