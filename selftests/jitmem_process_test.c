// SPDX-License-Identifier: GPL-2.0-only
/*
 * Processes and lifetime: a context belongs to the mm that opened it; fork
 * children keep an immutable snapshot of the code they inherited; munmap,
 * madvise, close and exit with live regions stay safe and leave clean
 * errors behind.
 *
 * Children never use the harness macros: they report through exit codes.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "jitmem_util.h"

#include <sys/socket.h>

#define SLAB_PAGES	16
#define OLD_VAL		0x01d
#define NEW_VAL		0x2e0

FIXTURE(proc) {
	int fd;
	size_t pg;
	__u64 slab, key;	/* key: RX code at page 0, R data at page 1 */
};

static int code_at(int fd, __u64 addr, size_t pg, int val, __u64 *key)
{
	unsigned char code[JM_CODE_LEN];

	jm_code(code, val);
	return jm_init1(fd, addr, pg, code, sizeof(code), JM_RX, key);
}

FIXTURE_SETUP(proc)
{
	unsigned char code[JM_CODE_LEN];
	struct jitmem_init_segment s[2];

	self->pg = jm_pg();
	self->fd = jm_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", JM_DEV, strerror(errno));
	ASSERT_EQ(0, jm_reserve(self->fd, SLAB_PAGES * self->pg, 0, 0,
				&self->slab));
	jm_code(code, OLD_VAL);
	s[0] = jm_seg(self->slab, self->pg, code, sizeof(code), JM_RX);
	s[1] = jm_seg(self->slab + self->pg, self->pg, "old-data", 9, JM_R);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 2, &self->key));
}

FIXTURE_TEARDOWN(proc)
{
	close(self->fd);
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

#define CHILD_OK(st)	(WIFEXITED(st) && WEXITSTATUS(st) == 0)

/* Child side: the slab as it was at fork time. */
static int child_sees_old(__u64 slab, size_t pg)
{
	int v = 0;

	if (jm_exec(slab, &v) || v != OLD_VAL)
		return 10;
	if (memcmp(JM_PTR(slab + pg), "old-data", 9))
		return 11;
	if (jm_write(slab, 0xc3) != SIGSEGV)
		return 12;
	if (jm_write(slab + pg, 0) != SIGSEGV)
		return 13;
	return 0;
}

static int all_eperm(int fd, __u64 slab, size_t pg)
{
	struct jitmem_query q;
	int ret = 0;

	if (jm_query(fd, &q) != -EPERM)
		ret |= 1;
	if (jm_reserve(fd, pg, 0, 0, NULL) != -EPERM)
		ret |= 2;
	if (jm_init1(fd, slab + 4 * pg, pg, NULL, 0, JM_R, NULL) != -EPERM)
		ret |= 4;
	if (jm_deinit1(fd, slab) != -EPERM)
		ret |= 8;
	if (jm_release1(fd, slab) != -EPERM)
		ret |= 16;
	if (mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED)
		ret |= 32;
	return ret;
}

TEST_F(proc, fork_child_ioctls_eperm)
{
	struct jitmem_query q0, q1;
	pid_t pid;
	int st;

	ASSERT_EQ(0, jm_query(self->fd, &q0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(all_eperm(self->fd, self->slab, self->pg));
	st = wait_child(pid);
	EXPECT_TRUE(CHILD_OK(st)) TH_LOG("child status %#x (bits: ioctls not EPERM)", st);
	/* Nothing the child tried happened; the owner still works. */
	ASSERT_EQ(0, jm_query(self->fd, &q1));
	EXPECT_EQ(0, memcmp(&q0, &q1, sizeof(q0)));
	EXPECT_EQ(0, jm_deinit1(self->fd, self->key));
}

/* The receiver was forked before the file was opened: a stranger. */
TEST(scm_rights_fd_eperm)
{
	size_t pg = jm_pg();
	int sv[2], fd, st;
	__u64 slab;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int rfd;

		close(sv[0]);
		rfd = jm_recv_fd(sv[1]);
		if (rfd < 0)
			_exit(100);
		if (recv(sv[1], &slab, sizeof(slab), MSG_WAITALL) !=
		    sizeof(slab))
			_exit(101);
		_exit(all_eperm(rfd, slab, pg));
	}
	close(sv[1]);
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, 8 * pg, 0, 0, &slab));
	ASSERT_EQ(0, jm_send_fd(sv[0], fd));
	ASSERT_EQ((ssize_t)sizeof(slab), send(sv[0], &slab, sizeof(slab), 0));
	st = wait_child(pid);
	EXPECT_TRUE(CHILD_OK(st)) TH_LOG("child status %#x", st);
	/* The owner is unaffected. */
	EXPECT_EQ(0, jm_release1(fd, slab));
	close(fd);
	close(sv[0]);
}

