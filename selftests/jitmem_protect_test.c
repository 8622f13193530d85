// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protection changes (issue 14), the one path that remaps: a change takes
 * the run of free pages and the neighbouring mapping of the protection, so
 * the mappings follow the runs of protections in use and stay bounded under
 * JITLink-style churn; every mapping's offset is its page number in the
 * slab; and a change that fails (vm.max_map_count, a memory cgroup limit)
 * leaves /proc/self/maps and QUERY exactly as they were.  Strict
 * overcommit charges nothing: data mappings are shared, code and
 * read-only ones never writable.
 *
 * sysctls and cgroups are changed as root in the VM and restored by the
 * parent, even when a test dies.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

#include <sys/mount.h>
#include <sys/stat.h>

#define MAX_MAP_COUNT	"/proc/sys/vm/max_map_count"
#define OVERCOMMIT	"/proc/sys/vm/overcommit_memory"
#define CGROOT		"/sys/fs/cgroup"

static int file_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int file_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n == (ssize_t)strlen(s) ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	return n;
}

static int file_write_ul(const char *path, unsigned long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu\n", v);
	return file_write(path, buf);
}

FIXTURE(protect) {
	int fd;
	size_t pg;
	char max_map_count[32], overcommit[32];
	char cgroup[128];
	bool mounted_cgroup;
};

FIXTURE_SETUP(protect)
{
	self->pg = jm_pg();
	ASSERT_EQ(0, file_read(MAX_MAP_COUNT, self->max_map_count,
			       sizeof(self->max_map_count)));
	ASSERT_EQ(0, file_read(OVERCOMMIT, self->overcommit,
			       sizeof(self->overcommit)));
	self->fd = jm_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", JM_DEV, strerror(errno));
}

/* In the parent: the sysctls as they were, the test's cgroup gone. */
FIXTURE_TEARDOWN_PARENT(protect)
{
	if (file_write(MAX_MAP_COUNT, self->max_map_count))
		TH_LOG("could not restore " MAX_MAP_COUNT);
	if (file_write(OVERCOMMIT, self->overcommit))
		TH_LOG("could not restore " OVERCOMMIT);
	if (self->cgroup[0] && rmdir(self->cgroup))
		TH_LOG("rmdir %s: %s", self->cgroup, strerror(errno));
	if (self->mounted_cgroup && umount(CGROOT))
		TH_LOG("umount " CGROOT ": %s", strerror(errno));
}

/* What a failed call must leave exactly as it was. */
struct state {
	struct jitmem_query q;
	struct jm_maps maps;
};

static void state_read(struct __test_metadata *_metadata, int fd,
		       struct state *s)
{
	ASSERT_EQ(0, jm_query(fd, &s->q));
	ASSERT_LE(0, jm_maps_read(&s->maps));
}

static void expect_same_state(struct __test_metadata *_metadata, int fd,
			      struct state *before)
{
	struct state now = { 0 };
	char diff[128];

	state_read(_metadata, fd, &now);
	/*
	 * Every counter of what the context holds is as it was; remaps counts
	 * events, and a change undone replaced mappings twice.
	 */
	EXPECT_EQ(0, memcmp(&before->q, &now.q, offsetof(struct jitmem_query, remaps)))
		TH_LOG("QUERY changed: regions %llu -> %llu, held %llu -> %llu",
		       before->q.regions, now.q.regions, before->q.held_bytes,
		       now.q.held_bytes);
	EXPECT_LE(before->q.remaps, now.q.remaps);
	if (!jm_maps_equal(&before->maps, &now.maps)) {
		jm_maps_diff(&before->maps, &now.maps, diff, sizeof(diff));
		TH_LOG("mappings changed: %s", diff);
		EXPECT_TRUE(false);
	}
	jm_maps_free(&now.maps);
}

/* The jitmem mappings of [lo, hi), "perms offset" each, in @out. */
struct layout {
	__u64 lo, hi;
	char text[512];
	int bad_offset;		/* mappings whose offset is not lo-relative */
};

