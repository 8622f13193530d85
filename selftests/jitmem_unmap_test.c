// SPDX-License-Identifier: GPL-2.0-only
/*
 * A mapping that goes away takes what it held with it, at once: munmap(),
 * MAP_FIXED over it and mremap() shrinking it drop the regions that had a
 * segment there (the pages of what went freed, their counters released;
 * the regions' pages elsewhere scrubbed, kept empty or freed as
 * max_empty_bytes says), and a slab with nothing left mapped is gone.
 * What is still mapped keeps working.
 *
 * A fixture runs with the default max_empty_bytes and, where it is
 * meaningful, with 0 (every page freed as it empties); the parent
 * restores it.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

#define SLAB_PAGES	64
#define VAL_A		0x41
#define VAL_B		0x42

FIXTURE(unmap) {
	int fd;
	size_t pg;
	__u64 slab;
	__u64 ka;	/* code at page 0, data at 1-2 */
	__u64 kb;	/* code at page 16, read-only at 17-18 */
	__u64 kc;	/* code at pages 30-33 */
	unsigned long long saved_empty;
	bool changed;
};

FIXTURE_VARIANT(unmap) {
	bool free_at_once;
	enum jm_freed freed;	/* what the pages of a dropped region show */
};

FIXTURE_VARIANT_ADD(unmap, keep) {
	.free_at_once = false, .freed = JM_FREED_KEPT,
};

/*
 * No free_at_once variant here: a dropped region's pages in mappings that
 * stay are not freed at once with max_empty_bytes=0 (the module reclaims
 * only on DEINITIALIZE and RELEASE); across.free_at_once shows it alone.
 */

/* Set max_empty_bytes to 0 for a free_at_once variant. */
static int empty_param(bool free_at_once, unsigned long long *saved,
		       bool *changed)
{
	int ret = jm_param_get("max_empty_bytes", saved);

	if (ret || !free_at_once)
		return ret;
	*changed = true;
	return jm_param_set("max_empty_bytes", 0);
}

static void empty_restore(struct __test_metadata *_metadata,
			  unsigned long long saved, bool changed)
{
	if (changed && jm_param_set("max_empty_bytes", saved))
		TH_LOG("could not restore max_empty_bytes");
}

/* Bytes of a dropped region's pages that the variant keeps. */
#define KEPT(bytes) (variant->freed == JM_FREED_KEPT ? (bytes) : 0)

static int code_region(int fd, __u64 addr, size_t code_len, int val,
		       __u64 data, size_t data_len, __u8 data_group, __u64 *key)
{
	unsigned char code[16], bytes[8] = "data";
	struct jitmem_init_segment segs[2];

	jm_code(code, val);
	segs[0] = jm_seg(addr, code_len, code, JM_CODE_LEN, JM_RX);
	if (!data_len)
		return jm_initialize(fd, segs, 1, key);
	segs[1] = jm_seg(data, data_len, bytes, sizeof(bytes), data_group);
	return jm_initialize(fd, segs, 2, key);
}

FIXTURE_SETUP(unmap)
{
	size_t pg = jm_pg();

	ASSERT_EQ(0, empty_param(variant->free_at_once, &self->saved_empty,
				 &self->changed));
	self->pg = pg;
	self->fd = jm_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, jm_reserve(self->fd, SLAB_PAGES * pg, 0, 0, &self->slab));
	ASSERT_EQ(0, code_region(self->fd, self->slab, pg, VAL_A,
				 self->slab + pg, 2 * pg, JM_RW, &self->ka));
	ASSERT_EQ(0, code_region(self->fd, self->slab + 16 * pg, pg, VAL_B,
				 self->slab + 17 * pg, 2 * pg, JM_R, &self->kb));
	ASSERT_EQ(0, code_region(self->fd, self->slab + 30 * pg, 4 * pg, VAL_B,
				 0, 0, 0, &self->kc));
}

/* In the parent, even when the test died; the child's fd went with it. */
FIXTURE_TEARDOWN_PARENT(unmap)
{
	empty_restore(_metadata, self->saved_empty, self->changed);
}

/* QUERY holds exactly these numbers. */
static void expect_query(struct __test_metadata *_metadata, int fd,
			 __u64 slabs, __u64 reserved, __u64 regions,
			 __u64 segments, __u64 r, __u64 rw, __u64 rx)
{
	struct jitmem_query q;

	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(slabs, q.slabs);
	EXPECT_EQ(reserved, q.reserved_bytes);
	EXPECT_EQ(regions, q.regions);
	EXPECT_EQ(segments, q.segments);
	EXPECT_EQ(r, q.bytes_r);
	EXPECT_EQ(rw, q.bytes_rw);
	EXPECT_EQ(rx, q.bytes_rx);
}