TEST_F(proc, fork_child_runs_inherited_code)
{
	pid_t pid = fork();
	int st;

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_sees_old(self->slab, self->pg));
	st = wait_child(pid);
	EXPECT_TRUE(CHILD_OK(st)) TH_LOG("child status %#x", st);
}

/*
 * MADV_DONTNEED drops the parent's PTEs; a fork right after must still
 * give the child every page that is live, not only those mapped just then.
 */
TEST_F(proc, fork_child_runs_code_dropped_by_madvise)
{
	pid_t pid;
	int st;

	ASSERT_EQ(0, madvise(JM_PTR(self->slab), 2 * self->pg, MADV_DONTNEED));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_sees_old(self->slab, self->pg));
	st = wait_child(pid);
	EXPECT_TRUE(CHILD_OK(st)) TH_LOG("child status %#x", st);
}

/*
 * The child waits until the parent has changed the slab with @change, then
 * checks what it sees with @check.
 */
static int fork_after(struct __test_metadata *_metadata,
		      FIXTURE_DATA(proc) *self,
		      void (*change)(struct __test_metadata *,
				     FIXTURE_DATA(proc) *),
		      int (*check)(FIXTURE_DATA(proc) *))
{
	int p[2], st;
	char c;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(99);
		_exit(check(self));
	}
	close(p[0]);
	change(_metadata, self);
	if (write(p[1], "g", 1) != 1)
		kill(pid, SIGKILL);
	close(p[1]);
	st = wait_child(pid);
	return st;
}

static void change_deinit_reuse(struct __test_metadata *_metadata,
				FIXTURE_DATA(proc) *self)
{
	__u64 key;
	int v = 0;

	ASSERT_EQ(0, jm_deinit1(self->fd, self->key));
	ASSERT_EQ(0, code_at(self->fd, self->slab, self->pg, NEW_VAL, &key));
	ASSERT_EQ(0, jm_init1(self->fd, self->slab + self->pg, self->pg,
			      "new-data", 9, JM_R, NULL));
	ASSERT_EQ(0, jm_exec(self->slab, &v));
	EXPECT_EQ(NEW_VAL, v);
}

static int check_old(FIXTURE_DATA(proc) *self)
{
	return child_sees_old(self->slab, self->pg);
}

TEST_F(proc, fork_child_keeps_code_after_deinit_and_reuse)
{
	int st = fork_after(_metadata, self, change_deinit_reuse, check_old);

	EXPECT_TRUE(CHILD_OK(st)) TH_LOG("child status %#x", st);
}

static void change_release(struct __test_metadata *_metadata,
			   FIXTURE_DATA(proc) *self)
{
	struct jitmem_query q;

	ASSERT_EQ(0, jm_release1(self->fd, self->slab));
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(0ULL, q.slabs);
}

TEST_F(proc, fork_child_keeps_code_after_release)
{
	int st = fork_after(_metadata, self, change_release, check_old);

	EXPECT_TRUE(CHILD_OK(st)) TH_LOG("child status %#x", st);
}

static void change_close(struct __test_metadata *_metadata,
			 FIXTURE_DATA(proc) *self)
{
	(void)_metadata;
	close(self->fd);
	munmap(JM_PTR(self->slab), SLAB_PAGES * self->pg);
	self->fd = -1;
}

