// SPDX-License-Identifier: GPL-2.0-only
/*
 * Pages (issue 14): segments at the 64-byte granule, segments of different
 * regions with one protection sharing pages, a publish into a page already
 * mapped changing no page table, scrub on deinitialize (int3 in code,
 * zeros in data) with pages kept up to max_empty_bytes and freed past it,
 * shared data mappings, and fork children whose snapshot never changes.
 * Each test fails on a module that maps every segment on pages of its own.
 *
 * Tests that change a module parameter restore it from the parent.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"
#include "jitmem_nl.h"

#define SLAB_PAGES	64
#define GRANULE		64

FIXTURE(pages) {
	int fd;
	size_t pg;
	__u64 slab;
	unsigned long long saved_empty, saved_reuse;
	bool changed_empty, changed_reuse;
};

FIXTURE_SETUP(pages)
{
	self->pg = jm_pg();
	ASSERT_EQ(0, jm_param_get("max_empty_bytes", &self->saved_empty));
	ASSERT_EQ(0, jm_param_get("exec_reuse", &self->saved_reuse));
	self->fd = jm_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", JM_DEV, strerror(errno));
	ASSERT_EQ(GRANULE, jm_granule(self->fd));
	ASSERT_EQ(0, jm_reserve(self->fd, SLAB_PAGES * self->pg, 0, 0,
				&self->slab));
}

/* In the parent, even when the test died; the child's fd went with it. */
FIXTURE_TEARDOWN_PARENT(pages)
{
	if (self->changed_empty &&
	    jm_param_set("max_empty_bytes", self->saved_empty))
		TH_LOG("could not restore max_empty_bytes");
	if (self->changed_reuse &&
	    jm_param_set("exec_reuse", self->saved_reuse))
		TH_LOG("could not restore exec_reuse");
}

static int set_empty(FIXTURE_DATA(pages) *self, unsigned long long v)
{
	self->changed_empty = true;
	return jm_param_set("max_empty_bytes", v);
}

/* Code returning @val in [addr, addr + len). */
static int code_at(int fd, __u64 addr, __u64 len, int val, __u64 *key)
{
	unsigned char code[JM_CODE_LEN];

	jm_code(code, val);
	return jm_init1(fd, addr, len, code, sizeof(code), JM_RX, key);
}

static void expect_runs(struct __test_metadata *_metadata, __u64 addr,
			int val)
{
	int v = 0;

	ASSERT_EQ(0, jm_exec(addr, &v)) TH_LOG("code at %llx", addr);
	EXPECT_EQ(val, v);
}

/* The 4-letter permissions of the mapping holding @addr ("" if none). */
static void perms4(__u64 addr, char perms[5])
{
	perms[0] = '\0';
	jm_maps_scan(addr, addr + 1, jm_maps_perms_fn, perms);
	perms[4] = '\0';
}

/*
 * The fault count before a window that must take none: what the window
 * runs of libc (ioctl(), getrusage()) is mapped first, so that a fault in
 * it is the module's, not a page of a file evicted since (the root is 9p).
 */
static long flt_start(int fd)
{
	struct jitmem_query q;

	jm_query(fd, &q);
	jm_minflt();
	return jm_minflt();
}

/* One page holds 64 regions of 64 bytes: each runs, the page counts once. */
TEST_F(pages, subpage_regions_share_a_page)
{
	const unsigned int n = self->pg / GRANULE;
	struct jitmem_query q;
	__u64 *key = calloc(n, sizeof(*key));
	unsigned int i;

	ASSERT_NE(NULL, key);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, code_at(self->fd, self->slab + i * GRANULE,
				     GRANULE, 100 + i, &key[i]))
			TH_LOG("region %u", i);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(self->slab + i * GRANULE, key[i]);
		expect_runs(_metadata, key[i], 100 + i);
	}
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(n, q.regions);
	EXPECT_EQ(n, q.segments);
	EXPECT_EQ(n * GRANULE, q.bytes_rx);
	EXPECT_EQ(self->pg, q.held_bytes);
	EXPECT_EQ(0ULL, q.empty_bytes);
	/* One mapping, whatever the number of regions. */
	EXPECT_EQ(1, jm_maps_count(self->slab, self->slab + self->pg));

	/* Every other one goes: its bytes trap, its neighbours run. */
	for (i = 0; i < n; i += 2)
		ASSERT_EQ(0, jm_deinit1(self->fd, key[i]));
	for (i = 0; i < n; i++) {
		if (i % 2)
			expect_runs(_metadata, key[i], 100 + i);
		else
			EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(key[i], GRANULE))
				TH_LOG("region %u", i);
	}
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(n / 2 * GRANULE, q.bytes_rx);
	jm_expect_pages(_metadata, self->fd, self->pg, 0);
	for (i = 1; i < n; i += 2)
		ASSERT_EQ(0, jm_deinit1(self->fd, key[i]));
	jm_expect_pages(_metadata, self->fd, self->pg, self->pg);
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(self->slab, self->pg));
	free(key);
}