static void expect_runs(struct __test_metadata *_metadata, __u64 addr, int val)
{
	int v = 0;

	ASSERT_EQ(0, jm_exec(addr, &v));
	EXPECT_EQ(val, v);
}

TEST_F(unmap, whole_slab_is_forgotten)
{
	size_t pg = self->pg;
	__u64 again;

	expect_query(_metadata, self->fd, 1, SLAB_PAGES * pg, 3, 5, 2 * pg,
		     2 * pg, 6 * pg);
	ASSERT_EQ(0, munmap(JM_PTR(self->slab), SLAB_PAGES * pg));
	jm_expect_empty(_metadata, self->fd);
	EXPECT_EQ(-ENOENT, jm_release1(self->fd, self->slab));
	EXPECT_EQ(-ENOENT, jm_deinit1(self->fd, self->ka));
	/* The address space is free again, for a slab of any context. */
	ASSERT_EQ(0, jm_reserve(self->fd, SLAB_PAGES * pg, self->slab,
				JITMEM_RESERVE_FIXED_NOREPLACE, &again));
	EXPECT_EQ(self->slab, again);
	expect_query(_metadata, self->fd, 1, SLAB_PAGES * pg, 0, 0, 0, 0, 0);
	EXPECT_EQ(SIGSEGV, jm_exec(self->slab, NULL));
	EXPECT_EQ(0, jm_release1(self->fd, again));
	jm_expect_empty(_metadata, self->fd);
}

/* Unmapped slabs no longer count against max_reserved_bytes. */
TEST(unmapped_slab_releases_the_limit)
{
	const size_t pg = jm_pg(), len = 128 * pg;
	unsigned long long old;
	__u64 a, b;
	int fd = jm_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_param_get("max_reserved_bytes", &old));
	ASSERT_EQ(0, jm_param_set("max_reserved_bytes", len));
	EXPECT_EQ(0, jm_reserve(fd, len, 0, 0, &a));
	EXPECT_EQ(-ENOSPC, jm_reserve(fd, pg, 0, 0, NULL));
	EXPECT_EQ(0, munmap(JM_PTR(a), len));
	EXPECT_EQ(0, jm_reserve(fd, len, 0, 0, &b));
	EXPECT_EQ(0, jm_release1(fd, b));
	EXPECT_EQ(0, jm_param_set("max_reserved_bytes", old));
	jm_expect_empty(_metadata, fd);
	close(fd);
}

/*
 * munmap() of pages 16-31 drops region b (inside) and c (half inside);
 * region a keeps running and the slab keeps its whole range.
 */
TEST_F(unmap, part_of_slab)
{
	size_t pg = self->pg;

	jm_expect_pages(_metadata, self->fd, 10 * pg, 0);
	ASSERT_EQ(0, munmap(JM_PTR(self->slab + 16 * pg), 16 * pg));
	expect_query(_metadata, self->fd, 1, SLAB_PAGES * pg, 1, 2, 0,
		     2 * pg, pg);
	/* a's three pages, and c's two outside the hole if kept. */
	jm_expect_pages(_metadata, self->fd, 3 * pg + KEPT(2 * pg),
			KEPT(2 * pg));
	expect_runs(_metadata, self->ka, VAL_A);
	EXPECT_EQ(0, memcmp(JM_PTR(self->slab + pg), "data", 4));
	/* c's code outside the hole went too: scrubbed, or freed. */
	EXPECT_EQ(variant->freed, jm_freed_code(self->slab + 32 * pg, 2 * pg));
	EXPECT_EQ(-ENOENT, jm_deinit1(self->fd, self->kb));
	EXPECT_EQ(-ENOENT, jm_deinit1(self->fd, self->kc));
	/* The mapped rest of the slab takes regions; the hole does not. */
	EXPECT_EQ(0, jm_init1(self->fd, self->slab + 32 * pg, pg, NULL, 0,
			      JM_R, NULL));
	/*
	 * A new page; the protection change took the free run, and with it
	 * the empty code pages there.
	 */
	jm_expect_pages(_metadata, self->fd, 4 * pg, 0);
	EXPECT_EQ(-ENXIO, jm_init1(self->fd, self->slab + 20 * pg, pg, NULL, 0,
				   JM_R, NULL));
	EXPECT_EQ(0, jm_deinit1(self->fd, self->ka));
	EXPECT_EQ(0, jm_release1(self->fd, self->slab));
	jm_expect_empty(_metadata, self->fd);
	EXPECT_EQ(0, jm_maps_count(self->slab, self->slab + SLAB_PAGES * pg));
}