static void layout_read(struct layout *l)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[256];
	size_t used = 0;

	l->text[0] = '\0';
	l->bad_offset = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e, off;
		char perms[5];
		int n = 0;

		if (sscanf(line, "%lx-%lx %4s %lx %*s %*s %n", &s, &e, perms,
			   &off, &n) < 4 || !n || !jm_maps_is_dev(line + n) ||
		    e <= l->lo || s >= l->hi)
			continue;
		/* The offset of a slab's mapping is its page number there. */
		if (off != s - l->lo)
			l->bad_offset++;
		used += snprintf(l->text + used, sizeof(l->text) - used,
				 "%s%s:%llu-%llu", used ? " " : "", perms,
				 (unsigned long long)((s - l->lo) / jm_pg()),
				 (unsigned long long)((e - l->lo) / jm_pg()));
		if (used >= sizeof(l->text))
			break;
	}
	fclose(f);
}

#define EXPECT_LAYOUT(_lo, _hi, _want) do {				\
	struct layout __l = { .lo = (_lo), .hi = (_hi) };		\
									\
	layout_read(&__l);						\
	EXPECT_STREQ(_want, __l.text);					\
	EXPECT_EQ(0, __l.bad_offset);					\
} while (0)

/* QUERY's remaps: the times the module replaced our mappings. */
static __u64 remaps(int fd)
{
	struct jitmem_query q = { .size = sizeof(q) };

	return jm_ioctl(fd, JITMEM_IOC_QUERY, &q) ? ~0ULL : q.remaps;
}

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

/*
 * A change takes the free run around the segment, up to the live pages of
 * other protections, and the neighbouring mapping of its protection:
 * exact layouts (pages from the slab's start), offsets included, and one
 * remap (QUERY) per change, none for a publish that needs none.
 */
TEST_F(protect, change_takes_the_run)
{
	size_t pg = self->pg;
	__u64 s, k8;

	ASSERT_EQ(0, jm_reserve(self->fd, 16 * pg, 0, 0, &s));
	EXPECT_LAYOUT(s, s + 16 * pg, "---p:0-16");
	EXPECT_EQ(0ULL, remaps(self->fd));
	ASSERT_EQ(0, code_at(self->fd, s, pg, 1, NULL));
	EXPECT_LAYOUT(s, s + 16 * pg, "r-xp:0-16");
	EXPECT_EQ(1ULL, remaps(self->fd));
	ASSERT_EQ(0, jm_init1(self->fd, s + 8 * pg, pg, "r", 1, JM_R, &k8));
	EXPECT_LAYOUT(s, s + 16 * pg, "r-xp:0-1 r--p:1-16");
	/* Code at 4: the free run 1-8 joins the code mapping. */
	ASSERT_EQ(0, code_at(self->fd, s + 4 * pg, pg, 4, NULL));
	EXPECT_LAYOUT(s, s + 16 * pg, "r-xp:0-8 r--p:8-16");
	/* Data at 12, then 10: one data mapping. */
	ASSERT_EQ(0, jm_init1(self->fd, s + 12 * pg, pg, "w", 1, JM_RW, NULL));
	EXPECT_LAYOUT(s, s + 16 * pg, "r-xp:0-8 r--p:8-9 rw-s:9-16");
	EXPECT_EQ(4ULL, remaps(self->fd));
	ASSERT_EQ(0, jm_init1(self->fd, s + 10 * pg, pg, "v", 1, JM_RW, NULL));
	EXPECT_LAYOUT(s, s + 16 * pg, "r-xp:0-8 r--p:8-9 rw-s:9-16");
	/* Publishing into a mapping of the protection changes nothing. */
	ASSERT_EQ(0, code_at(self->fd, s + 6 * pg, 64, 6, NULL));
	ASSERT_EQ(0, jm_init1(self->fd, s + 14 * pg + 64, 64, "u", 1, JM_RW,
			      NULL));
	EXPECT_LAYOUT(s, s + 16 * pg, "r-xp:0-8 r--p:8-9 rw-s:9-16");
	EXPECT_EQ(4ULL, remaps(self->fd));
	/* The read-only page empties: code there takes it and its run. */
	ASSERT_EQ(0, jm_deinit1(self->fd, k8));
	ASSERT_EQ(0, code_at(self->fd, s + 8 * pg, 64, 8, NULL));
	EXPECT_LAYOUT(s, s + 16 * pg, "r-xp:0-10 rw-s:10-16");
	EXPECT_EQ(5ULL, remaps(self->fd));
	expect_runs(_metadata, s, 1);
	expect_runs(_metadata, s + 4 * pg, 4);
	expect_runs(_metadata, s + 6 * pg, 6);
	expect_runs(_metadata, s + 8 * pg, 8);
	EXPECT_EQ(0, memcmp(JM_PTR(s + 10 * pg), "v", 1));
	EXPECT_EQ(0, memcmp(JM_PTR(s + 12 * pg), "w", 1));
	EXPECT_EQ(0, memcmp(JM_PTR(s + 14 * pg + 64), "u", 1));
	/*
	 * Code at 0, 4, 6, 8 and data at 10, 12, 14: the empty read-only
	 * page went with the change.
	 */
	jm_expect_pages(_metadata, self->fd, 7 * pg, 0);
}