/* Addresses and lengths are multiples of 64, not of the page. */
TEST_F(pages, granule_alignment)
{
	static const __u64 bad_off[] = { 1, 8, 32, 63, 65, 96, 4095 };
	static const __u64 bad_len[] = { 1, 32, 63, 65, 100, 4097 };
	struct jitmem_query q0, q1;
	unsigned int i;
	__u64 a = self->slab + 3 * self->pg, key;

	ASSERT_EQ(0, jm_query(self->fd, &q0));
	for (i = 0; i < ARRAY_SIZE(bad_off); i++)
		EXPECT_EQ(-EINVAL, jm_init1(self->fd, a + bad_off[i], GRANULE,
					    NULL, 0, JM_R, NULL))
			TH_LOG("offset %llu", bad_off[i]);
	for (i = 0; i < ARRAY_SIZE(bad_len); i++)
		EXPECT_EQ(-EINVAL, jm_init1(self->fd, a, bad_len[i], NULL, 0,
					    JM_R, NULL))
			TH_LOG("length %llu", bad_len[i]);
	ASSERT_EQ(0, jm_query(self->fd, &q1));
	EXPECT_EQ(0, memcmp(&q0, &q1, sizeof(q0)));
	EXPECT_EQ(SIGSEGV, jm_read(a, NULL));

	/* At the granule: any offset, any multiple. */
	ASSERT_EQ(0, jm_init1(self->fd, a + 64, 64, "a", 1, JM_R, &key));
	EXPECT_EQ(a + 64, key);
	ASSERT_EQ(0, jm_init1(self->fd, a + 192, 3 * 64, "b", 1, JM_R, NULL));
	ASSERT_EQ(0, jm_init1(self->fd, a + self->pg - 64, 64, "c", 1, JM_R,
			      NULL));
	EXPECT_EQ(0, memcmp(JM_PTR(a + 64), "a", 1));
	EXPECT_EQ(0, memcmp(JM_PTR(a + 192), "b", 1));
	EXPECT_EQ(0, memcmp(JM_PTR(a + self->pg - 64), "c", 1));
	ASSERT_EQ(0, jm_query(self->fd, &q1));
	EXPECT_EQ(5 * 64ULL, q1.bytes_r);
	EXPECT_EQ(self->pg, q1.held_bytes);
}

/*
 * Sharing a page with another protection: EBUSY with a live segment,
 * EINVAL within one request.  Nothing changes.
 */
TEST_F(pages, page_sharing_refused)
{
	size_t pg = self->pg;
	__u64 p0 = self->slab, p2 = self->slab + 2 * pg;
	struct jitmem_init_segment s[2];
	struct jitmem_query q0, q1;
	struct jm_maps m0 = { 0 }, m1 = { 0 };
	static const __u8 others[] = { JM_R, JM_RW };
	unsigned int i;

	ASSERT_EQ(0, code_at(self->fd, p0, GRANULE, 7, NULL));
	ASSERT_EQ(0, jm_query(self->fd, &q0));
	ASSERT_LE(0, jm_maps_read(&m0));

	for (i = 0; i < sizeof(others); i++) {
		EXPECT_EQ(-EBUSY, jm_init1(self->fd, p0 + 64, 64, "x", 1,
					   others[i], NULL));
		EXPECT_EQ(-EBUSY, jm_init1(self->fd, p0 + pg - 64, 128, "x", 1,
					   others[i], NULL));
	}
	/* One request, two protections in page 2, or in page 3 across. */
	s[0] = jm_seg(p2, 64, NULL, 0, JM_RX);
	s[1] = jm_seg(p2 + 128, 64, NULL, 0, JM_R);
	EXPECT_EQ(-EINVAL, jm_initialize(self->fd, s, 2, NULL));
	s[0] = jm_seg(p2 + pg - 64, 128, NULL, 0, JM_RX);
	s[1] = jm_seg(p2 + pg + 64, 64, NULL, 0, JM_RW);
	EXPECT_EQ(-EINVAL, jm_initialize(self->fd, s, 2, NULL));
	s[1] = jm_seg(p2 + pg + 64, 64, NULL, 0, JM_R | JM_FIN);
	EXPECT_EQ(-EINVAL, jm_initialize(self->fd, s, 2, NULL));

	ASSERT_EQ(0, jm_query(self->fd, &q1));
	EXPECT_EQ(0, memcmp(&q0, &q1, sizeof(q0)));
	ASSERT_LE(0, jm_maps_read(&m1));
	EXPECT_TRUE(jm_maps_equal(&m0, &m1));
	expect_runs(_metadata, p0, 7);
	EXPECT_EQ(SIGSEGV, jm_read(p2, NULL));

	/* Same protection, same page, other lifetime: fine. */
	s[0] = jm_seg(p2, 64, NULL, 0, JM_RX);
	s[1] = jm_seg(p2 + 128, 64, NULL, 0, JM_RX | JM_FIN);
	EXPECT_EQ(0, jm_initialize(self->fd, s, 2, NULL));
	/* The next page is another page: another protection is fine. */
	EXPECT_EQ(0, jm_init1(self->fd, p0 + pg, 64, "r", 1, JM_R, NULL));
	expect_runs(_metadata, p0, 7);
	jm_maps_free(&m0);
	jm_maps_free(&m1);
}

/* Overlap is checked at the granule: touching is fine, one byte is not. */
TEST_F(pages, overlap_at_the_granule)
{
	__u64 a = self->slab + 128;

	ASSERT_EQ(0, jm_init1(self->fd, a, 128, "l", 1, JM_R, NULL));
	EXPECT_EQ(-EBUSY, jm_init1(self->fd, a - 64, 128, NULL, 0, JM_R, NULL));
	EXPECT_EQ(-EBUSY, jm_init1(self->fd, a + 64, 128, NULL, 0, JM_R, NULL));
	EXPECT_EQ(-EBUSY, jm_init1(self->fd, a + 64, 64, NULL, 0, JM_R, NULL));
	EXPECT_EQ(0, jm_init1(self->fd, a - 64, 64, "m", 1, JM_R, NULL));
	EXPECT_EQ(0, jm_init1(self->fd, a + 128, 64, "n", 1, JM_R, NULL));
	EXPECT_EQ(0, memcmp(JM_PTR(a - 64), "m", 1));
	EXPECT_EQ(0, memcmp(JM_PTR(a), "l", 1));
	EXPECT_EQ(0, memcmp(JM_PTR(a + 128), "n", 1));
}

