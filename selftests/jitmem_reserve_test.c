// SPDX-License-Identifier: GPL-2.0-only
/*
 * RESERVE and QUERY: slabs are PROT_NONE mappings of /dev/jitmem, every
 * invalid field is refused, counters follow the operations, one context per
 * open file.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

FIXTURE(reserve) {
	int fd;
	size_t pg;
};

FIXTURE_SETUP(reserve)
{
	self->pg = jm_pg();
	self->fd = jm_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", JM_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(reserve)
{
	close(self->fd);
}

static void span_fn(const struct jm_map *m, void *arg)
{
	struct jm_map *out = arg;

	*out = *m;
}

/* A free, page-aligned range of @len bytes (unmapped again). */
static __u64 free_range(size_t len)
{
	void *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	munmap(p, len);
	return JM_U64(p);
}

TEST_F(reserve, basic)
{
	struct jitmem_query q;
	struct jm_map m = { 0 };
	size_t len = 4 * self->pg;
	__u64 addr = 0;

	ASSERT_EQ(0, jm_reserve(self->fd, len, 0, 0, &addr));
	ASSERT_NE(0ULL, addr);
	ASSERT_EQ(0ULL, addr % self->pg);

	/* One PROT_NONE mapping of the device, exactly the slab. */
	ASSERT_EQ(1, jm_maps_scan(addr, addr + len, span_fn, &m));
	EXPECT_EQ(addr, m.start);
	EXPECT_EQ(addr + len, m.end);
	EXPECT_EQ(0, strncmp(m.perms, "---", 3)) TH_LOG("perms %s", m.perms);

	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(1ULL, q.slabs);
	EXPECT_EQ(len, q.reserved_bytes);
	EXPECT_EQ(0ULL, q.regions);
	EXPECT_EQ(0ULL, q.segments);
	EXPECT_EQ(0ULL, q.bytes_r + q.bytes_rw + q.bytes_rx + q.retired_bytes);
}

TEST_F(reserve, slab_faults)
{
	size_t len = 2 * self->pg;
	__u64 addr, off;
	int v = 0;

	ASSERT_EQ(0, jm_reserve(self->fd, len, 0, 0, &addr));
	for (off = 0; off < len; off += self->pg) {
		EXPECT_EQ(SIGSEGV, jm_read(addr + off, &v));
		EXPECT_EQ(SIGSEGV, jm_write(addr + off, 0x5a));
		EXPECT_EQ(SIGSEGV, jm_exec(addr + off, &v));
	}
}

TEST_F(reserve, two_slabs_disjoint)
{
	struct jitmem_query q;
	__u64 a, b;

	ASSERT_EQ(0, jm_reserve(self->fd, self->pg, 0, 0, &a));
	ASSERT_EQ(0, jm_reserve(self->fd, 3 * self->pg, 0, 0, &b));
	EXPECT_TRUE(a + self->pg <= b || b + 3 * self->pg <= a);
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(2ULL, q.slabs);
	EXPECT_EQ(4 * self->pg, q.reserved_bytes);
}

static void expect_no_slab(struct __test_metadata *_metadata, int fd)
{
	struct jitmem_query q;

	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(0ULL, q.slabs);
	EXPECT_EQ(0ULL, q.reserved_bytes);
}

TEST_F(reserve, length_zero)
{
	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, 0, 0, 0, NULL));
	expect_no_slab(_metadata, self->fd);
}

TEST_F(reserve, length_not_page_multiple)
{
	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, self->pg + 1, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, self->pg - 1, 0, 0, NULL));
	expect_no_slab(_metadata, self->fd);
}

TEST_F(reserve, addr_length_overflow)
{
	__u64 hint = -(__u64)self->pg;

	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, 2 * self->pg, hint, 0, NULL));
	expect_no_slab(_metadata, self->fd);
}

TEST_F(reserve, fixed_addr_length_overflow)
{
	__u64 hint = -(__u64)self->pg;

	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, 2 * self->pg, hint,
				      JITMEM_RESERVE_FIXED_NOREPLACE, NULL));
	expect_no_slab(_metadata, self->fd);
}