TEST_F(proc, fork_child_keeps_code_after_parent_unmaps)
{
	int st = fork_after(_metadata, self, change_close, check_old);

	EXPECT_TRUE(CHILD_OK(st)) TH_LOG("child status %#x", st);
}

static void change_new_code(struct __test_metadata *_metadata,
			    FIXTURE_DATA(proc) *self)
{
	ASSERT_EQ(0, code_at(self->fd, self->slab + 4 * self->pg, self->pg,
			     NEW_VAL, NULL));
}

static int check_no_new(FIXTURE_DATA(proc) *self)
{
	__u64 addr = self->slab + 4 * self->pg;
	int v = 0;

	if (jm_exec(addr, &v) != SIGSEGV)
		return 20;
	if (jm_read(addr, &v) != SIGSEGV)
		return 21;
	return child_sees_old(self->slab, self->pg);
}

TEST_F(proc, fork_child_does_not_see_new_code)
{
	int st = fork_after(_metadata, self, change_new_code, check_no_new);

	EXPECT_TRUE(CHILD_OK(st)) TH_LOG("child status %#x", st);
}

/* A child unmapping its copy does not affect the parent. */
TEST_F(proc, fork_child_unmaps_parent_unaffected)
{
	pid_t pid = fork();
	int st, v = 0;

	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(munmap(JM_PTR(self->slab), SLAB_PAGES * self->pg) ? 1 : 0);
	st = wait_child(pid);
	EXPECT_TRUE(CHILD_OK(st));
	ASSERT_EQ(0, jm_exec(self->slab, &v));
	EXPECT_EQ(OLD_VAL, v);
	EXPECT_EQ(0, jm_deinit1(self->fd, self->key));
	EXPECT_EQ(0, jm_release1(self->fd, self->slab));
}

/*
 * The grandchild outlives the process that opened the file: its inherited
 * code still runs after that process is gone.
 */
TEST(grandchild_outlives_owner)
{
	int res[2], st, v = -1;
	pid_t pid;

	ASSERT_EQ(0, pipe(res));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		size_t pg = jm_pg();
		int fd = jm_open(), gate[2];
		__u64 slab;

		close(res[0]);
		if (fd < 0 || jm_reserve(fd, 4 * pg, 0, 0, &slab) ||
		    code_at(fd, slab, pg, OLD_VAL, NULL) || pipe(gate))
			_exit(1);
		if (fork() == 0) {
			char c;

			close(gate[1]);
			/* EOF once the owner has exited. */
			if (read(gate[0], &c, 1) != 0)
				_exit(1);
			if (jm_exec(slab, &v))
				v = -2;
			_exit(write(res[1], &v, sizeof(v)) == sizeof(v) ? 0 : 1);
		}
		_exit(0);
	}
	close(res[1]);
	st = wait_child(pid);
	ASSERT_TRUE(CHILD_OK(st));
	ASSERT_EQ((ssize_t)sizeof(v), read(res[0], &v, sizeof(v)));
	EXPECT_EQ(OLD_VAL, v);
	close(res[0]);
}

