// SPDX-License-Identifier: MIT OR LGPL-2.1
/* Allocation actions: ORC's AllocActions semantics on both entry points. */
#include "helpers.h"

/* A log of which actions ran, in order. */
struct t_log {
	char ran[64];
	size_t n;
};

struct t_act {
	struct t_log *log;
	char name;
	int ret;
	const unsigned char *check;	/* finalize: must read this byte... */
	unsigned char expect;		/* ...with this value */
};

static int t_action(void *arg, struct jitmem_result *res)
{
	struct t_act *a = arg;

	if (a->check && *a->check != a->expect) {
		snprintf(res->message, sizeof(res->message), "%c read %u, not %u", a->name,
			 *a->check, a->expect);
		return -EBADE;
	}
	if (a->ret)
		snprintf(res->message, sizeof(res->message), "action %c fails", a->name);
	if (a->log->n < sizeof(a->log->ran) - 1)
		a->log->ran[a->log->n++] = a->name;
	return a->ret;
}

static struct jitmem_action t_act_of(struct t_act *a)
{
	struct jitmem_action x = { a ? t_action : NULL, a };

	return x;
}

#define T_PAIR(f, d) { t_act_of(f), t_act_of(d) }

/* Finalize actions run in order and see the copied and zero-filled content. */
static int finalize_reads_content(void)
{
	static const unsigned char content[3] = { 1, 2, 3 };
	struct t_log log = { 0 };
	struct jitmem *m;
	void *slab, *key;
	unsigned char *p;

	T_CHECK((m = t_setup(&slab)));
	p = slab;
	{
		struct t_act f1 = { &log, 'a', 0, p + 2, 3 };
		struct t_act f2 = { &log, 'b', 0, p + 3, 0 };
		struct t_act f3 = { &log, 'c', 0, p + pg - 1, 0 };
		struct jitmem_action_pair pairs[3] = {
			T_PAIR(&f1, NULL), T_PAIR(&f2, NULL), T_PAIR(&f3, NULL),
		};
		struct jitmem_segment seg = T_SEG(p, pg, content, 3, JITMEM_PROT_R);
		struct jitmem_init_request req = T_INIT(&seg, 1, pairs, 3);

		T_OK(jitmem_initialize(m, &req, &key));
		T_CHECK(strcmp(log.ran, "abc") == 0);
	}
	jitmem_close(m);
	return 0;
}

/* Dealloc actions run on deinitialize only, in reverse; null ones are skipped. */
static int dealloc_only_on_deinitialize(void)
{
	struct t_log log = { 0 };
	struct t_act fa = { &log, 'a', 0, NULL, 0 }, da = { &log, 'A', 0, NULL, 0 };
	struct t_act fb = { &log, 'b', 0, NULL, 0 };
	struct t_act dc = { &log, 'C', 0, NULL, 0 };
	struct jitmem_action_pair pairs[3] = { T_PAIR(&fa, &da), T_PAIR(&fb, NULL),
					       T_PAIR(NULL, &dc) };
	struct jitmem *m;
	void *slab, *key;

	T_CHECK((m = t_setup(&slab)));
	{
		struct jitmem_segment seg = T_SEG(slab, pg, NULL, 0, JITMEM_PROT_R | JITMEM_PROT_W);
		struct jitmem_init_request req = T_INIT(&seg, 1, pairs, 3);

		T_OK(jitmem_initialize(m, &req, &key));
		T_CHECK(strcmp(log.ran, "ab") == 0);
		T_OK(jitmem_deinitialize(m, key));
		T_CHECK(strcmp(log.ran, "abCA") == 0);
		T_EQ(t_freed(slab, T_FILL_DATA), 1);
	}
	jitmem_close(m);
	T_CHECK(strcmp(log.ran, "abCA") == 0);
	return 0;
}

/*
 * A failing finalize action: the dealloc actions of the pairs already run go
 * in reverse, nothing after it runs, the memory is reserved again.
 */
static int failing_finalize_rolls_back(void)
{
	struct t_log log = { 0 };
	struct t_act fa = { &log, 'a', 0, NULL, 0 }, da = { &log, 'A', 0, NULL, 0 };
	struct t_act db = { &log, 'B', 0, NULL, 0 };
	struct t_act fc = { &log, 'c', -EXDEV, NULL, 0 }, dc = { &log, 'C', 0, NULL, 0 };
	struct t_act fd = { &log, 'd', 0, NULL, 0 }, dd = { &log, 'D', 0, NULL, 0 };
	struct jitmem_action_pair pairs[4] = { T_PAIR(&fa, &da), T_PAIR(NULL, &db),
					       T_PAIR(&fc, &dc), T_PAIR(&fd, &dd) };
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab, *key = NULL;

	T_CHECK((m = t_setup(&slab)));
	{
		char c = 9;
		struct jitmem_segment seg = T_SEG(slab, pg, &c, 1, JITMEM_PROT_R);
		struct jitmem_init_request req = T_INIT(&seg, 1, pairs, 4);

		T_EQ(jitmem_initialize(m, &req, &key), -EXDEV);
		T_CHECK(key == NULL);
		T_CHECK(strcmp(log.ran, "acBA") == 0);
		T_EQ(t_freed(slab, T_FILL_DATA), 1);
		T_OK(jitmem_get_stats(m, &st));
		T_EQ(st.regions, 0);
		T_EQ(st.segments, 0);
		/* Back to reserved: the same range initializes again. */
		req.nactions = 0;
		T_OK(jitmem_initialize(m, &req, &key));
		T_EQ(*(char *)slab, 9);
	}
	jitmem_close(m);
	T_CHECK(strcmp(log.ran, "acBA") == 0);
	return 0;
}

