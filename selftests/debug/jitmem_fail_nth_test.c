// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection (debug kernel: CONFIG_FAULT_INJECTION, failslab,
 * fail_page_alloc, fail_usercopy), iommufd_fail_nth style: for N = 1, 2, ...
 * make the Nth allocation or user copy of one ioctl fail, until the ioctl
 * runs with fewer than N of them.  Each failed ioctl must answer ENOMEM or
 * EFAULT and leave nothing behind: counters unchanged (pages held and
 * empty too), /proc/self/maps unchanged (an INITIALIZE that changes
 * protections remaps, and must put back exactly what it replaced), target
 * pages still faulting or still holding their scrub fill, no readable,
 * writable or executable mapping left, neighbours intact.  A batch that
 * fails is all or nothing per item.  Leaks are kmemleak's to find (make
 * check-debug scans after the run).
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

#define FAULT_DIR	"/sys/kernel/debug/"
#define MAX_NTH		5000
#define SLAB_PAGES	32
#define NEIGH_RET	0x4242
#define CODE_RET	0x1717

/* debugfs knobs and the values that make every allocation eligible. */
static const struct knob {
	const char *path;
	const char *value;
} knobs[] = {
	{ "failslab/ignore-gfp-wait", "N" },
	{ "failslab/verbose", "0" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "N" },
	{ "fail_page_alloc/min-order", "0" },
	{ "fail_page_alloc/verbose", "0" },
	{ "fail_usercopy/verbose", "0" },
};

#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))

static int rw_file(const char *path, char *buf, size_t len, bool write_it)
{
	int fd = open(path, (write_it ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write_it ? write(fd, buf, strlen(buf)) : read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	if (!write_it)
		buf[n] = 0;
	return 0;
}

FIXTURE(nth) {
	char saved[NKNOBS][32];
	int nth_fd;
	int fd;
	size_t pg;
	__u64 slab;
	__u64 neigh_key[2];
	unsigned char *content;
};

FIXTURE_SETUP(nth)
{
	unsigned char code[16];
	char path[128];
	unsigned int i;

	self->pg = jm_pg();
	for (i = 0; i < NKNOBS; i++) {
		snprintf(path, sizeof(path), FAULT_DIR "%s", knobs[i].path);
		ASSERT_EQ(0, rw_file(path, self->saved[i], sizeof(self->saved[i]),
				     false)) TH_LOG("%s: debug kernel with fault injection and debugfs?",
						    path);
		self->saved[i][strcspn(self->saved[i], "\n")] = 0;
		ASSERT_EQ(0, rw_file(path, (char *)knobs[i].value, 0, true));
	}
	self->nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->nth_fd) TH_LOG("no fail-nth: CONFIG_FAULT_INJECTION");

	self->fd = jm_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, jm_reserve(self->fd, SLAB_PAGES * self->pg, 0, 0,
				&self->slab));
	/* Live neighbours on both sides of where the tests initialize. */
	jm_code(code, NEIGH_RET);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab + 3 * self->pg, self->pg,
			      code, sizeof(code), JM_RX, &self->neigh_key[0]));
	ASSERT_EQ(0, jm_init1(self->fd, self->slab + 9 * self->pg, self->pg,
			      code, sizeof(code), JM_R, &self->neigh_key[1]));
	self->content = mmap(NULL, 4 * self->pg, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->content);
	memset(self->content, 0x5a, 4 * self->pg);
	jm_code(self->content, CODE_RET);
}

FIXTURE_TEARDOWN(nth)
{
	char path[128];
	unsigned int i;

	for (i = 0; i < NKNOBS; i++) {
		snprintf(path, sizeof(path), FAULT_DIR "%s", knobs[i].path);
		if (self->saved[i][0])
			rw_file(path, self->saved[i], 0, true);
	}
	if (self->fd >= 0)
		close(self->fd);
}

/* Arm: the Nth fault site of this task from now on fails. */
static int arm(int nth_fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(nth_fd, buf, len, 0) == len ? 0 : -errno;
}

/*
 * Disarm and tell whether the armed fault was consumed.  Reading and
 * writing fail-nth copy from and to the user, so they may be what consumes
 * a fault the ioctl did not: that shows as EFAULT (iommufd_fail_nth does
 * the same dance).
 */