/* A page no live segment uses may take another protection: a fresh page. */
TEST_F(pages, empty_page_takes_another_protection)
{
	__u64 key, p = self->slab + 5 * self->pg;
	char perms[5];
	int v = -1;

	ASSERT_EQ(0, code_at(self->fd, p, 64, 5, &key));
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	jm_expect_pages(_metadata, self->fd, self->pg, self->pg);
	ASSERT_EQ(0, jm_init1(self->fd, p + 128, 64, "q", 1, JM_R, NULL));
	perms4(p, perms);
	EXPECT_STREQ("r--p", perms);
	EXPECT_EQ(0, memcmp(JM_PTR(p + 128), "q", 1));
	/* Nothing of the code page's int3 fill. */
	ASSERT_EQ(0, jm_read(p, &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(SIGSEGV, jm_exec(p + 128, &v));
	jm_expect_pages(_metadata, self->fd, self->pg, 0);
}

/* Requests written for page granularity work as they did, side by side. */
TEST_F(pages, page_granular_requests)
{
	size_t pg = self->pg;
	unsigned char *data = malloc(2 * pg);
	struct jitmem_init_segment s[3];
	struct jitmem_query q;
	__u64 key, s0 = self->slab + 8 * pg;
	char perms[5];

	ASSERT_NE(NULL, data);
	memset(data, 0x3e, 2 * pg);
	jm_code(data, 88);
	s[0] = jm_seg(s0, 2 * pg, data, 2 * pg, JM_RX);
	s[1] = jm_seg(s0 + 2 * pg, pg, data + 8, pg, JM_R);
	s[2] = jm_seg(s0 + 3 * pg, pg, "w", 1, JM_RW);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 3, &key));
	EXPECT_EQ(s0, key);
	expect_runs(_metadata, s0, 88);
	EXPECT_EQ(0, memcmp(JM_PTR(s0), data, 2 * pg));
	EXPECT_EQ(0, memcmp(JM_PTR(s0 + 2 * pg), data + 8, pg));
	perms4(s0, perms);
	EXPECT_STREQ("r-xp", perms);
	perms4(s0 + 2 * pg, perms);
	EXPECT_STREQ("r--p", perms);
	perms4(s0 + 3 * pg, perms);
	EXPECT_STREQ("rw-s", perms);
	/* Sub-page neighbours in the next page, whatever came before. */
	ASSERT_EQ(0, code_at(self->fd, s0 + 4 * pg, 64, 89, NULL));
	ASSERT_EQ(0, code_at(self->fd, s0 + 4 * pg + 64, 64, 90, NULL));
	expect_runs(_metadata, s0 + 4 * pg, 89);
	expect_runs(_metadata, s0 + 4 * pg + 64, 90);
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(2 * pg + 128, q.bytes_rx);
	EXPECT_EQ(5 * pg, q.held_bytes);
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	jm_expect_pages(_metadata, self->fd, 5 * pg, 4 * pg);
	free(data);
}

/* A segment may cross a page boundary at any granule. */
TEST_F(pages, segment_across_pages)
{
	size_t pg = self->pg;
	__u64 a = self->slab + 11 * pg - 128;
	unsigned char code[256];
	struct jitmem_query q;

	memset(code, 0x90, sizeof(code));	/* nops, then the code */
	jm_code(code + 200, 77);
	ASSERT_EQ(0, jm_init1(self->fd, a, 256, code, sizeof(code), JM_RX,
			      NULL));
	ASSERT_EQ(0, code_at(self->fd, a - 64, 64, 1, NULL));
	ASSERT_EQ(0, code_at(self->fd, a + 256, 64, 2, NULL));
	expect_runs(_metadata, a, 77);
	expect_runs(_metadata, a - 64, 1);
	expect_runs(_metadata, a + 256, 2);
	EXPECT_EQ(0, memcmp(JM_PTR(a), code, sizeof(code)));
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(384ULL, q.bytes_rx);
	EXPECT_EQ(2 * pg, q.held_bytes);
}

/*
 * A publish into a page already mapped with its protection, and a
 * DEINITIALIZE of a neighbour there, change no page table: the page stays
 * the same frame, and running the code next to it takes no fault.
 */
TEST_F(pages, publish_changes_no_page_table)
{
	unsigned char code[JM_CODE_LEN];
	__u64 p = self->slab + 12 * self->pg, kb = 0, kc = 0;
	volatile char *anon;
	long long pfn;
	long flt;
	int v = 0, ret;

	/* The count moves with a fault: a fresh anonymous page. */
	anon = mmap(NULL, self->pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	flt = jm_minflt();
	anon[0] = 1;
	EXPECT_LT(flt, jm_minflt());

	ASSERT_EQ(0, code_at(self->fd, p, 64, 1, NULL));
	expect_runs(_metadata, p, 1);
	pfn = jm_pfn(p);
	ASSERT_LT(0, pfn) TH_LOG("no frame behind the code (not root?)");
	jm_code(code, 2);

	flt = flt_start(self->fd);
	ret = jm_init1(self->fd, p + 64, 64, code, sizeof(code), JM_RX, &kb);
	if (!ret)
		ret = jm_exec(p, &v);
	EXPECT_EQ(flt, jm_minflt()) TH_LOG("the publish cost a fault");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(1, v);
	EXPECT_EQ(pfn, jm_pfn(p));
	expect_runs(_metadata, kb, 2);

	/* Into the second half of the page, content read from the first. */
	flt = flt_start(self->fd);
	ret = jm_init1(self->fd, p + 2048, 64, JM_PTR(kb), JM_CODE_LEN, JM_RX,
		       &kc);
	if (!ret)
		ret = jm_exec(kb, &v);
	EXPECT_EQ(flt, jm_minflt());
	ASSERT_EQ(0, ret);
	expect_runs(_metadata, kc, 2);

	flt = flt_start(self->fd);
	ret = jm_deinit1(self->fd, kb);
	if (!ret)
		ret = jm_exec(p, &v);
	EXPECT_EQ(flt, jm_minflt()) TH_LOG("the deinitialize cost a fault");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(1, v);
	EXPECT_EQ(pfn, jm_pfn(p));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(kb, 64));
}