/* An exact range must lie in user address space, whatever mmap() says. */
TEST_F(reserve, fixed_past_task_size)
{
	const __u64 top = 1ULL << 56;	/* above TASK_SIZE with 4 or 5 levels */

	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, 32 * self->pg,
				      top - 16 * self->pg,
				      JITMEM_RESERVE_FIXED_NOREPLACE, NULL));
	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, self->pg, top,
				      JITMEM_RESERVE_FIXED_NOREPLACE, NULL));
	/* The kernel half. */
	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, self->pg, 0xffff800000000000ULL,
				      JITMEM_RESERVE_FIXED_NOREPLACE, NULL));
	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, self->pg, -(__u64)self->pg,
				      JITMEM_RESERVE_FIXED_NOREPLACE, NULL));
	expect_no_slab(_metadata, self->fd);
	/* As a hint the same address is only a hint. */
	EXPECT_EQ(0, jm_reserve(self->fd, self->pg, 0xffff800000000000ULL, 0,
				NULL));
}

TEST_F(reserve, hint_unaligned)
{
	__u64 hint = free_range(self->pg);

	ASSERT_NE(0ULL, hint);
	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, self->pg, hint + 1, 0, NULL));
	expect_no_slab(_metadata, self->fd);
}

TEST_F(reserve, fixed_unaligned)
{
	__u64 hint = free_range(self->pg);

	ASSERT_NE(0ULL, hint);
	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, self->pg, hint + 8,
				      JITMEM_RESERVE_FIXED_NOREPLACE, NULL));
	expect_no_slab(_metadata, self->fd);
}

TEST_F(reserve, unknown_flags)
{
	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, self->pg, 0, 1U << 1, NULL));
	EXPECT_EQ(-EINVAL, jm_reserve(self->fd, self->pg, 0, 1U << 31, NULL));
	expect_no_slab(_metadata, self->fd);
}

TEST_F(reserve, fixed_noreplace_free)
{
	__u64 want = free_range(4 * self->pg), got = 0;

	ASSERT_NE(0ULL, want);
	ASSERT_EQ(0, jm_reserve(self->fd, 4 * self->pg, want,
				JITMEM_RESERVE_FIXED_NOREPLACE, &got));
	EXPECT_EQ(want, got);
	EXPECT_EQ(1, jm_maps_count(want, want + 4 * self->pg));
}

TEST_F(reserve, fixed_noreplace_occupied_anon)
{
	size_t len = 4 * self->pg;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	p[0] = 0x11;
	/* Exactly the mapping, and a range that only covers its last page. */
	EXPECT_EQ(-EEXIST, jm_reserve(self->fd, len, JM_U64(p),
				      JITMEM_RESERVE_FIXED_NOREPLACE, NULL));
	EXPECT_EQ(-EEXIST, jm_reserve(self->fd, len, JM_U64(p + len - self->pg),
				      JITMEM_RESERVE_FIXED_NOREPLACE, NULL));
	EXPECT_EQ(0x11, p[0]);
	expect_no_slab(_metadata, self->fd);
}

TEST_F(reserve, fixed_noreplace_occupied_slab)
{
	__u64 a;

	ASSERT_EQ(0, jm_reserve(self->fd, 2 * self->pg, 0, 0, &a));
	EXPECT_EQ(-EEXIST, jm_reserve(self->fd, self->pg, a + self->pg,
				      JITMEM_RESERVE_FIXED_NOREPLACE, NULL));
	EXPECT_EQ(1, jm_maps_count(a, a + 2 * self->pg));
}

/* A hint is only a hint: an occupied one does not fail. */
TEST_F(reserve, hint_occupied_not_fatal)
{
	__u64 a, b;

	ASSERT_EQ(0, jm_reserve(self->fd, self->pg, 0, 0, &a));
	ASSERT_EQ(0, jm_reserve(self->fd, self->pg, a, 0, &b));
	EXPECT_NE(a, b);
}

struct len_ctx {
	int fd;
	size_t pg;
};

static void reserve_prep(void *ctx, void *cmd)
{
	struct jitmem_reserve *r = cmd;

	r->length = ((struct len_ctx *)ctx)->pg;
}

static void reserve_undo(void *ctx, void *cmd)
{
	struct jitmem_reserve *r = cmd;

	jm_release1(((struct len_ctx *)ctx)->fd, r->addr);
}

TEST_F(reserve, struct_length)
{
	struct len_ctx c = { self->fd, self->pg };

	JM_TEST_LENGTH(self->fd, jitmem_reserve, JITMEM_IOC_RESERVE, addr,
		       reserve_prep, reserve_undo, &c);
	expect_no_slab(_metadata, self->fd);
}

