// SPDX-License-Identifier: GPL-2.0-only
/*
 * DEINITIALIZE and RELEASE: batches report each bad item and do the rest;
 * an invalid request does nothing; deinitialized ranges are scrubbed (and
 * kept, or freed with max_empty_bytes=0) and can be reused; Finalize
 * segments can be dropped alone; release unmaps.
 *
 * Every test runs twice: with the default max_empty_bytes, which keeps the
 * few pages a test empties, and with max_empty_bytes=0, which frees each
 * page as it empties.  The parent restores the parameter.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

#define SLAB_PAGES	16

FIXTURE(batch) {
	int fd;
	size_t pg;
	__u64 slab;
	unsigned long long saved_empty;
	bool changed;
};

FIXTURE_VARIANT(batch) {
	bool free_at_once;	/* max_empty_bytes=0 */
	enum jm_freed freed;	/* what a deinitialized page shows */
};

FIXTURE_VARIANT_ADD(batch, keep) {
	.free_at_once = false, .freed = JM_FREED_KEPT,
};

FIXTURE_VARIANT_ADD(batch, free_at_once) {
	.free_at_once = true, .freed = JM_FREED_GONE,
};

FIXTURE_SETUP(batch)
{
	self->pg = jm_pg();
	ASSERT_EQ(0, jm_param_get("max_empty_bytes", &self->saved_empty));
	if (variant->free_at_once) {
		self->changed = true;
		ASSERT_EQ(0, jm_param_set("max_empty_bytes", 0));
	} else {
		/* The few pages a test empties stay below it. */
		ASSERT_LE(4ULL * SLAB_PAGES * self->pg, self->saved_empty);
	}
	self->fd = jm_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", JM_DEV, strerror(errno));
	ASSERT_EQ(0, jm_reserve(self->fd, SLAB_PAGES * self->pg, 0, 0,
				&self->slab));
}

/* In the parent, even when the test died; the child's fd dies with it. */
FIXTURE_TEARDOWN_PARENT(batch)
{
	if (self->changed &&
	    jm_param_set("max_empty_bytes", self->saved_empty))
		TH_LOG("could not restore max_empty_bytes");
}

/* Pages of a deinitialized range the variant keeps. */
static __u64 kept(const FIXTURE_VARIANT(batch) *variant, __u64 bytes)
{
	return variant->freed == JM_FREED_KEPT ? bytes : 0;
}

/* Initialize one page of code returning @val at page @idx of the slab. */
static int code_at(int fd, __u64 slab, size_t pg, unsigned int idx, int val,
		   __u64 *key)
{
	unsigned char code[JM_CODE_LEN];

	jm_code(code, val);
	return jm_init1(fd, slab + idx * pg, pg, code, sizeof(code), JM_RX,
			key);
}

TEST_F(batch, deinit_faults_again)
{
	struct jitmem_query q;
	__u64 key;
	int v = 0;

	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 9, &key));
	ASSERT_EQ(0, jm_exec(key, &v));
	jm_expect_pages(_metadata, self->fd, self->pg, 0);
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	/* int3 over the whole page (a call traps), or no page at all. */
	EXPECT_EQ(variant->freed, jm_freed_code(key, self->pg));
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(0ULL, q.regions);
	EXPECT_EQ(0ULL, q.segments);
	EXPECT_EQ(0ULL, q.bytes_rx);
	EXPECT_EQ(1ULL, q.slabs);
	EXPECT_EQ(kept(variant, self->pg), q.held_bytes);
	EXPECT_EQ(kept(variant, self->pg), q.empty_bytes);
	/* The slab itself stays, as a mapping of the device. */
	EXPECT_LE(1, jm_maps_count(self->slab, self->slab + self->pg));
}