static int positive_return_is_an_error(void)
{
	struct t_log log = { 0 };
	struct t_act f = { &log, 'f', 1, NULL, 0 };
	struct jitmem_action_pair pair = T_PAIR(&f, NULL);
	struct jitmem *m;
	void *slab, *key;

	T_CHECK((m = t_setup(&slab)));
	{
		struct jitmem_segment seg = T_SEG(slab, pg, NULL, 0, JITMEM_PROT_R);
		struct jitmem_init_request req = T_INIT(&seg, 1, &pair, 1);

		T_EQ(jitmem_initialize(m, &req, &key), -EIO);
	}
	jitmem_close(m);
	return 0;
}

/* A failing dealloc action is reported; the others run, the memory goes anyway. */
static int dealloc_error_reported(void)
{
	struct t_log log = { 0 };
	struct t_act da = { &log, 'A', 0, NULL, 0 }, db = { &log, 'B', -EBADMSG, NULL, 0 };
	struct jitmem_action_pair pairs[2] = { T_PAIR(NULL, &da), T_PAIR(NULL, &db) };
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab, *keys[2];

	T_CHECK((m = t_setup(&slab)));
	{
		struct jitmem_segment seg = T_SEG(slab, pg, NULL, 0, JITMEM_PROT_R);
		struct jitmem_init_request req = T_INIT(&seg, 2, NULL, 0);

		req.nsegments = 1;
		req.actions = pairs;
		req.nactions = 2;
		T_OK(jitmem_initialize(m, &req, &keys[0]));
		seg.addr = (char *)slab + pg;
		req.nactions = 0;
		T_OK(jitmem_initialize(m, &req, &keys[1]));
		T_EQ(jitmem_deinitialize_multiple(m, keys, 2, NULL), -EBADMSG);
		T_CHECK(strcmp(log.ran, "BA") == 0);
		T_OK(jitmem_get_stats(m, &st));
		T_EQ(st.regions, 0);
	}
	jitmem_close(m);
	return 0;
}

/* close runs the pending dealloc actions, newest region first. */
static int close_runs_pending_deallocs(void)
{
	struct t_log log = { 0 };
	struct t_act d1 = { &log, '1', 0, NULL, 0 }, d2 = { &log, '2', 0, NULL, 0 };
	struct t_act d3 = { &log, '3', 0, NULL, 0 };
	struct jitmem_action_pair p1 = T_PAIR(NULL, &d1), p2 = T_PAIR(NULL, &d2);
	struct jitmem_action_pair p3 = T_PAIR(NULL, &d3);
	struct jitmem_seg_request sreq = T_REQ(JITMEM_PROT_R, 1, 0);
	struct jitmem_alloc *a;
	struct jitmem *m;
	void *slab, *key, *fin;

	T_CHECK((m = t_setup(&slab)));
	{
		struct jitmem_segment seg = T_SEG(slab, pg, NULL, 0, JITMEM_PROT_R);
		struct jitmem_init_request req = T_INIT(&seg, 1, &p1, 1);

		T_OK(jitmem_initialize(m, &req, &key));
		T_OK(jitmem_allocate(m, &sreq, 1, &a));
		T_OK(jitmem_alloc_finalize(a, &p2, 1, &fin, NULL));
		seg.addr = (char *)slab + 2 * pg;
		req.actions = &p3;
		T_OK(jitmem_initialize(m, &req, &key));
	}
	T_EQ(log.n, 0);
	jitmem_close(m);
	T_CHECK(strcmp(log.ran, "321") == 0);
	return 0;
}

struct t_reenter {
	struct jitmem *m;
	void *victim, *self;
	int ret, ret_self;
};

static int t_reenter_finalize(void *arg, struct jitmem_result *res)
{
	struct t_reenter *r = arg;
	struct jitmem_stats st;

	(void)res;
	return jitmem_get_stats(r->m, &st) ?: st.regions == 2 ? 0 : -EBADE;
}

static int t_reenter_dealloc(void *arg, struct jitmem_result *res)
{
	struct t_reenter *r = arg;

	(void)res;
	r->ret_self = jitmem_deinitialize(r->m, r->self);
	r->ret = jitmem_deinitialize(r->m, r->victim);
	return 0;
}

/* Actions run without the handle's lock: they may call the library. */
static int actions_may_reenter(void)
{
	struct t_reenter re = { 0 };
	struct jitmem_action_pair pair = { { t_reenter_finalize, &re },
					   { t_reenter_dealloc, &re } };
	struct jitmem_stats st;
	struct jitmem *m;
	void *slab, *key;

	T_CHECK((m = t_setup(&slab)));
	re.m = m;
	{
		struct jitmem_segment seg = T_SEG(slab, pg, NULL, 0, JITMEM_PROT_R);
		struct jitmem_init_request req = T_INIT(&seg, 1, NULL, 0);

		T_OK(jitmem_initialize(m, &req, &re.victim));
		seg.addr = (char *)slab + pg;
		req.actions = &pair;
		req.nactions = 1;
		T_OK(jitmem_initialize(m, &req, &key));
		re.self = key;
		T_OK(jitmem_deinitialize(m, key));
		/* Its own region is already going; the other one goes. */
		T_EQ(re.ret_self, -ENOENT);
		T_EQ(re.ret, 0);
	}
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	jitmem_close(m);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(finalize_reads_content),
	T_CASE(dealloc_only_on_deinitialize),
	T_CASE(failing_finalize_rolls_back),
	T_CASE(positive_return_is_an_error),
	T_CASE(dealloc_error_reported),
	T_CASE(close_runs_pending_deallocs),
	T_CASE(actions_may_reenter),
};

T_MAIN("actions_" T_BACKEND, cases)