/*
 * JITLink-shaped churn through the raw ioctls, the way LLVM's
 * MapperJITLinkMemoryManager lays it out: each allocation is one region
 * of an R, an RW and an RX segment (in AllocGroup order), page-aligned
 * and next to each other, placed first-fit in one slab's free list, which
 * coalesces what is freed.  10 rounds of 300 allocations of varying sizes,
 * some freed as the round goes, the rest at its end: the jitmem lines of
 * /proc/self/maps after every round are at most the first round's plus 5.
 */
#define CHURN_ROUNDS	10
#define CHURN_ALLOCS	300
#define CHURN_PAGES	4096

struct extent {
	unsigned int start, len;	/* pages */
};

struct freelist {
	struct extent v[CHURN_ALLOCS + 2];
	unsigned int n;
};

/* First fit: the lowest range that holds @len pages; -1 if none. */
static int fl_alloc(struct freelist *fl, unsigned int len)
{
	unsigned int i, at;

	for (i = 0; i < fl->n; i++) {
		if (fl->v[i].len < len)
			continue;
		at = fl->v[i].start;
		fl->v[i].start += len;
		fl->v[i].len -= len;
		if (!fl->v[i].len) {
			memmove(&fl->v[i], &fl->v[i + 1],
				(fl->n - i - 1) * sizeof(fl->v[0]));
			fl->n--;
		}
		return (int)at;
	}
	return -1;
}

/* Give back [start, start + len), coalescing with its neighbours. */
static void fl_free(struct freelist *fl, unsigned int start, unsigned int len)
{
	unsigned int i = 0;

	while (i < fl->n && fl->v[i].start < start)
		i++;
	memmove(&fl->v[i + 1], &fl->v[i], (fl->n - i) * sizeof(fl->v[0]));
	fl->v[i] = (struct extent){ start, len };
	fl->n++;
	if (i + 1 < fl->n && start + len == fl->v[i + 1].start) {
		fl->v[i].len += fl->v[i + 1].len;
		memmove(&fl->v[i + 1], &fl->v[i + 2],
			(fl->n - i - 2) * sizeof(fl->v[0]));
		fl->n--;
	}
	if (i && fl->v[i - 1].start + fl->v[i - 1].len == start) {
		fl->v[i - 1].len += fl->v[i].len;
		memmove(&fl->v[i], &fl->v[i + 1],
			(fl->n - i - 1) * sizeof(fl->v[0]));
		fl->n--;
	}
}