static bool fired(int nth_fd)
{
	char buf[16] = "";
	ssize_t r;

	r = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	if (r < 0 && errno == EFAULT)
		strcpy(buf, "1");
	if (pwrite(nth_fd, "0", 1, 0) < 0 && errno == EFAULT) {
		pwrite(nth_fd, "0", 1, 0);
		strcpy(buf, "1");
	}
	return atoi(buf) == 0;
}

static bool same_counters(const struct jitmem_query *a,
			  const struct jitmem_query *b)
{
	return a->slabs == b->slabs && a->reserved_bytes == b->reserved_bytes &&
	       a->regions == b->regions && a->segments == b->segments &&
	       a->bytes_r == b->bytes_r && a->bytes_rw == b->bytes_rw &&
	       a->bytes_rx == b->bytes_rx &&
	       a->retired_bytes == b->retired_bytes &&
	       a->held_bytes == b->held_bytes &&
	       a->empty_bytes == b->empty_bytes;
}

/* The jitmem mappings are what they were; logs the first difference. */
static void expect_same_maps(struct __test_metadata *_metadata,
			     const struct jm_maps *before, unsigned int nth)
{
	struct jm_maps now = { 0 };
	char diff[128];

	ASSERT_LE(0, jm_maps_read(&now));
	if (!jm_maps_equal(before, &now)) {
		jm_maps_diff(before, &now, diff, sizeof(diff));
		TH_LOG("nth %u: mappings changed: %s", nth, diff);
		EXPECT_TRUE(false);
	}
	jm_maps_free(&now);
}

/*
 * Pages [first, first + n) of the slab: every access faults.  (The module
 * may leave the mapping's permissions as they were: the fault handler
 * refuses pages no live segment holds.)
 */
static void expect_untouched(struct __test_metadata *_metadata,
			     FIXTURE_DATA(nth) *self, unsigned int first,
			     unsigned int n, unsigned int nth)
{
	unsigned int i;

	for (i = first; i < first + n; i++) {
		__u64 a = self->slab + i * self->pg;

		EXPECT_EQ(SIGSEGV, jm_read(a, NULL))
			TH_LOG("nth %u: page %u readable after a failed call", nth, i);
		EXPECT_EQ(SIGSEGV, jm_write(a, 0))
			TH_LOG("nth %u: page %u writable after a failed call", nth, i);
	}
	EXPECT_EQ(0, jm_maps_wx());
}

/*
 * Pages 4..8 and 10 after make_segs()'s region went: scrubbed, kept for
 * reuse (a few pages, well below max_empty_bytes).
 */
static void expect_scrubbed(struct __test_metadata *_metadata,
			    FIXTURE_DATA(nth) *self, unsigned int nth)
{
	__u64 s = self->slab;
	size_t pg = self->pg;

	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(s + 4 * pg, pg))
		TH_LOG("nth %u: code page 4 not scrubbed", nth);
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(s + 5 * pg, 4 * pg))
		TH_LOG("nth %u: data pages 5-8 not scrubbed", nth);
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(s + 10 * pg, pg))
		TH_LOG("nth %u: data page 10 not scrubbed", nth);
	EXPECT_EQ(0, jm_maps_wx());
}

static void expect_neighbours(struct __test_metadata *_metadata,
			      FIXTURE_DATA(nth) *self, unsigned int nth)
{
	int v = 0;

	EXPECT_EQ(0, jm_exec(self->slab + 3 * self->pg, &v));
	EXPECT_EQ(NEIGH_RET, v) TH_LOG("nth %u: neighbour code broken", nth);
	EXPECT_EQ(0, jm_read(self->slab + 9 * self->pg, &v));
}

/* Segments at pages 4..8 and 10: touching both neighbours' VMAs. */
static unsigned int make_segs(FIXTURE_DATA(nth) *self,
			      struct jitmem_init_segment *s)
{
	size_t pg = self->pg;

	s[0] = jm_seg(self->slab + 4 * pg, pg, self->content, JM_CODE_LEN, JM_RX);
	s[1] = jm_seg(self->slab + 5 * pg, 2 * pg, self->content + 64,
		      pg + 100, JM_R);
	s[2] = jm_seg(self->slab + 7 * pg, 2 * pg, self->content, 2 * pg, JM_RW);
	s[3] = jm_seg(self->slab + 10 * pg, pg, self->content, pg,
		      JM_R | JM_FIN);
	return 4;
}