/* The same for data: what the process wrote next to a publish stays. */
TEST_F(pages, data_publish_keeps_neighbours)
{
	__u64 p = self->slab + 13 * self->pg, key;
	volatile unsigned char *b = JM_PTR(p);
	/*
	 * On the stack, not a literal: the child's first read of a page of
	 * the binary's (on 9p, evictable) is a fault of its own.
	 */
	char seg1[] = "seg1";
	long long pfn;
	long flt;
	int ret;

	ASSERT_EQ(0, jm_init1(self->fd, p, 64, "seg0", 4, JM_RW, NULL));
	memset((void *)(b + 4), 0x41, 60);
	/* Free bytes of a data page: the process may write them too. */
	memset((void *)(b + 128), 0x42, 64);
	memset((void *)(b + 512), 0x43, 64);
	pfn = jm_pfn(p);
	ASSERT_LT(0, pfn);
	flt = flt_start(self->fd);
	ret = jm_init1(self->fd, p + 64, 128, seg1, 4, JM_RW, &key);
	b[4] = 0x44;
	EXPECT_EQ(flt, jm_minflt());
	ASSERT_EQ(0, ret);
	EXPECT_EQ(pfn, jm_pfn(p));
	/* The new segment: its content, then zeros over what was there. */
	EXPECT_EQ(0, memcmp(JM_PTR(p + 64), seg1, 4));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(p + 68, 124));
	/* Its neighbours: as the process left them. */
	EXPECT_EQ(0, memcmp(JM_PTR(p), "seg0", 4));
	EXPECT_EQ(0x44, b[4]);
	EXPECT_EQ(0x41, b[63]);
	EXPECT_EQ(0x43, b[512]);
	EXPECT_EQ(0x43, b[575]);
	/* Deinitialized data reads zero; the rest is untouched. */
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(p + 64, 128));
	EXPECT_EQ(0x41, b[63]);
	EXPECT_EQ(0x43, b[512]);
}

/*
 * Data mappings are shared mappings of the context's pages (rw-s): a
 * write survives MADV_DONTNEED.  Code and read-only ones are private.
 */
TEST_F(pages, data_mapping_shared)
{
	size_t pg = self->pg;
	struct jitmem_init_segment s[3];
	__u64 d = self->slab + 16 * pg;
	char perms[5];

	s[0] = jm_seg(d, pg, "init", 4, JM_RW);
	s[1] = jm_seg(d + 2 * pg, pg, NULL, 0, JM_R);
	s[2] = jm_seg(d + 4 * pg, pg, NULL, 0, JM_RX);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 3, NULL));
	perms4(d, perms);
	EXPECT_STREQ("rw-s", perms);
	perms4(d + 2 * pg, perms);
	EXPECT_STREQ("r--p", perms);
	perms4(d + 4 * pg, perms);
	EXPECT_STREQ("r-xp", perms);
	memcpy(JM_PTR(d), "mine", 4);
	memset(JM_PTR(d + 100), 0x5a, 100);
	ASSERT_EQ(0, madvise(JM_PTR(d), pg, MADV_DONTNEED));
	EXPECT_EQ(0, memcmp(JM_PTR(d), "mine", 4));
	EXPECT_EQ(0x5a, ((unsigned char *)JM_PTR(d))[199]);
	EXPECT_EQ(0, jm_maps_wx());
}

/*
 * Scrub: freed code bytes are int3 and a call there traps, freed data
 * bytes read zero, the neighbours in the page are untouched.
 */
TEST_F(pages, scrub_on_deinitialize)
{
	size_t pg = self->pg;
	__u64 c = self->slab + 20 * pg, d = self->slab + 22 * pg;
	__u64 kc, kd, kr;
	unsigned char *bytes = malloc(256);

	ASSERT_NE(NULL, bytes);
	memset(bytes, 0x66, 256);
	ASSERT_EQ(0, code_at(self->fd, c, 64, 1, NULL));
	ASSERT_EQ(0, jm_init1(self->fd, c + 64, 192, bytes, 192, JM_RX, &kc));
	ASSERT_EQ(0, code_at(self->fd, c + 256, 64, 3, NULL));
	ASSERT_EQ(0, jm_init1(self->fd, d, 128, bytes, 128, JM_RW, &kd));
	memset(JM_PTR(d), 0x99, 128);
	ASSERT_EQ(0, jm_init1(self->fd, d + pg, 128, bytes, 128, JM_R, &kr));

	ASSERT_EQ(0, jm_deinit1(self->fd, kc));
	ASSERT_EQ(0, jm_deinit1(self->fd, kd));
	ASSERT_EQ(0, jm_deinit1(self->fd, kr));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(kc, 192));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(kd, 128));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(kr, 128));
	expect_runs(_metadata, c, 1);
	expect_runs(_metadata, c + 256, 3);
	jm_expect_pages(_metadata, self->fd, 3 * pg, 2 * pg);
	free(bytes);
}