struct jl_alloc {
	unsigned int start, pages, code_page;
	__u64 key;
	int tag;
	bool live;
};

static unsigned int rnd(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* One allocation: R, RW, RX pages from @at; its key, code returns @tag. */
static int jl_make(int fd, __u64 slab, size_t pg, struct jl_alloc *a,
		   unsigned int r, unsigned int rw, unsigned int rx)
{
	unsigned char code[JM_CODE_LEN];
	struct jitmem_init_segment s[3];
	__u64 base = slab + (__u64)a->start * pg;

	jm_code(code, a->tag);
	s[0] = jm_seg(base, r * pg, "const", 6, JM_R);
	s[1] = jm_seg(base + r * pg, rw * pg, "data", 5, JM_RW);
	s[2] = jm_seg(base + (r + rw) * pg, rx * pg, code, sizeof(code), JM_RX);
	a->code_page = a->start + r + rw;
	return jm_initialize(fd, s, 3, &a->key);
}

/*
 * @same: every round makes the same allocations (the same modules loaded
 * again); else each round its own sizes.
 */
static void churn(struct __test_metadata *_metadata,
		  FIXTURE_DATA(protect) *self, bool same, int lines[CHURN_ROUNDS])
{
	size_t pg = self->pg;
	struct freelist *fl = calloc(1, sizeof(*fl));
	struct jl_alloc *a = calloc(CHURN_ALLOCS, sizeof(*a));
	unsigned int seed = 0x1f2e3d4c, round, i, j;
	int most = 0, v;
	__u64 slab;

	ASSERT_NE(NULL, fl);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(0, jm_reserve(self->fd, (__u64)CHURN_PAGES * pg, 0, 0, &slab));
	fl->v[0] = (struct extent){ 0, CHURN_PAGES };
	fl->n = 1;
	for (round = 0; round < CHURN_ROUNDS; round++) {
		if (same)
			seed = 0x1f2e3d4c;
		for (i = 0; i < CHURN_ALLOCS; i++) {
			unsigned int r = 1 + rnd(&seed) % 2;
			unsigned int rw = 1 + rnd(&seed) % 2;
			unsigned int rx = 1 + rnd(&seed) % 4;
			int at = fl_alloc(fl, r + rw + rx);

			ASSERT_LE(0, at) TH_LOG("round %u: slab full", round);
			a[i] = (struct jl_alloc){
				.start = at, .pages = r + rw + rx,
				.tag = (int)(round << 16 | i), .live = true,
			};
			ASSERT_EQ(0, jl_make(self->fd, slab, pg, &a[i], r, rw,
					     rx))
				TH_LOG("round %u allocation %u", round, i);
			v = 0;
			ASSERT_EQ(0, jm_exec(slab + (__u64)a[i].code_page * pg,
					     &v));
			ASSERT_EQ(a[i].tag, v);
			/* A module goes now and then, as the round goes. */
			if (rnd(&seed) % 3)
				continue;
			j = rnd(&seed) % (i + 1);
			if (!a[j].live)
				continue;
			ASSERT_EQ(0, jm_deinit1(self->fd, a[j].key));
			fl_free(fl, a[j].start, a[j].pages);
			a[j].live = false;
		}
		for (i = 0; i < CHURN_ALLOCS; i++) {
			if (!a[i].live)
				continue;
			ASSERT_EQ(0, jm_deinit1(self->fd, a[i].key));
			fl_free(fl, a[i].start, a[i].pages);
			a[i].live = false;
		}
		ASSERT_EQ(1U, fl->n);
		/* Everything is free again: what mappings are left? */
		lines[round] = jm_maps_count(slab, slab + (__u64)CHURN_PAGES * pg);
		ASSERT_LT(0, lines[round]);
		most = lines[round] > most ? lines[round] : most;
	}
	TH_LOG("jitmem lines after each round: %d %d %d %d %d %d %d %d %d %d",
	       lines[0], lines[1], lines[2], lines[3], lines[4], lines[5],
	       lines[6], lines[7], lines[8], lines[9]);
	jm_expect_empty_regions(_metadata, self->fd);
	ASSERT_EQ(0, jm_release1(self->fd, slab));
	jm_expect_empty(_metadata, self->fd);
	free(fl);
	free(a);
}

/*
 * Pages freed at once: whatever the rounds, the mappings left are those of
 * the slab alone.
 */
TEST_F_TIMEOUT(protect, vmas_bounded_under_churn, 600)
{
	unsigned long long old = 0;
	int lines[CHURN_ROUNDS];
	unsigned int round;

	ASSERT_EQ(0, jm_param_get("max_empty_bytes", &old));
	ASSERT_EQ(0, jm_param_set("max_empty_bytes", 0));
	churn(_metadata, self, false, lines);
	EXPECT_EQ(0, jm_param_set("max_empty_bytes", old));
	for (round = 1; round < CHURN_ROUNDS; round++)
		EXPECT_GE(lines[0] + 5, lines[round]) TH_LOG("round %u", round);
}

/*
 * Empty pages kept (the default): the same modules loaded again find their
 * pages and mappings as they left them.
 */
TEST_F_TIMEOUT(protect, vmas_bounded_reloading, 600)
{
	int lines[CHURN_ROUNDS];
	unsigned int round;

	churn(_metadata, self, true, lines);
	for (round = 1; round < CHURN_ROUNDS; round++)
		EXPECT_GE(lines[0] + 5, lines[round]) TH_LOG("round %u", round);
}

/* The mappings of the process, as the kernel counts them (no gate VMA). */
static int map_count(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strstr(line, "[vsyscall]"))
			n++;
	fclose(f);
	return n;
}