TEST_F(batch, deinit_then_reuse)
{
	static const __u8 groups[] = { JM_R, JM_RW, JM_RX };
	__u64 key, key2;
	unsigned int i;
	int v = 0;

	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 1, &key));
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 2, &key2));
	EXPECT_EQ(key, key2);
	ASSERT_EQ(0, jm_exec(key2, &v));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, jm_deinit1(self->fd, key2));

	/*
	 * Any protection can follow any other (exec_reuse=1 by default),
	 * on a fresh page: nothing of the last one's fill shows.
	 */
	for (i = 0; i < sizeof(groups); i++) {
		ASSERT_EQ(0, jm_init1(self->fd, self->slab, self->pg, "\x61",
				      1, groups[i], &key));
		ASSERT_EQ(0, jm_read(key, &v));
		EXPECT_EQ(0x61, v);
		ASSERT_EQ(0, jm_read(key + 1, &v));
		EXPECT_EQ(0, v);
		ASSERT_EQ(0, jm_read(key + self->pg - 1, &v));
		EXPECT_EQ(0, v);
		jm_expect_pages(_metadata, self->fd, self->pg, 0);
		ASSERT_EQ(0, jm_deinit1(self->fd, key));
		EXPECT_EQ(variant->freed, jm_freed(key, self->pg,
						   groups[i] == JM_RX));
	}
}

TEST_F(batch, deinit_unknown_key_others_done)
{
	__u64 k[4];
	__s32 res[4] = { 1, 1, 1, 1 };
	__u32 failed = 0;
	int v = 0;

	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 1, &k[0]));
	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 2, 2, &k[2]));
	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 4, 3, &k[3]));
	k[1] = self->slab + 10 * self->pg;	/* no region there */
	ASSERT_EQ(0, jm_batch(self->fd, JITMEM_IOC_DEINITIALIZE, 0, k, res, 4,
			      &failed));
	EXPECT_EQ(1U, failed);
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(-ENOENT, res[1]);
	EXPECT_EQ(0, res[2]);
	EXPECT_EQ(0, res[3]);
	EXPECT_EQ(variant->freed, jm_freed_code(k[0], self->pg));
	EXPECT_EQ(variant->freed, jm_freed_code(k[2], self->pg));
	EXPECT_EQ(variant->freed, jm_freed_code(k[3], self->pg));
	jm_expect_pages(_metadata, self->fd, kept(variant, 3 * self->pg),
			kept(variant, 3 * self->pg));
	(void)v;
}

/* Only the key names a region: another address inside it does not. */
TEST_F(batch, deinit_non_key_address)
{
	struct jitmem_init_segment s[2];
	__u64 key;
	int v = 0;

	s[0] = jm_seg(self->slab, self->pg, NULL, 0, JM_R);
	s[1] = jm_seg(self->slab + self->pg, self->pg, NULL, 0, JM_R);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 2, &key));
	EXPECT_EQ(-ENOENT, jm_deinit1(self->fd, key + self->pg));
	EXPECT_EQ(-ENOENT, jm_deinit1(self->fd, key + 1));
	EXPECT_EQ(-ENOENT, jm_deinit1(self->fd, 0));
	EXPECT_EQ(0, jm_read(key + self->pg, &v));
	EXPECT_EQ(0, jm_deinit1(self->fd, key));
}

TEST_F(batch, deinit_same_key_twice)
{
	__u64 k[2];
	__s32 res[2] = { 1, 1 };
	__u32 failed = 0;

	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 1, &k[0]));
	k[1] = k[0];
	ASSERT_EQ(0, jm_batch(self->fd, JITMEM_IOC_DEINITIALIZE, 0, k, res, 2,
			      &failed));
	EXPECT_EQ(1U, failed);
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(-ENOENT, res[1]);
}

/* Checks shared by the invalid-request tests: nothing was done. */
static void expect_untouched(struct __test_metadata *_metadata, int fd,
			     const struct jitmem_query *q0, __u64 key, int val)
{
	struct jitmem_query q1;
	int v = 0;

	ASSERT_EQ(0, jm_query(fd, &q1));
	EXPECT_EQ(0, memcmp(q0, &q1, sizeof(q1)));
	ASSERT_EQ(0, jm_exec(key, &v));
	EXPECT_EQ(val, v);
}

static int batch_raw(int fd, unsigned long cmd, __u32 flags, __u64 items,
		     __u64 results, __u32 count)
{
	struct jitmem_batch b = {
		.size = sizeof(b), .flags = flags, .items = items,
		.results = results, .count = count,
	};

	return jm_ioctl(fd, cmd, &b);
}

TEST_F(batch, deinit_count_zero)
{
	struct jitmem_query q0;
	__u64 key;
	__s32 res = 1;

	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 4, &key));
	ASSERT_EQ(0, jm_query(self->fd, &q0));
	EXPECT_EQ(-EINVAL, batch_raw(self->fd, JITMEM_IOC_DEINITIALIZE, 0,
				     JM_U64(&key), JM_U64(&res), 0));
	expect_untouched(_metadata, self->fd, &q0, key, 4);
}

