// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module and the system around it: it cannot be unloaded while a
 * context or a mapping of it exists, and the pages it allocates are charged
 * to the memory cgroup of the process that asks for them.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define CG_ROOT	"/run/jitmem-cgtest"
#define CG	CG_ROOT "/t"

/* delete_module(2) answers EWOULDBLOCK while the module is in use. */
static int try_unload(void)
{
	return syscall(SYS_delete_module, "jitmem", O_NONBLOCK) ? -errno : 0;
}

TEST(rmmod_refused_while_open_or_mapped)
{
	size_t pg = jm_pg();
	__u64 slab, key;
	int fd = jm_open(), v = 0;
	unsigned char code[JM_CODE_LEN];
	struct jitmem_init_segment seg;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, try_unload());

	ASSERT_EQ(0, jm_reserve(fd, 4 * pg, 0, 0, &slab));
	jm_code(code, 7);
	seg = jm_seg(slab, pg, code, sizeof(code), JM_RX);
	ASSERT_EQ(0, jm_initialize(fd, &seg, 1, &key));
	close(fd);
	/* The mappings hold the file, the file holds the module. */
	EXPECT_EQ(-EWOULDBLOCK, try_unload());
	ASSERT_EQ(0, jm_exec(key, &v));
	EXPECT_EQ(7, v);
	ASSERT_EQ(0, munmap(JM_PTR(slab), 4 * pg));
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * KEY's value in the memory.stat at PATH, or -1.  memory.current would
 * not do: it moves in charge batches (MEMCG_CHARGE_BATCH pages a CPU keeps
 * in stock), so on 6.12 a fresh cgroup's first 4 MiB can raise it by less.
 */
static long read_stat(const char *path, const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ' ') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

FIXTURE(memcg) {
	bool mounted;
};

FIXTURE_SETUP(memcg)
{
	mkdir(CG_ROOT, 0755);
	ASSERT_EQ(0, mount("none", CG_ROOT, "cgroup2", 0, NULL))
		TH_LOG("mount cgroup2: %s", strerror(errno));
	self->mounted = true;
	ASSERT_EQ(0, write_file(CG_ROOT "/cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, mkdir(CG, 0755));
}

FIXTURE_TEARDOWN(memcg)
{
	if (!self->mounted)
		return;
	rmdir(CG);
	umount(CG_ROOT);
	rmdir(CG_ROOT);
}

/*
 * In a child confined to a 16 MiB cgroup: initialized pages raise the
 * cgroup's kernel memory by at least their size, and initializing more than the
 * limit fails with ENOMEM and leaves nothing behind.
 */
TEST_F(memcg, pages_are_charged)
{
	const size_t chunk = 4 << 20;
	pid_t pid;
	int status;

	ASSERT_EQ(0, write_file(CG "/memory.max", "16777216"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct jitmem_query q;
		struct jitmem_init_segment seg;
		long before, after;
		__u64 slab, key;
		int fd, r = 0, i;
		char self_pid[32];

		snprintf(self_pid, sizeof(self_pid), "%d", getpid());
		if (write_file(CG "/cgroup.procs", self_pid))
			_exit(10);
		fd = jm_open();
		if (fd < 0 || jm_reserve(fd, 64 << 20, 0, 0, &slab))
			_exit(11);
		/* The pages are kernel memory charged to the cgroup. */
		before = read_stat(CG "/memory.stat", "kernel");
		seg = jm_seg(slab, chunk, NULL, 0, JM_R);
		if (jm_initialize(fd, &seg, 1, &key))
			_exit(12);
		after = read_stat(CG "/memory.stat", "kernel");
		if (before < 0 || after - before < (long)chunk)
			_exit(13);
		/* 16 chunks of 4 MiB cannot fit under a 16 MiB limit. */
		for (i = 1; i < 16 && !r; i++) {
			seg = jm_seg(slab + i * chunk, chunk, NULL, 0, JM_R);
			r = jm_initialize(fd, &seg, 1, &key);
		}
		if (r != -ENOMEM)
			_exit(14);
		if (jm_query(fd, &q) || q.regions != (__u64)i - 1 ||
		    q.bytes_r != (i - 1) * chunk)
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child killed by signal %d",
					      WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("10 join cgroup, 11 open/reserve, 12 first initialize, "
		       "13 not charged, 14 no ENOMEM over the limit, "
		       "15 counters after the failure");
}

TEST_HARNESS_MAIN