/* Expect a batch item to be 0 (still known) or ENOENT (dropped). */
#define EXPECT_CLEAN(r) EXPECT_TRUE((r) == 0 || (r) == -ENOENT) \
	TH_LOG("%s = %d", #r, (r))

TEST_F(proc, munmap_whole_slab)
{
	int r, v = 0;

	ASSERT_EQ(0, munmap(JM_PTR(self->slab), SLAB_PAGES * self->pg));
	EXPECT_EQ(SIGSEGV, jm_exec(self->slab, &v));
	EXPECT_EQ(-ENXIO, jm_init1(self->fd, self->slab + 4 * self->pg,
				   self->pg, NULL, 0, JM_R, NULL));
	r = jm_deinit1(self->fd, self->key);
	EXPECT_CLEAN(r);
	r = jm_release1(self->fd, self->slab);
	EXPECT_CLEAN(r);
	jm_expect_empty(_metadata, self->fd);
}

TEST_F(proc, munmap_part_of_slab)
{
	size_t pg = self->pg;
	__u64 k5;
	int r, v = 0;

	ASSERT_EQ(0, jm_init1(self->fd, self->slab + 5 * pg, pg, "x", 1, JM_R,
			      &k5));
	ASSERT_EQ(0, munmap(JM_PTR(self->slab + 4 * pg), 4 * pg));
	EXPECT_EQ(SIGSEGV, jm_read(k5, &v));
	EXPECT_EQ(-ENXIO, jm_init1(self->fd, self->slab + 6 * pg, pg, NULL, 0,
				   JM_R, NULL));
	/* A segment straddling the hole's edge is not in the slab either. */
	EXPECT_EQ(-ENXIO, jm_init1(self->fd, self->slab + 3 * pg, 2 * pg, NULL,
				   0, JM_R, NULL));
	/* What is still mapped keeps working. */
	ASSERT_EQ(0, jm_exec(self->slab, &v));
	EXPECT_EQ(OLD_VAL, v);
	r = jm_deinit1(self->fd, k5);
	EXPECT_CLEAN(r);
	EXPECT_EQ(0, jm_deinit1(self->fd, self->key));
	r = jm_release1(self->fd, self->slab);
	EXPECT_CLEAN(r);
	jm_expect_empty(_metadata, self->fd);
	EXPECT_EQ(0, jm_maps_count(self->slab, self->slab + SLAB_PAGES * pg));
}

/* A user mapping placed in an unmapped part is never touched by jitmem. */
TEST_F(proc, munmap_hole_reused_by_user)
{
	size_t pg = self->pg;
	unsigned char *hole = JM_PTR(self->slab + 4 * pg);
	unsigned char *p;
	int r;

	ASSERT_EQ(0, munmap(hole, 4 * pg));
	p = mmap(hole, 4 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(hole, p);
	memset(p, 0x3c, 4 * pg);
	EXPECT_EQ(-ENXIO, jm_init1(self->fd, JM_U64(p + pg), pg, "x", 1, JM_R,
				   NULL));
	r = jm_release1(self->fd, self->slab);
	EXPECT_CLEAN(r);
	/* The user's mapping survived the release, content intact. */
	EXPECT_EQ(0x3c, p[0]);
	EXPECT_EQ(0x3c, p[pg]);
	EXPECT_EQ(0x3c, p[4 * pg - 1]);
	EXPECT_EQ(0, jm_maps_count(self->slab, self->slab + SLAB_PAGES * pg));
	jm_expect_empty(_metadata, self->fd);
}

/*
 * A reservation that lands where the user unmapped the tail of an older
 * slab fills that hole instead: the older slab's address keeps naming it
 * alone (no ABA on slab addresses), its live code is not lost, and
 * releasing it leaves no mapping behind.
 */
TEST(reserve_over_unmapped_tail)
{
	size_t pg = jm_pg();
	unsigned char *base;
	__u64 x, y, key;
	int fd = jm_open(), r, v = 0;

	ASSERT_LE(0, fd);
	base = mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, base);
	ASSERT_EQ(0, munmap(base, 8 * pg));
	ASSERT_EQ(0, jm_reserve(fd, 4 * pg, JM_U64(base),
				JITMEM_RESERVE_FIXED_NOREPLACE, &x));
	ASSERT_EQ(0, code_at(fd, x, pg, OLD_VAL, &key));
	ASSERT_EQ(0, munmap(JM_PTR(x + 2 * pg), 2 * pg));
	/* The exact range is refused, and nothing is mapped for it. */
	EXPECT_EQ(-EEXIST, jm_reserve(fd, 4 * pg, x + 2 * pg,
				      JITMEM_RESERVE_FIXED_NOREPLACE, &y));
	EXPECT_EQ(0, jm_maps_count(x + 2 * pg, x + 6 * pg));
	/* A hint there: the hole is the old slab's again, the new one elsewhere. */
	ASSERT_EQ(0, jm_reserve(fd, 4 * pg, x + 2 * pg, 0, &y));
	EXPECT_TRUE(y + 4 * pg <= x || y >= x + 4 * pg)
		TH_LOG("slab %llx overlaps the older slab %llx", y, x);
	EXPECT_EQ(1, jm_maps_count(x + 2 * pg, x + 4 * pg));
	if (y != x + 4 * pg)
		EXPECT_EQ(0, jm_maps_count(x + 4 * pg, x + 6 * pg));

	r = jm_exec(key, &v);
	EXPECT_EQ(0, r) TH_LOG("live code lost");
	if (!r)
		EXPECT_EQ(OLD_VAL, v);
	EXPECT_EQ(0, jm_deinit1(fd, key));
	EXPECT_EQ(0, jm_release1(fd, x));
	EXPECT_EQ(0, jm_release1(fd, y));
	EXPECT_EQ(0, jm_maps_count(x, x + 6 * pg))
		TH_LOG("the older slab's mapped part was never unmapped");
	jm_expect_empty(_metadata, fd);
	close(fd);
}

TEST_F(proc, madvise_dontneed_code)
{
	int ret, v = 0;

	ret = madvise(JM_PTR(self->slab), 2 * self->pg, MADV_DONTNEED);
	TH_LOG("madvise(MADV_DONTNEED) = %d (%s)", ret, ret ? strerror(errno) : "ok");
	ASSERT_EQ(0, jm_exec(self->slab, &v));
	EXPECT_EQ(OLD_VAL, v);
	EXPECT_EQ(0, memcmp(JM_PTR(self->slab + self->pg), "old-data", 9));
	EXPECT_EQ(SIGSEGV, jm_write(self->slab, 0xc3));
}

TEST_F(proc, madvise_others_harmless)
{
	static const int advice[] = {
		MADV_FREE, MADV_REMOVE, MADV_COLD, MADV_PAGEOUT, MADV_DONTFORK,
		MADV_DOFORK, MADV_WIPEONFORK, MADV_MERGEABLE, MADV_HUGEPAGE,
		MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_DONTNEED,
	};
	unsigned int i;
	int v = 0;

	for (i = 0; i < ARRAY_SIZE(advice); i++) {
		madvise(JM_PTR(self->slab), SLAB_PAGES * self->pg, advice[i]);
		ASSERT_EQ(0, jm_exec(self->slab, &v)) TH_LOG("advice %d", advice[i]);
		EXPECT_EQ(OLD_VAL, v);
		EXPECT_EQ(SIGSEGV, jm_write(self->slab, 0xc3));
		EXPECT_EQ(SIGSEGV, jm_write(self->slab + self->pg, 0));
		EXPECT_EQ(0, memcmp(JM_PTR(self->slab + self->pg), "old-data", 9));
		EXPECT_EQ(0, jm_maps_wx());
	}
}

/* Mappings hold the file: code runs after close until munmap. */
TEST_F(proc, close_with_live_regions)
{
	int v = 0;

	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	ASSERT_EQ(0, jm_exec(self->slab, &v));
	EXPECT_EQ(OLD_VAL, v);
	EXPECT_EQ(0, memcmp(JM_PTR(self->slab + self->pg), "old-data", 9));
	EXPECT_EQ(SIGSEGV, jm_write(self->slab, 0xc3));
	ASSERT_EQ(0, munmap(JM_PTR(self->slab), SLAB_PAGES * self->pg));
	EXPECT_EQ(SIGSEGV, jm_exec(self->slab, &v));
}

/* Exit with everything live; the VM runner checks the kernel log. */
TEST(exit_with_live_regions)
{
	pid_t pid = fork();
	int st;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		size_t pg = jm_pg();
		int fd = jm_open(), v = 0;
		__u64 slab;

		if (fd < 0 || jm_reserve(fd, 8 * pg, 0, 0, &slab) ||
		    code_at(fd, slab, pg, OLD_VAL, NULL) ||
		    jm_init1(fd, slab + pg, pg, NULL, 0, JM_RW, NULL) ||
		    jm_exec(slab, &v) || v != OLD_VAL)
			_exit(1);
		_exit(0);
	}
	st = wait_child(pid);
	EXPECT_TRUE(CHILD_OK(st));
}

TEST_HARNESS_MAIN
