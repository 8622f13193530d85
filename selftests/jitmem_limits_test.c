// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module parameters: the per-context caps (max_reserved_bytes,
 * max_initialized_bytes, max_empty_bytes), the per-request caps
 * (max_segments, max_batch) and exec_reuse=0, which retires code ranges
 * after deinitialize.
 *
 * Tests change parameters through sysfs (root in the VM) before opening
 * the device; the parent restores them even if the test crashes.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

static const char *const param_names[] = {
	"max_reserved_bytes", "max_initialized_bytes", "max_segments",
	"max_batch", "exec_reuse", "max_empty_bytes",
};

enum {
	P_RESERVED, P_INITIALIZED, P_SEGMENTS, P_BATCH, P_EXEC_REUSE, P_EMPTY,
	P_NR
};

FIXTURE(params) {
	unsigned long long saved[P_NR];
	bool changed[P_NR];
	size_t pg;
};

FIXTURE_SETUP(params)
{
	int i;

	self->pg = jm_pg();
	for (i = 0; i < P_NR; i++)
		ASSERT_EQ(0, jm_param_get(param_names[i], &self->saved[i]))
			TH_LOG("read %s%s", JM_PARAMS, param_names[i]);
}

FIXTURE_TEARDOWN_PARENT(params)
{
	int i;

	for (i = 0; i < P_NR; i++)
		if (self->changed[i] &&
		    jm_param_set(param_names[i], self->saved[i]))
			TH_LOG("could not restore %s", param_names[i]);
}

static int set_param(FIXTURE_DATA(params) *self, int p,
		     unsigned long long val)
{
	self->changed[p] = true;
	return jm_param_set(param_names[p], val);
}

static void expect_same(struct __test_metadata *_metadata, int fd,
			const struct jitmem_query *q0)
{
	struct jitmem_query q1;

	ASSERT_EQ(0, jm_query(fd, &q1));
	EXPECT_EQ(0, memcmp(q0, &q1, sizeof(q1)));
}

TEST_F(params, max_reserved_bytes)
{
	size_t pg = self->pg;
	struct jitmem_query q0;
	__u64 a, b;
	int fd, fd2;

	ASSERT_EQ(0, set_param(self, P_RESERVED, 8 * pg));
	fd = jm_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOSPC, jm_reserve(fd, 9 * pg, 0, 0, NULL));
	ASSERT_EQ(0, jm_reserve(fd, 6 * pg, 0, 0, &a));
	ASSERT_EQ(0, jm_reserve(fd, 2 * pg, 0, 0, &b));
	ASSERT_EQ(0, jm_query(fd, &q0));
	EXPECT_EQ(-ENOSPC, jm_reserve(fd, pg, 0, 0, NULL));
	expect_same(_metadata, fd, &q0);
	/* Per context: another open file has its own budget. */
	fd2 = jm_open();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, jm_reserve(fd2, 8 * pg, 0, 0, NULL));
	/* Released bytes are available again. */
	ASSERT_EQ(0, jm_release1(fd, b));
	EXPECT_EQ(0, jm_reserve(fd, 2 * pg, 0, 0, NULL));
	close(fd2);
	close(fd);
}

TEST_F(params, max_initialized_bytes)
{
	size_t pg = self->pg;
	struct jitmem_init_segment s[2];
	struct jitmem_query q0;
	__u64 slab, key;
	int fd, v = 0;

	ASSERT_EQ(0, set_param(self, P_INITIALIZED, 4 * pg));
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, 16 * pg, 0, 0, &slab));
	ASSERT_EQ(0, jm_query(fd, &q0));
	EXPECT_EQ(-ENOSPC, jm_init1(fd, slab, 5 * pg, NULL, 0, JM_R, NULL));
	expect_same(_metadata, fd, &q0);

	s[0] = jm_seg(slab, 2 * pg, NULL, 0, JM_RX);
	s[1] = jm_seg(slab + 2 * pg, 2 * pg, NULL, 0, JM_RW);
	ASSERT_EQ(0, jm_initialize(fd, s, 2, &key));
	ASSERT_EQ(0, jm_query(fd, &q0));
	EXPECT_EQ(-ENOSPC, jm_init1(fd, slab + 8 * pg, pg, NULL, 0, JM_R, NULL));
	expect_same(_metadata, fd, &q0);
	EXPECT_EQ(SIGSEGV, jm_read(slab + 8 * pg, &v));
	/* Deinitialized bytes are available again. */
	ASSERT_EQ(0, jm_deinit1(fd, key));
	EXPECT_EQ(0, jm_init1(fd, slab + 8 * pg, 4 * pg, NULL, 0, JM_R, NULL));
	close(fd);
}

