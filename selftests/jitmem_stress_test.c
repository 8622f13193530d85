// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency: threads using one fd at once while another thread munmaps,
 * mprotects and probes their slabs.  Every call returns 0 or a documented
 * errno, code runs or faults only where the slab was damaged, and the
 * counters end at zero with no mapping left behind.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

#include <pthread.h>
#include <stdarg.h>
#include <time.h>

#define WORKERS		4
#define ITERS		2000
/*
 * Slow kernels (KASAN and lockdep under TCG) stop early: not a result.
 * JITMEM_STRESS_SECONDS changes the bound (check-debug: 60).
 */
#define DEADLINE_S	jm_env_ulong("JITMEM_STRESS_SECONDS", 150)
#define SLAB_PAGES	4
#define MAGIC		0x5a000000
#define MAGIC_MASK	0xff000000

FIXTURE(stress) {
	size_t pg;
};

FIXTURE_SETUP(stress)
{
	self->pg = jm_pg();
}

FIXTURE_TEARDOWN(stress)
{
}

struct slot {
	pthread_mutex_t lock;	/* held around reserve/release and disruption */
	__u64 slab;		/* 0 when the worker has no slab */
	bool damaged;		/* part of the slab was munmapped */
};

struct stress {
	int fd;
	size_t pg;
	struct slot slot[WORKERS];
	int running;		/* __atomic */
	unsigned long bad;	/* under report_lock */
	char first[256];
	pthread_mutex_t report_lock;
	unsigned long exact, foreign, faults, enxio, ebusy, disrupted;
	unsigned long release_enoent, iters;
	time_t deadline;	/* CLOCK_MONOTONIC seconds */
};

struct worker {
	struct stress *st;
	unsigned int id;
};

static void __attribute__((format(printf, 2, 3)))
report(struct stress *st, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&st->report_lock);
	if (!st->bad++) {
		va_start(ap, fmt);
		vsnprintf(st->first, sizeof(st->first), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&st->report_lock);
}

static void count(struct stress *st, unsigned long *c)
{
	pthread_mutex_lock(&st->report_lock);
	(*c)++;
	pthread_mutex_unlock(&st->report_lock);
}

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static bool slot_damaged(struct slot *s)
{
	bool d;

	pthread_mutex_lock(&s->lock);
	d = s->damaged;
	pthread_mutex_unlock(&s->lock);
	return d;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	struct slot *s = &st->slot[w->id];
	size_t pg = st->pg;
	unsigned int it;

	for (it = 0; it < ITERS && now_s() < st->deadline; it++) {
		unsigned char code[JM_CODE_LEN];
		struct jitmem_init_segment seg[2];
		int val = MAGIC | w->id << 16 | (it & 0xffff);
		__u64 slab, key;
		int r, sig, v = 0;

		pthread_mutex_lock(&s->lock);
		r = jm_reserve(st->fd, SLAB_PAGES * pg, 0, 0, &slab);
		if (!r) {
			s->slab = slab;
			s->damaged = false;
		}
		pthread_mutex_unlock(&s->lock);
		if (r) {
			if (r != -ENOMEM)
				report(st, "reserve: %d", r);
			continue;
		}

		jm_code(code, val);
		seg[0] = jm_seg(slab, pg, code, sizeof(code), JM_RX);
		seg[1] = jm_seg(slab + 2 * pg, pg, &val, sizeof(val), JM_RW);
		r = jm_initialize(st->fd, seg, 2, &key);
		if (r == -ENXIO || r == -EBUSY) {
			if (!slot_damaged(s))
				report(st, "initialize %d on an intact slab", r);
			count(st, r == -ENXIO ? &st->enxio : &st->ebusy);
		} else if (r && r != -ENOMEM) {
			report(st, "initialize: %d", r);
		}
		if (!r) {
			sig = jm_exec(key, &v);
			if (!sig && v == val) {
				count(st, &st->exact);
			} else if (!slot_damaged(s)) {
				report(st, "exec on an intact slab: sig %d val %#x want %#x",
				       sig, v, val);
			} else if (sig) {
				count(st, &st->faults);
			} else if ((v & MAGIC_MASK) == MAGIC) {
				count(st, &st->foreign);
			} else {
				report(st, "exec ran foreign bytes: %#x", v);
			}
			r = jm_deinit1(st->fd, key);
			if (r && !(r == -ENOENT && slot_damaged(s)))
				report(st, "deinitialize: %d", r);
		}

		pthread_mutex_lock(&s->lock);
		r = jm_release1(st->fd, slab);
		if (r && !(r == -ENOENT && s->damaged))
			report(st, "release: %d", r);
		if (r == -ENOENT)
			count(st, &st->release_enoent);
		s->slab = 0;
		pthread_mutex_unlock(&s->lock);
	}
	pthread_mutex_lock(&st->report_lock);
	st->iters += it;
	pthread_mutex_unlock(&st->report_lock);
	return NULL;
}