/* Each piece goes on its own; the last one takes the slab. */
TEST_F(unmap, piece_by_piece)
{
	size_t pg = self->pg;

	ASSERT_EQ(0, munmap(JM_PTR(self->slab + 32 * pg), 32 * pg));
	expect_query(_metadata, self->fd, 1, SLAB_PAGES * pg, 2, 4, 2 * pg,
		     2 * pg, 2 * pg);
	/* c's pages 30-31 are still mapped: scrubbed (or freed). */
	jm_expect_pages(_metadata, self->fd, 6 * pg + KEPT(2 * pg),
			KEPT(2 * pg));
	EXPECT_EQ(variant->freed, jm_freed_code(self->kc, 2 * pg));
	ASSERT_EQ(0, munmap(JM_PTR(self->slab), 16 * pg));
	expect_query(_metadata, self->fd, 1, SLAB_PAGES * pg, 1, 2, 2 * pg,
		     0, pg);
	jm_expect_pages(_metadata, self->fd, 3 * pg + KEPT(2 * pg),
			KEPT(2 * pg));
	expect_runs(_metadata, self->kb, VAL_B);
	ASSERT_EQ(0, munmap(JM_PTR(self->slab + 16 * pg), 16 * pg));
	jm_expect_empty(_metadata, self->fd);
	EXPECT_EQ(-ENOENT, jm_release1(self->fd, self->slab));
}