/*
 * The segments need protection changes: code next to the code neighbour,
 * data split out of the middle of the read-only mapping.  A failure at
 * any point, before or after a remap, leaves every mapping as it was.
 */
TEST_F_TIMEOUT(nth, initialize, 600)
{
	struct jitmem_init_segment segs[4];
	struct jitmem_query base, q;
	unsigned int n, nsegs = make_segs(self, segs), failures = 0;
	struct jm_maps maps = { 0 };
	bool kept = false;
	__u64 key;
	int ret, v;

	ASSERT_EQ(0, jm_query(self->fd, &base));
	ASSERT_LE(0, jm_maps_read(&maps));
	for (n = 1; n < MAX_NTH; n++) {
		ASSERT_EQ(0, arm(self->nth_fd, n));
		ret = jm_initialize(self->fd, segs, nsegs, &key);
		if (!fired(self->nth_fd)) {
			ASSERT_EQ(0, ret) TH_LOG("nth %u: %d without a fault", n, ret);
			ASSERT_EQ(0, jm_deinit1(self->fd, key));
			break;
		}
		ASSERT_EQ(0, jm_query(self->fd, &q));
		if (!ret) {
			/* The failure was absorbed: all of it must be there. */
			EXPECT_EQ(base.regions + 1, q.regions);
			EXPECT_EQ(0, jm_exec(segs[0].addr, &v));
			EXPECT_EQ(CODE_RET, v);
			ASSERT_EQ(0, jm_deinit1(self->fd, key));
			/* From now on the pages are there, empty. */
			kept = true;
			ASSERT_EQ(0, jm_query(self->fd, &base));
			jm_maps_free(&maps);
			ASSERT_LE(0, jm_maps_read(&maps));
			continue;
		}
		failures++;
		EXPECT_TRUE(ret == -ENOMEM || ret == -EFAULT)
			TH_LOG("nth %u: INITIALIZE returned %d", n, ret);
		EXPECT_TRUE(same_counters(&base, &q))
			TH_LOG("nth %u: counters changed: regions %llu segments %llu held %llu empty %llu",
			       n, q.regions, q.segments, q.held_bytes,
			       q.empty_bytes);
		if (kept) {
			expect_scrubbed(_metadata, self, n);
		} else {
			expect_untouched(_metadata, self, 4, 5, n);
			expect_untouched(_metadata, self, 10, 1, n);
		}
		expect_neighbours(_metadata, self, n);
		expect_same_maps(_metadata, &maps, n);
		if (_metadata->exit_code)
			break;
	}
	jm_maps_free(&maps);
	EXPECT_LT(1U, n);
	TH_LOG("%u fault sites, %u failed as they should", n - 1, failures);
	/* And it still works afterwards. */
	ASSERT_EQ(0, jm_initialize(self->fd, segs, nsegs, &key));
	ASSERT_EQ(0, jm_exec(segs[0].addr, &v));
	EXPECT_EQ(CODE_RET, v);
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
}

/* Pages 12-13 empty data, 14 empty code: scrubbed, kept mapped. */
static void make_empties(struct __test_metadata *_metadata,
			 FIXTURE_DATA(nth) *self)
{
	struct jitmem_init_segment s[2];
	size_t pg = self->pg;
	__u64 key;

	s[0] = jm_seg(self->slab + 12 * pg, 2 * pg, self->content, pg, JM_RW);
	s[1] = jm_seg(self->slab + 14 * pg, pg, self->content, JM_CODE_LEN,
		      JM_RX);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 2, &key));
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
}

static void expect_empties(struct __test_metadata *_metadata,
			   FIXTURE_DATA(nth) *self, unsigned int nth)
{
	size_t pg = self->pg;

	EXPECT_EQ(JM_FREED_KEPT, jm_freed_data(self->slab + 12 * pg, 2 * pg))
		TH_LOG("nth %u: empty data pages lost", nth);
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(self->slab + 14 * pg, pg))
		TH_LOG("nth %u: empty code page lost", nth);
}

/*
 * A read-only segment over empty pages of two other protections: the one
 * protection change replaces both mappings and, once the request stays,
 * the empty pages.  Any failure leaves the empty pages, their mappings
 * and the counters as they were.
 */