/* @n one-page R segments, one every other page from @slab. */
static struct jitmem_init_segment *spread(__u64 slab, size_t pg, unsigned int n)
{
	struct jitmem_init_segment *s = calloc(n, sizeof(*s));
	unsigned int i;

	for (i = 0; s && i < n; i++)
		s[i] = jm_seg(slab + 2ULL * i * pg, pg, NULL, 0, JM_R);
	return s;
}

static void check_max_segments(struct __test_metadata *_metadata, int fd,
			       size_t pg, unsigned int max)
{
	struct jitmem_init_segment *s;
	struct jitmem_query q0;
	__u64 slab, key;

	ASSERT_EQ(0, jm_reserve(fd, 2ULL * (max + 1) * pg, 0, 0, &slab));
	s = spread(slab, pg, max + 1);
	ASSERT_NE(NULL, s);
	ASSERT_EQ(0, jm_query(fd, &q0));
	EXPECT_EQ(-E2BIG, jm_initialize(fd, s, max + 1, NULL));
	expect_same(_metadata, fd, &q0);
	ASSERT_EQ(0, jm_initialize(fd, s, max, &key));
	EXPECT_EQ(slab, key);
	ASSERT_EQ(0, jm_query(fd, &q0));
	EXPECT_EQ((__u64)max, q0.segments);
	free(s);
}

TEST_F(params, max_segments_default)
{
	int fd = jm_open();

	ASSERT_LE(0, fd);
	TH_LOG("max_segments = %llu", self->saved[P_SEGMENTS]);
	ASSERT_LE(1ULL, self->saved[P_SEGMENTS]);
	ASSERT_GE(65536ULL, self->saved[P_SEGMENTS]);
	check_max_segments(_metadata, fd, self->pg, self->saved[P_SEGMENTS]);
	close(fd);
}

TEST_F(params, max_segments_lowered)
{
	int fd;

	ASSERT_EQ(0, set_param(self, P_SEGMENTS, 2));
	fd = jm_open();
	ASSERT_LE(0, fd);
	check_max_segments(_metadata, fd, self->pg, 2);
	close(fd);
}

static void check_max_batch(struct __test_metadata *_metadata, int fd,
			    size_t pg, unsigned long cmd, unsigned int max)
{
	__u64 *items = calloc(max + 1, sizeof(*items));
	__s32 *res = calloc(max + 1, sizeof(*res));
	struct jitmem_query q0;
	unsigned int i;
	__u64 slab, key;
	__u32 failed = 0;
	int v = 0;

	ASSERT_NE(NULL, items);
	ASSERT_NE(NULL, res);
	ASSERT_EQ(0, jm_reserve(fd, 4 * pg, 0, 0, &slab));
	ASSERT_EQ(0, jm_init1(fd, slab, pg, NULL, 0, JM_R, &key));
	/* A real item among unknown ones: over the cap, nothing is done. */
	for (i = 0; i <= max; i++)
		items[i] = slab + 2 * pg;	/* neither a key nor a slab */
	items[0] = cmd == JITMEM_IOC_RELEASE ? slab : key;
	ASSERT_EQ(0, jm_query(fd, &q0));
	EXPECT_EQ(-E2BIG, jm_batch(fd, cmd, 0, items, res, max + 1, NULL));
	expect_same(_metadata, fd, &q0);
	ASSERT_EQ(0, jm_read(slab, &v));
	/* At the cap: done, the unknown ones reported. */
	ASSERT_EQ(0, jm_batch(fd, cmd, 0, items, res, max, &failed));
	EXPECT_EQ(max - 1, failed);
	EXPECT_EQ(0, res[0]);
	if (max > 1)
		EXPECT_EQ(-ENOENT, res[max - 1]);
	/* Deinitialized: scrubbed and kept; released: unmapped. */
	EXPECT_EQ(cmd == JITMEM_IOC_RELEASE ? JM_FREED_GONE : JM_FREED_KEPT,
		  jm_freed_data(slab, pg));
	(void)v;
	if (cmd == JITMEM_IOC_DEINITIALIZE)
		EXPECT_EQ(0, jm_release1(fd, slab));
	free(items);
	free(res);
}