/* mmap(MAP_FIXED) of the process over a slab is an unmap of what it covers. */
TEST_F(unmap, map_fixed_over)
{
	size_t pg = self->pg;
	unsigned char *p;

	p = mmap(JM_PTR(self->slab + 16 * pg), 4 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(JM_PTR(self->slab + 16 * pg), p);
	memset(p, 0x5a, 4 * pg);
	expect_query(_metadata, self->fd, 1, SLAB_PAGES * pg, 2, 3, 0,
		     2 * pg, 5 * pg);
	/* b lay wholly under the new mapping: its pages are gone. */
	jm_expect_pages(_metadata, self->fd, 7 * pg, 0);
	expect_runs(_metadata, self->kc, VAL_B);
	EXPECT_EQ(-ENOENT, jm_deinit1(self->fd, self->kb));
	EXPECT_EQ(0, jm_release1(self->fd, self->slab));
	/* The process's own mapping survived the release. */
	EXPECT_EQ(0x5a, p[0]);
	EXPECT_EQ(0x5a, p[4 * pg - 1]);
	jm_expect_empty(_metadata, self->fd);
	munmap(p, 4 * pg);
}

/* MAP_FIXED over the whole slab: the slab is gone. */
TEST_F(unmap, map_fixed_over_whole)
{
	size_t pg = self->pg;
	void *p;

	p = mmap(JM_PTR(self->slab), SLAB_PAGES * pg, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(JM_PTR(self->slab), p);
	jm_expect_empty(_metadata, self->fd);
	EXPECT_EQ(-ENOENT, jm_release1(self->fd, self->slab));
	EXPECT_EQ(1, jm_maps_other(self->slab, self->slab + SLAB_PAGES * pg));
	munmap(p, SLAB_PAGES * pg);
}

static void vma_fn(const struct jm_map *m, void *arg)
{
	*(struct jm_map *)arg = *m;
}

/* mremap() may shrink a mapping: the tail goes like an munmap() of it. */
TEST_F(unmap, mremap_shrink)
{
	size_t pg = self->pg;
	struct jm_map m = { 0 };
	void *p;

	/* The mapping holding c (mremap() works on one VMA): cut it at c. */
	ASSERT_EQ(1, jm_maps_scan(self->kc, self->kc + 1, vma_fn, &m));
	ASSERT_LT(m.start, self->kc);
	p = mremap(JM_PTR(m.start), m.end - m.start, self->kc - m.start, 0);
	ASSERT_EQ(JM_PTR(m.start), p) TH_LOG("mremap: %s", strerror(errno));
	expect_query(_metadata, self->fd, 1, SLAB_PAGES * pg, 2, 4, 2 * pg,
		     2 * pg, 2 * pg);
	jm_expect_pages(_metadata, self->fd, 6 * pg, 0);
	expect_runs(_metadata, self->ka, VAL_A);
	expect_runs(_metadata, self->kb, VAL_B);
	EXPECT_EQ(JM_FREED_GONE, jm_freed_code(self->kc, 4 * pg));
	EXPECT_EQ(-ENOENT, jm_deinit1(self->fd, self->kc));
	/* A jitmem mapping never grows. */
	EXPECT_EQ(MAP_FAILED, mremap(p, self->kc - m.start,
				     self->kc - m.start + pg, 0));
	EXPECT_EQ(0, jm_release1(self->fd, self->slab));
	jm_expect_empty(_metadata, self->fd);
}

FIXTURE(across) {
	unsigned long long saved_empty;
	bool changed;
};

FIXTURE_VARIANT(across) {
	bool free_at_once;
	enum jm_freed freed;
};

FIXTURE_VARIANT_ADD(across, keep) {
	.free_at_once = false, .freed = JM_FREED_KEPT,
};

FIXTURE_VARIANT_ADD(across, free_at_once) {
	.free_at_once = true, .freed = JM_FREED_GONE,
};

FIXTURE_SETUP(across)
{
	ASSERT_EQ(0, empty_param(variant->free_at_once, &self->saved_empty,
				 &self->changed));
}

FIXTURE_TEARDOWN_PARENT(across)
{
	empty_restore(_metadata, self->saved_empty, self->changed);
}

/*
 * A region with segments in two slabs goes with either; its page in the
 * other slab is scrubbed, kept within max_empty_bytes or freed at once.
 */
TEST_F(across, region_across_slabs)
{
	const size_t pg = jm_pg();
	unsigned char code[16];
	struct jitmem_init_segment segs[2];
	__u64 base, s1, s2, key;
	int fd = jm_open();
	void *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	base = JM_U64(p);
	munmap(p, 8 * pg);
	ASSERT_EQ(0, jm_reserve(fd, 4 * pg, base, JITMEM_RESERVE_FIXED_NOREPLACE,
				&s1));
	ASSERT_EQ(0, jm_reserve(fd, 4 * pg, base + 4 * pg,
				JITMEM_RESERVE_FIXED_NOREPLACE, &s2));
	jm_code(code, VAL_A);
	segs[0] = jm_seg(s1, pg, code, JM_CODE_LEN, JM_RX);
	segs[1] = jm_seg(s2, pg, "x", 1, JM_R);
	ASSERT_EQ(0, jm_initialize(fd, segs, 2, &key));
	ASSERT_EQ(0, munmap(JM_PTR(s2), 4 * pg));
	EXPECT_EQ(variant->freed, jm_freed_code(s1, pg));
	expect_query(_metadata, fd, 1, 4 * pg, 0, 0, 0, 0, 0);
	jm_expect_pages(_metadata, fd, KEPT(pg), KEPT(pg));
	EXPECT_EQ(-ENOENT, jm_deinit1(fd, key));
	EXPECT_EQ(0, jm_release1(fd, s1));
	jm_expect_empty(_metadata, fd);
	close(fd);
}

static int child_munmaps(void *arg)
{
	const __u64 *slab = arg;

	return munmap(JM_PTR(*slab), SLAB_PAGES * jm_pg()) ? 1 : 0;
}

/* A fork child's copy of the mappings is its own: its munmap() is not ours. */
TEST_F(unmap, child_munmap_is_its_own)
{
	size_t pg = self->pg;

	EXPECT_EQ(0, jm_in_child(child_munmaps, &self->slab));
	expect_query(_metadata, self->fd, 1, SLAB_PAGES * pg, 3, 5, 2 * pg,
		     2 * pg, 6 * pg);
	expect_runs(_metadata, self->ka, VAL_A);
	EXPECT_EQ(0, jm_release1(self->fd, self->slab));
}

/*
 * Free memory in kB: every zone's free pages and the pages its per-CPU
 * lists hold (/proc/zoneinfo).  MemFree alone would not do: 6.12 tunes
 * the per-CPU lists up and keeps tens of MiB of freed pages there.
 */
static long free_kb(void)
{
	char line[256];
	long v = 0, n;
	FILE *f = fopen("/proc/zoneinfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " pages free %ld", &n) == 1 ||
		    sscanf(line, " count: %ld", &n) == 1)
			v += n;
	fclose(f);
	return v * (long)(jm_pg() >> 10);
}

/* The pages of what munmap() dropped go back to the system. */
TEST(munmap_frees_pages)
{
	const size_t pg = jm_pg(), len = 64 << 20;
	long before, held, after;
	__u64 slab;
	int fd = jm_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, len, 0, 0, &slab));
	before = free_kb();
	ASSERT_EQ(0, jm_init1(fd, slab, len, NULL, 0, JM_R, NULL));
	held = free_kb();
	ASSERT_EQ(0, munmap(JM_PTR(slab), len));
	after = free_kb();
	TH_LOG("free: %ld kB, %ld kB with 64 MiB initialized, %ld kB after munmap",
	       before, held, after);
	EXPECT_GT(before - held, 48L << 10);
	EXPECT_LT(before - after, 16L << 10);
	jm_expect_empty(_metadata, fd);
	close(fd);
	(void)pg;
}

TEST_HARNESS_MAIN