/* Every open file is its own context. */
TEST_F(reserve, context_per_open_file)
{
	struct jitmem_query q;
	__u64 a;
	int fd2 = jm_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, jm_reserve(self->fd, self->pg, 0, 0, &a));
	ASSERT_EQ(0, jm_query(fd2, &q));
	EXPECT_EQ(0ULL, q.slabs);
	EXPECT_EQ(-ENOENT, jm_release1(fd2, a));
	EXPECT_EQ(1, jm_maps_count(a, a + self->pg));
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(1ULL, q.slabs);
	close(fd2);
}

TEST_F(reserve, unknown_ioctl)
{
	struct jitmem_query q = { .size = sizeof(q) };

	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd, _IO(JITMEM_TYPE, 0x3f), &q));
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd, _IO(JITMEM_TYPE, 0xff), &q));
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd, _IO(JITMEM_TYPE,
				    JITMEM_CMD_QUERY + 1), &q));
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd, _IOWR(JITMEM_TYPE,
				    JITMEM_CMD_QUERY, struct jitmem_query), &q));
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd, _IOR(JITMEM_TYPE,
				    JITMEM_CMD_VERSION, __u32), &q));
	/* Another driver's type with a jitmem number. */
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd, _IO(JITMEM_TYPE + 1,
				    JITMEM_CMD_QUERY), &q));
	EXPECT_EQ(-ENOTTY, jm_ioctl(self->fd, _IO(JITMEM_TYPE + 1,
				    JITMEM_CMD_VERSION), &q));
}

/* QUERY counters move exactly with each operation. */
TEST_F(reserve, query_counters)
{
	size_t pg = self->pg;
	struct jitmem_init_segment s[3];
	struct jitmem_query q;
	__u64 slab, key;

	ASSERT_EQ(0, jm_reserve(self->fd, 16 * pg, 0, 0, &slab));
	s[0] = jm_seg(slab, pg, NULL, 0, JM_R);
	s[1] = jm_seg(slab + pg, 2 * pg, NULL, 0, JM_RW);
	s[2] = jm_seg(slab + 4 * pg, 3 * pg, NULL, 0, JM_RX);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 3, &key));
	EXPECT_EQ(slab, key);
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(1ULL, q.slabs);
	EXPECT_EQ(16 * pg, q.reserved_bytes);
	EXPECT_EQ(1ULL, q.regions);
	EXPECT_EQ(3ULL, q.segments);
	EXPECT_EQ(pg, q.bytes_r);
	EXPECT_EQ(2 * pg, q.bytes_rw);
	EXPECT_EQ(3 * pg, q.bytes_rx);
	EXPECT_EQ(0ULL, q.retired_bytes);

	ASSERT_EQ(0, jm_init1(self->fd, slab + 8 * pg, pg, NULL, 0, JM_RX, NULL));
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(2ULL, q.regions);
	EXPECT_EQ(4ULL, q.segments);
	EXPECT_EQ(4 * pg, q.bytes_rx);

	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(1ULL, q.slabs);
	EXPECT_EQ(16 * pg, q.reserved_bytes);
	EXPECT_EQ(1ULL, q.regions);
	EXPECT_EQ(1ULL, q.segments);
	EXPECT_EQ(0ULL, q.bytes_r);
	EXPECT_EQ(0ULL, q.bytes_rw);
	EXPECT_EQ(pg, q.bytes_rx);

	ASSERT_EQ(0, jm_release1(self->fd, slab));
	jm_expect_empty(_metadata, self->fd);
	EXPECT_EQ(0, jm_maps_count(slab, slab + 16 * pg));
}

TEST_F(reserve, query_flags)
{
	struct jitmem_query q = { .size = sizeof(q), .flags = 1 };

	EXPECT_EQ(-EINVAL, jm_ioctl(self->fd, JITMEM_IOC_QUERY, &q));
	q.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, jm_ioctl(self->fd, JITMEM_IOC_QUERY, &q));
}

static void query_prep(void *ctx, void *cmd)
{
	(void)ctx;
	(void)cmd;
}

static void query_undo(void *ctx, void *cmd)
{
	(void)ctx;
	(void)cmd;
}

TEST_F(reserve, query_struct_length)
{
	JM_TEST_LENGTH(self->fd, jitmem_query, JITMEM_IOC_QUERY, retired_bytes,
		       query_prep, query_undo, NULL);
}

TEST_HARNESS_MAIN