TEST_F(params, max_batch_default)
{
	int fd = jm_open();

	ASSERT_LE(0, fd);
	TH_LOG("max_batch = %llu", self->saved[P_BATCH]);
	ASSERT_LE(1ULL, self->saved[P_BATCH]);
	ASSERT_GE(1ULL << 20, self->saved[P_BATCH]);
	check_max_batch(_metadata, fd, self->pg, JITMEM_IOC_DEINITIALIZE,
			self->saved[P_BATCH]);
	check_max_batch(_metadata, fd, self->pg, JITMEM_IOC_RELEASE,
			self->saved[P_BATCH]);
	close(fd);
}

TEST_F(params, max_batch_lowered)
{
	int fd;

	ASSERT_EQ(0, set_param(self, P_BATCH, 2));
	fd = jm_open();
	ASSERT_LE(0, fd);
	check_max_batch(_metadata, fd, self->pg, JITMEM_IOC_DEINITIALIZE, 2);
	check_max_batch(_metadata, fd, self->pg, JITMEM_IOC_RELEASE, 2);
	close(fd);
}

TEST_F(params, exec_reuse_default_on)
{
	EXPECT_EQ(1ULL, self->saved[P_EXEC_REUSE]);
}

TEST_F(params, max_empty_bytes_default)
{
	EXPECT_EQ(1ULL << 20, self->saved[P_EMPTY]);
}

/*
 * max_empty_bytes is read by each call: lowered below what a context
 * keeps, the next DEINITIALIZE frees the pages of the mapping that holds
 * the oldest ones (the only mapping here) along with what it empties.
 */
TEST_F(params, max_empty_bytes_lowered)
{
	size_t pg = self->pg;
	struct jitmem_query q;
	__u64 slab, key[8];
	unsigned int i;
	int fd;

	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, 16 * pg, 0, 0, &slab));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, jm_init1(fd, slab + i * pg, pg, "d", 1, JM_R,
				      &key[i]));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, jm_deinit1(fd, key[i]));
	jm_expect_pages(_metadata, fd, 8 * pg, 4 * pg);
	ASSERT_EQ(0, set_param(self, P_EMPTY, 2 * pg));
	/* Lowering it frees nothing by itself. */
	jm_expect_pages(_metadata, fd, 8 * pg, 4 * pg);
	ASSERT_EQ(0, jm_deinit1(fd, key[4]));
	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(3 * pg, q.held_bytes);
	EXPECT_EQ(0ULL, q.empty_bytes);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(JM_FREED_GONE, jm_freed_data(slab + i * pg, pg));
	EXPECT_EQ(0, memcmp(JM_PTR(slab + 5 * pg), "d", 1));
	close(fd);
}

/* exec_reuse=0: a code range is never initialized again. */
TEST_F(params, exec_reuse_off_code_retired)
{
	unsigned char code[JM_CODE_LEN];
	size_t pg = self->pg;
	struct jitmem_query q0;
	__u64 slab, key;
	int fd, v = 0;

	ASSERT_EQ(0, set_param(self, P_EXEC_REUSE, 0));
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, 16 * pg, 0, 0, &slab));
	jm_code(code, 3);
	ASSERT_EQ(0, jm_init1(fd, slab + pg, 2 * pg, code, sizeof(code), JM_RX,
			      &key));
	ASSERT_EQ(0, jm_query(fd, &q0));
	EXPECT_EQ(0ULL, q0.retired_bytes);
	ASSERT_EQ(0, jm_deinit1(fd, key));
	ASSERT_EQ(0, jm_query(fd, &q0));
	EXPECT_EQ(2 * pg, q0.retired_bytes);
	EXPECT_EQ(0ULL, q0.bytes_rx);

	/* Any protection, exact range or partial overlap. */
	EXPECT_EQ(-EADDRNOTAVAIL, jm_init1(fd, slab + pg, 2 * pg, code,
					   sizeof(code), JM_RX, NULL));
	EXPECT_EQ(-EADDRNOTAVAIL, jm_init1(fd, slab + pg, pg, NULL, 0, JM_R,
					   NULL));
	EXPECT_EQ(-EADDRNOTAVAIL, jm_init1(fd, slab + 2 * pg, pg, NULL, 0,
					   JM_RW, NULL));
	EXPECT_EQ(-EADDRNOTAVAIL, jm_init1(fd, slab, 2 * pg, NULL, 0, JM_R,
					   NULL));
	expect_same(_metadata, fd, &q0);
	/* Scrubbed like any freed code: a call traps. */
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(slab + pg, 2 * pg));
	(void)v;
	/* Its neighbours are still usable. */
	EXPECT_EQ(0, jm_init1(fd, slab, pg, NULL, 0, JM_RX, NULL));
	EXPECT_EQ(0, jm_init1(fd, slab + 3 * pg, pg, NULL, 0, JM_RX, NULL));
	close(fd);
}

