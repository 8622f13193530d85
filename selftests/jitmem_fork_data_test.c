// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fork child's copy of an R|W mapping is its own private memory; when it
 * unmaps it, its mm's accounting stays sane.  Found by jitmem-fuzz: the
 * child's copy is made private after dup_mmap() counted it as shared, so
 * munmap() takes its pages off VmData (mm->data_vm), which wraps; every
 * later private writable mmap() of the child then fails (RLIMIT_DATA), and
 * a CONFIG_DEBUG_VM kernel warns (mm/vma.c, vms_complete_munmap_vmas).
 */
#include <stdio.h>

#include "kselftest_harness.h"
#include "jitmem_util.h"

#define SLAB_LEN	(64UL << 20)

static long vmdata_kb(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmData:", 7))
			v = strtol(line + 7, NULL, 10);
	fclose(f);
	return v;
}

/* 0 when the child's accounting survived; a bit per thing that did not. */
static int child_unmaps(void *arg)
{
	const __u64 *slab = arg;
	long before = vmdata_kb(), after;
	void *p;
	int ret = 0;

	if (munmap(JM_PTR(*slab), SLAB_LEN))
		return 8;
	after = vmdata_kb();
	if (after < 0 || after > before)
		ret |= 1;	/* wrapped (a huge value) */
	p = mmap(NULL, jm_pg(), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		ret |= 2;
	else
		munmap(p, jm_pg());
	fprintf(stderr, "# child: VmData %ld kB before munmap, %ld kB after, anonymous mmap %s\n",
		before, after, p == MAP_FAILED ? "failed" : "ok");
	return ret;
}

/* A 64 B data segment makes the whole free run of the slab R|W. */
TEST(child_unmaps_inherited_data)
{
	int fd = jm_open(), status;
	__u64 slab;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, SLAB_LEN, 0, 0, &slab));
	ASSERT_EQ(0, jm_init1(fd, slab, 64, "data", 4, JM_RW, NULL));
	status = jm_in_child(child_unmaps, &slab);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, jm_release1(fd, slab));
	jm_expect_empty(_metadata, fd);
	close(fd);
}

TEST_HARNESS_MAIN