TEST_F_TIMEOUT(nth, initialize_over_empty_pages, 600)
{
	struct jitmem_init_segment seg;
	struct jitmem_query base, q;
	struct jm_maps maps = { 0 };
	unsigned int n, failures = 0;
	size_t pg = self->pg;
	__u64 key = 0;
	int ret;

	seg = jm_seg(self->slab + 12 * pg, 3 * pg, self->content + 1, 2 * pg,
		     JM_R);
	for (n = 1; n < MAX_NTH; n++) {
		make_empties(_metadata, self);
		ASSERT_EQ(0, jm_query(self->fd, &base));
		jm_maps_free(&maps);
		ASSERT_LE(0, jm_maps_read(&maps));
		ASSERT_EQ(0, arm(self->nth_fd, n));
		ret = jm_initialize(self->fd, &seg, 1, &key);
		if (!fired(self->nth_fd)) {
			ASSERT_EQ(0, ret) TH_LOG("nth %u: %d without a fault", n, ret);
			ASSERT_EQ(0, jm_deinit1(self->fd, key));
			break;
		}
		ASSERT_EQ(0, jm_query(self->fd, &q));
		if (!ret) {
			/* Absorbed: the segment is there, on fresh pages. */
			EXPECT_EQ(base.regions + 1, q.regions);
			EXPECT_EQ(base.held_bytes, q.held_bytes);
			EXPECT_EQ(base.empty_bytes - 3 * pg, q.empty_bytes);
			EXPECT_EQ(0, memcmp(JM_PTR(key), self->content + 1,
					    2 * pg));
			ASSERT_EQ(0, jm_deinit1(self->fd, key));
			continue;
		}
		failures++;
		EXPECT_TRUE(ret == -ENOMEM || ret == -EFAULT)
			TH_LOG("nth %u: INITIALIZE returned %d", n, ret);
		EXPECT_TRUE(same_counters(&base, &q))
			TH_LOG("nth %u: counters changed: regions %llu held %llu empty %llu",
			       n, q.regions, q.held_bytes, q.empty_bytes);
		expect_same_maps(_metadata, &maps, n);
		expect_empties(_metadata, self, n);
		expect_neighbours(_metadata, self, n);
		if (_metadata->exit_code)
			break;
	}
	jm_maps_free(&maps);
	EXPECT_LT(1U, n);
	TH_LOG("%u fault sites, %u failed as they should", n - 1, failures);
}

TEST_F_TIMEOUT(nth, reserve, 600)
{
	struct jitmem_query base, q;
	unsigned int n, failures = 0, fixed;
	__u64 addr, hint;
	int before, ret;

	/* A free address for the FIXED_NOREPLACE half. */
	ASSERT_EQ(0, jm_reserve(self->fd, 8 * self->pg, 0, 0, &hint));
	ASSERT_EQ(0, jm_release1(self->fd, hint));
	ASSERT_EQ(0, jm_query(self->fd, &base));
	before = jm_maps_count(0, ~0ULL);
	for (fixed = 0; fixed < 2; fixed++) {
		for (n = 1; n < MAX_NTH; n++) {
			ASSERT_EQ(0, arm(self->nth_fd, n));
			ret = jm_reserve(self->fd, 8 * self->pg, fixed ? hint : 0,
					 fixed ? JITMEM_RESERVE_FIXED_NOREPLACE : 0,
					 &addr);
			if (!fired(self->nth_fd)) {
				ASSERT_EQ(0, ret);
				ASSERT_EQ(0, jm_release1(self->fd, addr));
				break;
			}
			if (!ret) {
				ASSERT_EQ(0, jm_release1(self->fd, addr));
				continue;
			}
			failures++;
			EXPECT_TRUE(ret == -ENOMEM || ret == -EFAULT)
				TH_LOG("nth %u: RESERVE returned %d", n, ret);
			ASSERT_EQ(0, jm_query(self->fd, &q));
			EXPECT_TRUE(same_counters(&base, &q))
				TH_LOG("nth %u: counters changed (slabs %llu)", n,
				       q.slabs);
			EXPECT_EQ(before, jm_maps_count(0, ~0ULL))
				TH_LOG("nth %u: a mapping was left", n);
			if (_metadata->exit_code)
				break;
		}
		EXPECT_LT(1U, n);
		TH_LOG("%s: %u fault sites", fixed ? "fixed" : "hint", n - 1);
	}
	TH_LOG("%u failed as they should", failures);
}

/*
 * DEINITIALIZE and RELEASE: a key that is gone was processed; one that is
 * there was not.  Either way, the counters and the pages must agree.
 */
