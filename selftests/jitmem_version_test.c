// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device node and JITMEM_IOC_VERSION: the answer, the size-first struct
 * rules every ioctl shares, and the common errnos (ENOTTY, EFAULT).
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/jitmem.h>

#include "kselftest_harness.h"

#define DEV		"/dev/jitmem"
#define KNOWN_FEATURES	(JITMEM_FEATURE_MEMMAP | JITMEM_FEATURE_NETLINK | \
			 JITMEM_FEATURE_FORK | JITMEM_FEATURE_SUBPAGE)
/* The granule of segments, a cache line (userspace-api/jitmem.rst). */
#define GRANULE		64
#define SENTINEL	0xa5a5a5a5u

/* Size of the first version of struct jitmem_version. */
#define VERSION_SIZE0	(offsetof(struct jitmem_version, page_size) + \
			 sizeof(__u64))

/* ioctl() as 0 or -errno. */
static int version_ioctl(int fd, void *arg)
{
	return ioctl(fd, JITMEM_IOC_VERSION, arg) ? -errno : 0;
}

TEST(device_node)
{
	unsigned int maj, min;
	struct stat st;
	char buf[32];
	FILE *f;

	ASSERT_EQ(0, stat(DEV, &st)) TH_LOG("stat %s: %s", DEV, strerror(errno));
	TH_LOG("%s: mode %04o, uid %u, gid %u, dev %u:%u", DEV,
	       st.st_mode & 07777, st.st_uid, st.st_gid,
	       major(st.st_rdev), minor(st.st_rdev));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	/* Owner and group only: no access for others. */
	EXPECT_EQ(0660, st.st_mode & 07777);

	/* It is the misc device the module registered, not a stale node. */
	f = fopen("/sys/class/misc/jitmem/dev", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	ASSERT_EQ(2, sscanf(buf, "%u:%u", &maj, &min));
	EXPECT_EQ(10, maj);	/* MISC_MAJOR */
	EXPECT_EQ(major(st.st_rdev), maj);
	EXPECT_EQ(minor(st.st_rdev), min);
}

FIXTURE(version) {
	int fd;
};

FIXTURE_SETUP(version)
{
	self->fd = open(DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", DEV, strerror(errno));
}

FIXTURE_TEARDOWN(version)
{
	close(self->fd);
}

TEST_F(version, answers)
{
	struct jitmem_version v = { .size = sizeof(v) };

	ASSERT_EQ(0, version_ioctl(self->fd, &v));
	TH_LOG("abi_version %u, features 0x%llx, page_size %llu, granule %llu",
	       v.abi_version, (unsigned long long)v.features,
	       (unsigned long long)v.page_size, (unsigned long long)v.granule);
	EXPECT_EQ(sizeof(v), v.size);
	EXPECT_EQ(0, v.flags);
	EXPECT_EQ(0, v.__reserved);
	EXPECT_EQ(JITMEM_ABI_VERSION, v.abi_version);
	EXPECT_EQ((__u64)sysconf(_SC_PAGESIZE), v.page_size);
	EXPECT_EQ((__u64)KNOWN_FEATURES, v.features);
	EXPECT_EQ(GRANULE, v.granule);
	/* A power of two that divides the page. */
	EXPECT_EQ(0ULL, v.granule & (v.granule - 1));
	EXPECT_EQ(0ULL, v.page_size % v.granule);
}

/* An older program's struct, without granule: answered, nothing past it. */
TEST_F(version, first_version_size)
{
	struct {
		struct jitmem_version v;
		__u64 after;
	} b;

	memset(&b, 0, sizeof(b));
	b.v.size = VERSION_SIZE0;
	b.v.granule = SENTINEL;
	b.after = SENTINEL;
	ASSERT_EQ(0, version_ioctl(self->fd, &b.v));
	EXPECT_EQ(JITMEM_ABI_VERSION, b.v.abi_version);
	EXPECT_EQ((__u64)KNOWN_FEATURES, b.v.features);
	EXPECT_EQ((__u64)sysconf(_SC_PAGESIZE), b.v.page_size);
	EXPECT_EQ(SENTINEL, b.v.granule);
	EXPECT_EQ(SENTINEL, b.after);
}

TEST_F(version, read_only_open)
{
	struct jitmem_version v = { .size = sizeof(v) };
	int fd = open(DEV, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, version_ioctl(fd, &v));
	EXPECT_EQ(JITMEM_ABI_VERSION, v.abi_version);
	close(fd);
}

TEST_F(version, unknown_ioctl)
{
	struct jitmem_version v = { .size = sizeof(v) };
	int winsz[2];

	/* A command number past the last one, and one of another type. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, _IO(JITMEM_TYPE, 0x7f), &v));
	EXPECT_EQ(ENOTTY, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, TIOCGWINSZ, winsz));
	EXPECT_EQ(ENOTTY, errno);
	/* VERSION's number with a direction and size encoded is another command. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(JITMEM_TYPE, JITMEM_CMD_VERSION,
					    struct jitmem_version), &v));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(version, bad_pointer)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct jitmem_version *v;
	char *p;

	EXPECT_EQ(-EFAULT, version_ioctl(self->fd, NULL));
	EXPECT_EQ(-EFAULT, version_ioctl(self->fd, (void *)(uintptr_t)1));

	/* Two pages, the second inaccessible. */
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + pg, pg, PROT_NONE));
	EXPECT_EQ(-EFAULT, version_ioctl(self->fd, p + pg));

	/* The size is readable, the rest of the struct is not. */
	v = (struct jitmem_version *)(p + pg - sizeof(__u32));
	v->size = sizeof(*v);
	EXPECT_EQ(-EFAULT, version_ioctl(self->fd, v));

	/* Readable but not writable: the answer cannot be stored. */
	v = (struct jitmem_version *)p;
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	ASSERT_EQ(0, mprotect(p, pg, PROT_READ));
	EXPECT_EQ(-EFAULT, version_ioctl(self->fd, v));
	munmap(p, 2 * pg);
}