TEST_F(params, exec_reuse_off_data_reusable)
{
	size_t pg = self->pg;
	struct jitmem_init_segment s[2];
	struct jitmem_query q;
	__u64 slab, key;
	int fd, v = 0;

	ASSERT_EQ(0, set_param(self, P_EXEC_REUSE, 0));
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, 8 * pg, 0, 0, &slab));
	s[0] = jm_seg(slab, pg, "a", 1, JM_R);
	s[1] = jm_seg(slab + pg, pg, "b", 1, JM_RW);
	ASSERT_EQ(0, jm_initialize(fd, s, 2, &key));
	ASSERT_EQ(0, jm_deinit1(fd, key));
	s[0] = jm_seg(slab, pg, "c", 1, JM_RW);
	s[1] = jm_seg(slab + pg, pg, "d", 1, JM_R);
	ASSERT_EQ(0, jm_initialize(fd, s, 2, &key));
	ASSERT_EQ(0, jm_read(slab, &v));
	EXPECT_EQ('c', v);
	ASSERT_EQ(0, jm_read(slab + pg, &v));
	EXPECT_EQ('d', v);
	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(0ULL, q.retired_bytes);
	/* Even as code, once. */
	ASSERT_EQ(0, jm_deinit1(fd, key));
	EXPECT_EQ(0, jm_init1(fd, slab, 2 * pg, NULL, 0, JM_RX, NULL));
	close(fd);
}

TEST_F(params, exec_reuse_off_finalize_code_retired)
{
	size_t pg = self->pg;
	struct jitmem_init_segment s[2];
	struct jitmem_query q;
	__u64 slab, key;
	int fd;

	ASSERT_EQ(0, set_param(self, P_EXEC_REUSE, 0));
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, 8 * pg, 0, 0, &slab));
	s[0] = jm_seg(slab, pg, NULL, 0, JM_R);
	s[1] = jm_seg(slab + pg, pg, NULL, 0, JM_RX | JM_FIN);
	ASSERT_EQ(0, jm_initialize(fd, s, 2, &key));
	ASSERT_EQ(0, jm_batch1(fd, JITMEM_IOC_DEINITIALIZE,
			       JITMEM_DEINIT_FINALIZE_ONLY, key));
	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(pg, q.retired_bytes);
	EXPECT_EQ(-EADDRNOTAVAIL, jm_init1(fd, slab + pg, pg, NULL, 0, JM_R,
					   NULL));
	close(fd);
}

/* With exec_reuse=0 retired code outlives its slab: RELEASE retires it too. */
TEST_F(params, exec_reuse_off_release)
{
	size_t pg = self->pg;
	struct jitmem_query q;
	__u64 slab, again, key;
	int fd;

	ASSERT_EQ(0, set_param(self, P_EXEC_REUSE, 0));
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, 8 * pg, 0, 0, &slab));
	ASSERT_EQ(0, jm_init1(fd, slab, pg, NULL, 0, JM_RX, &key));
	ASSERT_EQ(0, jm_deinit1(fd, key));
	ASSERT_EQ(0, jm_init1(fd, slab + 2 * pg, pg, NULL, 0, JM_RX, NULL));
	ASSERT_EQ(0, jm_release1(fd, slab));
	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(0ULL, q.slabs);
	EXPECT_EQ(0ULL, q.regions);
	EXPECT_EQ(0ULL, q.bytes_rx);
	EXPECT_EQ(2 * pg, q.retired_bytes);
	/* A new slab at the same address: its retired pages stay code-free. */
	ASSERT_EQ(0, jm_reserve(fd, 8 * pg, slab, JITMEM_RESERVE_FIXED_NOREPLACE,
				&again));
	ASSERT_EQ(slab, again);
	EXPECT_EQ(-EADDRNOTAVAIL, jm_init1(fd, slab + 2 * pg, pg, NULL, 0,
					   JM_RX, NULL));
	EXPECT_EQ(0, jm_init1(fd, slab + pg, pg, NULL, 0, JM_RX, NULL));
	close(fd);
}

TEST_HARNESS_MAIN