/*
 * vm.max_map_count at the process's count: a change that splits a mapping
 * in three cannot be made.  ENOMEM, and nothing changed.
 */
TEST_F(protect, max_map_count_split)
{
	size_t pg = self->pg;
	struct state before = { 0 };
	__u64 s;
	int n, ret;

	ASSERT_EQ(0, jm_reserve(self->fd, 32 * pg, 0, 0, &s));
	ASSERT_EQ(0, code_at(self->fd, s, pg, 1, NULL));
	ASSERT_EQ(0, code_at(self->fd, s + 20 * pg, pg, 2, NULL));
	EXPECT_LAYOUT(s, s + 32 * pg, "r-xp:0-32");
	state_read(_metadata, self->fd, &before);
	n = map_count();
	ASSERT_LT(0, n);
	ASSERT_EQ(0, file_write_ul(MAX_MAP_COUNT, n));
	ret = jm_init1(self->fd, s + 10 * pg, pg, "r", 1, JM_R, NULL);
	ASSERT_EQ(0, file_write(MAX_MAP_COUNT, self->max_map_count));
	EXPECT_EQ(-ENOMEM, ret);
	expect_same_state(_metadata, self->fd, &before);
	EXPECT_LAYOUT(s, s + 32 * pg, "r-xp:0-32");
	expect_runs(_metadata, s, 1);
	expect_runs(_metadata, s + 20 * pg, 2);
	EXPECT_EQ(SIGSEGV, jm_read(s + 10 * pg, NULL));
	/* The limit was all that stood in the way. */
	ASSERT_EQ(0, jm_init1(self->fd, s + 10 * pg, pg, "r", 1, JM_R, NULL));
	EXPECT_LAYOUT(s, s + 32 * pg, "r-xp:0-1 r--p:1-20 r-xp:20-32");
	jm_maps_free(&before.maps);
}

/*
 * The same limit, met by the second change of a request after its first
 * one was made: the first must be undone, exactly.
 */