TEST_F(version, size_too_small)
{
	struct jitmem_version v;
	__u32 sizes[] = { 0, 4, 8, VERSION_SIZE0 - 8, VERSION_SIZE0 - 1 };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&v, 0, sizeof(v));
		v.size = sizes[i];
		v.abi_version = SENTINEL;
		EXPECT_EQ(-EINVAL, version_ioctl(self->fd, &v))
			TH_LOG("size %u", sizes[i]);
		/* Nothing was written back. */
		EXPECT_EQ(SENTINEL, v.abi_version);
	}
}

TEST_F(version, larger_struct_nonzero_tail)
{
	unsigned char buf[sizeof(struct jitmem_version) + 8];
	struct jitmem_version *v = (struct jitmem_version *)buf;

	memset(buf, 0, sizeof(buf));
	v->size = sizeof(*v) + 1;
	v->abi_version = SENTINEL;
	buf[sizeof(*v)] = 1;
	EXPECT_EQ(-E2BIG, version_ioctl(self->fd, buf));
	EXPECT_EQ(SENTINEL, v->abi_version);

	/* A non-zero byte anywhere in a longer tail. */
	memset(buf, 0, sizeof(buf));
	v->size = sizeof(buf);
	buf[sizeof(buf) - 1] = 0x80;
	EXPECT_EQ(-E2BIG, version_ioctl(self->fd, buf));
}

TEST_F(version, larger_struct_zero_tail)
{
	unsigned char buf[sizeof(struct jitmem_version) + 8];
	struct jitmem_version *v = (struct jitmem_version *)buf;
	unsigned int i;

	memset(buf, 0, sizeof(buf));
	v->size = sizeof(buf);
	ASSERT_EQ(0, version_ioctl(self->fd, buf));
	EXPECT_EQ(JITMEM_ABI_VERSION, v->abi_version);
	EXPECT_EQ((__u64)sysconf(_SC_PAGESIZE), v->page_size);
	/* The kernel writes only the fields it knows. */
	for (i = sizeof(*v); i < sizeof(buf); i++)
		EXPECT_EQ(0, buf[i]) TH_LOG("tail byte %u", i);
}

TEST_F(version, flags_nonzero)
{
	struct jitmem_version v = { .size = sizeof(v) };
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		v.flags = 1u << bit;
		v.abi_version = SENTINEL;
		EXPECT_EQ(-EINVAL, version_ioctl(self->fd, &v))
			TH_LOG("flags 0x%x", v.flags);
		EXPECT_EQ(SENTINEL, v.abi_version);
	}
}

TEST_F(version, reserved_nonzero)
{
	struct jitmem_version v = { .size = sizeof(v) };

	v.__reserved = 1;
	v.abi_version = SENTINEL;
	EXPECT_EQ(-EINVAL, version_ioctl(self->fd, &v));
	EXPECT_EQ(SENTINEL, v.abi_version);
	v.__reserved = 0x80000000u;
	EXPECT_EQ(-EINVAL, version_ioctl(self->fd, &v));
}

TEST_HARNESS_MAIN