/* With max_empty_bytes=0 a page goes when its last segment does. */
TEST_F(pages, scrub_then_free_at_once)
{
	size_t pg = self->pg;
	__u64 c = self->slab + 24 * pg, ka, kb;
	struct jitmem_query q;

	ASSERT_EQ(0, set_empty(self, 0));
	ASSERT_EQ(0, code_at(self->fd, c, 64, 1, &ka));
	ASSERT_EQ(0, code_at(self->fd, c + 64, 64, 2, &kb));
	ASSERT_EQ(0, jm_init1(self->fd, c + pg, 64, "d", 1, JM_R, NULL));
	jm_expect_pages(_metadata, self->fd, 2 * pg, 0);
	ASSERT_EQ(0, jm_deinit1(self->fd, ka));
	/* The page is in use: scrubbed, kept. */
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(ka, 64));
	expect_runs(_metadata, kb, 2);
	jm_expect_pages(_metadata, self->fd, 2 * pg, 0);
	ASSERT_EQ(0, jm_deinit1(self->fd, kb));
	EXPECT_EQ(JM_FREED_GONE, jm_freed_code(c, pg));
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(pg, q.held_bytes);
	EXPECT_EQ(0ULL, q.empty_bytes);
	EXPECT_EQ(0, memcmp(JM_PTR(c + pg), "d", 1));
}

/* exec_reuse=0 retires code at the granule, not the page. */
TEST_F(pages, exec_reuse_off_at_the_granule)
{
	__u64 c = self->slab + 26 * self->pg, key;
	struct jitmem_query q;

	self->changed_reuse = true;
	ASSERT_EQ(0, jm_param_set("exec_reuse", 0));
	ASSERT_EQ(0, code_at(self->fd, c + 64, 64, 1, &key));
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(64ULL, q.retired_bytes);
	EXPECT_EQ(-EADDRNOTAVAIL, code_at(self->fd, c + 64, 64, 2, NULL));
	EXPECT_EQ(-EADDRNOTAVAIL, code_at(self->fd, c, 128, 2, NULL));
	EXPECT_EQ(-EADDRNOTAVAIL, jm_init1(self->fd, c + 64, 64, NULL, 0, JM_R,
					   NULL));
	/* The granules around it are not retired. */
	ASSERT_EQ(0, code_at(self->fd, c, 64, 3, NULL));
	ASSERT_EQ(0, code_at(self->fd, c + 128, 64, 4, NULL));
	expect_runs(_metadata, c, 3);
	expect_runs(_metadata, c + 128, 4);
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(c + 64, 64));
}

/* One DEINITIALIZE of @n keys: 0 when each of them went. */
static int deinit_n(int fd, const __u64 *keys, unsigned int n)
{
	__s32 res[16];
	__u32 failed = 1;
	int ret;

	if (n > 16)
		return -E2BIG;
	ret = jm_batch(fd, JITMEM_IOC_DEINITIALIZE, 0, keys, res, n, &failed);
	return ret ? ret : failed ? -ENOENT : 0;
}

/*
 * Empty pages are bounded by max_empty_bytes: the DEINITIALIZE that goes
 * above frees the oldest ones, all of those of one mapping at once, and
 * more only beyond four times the limit.
 */
TEST_F(pages, empty_pages_bounded)
{
	size_t pg = self->pg;
	__u64 rx[8], r[8];
	unsigned int i;

	ASSERT_EQ(0, set_empty(self, 4 * pg));
	/* Code at pages 0-7, read-only data at 32-39: two mappings. */
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, code_at(self->fd, self->slab + i * pg, pg, i,
				     &rx[i]));
		ASSERT_EQ(0, jm_init1(self->fd, self->slab + (32 + i) * pg, pg,
				      "r", 1, JM_R, &r[i]));
	}
	jm_expect_pages(_metadata, self->fd, 16 * pg, 0);

	/* Four empty pages: at the limit, kept. */
	ASSERT_EQ(0, deinit_n(self->fd, r, 4));
	jm_expect_pages(_metadata, self->fd, 16 * pg, 4 * pg);
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(r[0], 4 * pg));

	/* Eight more in one batch: the oldest mapping's empty pages go. */
	ASSERT_EQ(0, deinit_n(self->fd, rx, 8));
	jm_expect_pages(_metadata, self->fd, 12 * pg, 8 * pg);
	EXPECT_EQ(JM_FREED_GONE, jm_freed_data(r[0], 4 * pg));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(rx[0], 8 * pg));
	EXPECT_EQ(0, memcmp(JM_PTR(r[4]), "r", 1));

	/* And again: now the code pages are the oldest. */
	ASSERT_EQ(0, deinit_n(self->fd, r + 4, 4));
	jm_expect_pages(_metadata, self->fd, 4 * pg, 4 * pg);
	EXPECT_EQ(JM_FREED_GONE, jm_freed_code(rx[0], 8 * pg));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(r[4], 4 * pg));

	ASSERT_EQ(0, jm_release1(self->fd, self->slab));
	jm_expect_empty(_metadata, self->fd);
}

/*
 * An munmap() that frees more pages than the module's table walk takes
 * under one hold of its lock (XA_CHECK_SCHED, 4096) frees them all.  The
 * region starts at a page number aligned to 64, so the 4096th page freed
 * is the last of a table node and the node goes with it: a walk resumed
 * with xas_pause() at that point skipped the next 63 pages.  (A
 * DEINITIALIZE would not show it: its reclaim runs again while empty
 * pages are over the limit.)
 */
