// SPDX-License-Identifier: GPL-2.0-only
/*
 * Concurrency and scale: threads using one fd while another thread
 * munmaps, mprotects and reads their slabs; 100k live regions in a slab
 * with a bounded number of VMAs.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

#include <pthread.h>
#include <stdarg.h>

#define WORKERS		4
#define ITERS		2000
#define SLAB_PAGES	4
#define MAGIC		0x5a000000
#define MAGIC_MASK	0xff000000

#define SCALE_N		100000UL

FIXTURE(stress) {
	unsigned long long saved_reserved, saved_initialized;
	unsigned long long saved_map_count;
	bool restore_params, restore_map_count;
	size_t pg;
};

static int map_count_get(unsigned long long *val)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", val) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static int map_count_set(unsigned long long val)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "we");
	int ok;

	if (!f)
		return -errno;
	ok = fprintf(f, "%llu\n", val) > 0;
	return fclose(f) || !ok ? -EIO : 0;
}

FIXTURE_SETUP(stress)
{
	self->pg = jm_pg();
	ASSERT_EQ(0, jm_param_get("max_reserved_bytes", &self->saved_reserved));
	ASSERT_EQ(0, jm_param_get("max_initialized_bytes",
				  &self->saved_initialized));
	ASSERT_EQ(0, map_count_get(&self->saved_map_count));
}

FIXTURE_TEARDOWN_PARENT(stress)
{
	if (self->restore_params) {
		jm_param_set("max_reserved_bytes", self->saved_reserved);
		jm_param_set("max_initialized_bytes", self->saved_initialized);
	}
	if (self->restore_map_count)
		map_count_set(self->saved_map_count);
}

/* --- threaded stress --------------------------------------------------- */

struct slot {
	pthread_mutex_t lock;	/* held around reserve/release and disruption */
	__u64 slab;		/* 0 when the worker has no slab */
	bool damaged;		/* part of the slab was munmapped */
};

struct stress {
	int fd;
	size_t pg;
	struct slot slot[WORKERS];
	volatile int running;
	unsigned long bad;	/* under report_lock */
	char first[256];
	pthread_mutex_t report_lock;
	unsigned long exact, foreign, faults, enxio, ebusy, disrupted;
};

struct worker {
	struct stress *st;
	unsigned int id;
};

static void report(struct stress *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct stress *st, const char *fmt, ...)
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

	for (it = 0; it < ITERS; it++) {
		unsigned char code[JM_CODE_LEN];
		struct jitmem_segment seg[2];
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
		s->slab = 0;
		pthread_mutex_unlock(&s->lock);
	}
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

	while (st->running) {
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

TEST_F_TIMEOUT(stress, threads_with_disruption, 300)
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
	st->running = 1;
	ASSERT_EQ(0, pthread_create(&d, NULL, disruptor_fn, st));
	for (i = 0; i < WORKERS; i++) {
		w[i].st = st;
		w[i].id = i;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_fn, &w[i]));
	}
	for (i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	st->running = 0;
	pthread_join(d, NULL);

	TH_LOG("exec exact %lu, foreign %lu, faulted %lu; init ENXIO %lu, EBUSY %lu; disruptions %lu",
	       st->exact, st->foreign, st->faults, st->enxio, st->ebusy,
	       st->disrupted);
	EXPECT_EQ(0UL, st->bad) TH_LOG("first problem: %s", st->first);
	EXPECT_LT(0UL, st->exact);
	ASSERT_EQ(0, jm_query(st->fd, &q));
	EXPECT_EQ(0ULL, q.slabs);
	EXPECT_EQ(0ULL, q.reserved_bytes);
	EXPECT_EQ(0ULL, q.regions);
	EXPECT_EQ(0ULL, q.segments);
	EXPECT_EQ(0ULL, q.bytes_r + q.bytes_rw + q.bytes_rx + q.retired_bytes);
	EXPECT_EQ(0, jm_maps_count(0, ~0ULL));
	close(st->fd);
	free(st);
}

/* --- scale ------------------------------------------------------------- */

/* Make room for @bytes in both per-context caps, restored by teardown. */
static int ensure_caps(FIXTURE_DATA(stress) *self, unsigned long long bytes)
{
	int r = 0;

	if (self->saved_reserved >= bytes && self->saved_initialized >= bytes)
		return 0;
	self->restore_params = true;
	if (self->saved_reserved < bytes)
		r = jm_param_set("max_reserved_bytes", bytes);
	if (!r && self->saved_initialized < bytes)
		r = jm_param_set("max_initialized_bytes", bytes);
	return r;
}

static void scale(struct __test_metadata *_metadata,
		  FIXTURE_DATA(stress) *self, bool alternate, int *vmas)
{
	size_t pg = self->pg;
	unsigned long i, len = SCALE_N * pg;
	struct jitmem_query q;
	__u64 slab;
	int fd, r = 0, v = 0;

	ASSERT_EQ(0, ensure_caps(self, len));
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, len, 0, 0, &slab));
	for (i = 0; i < SCALE_N && !r; i++) {
		unsigned char code[JM_CODE_LEN];
		__u8 group = alternate && (i & 1) ? JM_RW : JM_RX;

		jm_code(code, (int)i);
		r = jm_init1(fd, slab + i * pg, pg, code, sizeof(code), group,
			     NULL);
	}
	ASSERT_EQ(0, r) TH_LOG("initialize #%lu failed", i - 1);
	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(SCALE_N, q.regions);
	EXPECT_EQ(SCALE_N, q.segments);
	*vmas = jm_maps_count(slab, slab + len);
	for (i = 0; i < SCALE_N; i += 997) {
		if (alternate && (i & 1))
			continue;
		ASSERT_EQ(0, jm_exec(slab + i * pg, &v));
		EXPECT_EQ((int)i, v);
	}
	EXPECT_EQ(0, jm_maps_wx());
	ASSERT_EQ(0, jm_release1(fd, slab));
	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(0ULL, q.regions);
	close(fd);
}

/* Contiguous same-protection regions share a VMA. */
TEST_F_TIMEOUT(stress, scale_100k_rx_regions, 600)
{
	int vmas = -1;

	scale(_metadata, self, false, &vmas);
	TH_LOG("%lu contiguous RX regions: %d VMAs", SCALE_N, vmas);
	EXPECT_LT(0, vmas);
	EXPECT_GT(10, vmas);
}

/* Informative: alternating protections cannot share VMAs. */
TEST_F_TIMEOUT(stress, scale_100k_alternating_regions, 600)
{
	unsigned long long need = 2 * SCALE_N + 1000;
	int vmas = -1;

	if (self->saved_map_count < need) {
		self->restore_map_count = true;
		ASSERT_EQ(0, map_count_set(need));
	}
	scale(_metadata, self, true, &vmas);
	TH_LOG("%lu alternating RX/RW regions: %d VMAs", SCALE_N, vmas);
	EXPECT_LT(0, vmas);
	EXPECT_GE((int)(2 * SCALE_N + 1), vmas);
}

TEST_HARNESS_MAIN