static void batch(struct __test_metadata *_metadata, FIXTURE_DATA(nth) *self,
		  bool release)
{
	struct jitmem_init_segment segs[4];
	unsigned int n, nsegs = make_segs(self, segs), failures = 0;
	struct jitmem_query base, q;
	__u64 key, item, items[2];
	__s32 results[2];
	__u32 failed;
	int ret, v;

	for (n = 1; n < MAX_NTH; n++) {
		__u64 sub = 0;

		if (release) {
			/* A second slab with a region: released as a whole. */
			ASSERT_EQ(0, jm_reserve(self->fd, 4 * self->pg, 0, 0, &sub));
			ASSERT_EQ(0, jm_init1(self->fd, sub, self->pg,
					      self->content, JM_CODE_LEN, JM_RX,
					      &key));
			item = sub;
		} else {
			ASSERT_EQ(0, jm_initialize(self->fd, segs, nsegs, &key));
			item = key;
		}
		items[0] = item;
		items[1] = self->slab + 20 * self->pg;	/* no such item */
		ASSERT_EQ(0, jm_query(self->fd, &base));
		results[0] = results[1] = 1;	/* not written yet */
		ASSERT_EQ(0, arm(self->nth_fd, n));
		ret = jm_batch(self->fd, release ? JITMEM_IOC_RELEASE :
			       JITMEM_IOC_DEINITIALIZE, 0, items, results, 2,
			       &failed);
		if (!fired(self->nth_fd)) {
			ASSERT_EQ(0, ret);
			EXPECT_EQ(1U, failed);
			break;
		}
		ASSERT_EQ(0, jm_query(self->fd, &q));
		if (ret) {
			failures++;
			EXPECT_TRUE(ret == -ENOMEM || ret == -EFAULT)
				TH_LOG("nth %u: batch returned %d", n, ret);
		}
		if (q.regions == base.regions) {
			/*
			 * Not processed: the ioctl or the item failed, and
			 * everything is still there, and still usable.
			 */
			EXPECT_TRUE(ret || results[0] == -ENOMEM)
				TH_LOG("nth %u: success but not done (%d, %d)",
				       n, ret, results[0]);
			EXPECT_TRUE(same_counters(&base, &q));
			EXPECT_EQ(0, jm_exec(release ? sub : segs[0].addr, &v));
			EXPECT_EQ(0, release ? jm_release1(self->fd, sub) :
				  jm_deinit1(self->fd, key));
		} else {
			/* Processed: all of it gone. */
			if (!ret)
				EXPECT_EQ(0, results[0]);
			EXPECT_EQ(base.regions - 1, q.regions);
			if (release) {
				EXPECT_EQ(base.slabs - 1, q.slabs);
				EXPECT_EQ(0, jm_maps_count(sub, sub + 4 * self->pg))
					TH_LOG("nth %u: RELEASE returned %d, slab still mapped",
					       n, ret);
			} else {
				expect_scrubbed(_metadata, self, n);
			}
		}
		expect_neighbours(_metadata, self, n);
		if (_metadata->exit_code)
			break;
	}
	EXPECT_LT(1U, n);
	TH_LOG("%u fault sites, %u failed", n - 1, failures);
}

TEST_F_TIMEOUT(nth, deinitialize, 600)
{
	batch(_metadata, self, false);
}

TEST_F_TIMEOUT(nth, release, 600)
{
	batch(_metadata, self, true);
}

#define NO_REUSE_ROUNDS	256

/*
 * exec_reuse=0: however DEINITIALIZE or RELEASE of code fails, no code
 * leaves without its range retired.  Each round uses addresses no earlier
 * round touched, in a range kept free for the test.
 */