TEST_F(batch, deinit_unknown_flags)
{
	struct jitmem_query q0;
	__u64 key;
	__s32 res = 1;

	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 4, &key));
	ASSERT_EQ(0, jm_query(self->fd, &q0));
	EXPECT_EQ(-EINVAL, batch_raw(self->fd, JITMEM_IOC_DEINITIALIZE, 1U << 1,
				     JM_U64(&key), JM_U64(&res), 1));
	EXPECT_EQ(-EINVAL, batch_raw(self->fd, JITMEM_IOC_DEINITIALIZE,
				     1U << 31, JM_U64(&key), JM_U64(&res), 1));
	expect_untouched(_metadata, self->fd, &q0, key, 4);
}

/* A readable page followed by a PROT_NONE one; returns the boundary. */
static char *edge_pages(size_t pg)
{
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + pg, pg, PROT_NONE))
		return NULL;
	return p + pg;
}

TEST_F(batch, deinit_items_fault)
{
	struct jitmem_query q0;
	char *edge = edge_pages(self->pg);
	__u64 key;
	__s32 res[2];

	ASSERT_NE(NULL, edge);
	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 4, &key));
	ASSERT_EQ(0, jm_query(self->fd, &q0));
	EXPECT_EQ(-EFAULT, batch_raw(self->fd, JITMEM_IOC_DEINITIALIZE, 0, 0,
				     JM_U64(res), 1));
	EXPECT_EQ(-EFAULT, batch_raw(self->fd, JITMEM_IOC_DEINITIALIZE, 0,
				     JM_U64(edge), JM_U64(res), 1));
	/* The first key readable, the second not: still nothing done. */
	memcpy(edge - sizeof(key), &key, sizeof(key));
	EXPECT_EQ(-EFAULT, batch_raw(self->fd, JITMEM_IOC_DEINITIALIZE, 0,
				     JM_U64(edge - sizeof(key)), JM_U64(res),
				     2));
	expect_untouched(_metadata, self->fd, &q0, key, 4);
}

TEST_F(batch, deinit_results_fault)
{
	struct jitmem_query q0;
	char *edge = edge_pages(self->pg);
	__u64 key, k[2];
	void *hole = mmap(NULL, self->pg, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *ro = mmap(NULL, self->pg, PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_NE(NULL, edge);
	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 4, &key));
	ASSERT_EQ(0, jm_query(self->fd, &q0));
	EXPECT_EQ(-EFAULT, batch_raw(self->fd, JITMEM_IOC_DEINITIALIZE, 0,
				     JM_U64(&key), 0, 1));
	EXPECT_EQ(-EFAULT, batch_raw(self->fd, JITMEM_IOC_DEINITIALIZE, 0,
				     JM_U64(&key), JM_U64(hole), 1));
	EXPECT_EQ(-EFAULT, batch_raw(self->fd, JITMEM_IOC_DEINITIALIZE, 0,
				     JM_U64(&key), JM_U64(ro), 1));
	/* The first result writable, the second not. */
	k[0] = key;
	k[1] = key;
	EXPECT_EQ(-EFAULT, batch_raw(self->fd, JITMEM_IOC_DEINITIALIZE, 0,
				     JM_U64(k), JM_U64(edge - sizeof(__s32)),
				     2));
	expect_untouched(_metadata, self->fd, &q0, key, 4);
}