#define BREAK_PAGES	(4096 + 128)

TEST_F(pages, munmap_frees_past_a_lock_break)
{
	size_t pg = self->pg, len = (BREAK_PAGES + 64) * pg;
	__u64 slab, start;

	ASSERT_EQ(0, jm_reserve(self->fd, len, 0, 0, &slab));
	start = (slab + 64 * pg - 1) & ~(__u64)(64 * pg - 1);
	ASSERT_EQ(0, jm_init1(self->fd, start, BREAK_PAGES * pg, "d", 1, JM_R,
			      NULL));
	jm_expect_pages(_metadata, self->fd, BREAK_PAGES * pg, 0);
	ASSERT_EQ(0, munmap(JM_PTR(slab), len));
	jm_expect_pages(_metadata, self->fd, 0, 0);
	ASSERT_EQ(0, jm_release1(self->fd, self->slab));
	jm_expect_empty(_metadata, self->fd);
}

/*
 * A publish over many pages finds the ones the context keeps in one walk
 * of its table: across table nodes (64 pages each) and past pages it does
 * not have.  Every kept page is the same frame after, the new ones are
 * counted, and all of the content is there; then the same over kept pages
 * only (the publish under one hold of the locks), and over two segments
 * with kept pages between them.
 */
#define WALK_PAGES	160

static bool walk_kept(size_t i)
{
	return i < 40 || i >= 100;
}

TEST_F(pages, publish_over_kept_pages_and_holes)
{
	size_t pg = self->pg, len = WALK_PAGES * pg, i;
	struct jitmem_init_segment segs[2];
	long long pfn[WALK_PAGES];
	unsigned char *code;
	__u64 slab, ka, kb;
	int round;

	code = malloc(len);
	ASSERT_NE(NULL, code);
	ASSERT_EQ(0, set_empty(self, len));
	ASSERT_EQ(0, jm_reserve(self->fd, len, 0, 0, &slab));
	/* Kept empty pages at 0-39 and 100-159; 40-99 were never there. */
	ASSERT_EQ(0, jm_init1(self->fd, slab, 40 * pg, NULL, 0, JM_RX, &ka));
	ASSERT_EQ(0, jm_init1(self->fd, slab + 100 * pg, 60 * pg, NULL, 0,
			      JM_RX, &kb));
	for (i = 0; i < WALK_PAGES; i++) {
		pfn[i] = walk_kept(i) ? jm_pfn(slab + i * pg) : 0;
		if (walk_kept(i))
			ASSERT_LT(0, pfn[i]) TH_LOG("page %zu (not root?)", i);
	}
	ASSERT_EQ(0, jm_deinit1(self->fd, ka));
	ASSERT_EQ(0, jm_deinit1(self->fd, kb));
	jm_expect_pages(_metadata, self->fd, 100 * pg, 100 * pg);

	for (round = 0; round < 2; round++) {
		for (i = 0; i < len; i++)
			code[i] = (unsigned char)(i * 7 + (i >> 12) + round);
		jm_code(code, 5 + round);
		ASSERT_EQ(0, jm_init1(self->fd, slab, len, code, len, JM_RX,
				      &ka));
		for (i = 0; i < WALK_PAGES; i++) {
			if (pfn[i])
				EXPECT_EQ(pfn[i], jm_pfn(slab + i * pg))
					TH_LOG("round %d, page %zu", round, i);
			pfn[i] = jm_pfn(slab + i * pg);
		}
		EXPECT_EQ(0, memcmp(JM_PTR(slab), code, len));
		expect_runs(_metadata, slab, 5 + round);
		jm_expect_pages(_metadata, self->fd, len, 0);
		ASSERT_EQ(0, jm_deinit1(self->fd, ka));
		jm_expect_pages(_metadata, self->fd, len, len);
	}

	/* Two segments with kept pages between them: the walk jumps. */
	segs[0] = jm_seg(slab, 30 * pg, code, 30 * pg, JM_RX);
	segs[1] = jm_seg(slab + 110 * pg, 50 * pg, code + 110 * pg, 50 * pg,
			 JM_RX);
	ASSERT_EQ(0, jm_initialize(self->fd, segs, 2, &ka));
	for (i = 0; i < WALK_PAGES; i++)
		EXPECT_EQ(pfn[i], jm_pfn(slab + i * pg)) TH_LOG("page %zu", i);
	EXPECT_EQ(0, memcmp(JM_PTR(slab), code, 30 * pg));
	EXPECT_EQ(0, memcmp(JM_PTR(slab + 110 * pg), code + 110 * pg,
			    50 * pg));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(slab + 30 * pg, 80 * pg));
	jm_expect_pages(_metadata, self->fd, len, 80 * pg);
	ASSERT_EQ(0, jm_release1(self->fd, slab));
	free(code);
}

/* Past four times the limit, one call frees more than one mapping's. */
TEST_F(pages, empty_pages_four_times_the_limit)
{
	size_t pg = self->pg;
	static const __u8 groups[] = { JM_RX, JM_R, JM_RW };
	__u64 keys[6];
	__s32 res[6];
	__u32 failed = 1;
	unsigned int i;

	ASSERT_EQ(0, set_empty(self, pg));
	/* Two pages in each of three mappings, 8 pages apart. */
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, jm_init1(self->fd, self->slab +
				      (8 * (i / 2) + i % 2) * pg, pg, NULL, 0,
				      groups[i / 2], &keys[i]));
	EXPECT_EQ(3, jm_maps_count(self->slab, self->slab + 24 * pg));
	ASSERT_EQ(0, jm_batch(self->fd, JITMEM_IOC_DEINITIALIZE, 0, keys, res,
			      6, &failed));
	EXPECT_EQ(0U, failed);
	/* 6 > 4: the code pages go (the oldest); 4 is not above 4 x 1. */
	jm_expect_pages(_metadata, self->fd, 4 * pg, 4 * pg);
	EXPECT_EQ(JM_FREED_GONE, jm_freed_code(keys[0], 2 * pg));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(keys[2], 2 * pg));
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(keys[4], 2 * pg));
}

