// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scale: 100k live one-page regions in one slab (JITMEM_SCALE_N sets the
 * count: check-debug asks fewer of the KASAN kernel).  Contiguous regions of one
 * protection share a VMA (the kernel gives a free run its neighbour's
 * protection), so the VMA count stays far below vm.max_map_count; the cost
 * of alternating protections is reported.  Needs ~400 MiB per test.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

#include <time.h>

static unsigned long scale_n(void)
{
	unsigned long n = jm_env_ulong("JITMEM_SCALE_N", 100000);

	return n >= 1000 ? n : 100000;
}

#define SCALE_N		scale_n()
/*
 * The stock kernel fills a slab in 20 s (RX) to 100 s (RX/RW) under TCG;
 * the debug kernel (KASAN, lockdep) can take far longer.  Past this budget
 * the test reports a skip, never a pass.
 */
#define FILL_BUDGET_S	400

FIXTURE(scale) {
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

FIXTURE_SETUP(scale)
{
	self->pg = jm_pg();
	ASSERT_EQ(0, jm_param_get("max_reserved_bytes", &self->saved_reserved));
	ASSERT_EQ(0, jm_param_get("max_initialized_bytes",
				  &self->saved_initialized));
	ASSERT_EQ(0, map_count_get(&self->saved_map_count));
}

FIXTURE_TEARDOWN_PARENT(scale)
{
	if (self->restore_params) {
		jm_param_set("max_reserved_bytes", self->saved_reserved);
		jm_param_set("max_initialized_bytes", self->saved_initialized);
	}
	if (self->restore_map_count)
		map_count_set(self->saved_map_count);
}

/* Make room for @bytes in both per-context caps, restored by teardown. */
static int ensure_caps(FIXTURE_DATA(scale) *self, unsigned long long bytes)
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

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Fill a slab with SCALE_N one-page regions; false if it skipped. */
static bool scale(struct __test_metadata *_metadata,
		  FIXTURE_DATA(scale) *self, bool alternate, int *vmas)
{
	time_t deadline = now_s() + FILL_BUDGET_S;
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

		if (i % 1000 == 0 && now_s() > deadline) {
			close(fd);
			SKIP(return false, "kernel too slow: %lu regions in %d s",
			     i, FILL_BUDGET_S);
		}
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
	return true;
}

/* Contiguous same-protection regions share a VMA. */
TEST_F_TIMEOUT(scale, rx_contiguous, 1800)
{
	int vmas = -1;

	if (!scale(_metadata, self, false, &vmas))
		return;
	TH_LOG("%lu contiguous RX regions: %d VMAs", SCALE_N, vmas);
	EXPECT_LT(0, vmas);
	EXPECT_GT(10, vmas);
}

/* Informative: alternating protections cannot share VMAs. */
TEST_F_TIMEOUT(scale, rx_rw_alternating, 1800)
{
	unsigned long long need = 2 * SCALE_N + 1000;
	int vmas = -1;

	if (self->saved_map_count < need) {
		self->restore_map_count = true;
		ASSERT_EQ(0, map_count_set(need));
	}
	if (!scale(_metadata, self, true, &vmas))
		return;
	TH_LOG("%lu alternating RX/RW regions: %d VMAs", SCALE_N, vmas);
	EXPECT_LT(0, vmas);
	EXPECT_GE((int)(2 * SCALE_N + 1), vmas);
}

TEST_HARNESS_MAIN