TEST_F(protect, max_map_count_second_change)
{
	size_t pg = self->pg;
	struct jitmem_init_segment segs[2];
	struct state before = { 0 };
	__u64 s;
	int n, ret;

	ASSERT_EQ(0, jm_reserve(self->fd, 32 * pg, 0, 0, &s));
	ASSERT_EQ(0, code_at(self->fd, s + 12 * pg, pg, 1, NULL));
	ASSERT_EQ(0, code_at(self->fd, s + 31 * pg, pg, 2, NULL));
	EXPECT_LAYOUT(s, s + 32 * pg, "r-xp:0-32");
	state_read(_metadata, self->fd, &before);
	/*
	 * Data at 2 takes the head, 0-12 (one more mapping, no split
	 * check), then read-only data at 20 needs a split in three.
	 */
	segs[0] = jm_seg(s + 2 * pg, pg, "w", 1, JM_RW);
	segs[1] = jm_seg(s + 20 * pg, pg, "r", 1, JM_R | JM_FIN);
	n = map_count();
	ASSERT_LT(0, n);
	ASSERT_EQ(0, file_write_ul(MAX_MAP_COUNT, n));
	ret = jm_initialize(self->fd, segs, 2, NULL);
	ASSERT_EQ(0, file_write(MAX_MAP_COUNT, self->max_map_count));
	EXPECT_EQ(-ENOMEM, ret);
	expect_same_state(_metadata, self->fd, &before);
	EXPECT_LAYOUT(s, s + 32 * pg, "r-xp:0-32");
	expect_runs(_metadata, s + 12 * pg, 1);
	expect_runs(_metadata, s + 31 * pg, 2);
	EXPECT_EQ(SIGSEGV, jm_read(s + 2 * pg, NULL));
	/* Without the limit the request is fine. */
	ASSERT_EQ(0, jm_initialize(self->fd, segs, 2, NULL));
	EXPECT_LAYOUT(s, s + 32 * pg,
		      "rw-s:0-12 r-xp:12-13 r--p:13-31 r-xp:31-32");
	jm_maps_free(&before.maps);
}