/* Module-wide pages held and empty (netlink stats-get). */
struct held {
	uint64_t held, empty;
	int got;
};

static int held_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct held *h = arg;
	struct jm_msg m;

	if (jm_msg_parse(nlh, &m) || !m.tb[JITMEM_A_HELD_BYTES] ||
	    !m.tb[JITMEM_A_EMPTY_BYTES])
		return -EPROTO;
	h->held = jm_nla_u64(m.tb[JITMEM_A_HELD_BYTES]);
	h->empty = jm_nla_u64(m.tb[JITMEM_A_EMPTY_BYTES]);
	h->got++;
	return 0;
}

static int module_held(struct held *h)
{
	struct jm_nl nl;
	struct jm_req r;
	int ret = jm_nl_open(&nl);

	if (ret)
		return ret;
	memset(h, 0, sizeof(*h));
	jm_req_init(&r, nl.family, JITMEM_NL_CMD_STATS_GET, 0);
	ret = jm_nl_talk(&nl, &r, held_cb, h);
	jm_nl_close(&nl);
	return ret ? ret : h->got == 1 ? 0 : -ENODATA;
}

/* Live and empty pages of a context, left behind by @how. */
static int child_leaves(void *arg)
{
	const size_t pg = jm_pg();
	int how = *(int *)arg, fd = jm_open();
	__u64 slab, key;

	if (fd < 0 || jm_reserve(fd, 16 * pg, 0, 0, &slab) ||
	    jm_init1(fd, slab, 64, NULL, 0, JM_RX, &key) ||
	    jm_init1(fd, slab + 4 * pg, 2 * pg, NULL, 0, JM_RW, NULL) ||
	    jm_init1(fd, slab + 8 * pg, pg, NULL, 0, JM_R, NULL) ||
	    jm_deinit1(fd, key))
		return 1;
	if (how == 1)
		return jm_release1(fd, slab) ? 2 : 0;
	if (how == 2) {
		close(fd);
		return munmap(JM_PTR(slab), 16 * pg) ? 3 : 0;
	}
	return 0;	/* exit with everything there */
}

/*
 * RELEASE frees every page of the slab, empty ones too; close() leaves
 * them while mapped; munmap() or exit frees them.  The module's totals
 * come back exactly.
 */
TEST_F(pages, memory_goes_back)
{
	size_t pg = self->pg;
	struct held h0, h1;
	__u64 key, slab;
	int how, st;

	ASSERT_EQ(0, module_held(&h0));
	ASSERT_EQ(0, code_at(self->fd, self->slab, 64, 1, &key));
	ASSERT_EQ(0, jm_init1(self->fd, self->slab + 2 * pg, pg, NULL, 0,
			      JM_RW, NULL));
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	ASSERT_EQ(0, module_held(&h1));
	EXPECT_EQ(h0.held + 2 * pg, h1.held);
	EXPECT_EQ(h0.empty + pg, h1.empty);
	ASSERT_EQ(0, jm_release1(self->fd, self->slab));
	jm_expect_empty(_metadata, self->fd);
	ASSERT_EQ(0, module_held(&h1));
	EXPECT_EQ(h0.held, h1.held);
	EXPECT_EQ(h0.empty, h1.empty);

	for (how = 0; how < 3; how++) {
		st = jm_in_child(child_leaves, &how);
		EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st))
			TH_LOG("child %d: status %#x", how, st);
		ASSERT_EQ(0, module_held(&h1));
		EXPECT_EQ(h0.held, h1.held) TH_LOG("child %d", how);
		EXPECT_EQ(h0.empty, h1.empty) TH_LOG("child %d", how);
	}

	/* close() alone keeps the mappings, and so their pages. */
	ASSERT_EQ(0, jm_reserve(self->fd, 4 * pg, 0, 0, &slab));
	ASSERT_EQ(0, jm_init1(self->fd, slab, pg, NULL, 0, JM_R, NULL));
	ASSERT_EQ(0, close(self->fd));
	ASSERT_EQ(0, module_held(&h1));
	EXPECT_EQ(h0.held + pg, h1.held);
	EXPECT_EQ(0, memcmp(JM_PTR(slab), "", 1));
	ASSERT_EQ(0, munmap(JM_PTR(slab), 4 * pg));
	ASSERT_EQ(0, module_held(&h1));
	EXPECT_EQ(h0.held, h1.held);
	EXPECT_EQ(h0.empty, h1.empty);
}

/*
 * fork(): the child's snapshot never changes.  The parent publishes into
 * and deinitializes in pages the child maps, writes its data; the child
 * sees what was there at fork(), and its own writes stay its own.
 */
#define P_CODE	0
#define P_RO	1
#define P_DATA	2
#define P_EMPTY	3

struct snap {
	__u64 slab;
	size_t pg;
	long long pfn;		/* of the code page at fork() */
	int go[2], done[2];
};