/* Finalize segments can be dropped alone; the Standard ones keep working. */
TEST_F(batch, deinit_finalize_only)
{
	size_t pg = self->pg;
	unsigned char code[JM_CODE_LEN];
	struct jitmem_init_segment s[3];
	struct jitmem_query q;
	__u64 key;
	int v = 0;

	jm_code(code, 0x77);
	s[0] = jm_seg(self->slab, pg, NULL, 0, JM_RW | JM_FIN);
	s[1] = jm_seg(self->slab + pg, pg, code, sizeof(code), JM_RX);
	s[2] = jm_seg(self->slab + 2 * pg, pg, "\x33", 1, JM_R);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 3, &key));
	EXPECT_EQ(self->slab + pg, key);
	ASSERT_EQ(0, jm_write(self->slab, 1));

	ASSERT_EQ(0, jm_batch1(self->fd, JITMEM_IOC_DEINITIALIZE,
			       JITMEM_DEINIT_FINALIZE_ONLY, key));
	/* What the process wrote there went with it. */
	EXPECT_EQ(variant->freed, jm_freed_data(self->slab, pg));
	ASSERT_EQ(0, jm_exec(key, &v));
	EXPECT_EQ(0x77, v);
	ASSERT_EQ(0, jm_read(self->slab + 2 * pg, &v));
	EXPECT_EQ(0x33, v);
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(1ULL, q.regions);
	EXPECT_EQ(2ULL, q.segments);
	EXPECT_EQ(0ULL, q.bytes_rw);
	EXPECT_EQ(pg, q.bytes_rx);
	EXPECT_EQ(pg, q.bytes_r);
	EXPECT_EQ(2 * pg + kept(variant, pg), q.held_bytes);
	EXPECT_EQ(kept(variant, pg), q.empty_bytes);

	/* No live Finalize segment left. */
	EXPECT_EQ(-ENOENT, jm_batch1(self->fd, JITMEM_IOC_DEINITIALIZE,
				     JITMEM_DEINIT_FINALIZE_ONLY, key));
	/* Its range can be used again while the region lives. */
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, pg, NULL, 0, JM_R, NULL));
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	EXPECT_EQ(variant->freed, jm_freed_code(key, pg));
	EXPECT_EQ(variant->freed, jm_freed_data(self->slab + 2 * pg, pg));
}

TEST_F(batch, deinit_finalize_only_none)
{
	__u64 key;
	int v = 0;

	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 5, &key));
	EXPECT_EQ(-ENOENT, jm_batch1(self->fd, JITMEM_IOC_DEINITIALIZE,
				     JITMEM_DEINIT_FINALIZE_ONLY, key));
	ASSERT_EQ(0, jm_exec(key, &v));
	EXPECT_EQ(5, v);
}

/* A plain DEINITIALIZE frees the Finalize segments too. */
TEST_F(batch, deinit_all_includes_finalize)
{
	struct jitmem_init_segment s[2];
	struct jitmem_query q;
	__u64 key;
	int v = 0;

	s[0] = jm_seg(self->slab, self->pg, NULL, 0, JM_R);
	s[1] = jm_seg(self->slab + self->pg, self->pg, NULL, 0, JM_R | JM_FIN);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 2, &key));
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	EXPECT_EQ(variant->freed, jm_freed_data(self->slab, 2 * self->pg));
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(0ULL, q.segments);
	EXPECT_EQ(0ULL, q.bytes_r);
	EXPECT_EQ(kept(variant, 2 * self->pg), q.held_bytes);
	EXPECT_EQ(kept(variant, 2 * self->pg), q.empty_bytes);
	(void)v;
}

struct len_ctx {
	int fd;
	__u64 item;
	__s32 res;
};

static void batch_prep(void *ctx, void *cmd)
{
	struct len_ctx *c = ctx;
	struct jitmem_batch *b = cmd;

	b->items = JM_U64(&c->item);
	b->results = JM_U64(&c->res);
	b->count = 1;
}

static void batch_undo(void *ctx, void *cmd)
{
	struct len_ctx *c = ctx;
	struct jitmem_batch *b = cmd;

	/* The item names nothing: reported per item, not as an error. */
	if (b->failed != 1 || c->res != -ENOENT)
		c->item = 0;
}

TEST_F(batch, deinit_struct_length)
{
	struct len_ctx c = { .fd = self->fd, .item = self->slab + 3 };

	JM_TEST_LENGTH(self->fd, jitmem_batch, JITMEM_IOC_DEINITIALIZE, failed,
		       batch_prep, batch_undo, &c);
	EXPECT_NE(0ULL, c.item) TH_LOG("unknown key not reported as ENOENT");
}

TEST_F(batch, release_struct_length)
{
	struct len_ctx c = { .fd = self->fd, .item = self->slab + self->pg };

	JM_TEST_LENGTH(self->fd, jitmem_batch, JITMEM_IOC_RELEASE, failed,
		       batch_prep, batch_undo, &c);
	EXPECT_NE(0ULL, c.item) TH_LOG("unknown slab not reported as ENOENT");
}