static long meminfo_kb(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

/*
 * vm.overcommit_memory=2 ignores MAP_NORESERVE, so a private writable
 * mapping of a large free run would be charged whole (and refused past
 * CommitLimit).  Data mappings are shared and the others never writable:
 * changes over a free run of twice CommitLimit succeed and charge nothing.
 */
TEST_F(protect, strict_overcommit_charges_nothing)
{
	size_t pg = self->pg;
	struct jitmem_query q;
	long limit = meminfo_kb("CommitLimit:"), before, after;
	unsigned long long max_reserved = 0;
	char want[128];
	__u64 s, len, half;
	int ret[3];

	/* Twice what the system may commit, in whole GiB. */
	ASSERT_LT(0, limit);
	len = ((2ULL * limit << 10) + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
	ASSERT_EQ(0, jm_param_get("max_reserved_bytes", &max_reserved));
	ASSERT_LE(len, max_reserved);
	half = len / pg / 2;
	ASSERT_EQ(0, jm_reserve(self->fd, len, 0, 0, &s));
	ASSERT_EQ(0, file_write(OVERCOMMIT, "2\n"));
	before = meminfo_kb("Committed_AS:");
	ret[0] = jm_init1(self->fd, s, pg, "w", 1, JM_RW, NULL);
	ret[1] = jm_init1(self->fd, s + half * pg, pg, "r", 1, JM_R, NULL);
	ret[2] = code_at(self->fd, s + len - pg, pg, 3, NULL);
	after = meminfo_kb("Committed_AS:");
	ASSERT_EQ(0, file_write(OVERCOMMIT, self->overcommit));
	TH_LOG("slab %llu MiB, CommitLimit %ld kB, Committed_AS %ld kB, then %ld kB",
	       len >> 20, limit, before, after);
	EXPECT_EQ(0, ret[0]);
	EXPECT_EQ(0, ret[1]);
	EXPECT_EQ(0, ret[2]);
	EXPECT_GT(16L << 10, after - before);
	/* Each change took the free run above it, to the slab's end. */
	snprintf(want, sizeof(want), "rw-s:0-1 r--p:1-%llu r-xp:%llu-%llu",
		 half + 1, half + 1, len / pg);
	EXPECT_LAYOUT(s, s + len, want);
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(3 * pg, q.held_bytes);
	EXPECT_EQ(0, memcmp(JM_PTR(s), "w", 1));
	expect_runs(_metadata, s + len - pg, 3);
	EXPECT_EQ(0, jm_release1(self->fd, s));
}

/* Mount cgroup v2 if the VM has none; the cgroup for this test. */
static int cgroup_make(FIXTURE_DATA(protect) *self, unsigned long max)
{
	char path[192], buf[256] = "";

	if (file_read(CGROOT "/cgroup.controllers", buf, sizeof(buf))) {
		if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
			return -errno;
		self->mounted_cgroup = true;
		if (file_read(CGROOT "/cgroup.controllers", buf, sizeof(buf)))
			return -ENOENT;
	}
	if (!strstr(buf, "memory"))
		return -EOPNOTSUPP;
	if (file_write(CGROOT "/cgroup.subtree_control", "+memory"))
		return -EIO;
	snprintf(self->cgroup, sizeof(self->cgroup), CGROOT "/jitmem-test-%d",
		 getpid());
	if (mkdir(self->cgroup, 0755)) {
		self->cgroup[0] = '\0';
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/memory.max", self->cgroup);
	if (file_write_ul(path, max))
		return -EIO;
	snprintf(path, sizeof(path), "%s/memory.swap.max", self->cgroup);
	file_write(path, "0");
	return 0;
}

static int cgroup_enter(const char *cgroup)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	return file_write_ul(path, getpid());
}

static long cgroup_value(const char *cgroup, const char *file,
			 const char *key)
{
	char path[192], buf[1024], *p;

	snprintf(path, sizeof(path), "%s/%s", cgroup, file);
	if (file_read(path, buf, sizeof(buf)))
		return -1;
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/*
 * A memory cgroup limit: an INITIALIZE that needs more pages than the
 * cgroup may have fails with ENOMEM, kills nobody and changes nothing;
 * the same request within the limit works.
 */
TEST_F(protect, memcg_limit)
{
	const unsigned long max = 16 << 20;
	size_t pg = self->pg;
	struct state before = { 0 };
	__u64 s, key;
	int ret;

	ret = cgroup_make(self, max);
	ASSERT_EQ(0, ret) TH_LOG("memory cgroup: %s", strerror(-ret));
	ASSERT_EQ(0, jm_reserve(self->fd, 128 << 20, 0, 0, &s));
	ASSERT_EQ(0, code_at(self->fd, s, pg, 1, NULL));
	state_read(_metadata, self->fd, &before);
	ASSERT_EQ(0, cgroup_enter(self->cgroup));
	ret = jm_init1(self->fd, s + 16 * pg, 64 << 20, NULL, 0, JM_R, NULL);
	EXPECT_EQ(-ENOMEM, ret);
	expect_same_state(_metadata, self->fd, &before);
	EXPECT_LAYOUT(s, s + (128 << 20), "r-xp:0-32768");
	EXPECT_EQ(0, cgroup_value(self->cgroup, "memory.events", "oom_kill "));
	/* Within the limit, the same change is made. */
	ASSERT_EQ(0, jm_init1(self->fd, s + 16 * pg, 1 << 20, NULL, 0, JM_R,
			      &key));
	EXPECT_LAYOUT(s, s + (128 << 20), "r-xp:0-1 r--p:1-32768");
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	ASSERT_EQ(0, cgroup_enter(CGROOT));
	expect_runs(_metadata, s, 1);
	ASSERT_EQ(0, jm_release1(self->fd, s));
	jm_maps_free(&before.maps);
}

TEST_HARNESS_MAIN