static int snap_child(struct snap *sn)
{
	__u64 p = sn->slab;
	size_t pg = sn->pg;
	unsigned char *d = JM_PTR(p + P_DATA * pg);
	int v = 0;
	char c;

	if (read(sn->go[0], &c, 1) != 1)
		return 99;
	if (jm_exec(p, &v) || v != 1)
		return 10;			/* A, deinitialized since */
	if (jm_freed_code(p + 64, 64) != JM_FREED_KEPT)
		return 11;			/* B's place: still int3 */
	if (jm_freed_code(p + 192, 64) != JM_FREED_KEPT)
		return 12;			/* D's place */
	if (jm_pfn(p) != sn->pfn)
		return 13;
	if (memcmp(JM_PTR(p + P_RO * pg), "old-r", 6) ||
	    jm_freed_data(p + P_RO * pg + 64, 64) != JM_FREED_KEPT)
		return 14;
	if (memcmp(d, "old-w", 6) || d[64] || d[100])
		return 15;
	/* The parent's code installed after fork() in the empty page. */
	v = 0;
	if (!jm_exec(p + P_EMPTY * pg, &v) && v == 3)
		return 16;
	c = (char)jm_freed_code(p + P_EMPTY * pg, pg);
	if (c == JM_FREED_BAD)
		return 17;
	memcpy(d, "kid", 4);
	if (write(sn->done[1], &c, 1) != 1)
		return 98;
	/* The parent writes again; ours must not move. */
	if (read(sn->go[0], &c, 1) != 1)
		return 97;
	if (memcmp(d, "kid", 4) || jm_exec(p, &v) || v != 1)
		return 18;
	return 0;
}

TEST_F(pages, fork_snapshot_never_changes)
{
	size_t pg = self->pg;
	__u64 p = self->slab, ka, key;
	struct snap sn = { .slab = p, .pg = pg };
	unsigned char *d = JM_PTR(p + P_DATA * pg);
	long long pfn2;
	int st;
	char c;
	pid_t pid;

	ASSERT_EQ(0, code_at(self->fd, p, 64, 1, &ka));
	ASSERT_EQ(0, jm_init1(self->fd, p + P_RO * pg, 64, "old-r", 6, JM_R,
			      NULL));
	ASSERT_EQ(0, jm_init1(self->fd, p + P_DATA * pg, 64, "old-w", 6, JM_RW,
			      NULL));
	ASSERT_EQ(0, code_at(self->fd, p + P_EMPTY * pg, pg, 9, &key));
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	sn.pfn = jm_pfn(p);
	ASSERT_LT(0, sn.pfn);
	ASSERT_EQ(0, pipe(sn.go));
	ASSERT_EQ(0, pipe(sn.done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(snap_child(&sn));

	/* Into the pages the child maps, and out of them. */
	ASSERT_EQ(0, code_at(self->fd, p + 64, 64, 2, NULL));
	expect_runs(_metadata, p + 64, 2);
	pfn2 = jm_pfn(p);
	EXPECT_LT(0, pfn2);
	EXPECT_NE(sn.pfn, pfn2) TH_LOG("the parent wrote the child's page");
	ASSERT_EQ(0, jm_deinit1(self->fd, ka));
	ASSERT_EQ(0, code_at(self->fd, p + 128, 64, 4, NULL));
	expect_runs(_metadata, p + 128, 4);
	/* One copy for the parent: its page does not move again. */
	EXPECT_EQ(pfn2, jm_pfn(p));
	ASSERT_EQ(0, jm_init1(self->fd, p + P_RO * pg + 64, 64, "new-r", 6,
			      JM_R, NULL));
	memcpy(d, "par", 4);
	ASSERT_EQ(0, jm_init1(self->fd, p + P_DATA * pg + 64, 64, "new-w", 6,
			      JM_RW, NULL));
	ASSERT_EQ(0, code_at(self->fd, p + P_EMPTY * pg, pg, 3, NULL));
	/* The parent sees its own changes. */
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(p, 64));
	expect_runs(_metadata, p + 64, 2);
	expect_runs(_metadata, p + 128, 4);
	expect_runs(_metadata, p + P_EMPTY * pg, 3);

	ASSERT_EQ(1, write(sn.go[1], "g", 1));
	ASSERT_EQ(1, read(sn.done[0], &c, 1));
	/*
	 * The page emptied before fork(): the child has its int3 fill
	 * (inherited as it was) or nothing; never the code put there since.
	 */
	TH_LOG("child: page emptied before fork() %s",
	       c == JM_FREED_KEPT ? "inherited, int3" : "not inherited");
	/* The child's write is the child's. */
	EXPECT_EQ(0, memcmp(d, "par", 4));
	EXPECT_EQ(0, memcmp(d + 64, "new-w", 6));
	/* More changes under a child that still looks. */
	ASSERT_EQ(0, code_at(self->fd, p + 192, 64, 5, NULL));
	memcpy(d, "two", 4);
	ASSERT_EQ(1, write(sn.go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st))
		TH_LOG("child status %#x (10..: step that failed)", st);
	expect_runs(_metadata, p + 192, 5);
}

/*
 * A page the parent empties while a fork child maps it: the scrub at the
 * end of the call goes to the parent's copy; the child still runs the code.
 */
TEST_F(pages, fork_child_keeps_a_page_the_parent_empties)
{
	size_t pg = self->pg;
	__u64 c = self->slab + 40 * pg, key;
	int go[2], st, v;
	pid_t pid;
	char ch;

	ASSERT_EQ(0, code_at(self->fd, c, pg, 7, &key));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (read(go[0], &ch, 1) != 1)
			_exit(99);
		_exit(jm_exec(c, &v) || v != 7 ? 10 : 0);
	}
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	jm_expect_pages(_metadata, self->fd, pg, pg);
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(c, pg));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st))
		TH_LOG("child status %#x: 10 is the code gone from its page",
		       st);
}

TEST_HARNESS_MAIN