TEST_F(batch, release_live_regions)
{
	__u64 key;
	int v = 0;

	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 1, &key));
	ASSERT_EQ(0, jm_init1(self->fd, self->slab + 4 * self->pg, self->pg,
			      NULL, 0, JM_RW, NULL));
	ASSERT_EQ(0, jm_release1(self->fd, self->slab));
	EXPECT_EQ(0, jm_maps_count(self->slab,
				   self->slab + SLAB_PAGES * self->pg));
	EXPECT_EQ(JM_FREED_GONE, jm_freed_code(key, self->pg));
	EXPECT_EQ(JM_FREED_GONE, jm_freed_data(self->slab + 4 * self->pg,
					       self->pg));
	(void)v;
	jm_expect_empty(_metadata, self->fd);
	/* Its keys are gone with it. */
	EXPECT_EQ(-ENOENT, jm_deinit1(self->fd, key));
}

TEST_F(batch, release_unknown_others_done)
{
	__u64 a[3];
	__s32 res[3] = { 1, 1, 1 };
	__u32 failed = 0;
	struct jitmem_query q;

	a[0] = self->slab;
	a[1] = self->slab + self->pg;	/* inside a slab, not its start */
	ASSERT_EQ(0, jm_reserve(self->fd, self->pg, 0, 0, &a[2]));
	ASSERT_EQ(0, jm_batch(self->fd, JITMEM_IOC_RELEASE, 0, a, res, 3,
			      &failed));
	EXPECT_EQ(1U, failed);
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(-ENOENT, res[1]);
	EXPECT_EQ(0, res[2]);
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(0ULL, q.slabs);
	EXPECT_EQ(0, jm_maps_count(a[2], a[2] + self->pg));
}

TEST_F(batch, release_twice)
{
	ASSERT_EQ(0, jm_release1(self->fd, self->slab));
	EXPECT_EQ(-ENOENT, jm_release1(self->fd, self->slab));
}

TEST_F(batch, release_flags)
{
	struct jitmem_query q0;
	__u64 key;
	__s32 res = 1;

	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 8, &key));
	ASSERT_EQ(0, jm_query(self->fd, &q0));
	/* DEINITIALIZE's flag has no meaning for RELEASE. */
	EXPECT_EQ(-EINVAL, batch_raw(self->fd, JITMEM_IOC_RELEASE,
				     JITMEM_DEINIT_FINALIZE_ONLY,
				     JM_U64(&self->slab), JM_U64(&res), 1));
	EXPECT_EQ(-EINVAL, batch_raw(self->fd, JITMEM_IOC_RELEASE, 1U << 31,
				     JM_U64(&self->slab), JM_U64(&res), 1));
	expect_untouched(_metadata, self->fd, &q0, key, 8);
}

TEST_F(batch, release_count_zero)
{
	struct jitmem_query q0;
	__u64 key;
	__s32 res = 1;

	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 8, &key));
	ASSERT_EQ(0, jm_query(self->fd, &q0));
	EXPECT_EQ(-EINVAL, batch_raw(self->fd, JITMEM_IOC_RELEASE, 0,
				     JM_U64(&self->slab), JM_U64(&res), 0));
	expect_untouched(_metadata, self->fd, &q0, key, 8);
}

TEST_F(batch, release_pointers_fault)
{
	struct jitmem_query q0;
	__u64 key;
	__s32 res = 1;
	void *ro = mmap(NULL, self->pg, PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, 0, 8, &key));
	ASSERT_EQ(0, jm_query(self->fd, &q0));
	EXPECT_EQ(-EFAULT, batch_raw(self->fd, JITMEM_IOC_RELEASE, 0, 0,
				     JM_U64(&res), 1));
	EXPECT_EQ(-EFAULT, batch_raw(self->fd, JITMEM_IOC_RELEASE, 0,
				     JM_U64(&self->slab), 0, 1));
	EXPECT_EQ(-EFAULT, batch_raw(self->fd, JITMEM_IOC_RELEASE, 0,
				     JM_U64(&self->slab), JM_U64(ro), 1));
	expect_untouched(_metadata, self->fd, &q0, key, 8);
	EXPECT_EQ(1, jm_maps_count(self->slab, self->slab + 1));
}

TEST_HARNESS_MAIN