static void batch_no_reuse(struct __test_metadata *_metadata,
			   FIXTURE_DATA(nth) *self, bool release)
{
	const size_t pg = self->pg, step = 4 * pg;
	struct jitmem_query base, q;
	unsigned long long old = 1;
	unsigned int n, failures = 0;
	__u64 range, addr, item, key;
	__s32 result;
	__u32 failed;
	bool hit;
	void *p;
	int ret, v;

	ASSERT_EQ(0, jm_param_get("exec_reuse", &old));
	ASSERT_EQ(0, jm_param_set("exec_reuse", 0));
	p = mmap(NULL, NO_REUSE_ROUNDS * step, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	range = JM_U64(p);
	munmap(p, NO_REUSE_ROUNDS * step);
	if (!release)
		ASSERT_EQ(0, jm_reserve(self->fd, NO_REUSE_ROUNDS * step, range,
					JITMEM_RESERVE_FIXED_NOREPLACE, NULL));
	for (n = 1; n < NO_REUSE_ROUNDS; n++) {
		addr = range + n * step;
		if (release)
			ASSERT_EQ(0, jm_reserve(self->fd, step, addr,
						JITMEM_RESERVE_FIXED_NOREPLACE,
						NULL));
		ASSERT_EQ(0, jm_init1(self->fd, addr, pg, self->content,
				      JM_CODE_LEN, JM_RX, &key));
		item = release ? addr : key;
		ASSERT_EQ(0, jm_query(self->fd, &base));
		result = 1;
		ASSERT_EQ(0, arm(self->nth_fd, n));
		ret = jm_batch(self->fd, release ? JITMEM_IOC_RELEASE :
			       JITMEM_IOC_DEINITIALIZE, 0, &item, &result, 1,
			       &failed);
		hit = fired(self->nth_fd);
		if (!hit) {
			ASSERT_EQ(0, ret);
			EXPECT_EQ(0, result);
		}
		ASSERT_EQ(0, jm_query(self->fd, &q));
		if (ret || result)
			failures++;
		if (q.regions == base.regions) {
			/* Not done: the code is live, and not retired. */
			EXPECT_EQ(base.retired_bytes, q.retired_bytes);
			EXPECT_EQ(0, jm_exec(addr, &v));
			EXPECT_EQ(0, release ? jm_release1(self->fd, addr) :
				  jm_deinit1(self->fd, key));
			ASSERT_EQ(0, jm_query(self->fd, &q));
		}
		/* Gone either way, and its range retired. */
		EXPECT_EQ(base.regions - 1, q.regions);
		EXPECT_EQ(base.retired_bytes + pg, q.retired_bytes)
			TH_LOG("nth %u: code freed without its range retired", n);
		if (release)
			ASSERT_EQ(0, jm_reserve(self->fd, step, addr,
						JITMEM_RESERVE_FIXED_NOREPLACE,
						NULL));
		EXPECT_EQ(-EADDRNOTAVAIL, jm_init1(self->fd, addr, pg,
						   self->content, JM_CODE_LEN,
						   JM_RX, NULL))
			TH_LOG("nth %u: retired code range initialized again", n);
		if (_metadata->exit_code || !hit)
			break;
	}
	EXPECT_LT(1U, n);
	EXPECT_GT(NO_REUSE_ROUNDS, n) TH_LOG("more fault sites than rounds");
	TH_LOG("%u fault sites, %u failed", n - 1, failures);
	EXPECT_EQ(0, jm_param_set("exec_reuse", old));
}

TEST_F_TIMEOUT(nth, deinitialize_no_reuse, 600)
{
	batch_no_reuse(_metadata, self, false);
}

TEST_F_TIMEOUT(nth, release_no_reuse, 600)
{
	batch_no_reuse(_metadata, self, true);
}

TEST_F_TIMEOUT(nth, query_and_version, 120)
{
	struct jitmem_version ver;
	struct jitmem_query base, q;
	unsigned int n;
	int ret;

	ASSERT_EQ(0, jm_query(self->fd, &base));
	for (n = 1; n < MAX_NTH; n++) {
		ASSERT_EQ(0, arm(self->nth_fd, n));
		ret = jm_query(self->fd, &q);
		if (!fired(self->nth_fd)) {
			ASSERT_EQ(0, ret);
			EXPECT_TRUE(same_counters(&base, &q));
			break;
		}
		EXPECT_TRUE(!ret || ret == -EFAULT || ret == -ENOMEM);
	}
	for (n = 1; n < MAX_NTH; n++) {
		memset(&ver, 0, sizeof(ver));
		ver.size = sizeof(ver);
		ASSERT_EQ(0, arm(self->nth_fd, n));
		ret = jm_ioctl(self->fd, JITMEM_IOC_VERSION, &ver);
		if (!fired(self->nth_fd)) {
			ASSERT_EQ(0, ret);
			break;
		}
		EXPECT_TRUE(!ret || ret == -EFAULT || ret == -ENOMEM);
	}
}

TEST_HARNESS_MAIN