static void disrupt(struct stress *st, struct slot *s, unsigned int rnd)
{
	size_t pg = st->pg;
	unsigned int page = rnd % SLAB_PAGES, action = (rnd >> 8) % 32;
	void *p = JM_PTR(s->slab + page * pg);
	int v = 0, sig;

	if (action < 12) {
		static const int prots[] = {
			PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
			PROT_READ | PROT_EXEC,
			PROT_READ | PROT_WRITE | PROT_EXEC,
		};
		int prot = prots[(rnd >> 16) % 5];

		if (!mprotect(p, pg, prot) || errno != EACCES)
			report(st, "mprotect(%#x) on a slab: errno %d", prot,
			       errno);
	} else if (action < 24) {
		sig = jm_read(JM_U64(p), &v);
		if (sig && sig != SIGSEGV)
			report(st, "read probe: signal %d", sig);
	} else if (action < 31) {
		/* Page 0 is code (or nothing), page 1 always nothing. */
		sig = jm_write(s->slab + (page & 1) * pg, 0xcc);
		if (sig != SIGSEGV)
			report(st, "write to page %u succeeded", page & 1);
	} else {
		size_t n = 1 + (rnd >> 20) % 2;

		if (page + n > SLAB_PAGES)
			n = SLAB_PAGES - page;
		s->damaged = true;
		if (munmap(p, n * pg))
			report(st, "munmap: %d", errno);
	}
}

static void *disruptor_fn(void *arg)
{
	struct stress *st = arg;
	unsigned int seed = 1;

	while (__atomic_load_n(&st->running, __ATOMIC_RELAXED)) {
		unsigned int rnd = rand_r(&seed);
		struct slot *s = &st->slot[rnd % WORKERS];

		pthread_mutex_lock(&s->lock);
		if (s->slab && !s->damaged) {
			disrupt(st, s, rand_r(&seed));
			count(st, &st->disrupted);
		}
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

static void print_map(const struct jm_map *m, void *arg)
{
	(void)arg;
	fprintf(stderr, "# left: %lx-%lx %s\n", m->start, m->end, m->perms);
}

TEST_F_TIMEOUT(stress, threads_with_disruption, 600)
{
	struct stress *st = calloc(1, sizeof(*st));
	struct worker w[WORKERS];
	pthread_t t[WORKERS], d;
	struct jitmem_query q;
	unsigned int i;

	ASSERT_NE(NULL, st);
	st->pg = self->pg;
	st->fd = jm_open();
	ASSERT_LE(0, st->fd);
	pthread_mutex_init(&st->report_lock, NULL);
	for (i = 0; i < WORKERS; i++)
		pthread_mutex_init(&st->slot[i].lock, NULL);
	st->deadline = now_s() + DEADLINE_S;
	__atomic_store_n(&st->running, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_create(&d, NULL, disruptor_fn, st));
	for (i = 0; i < WORKERS; i++) {
		w[i].st = st;
		w[i].id = i;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_fn, &w[i]));
	}
	for (i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&st->running, 0, __ATOMIC_RELAXED);
	pthread_join(d, NULL);

	TH_LOG("%lu of %d iterations; exec exact %lu, foreign %lu, faulted %lu; "
	       "init ENXIO %lu, EBUSY %lu; release ENOENT %lu; disruptions %lu",
	       st->iters, WORKERS * ITERS, st->exact, st->foreign, st->faults,
	       st->enxio, st->ebusy, st->release_enoent, st->disrupted);
	EXPECT_EQ(0UL, st->bad) TH_LOG("first problem: %s", st->first);
	EXPECT_LT(0UL, st->exact);
	jm_expect_empty(_metadata, st->fd);
	ASSERT_EQ(0, jm_query(st->fd, &q));
	EXPECT_EQ(0ULL, q.retired_bytes);
	EXPECT_EQ(0, jm_maps_scan(0, ~0ULL, print_map, NULL));
	close(st->fd);
	free(st);
}

TEST_HARNESS_MAIN
