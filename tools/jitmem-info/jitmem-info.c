// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmem-info: ask /dev/jitmem for its ABI version, features and page size,
 * and when the node cannot be used, say why (the causes libjitmem's
 * jitmem_cause_str() names), not just the errno.
 */
#define _GNU_SOURCE	/* ST_NODEV, ST_NOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <linux/jitmem.h>

static const struct {
	__u64 bit;
	const char *name;
} features[] = {
	{ JITMEM_FEATURE_MEMMAP, "memmap (reserve, initialize, deinitialize, release, query)" },
	{ JITMEM_FEATURE_NETLINK, "netlink (generic netlink family \"jitmem\")" },
	{ JITMEM_FEATURE_FORK, "fork (children keep a code snapshot)" },
};

/* Why open() of dev failed, as a sentence. */
static void say_open_error(const char *dev, int err)
{
	struct statvfs vfs;
	struct group *gr;
	struct stat st;

	fprintf(stderr, "jitmem-info: %s: %s: ", dev, strerror(err));
	switch (err) {
	case ENOENT:
		fprintf(stderr, "no such device node: "
			"is the jitmem module loaded (modprobe jitmem)?\n");
		return;
	case ENXIO:
	case ENODEV:
		fprintf(stderr, "the device node has no driver: "
			"the jitmem module is not loaded\n");
		return;
	case EACCES:
	case EPERM:
		if (stat(dev, &st)) {
			fprintf(stderr, "permission denied\n");
			return;
		}
		if (S_ISCHR(st.st_mode) && !statvfs(dev, &vfs) &&
		    (vfs.f_flag & ST_NODEV)) {
			fprintf(stderr, "the node is on a nodev mount, "
				"where devices cannot be opened\n");
			return;
		}
		gr = getgrgid(st.st_gid);
		fprintf(stderr, "permission denied: mode %04o, group %s; "
			"add the user to that group (usermod -aG %s USER), "
			"or an LSM refused it\n", st.st_mode & 07777,
			gr ? gr->gr_name : "?", gr ? gr->gr_name : "GROUP");
		return;
	default:
		fprintf(stderr, "the device node cannot be used\n");
	}
}

int main(int argc, char **argv)
{
	const char *env = getenv("JITMEM_DEVICE");
	const char *dev = argc > 1 ? argv[1] : env && *env ? env : "/dev/jitmem";
	struct jitmem_version v = { .size = sizeof(v) };
	struct statvfs vfs;
	__u64 unknown;
	unsigned int i;
	int fd, err;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say_open_error(dev, errno);
		return 1;
	}
	if (ioctl(fd, JITMEM_IOC_VERSION, &v)) {
		err = errno;
		fprintf(stderr, "jitmem-info: %s: JITMEM_IOC_VERSION: %s: %s\n", dev, strerror(err),
			err == ENOTTY ? "the device node is not jitmem's" :
			err == EINVAL || err == E2BIG ?
			"the jitmem module is too old for this program" :
			"the device node cannot be used");
		close(fd);
		return 1;
	}
	err = fstatvfs(fd, &vfs) ? 0 : vfs.f_flag & ST_NOEXEC;
	close(fd);

	printf("%s: ABI version %u (this program knows %u)\n", dev,
	       v.abi_version, JITMEM_ABI_VERSION);
	printf("page size: %llu\n", (unsigned long long)v.page_size);
	printf("features: 0x%llx\n", (unsigned long long)v.features);
	unknown = v.features;
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		if (v.features & features[i].bit)
			printf("  %s\n", features[i].name);
		unknown &= ~features[i].bit;
	}
	if (unknown)
		printf("  0x%llx (unknown to this program)\n",
		       (unsigned long long)unknown);
	if (err)
		printf("warning: %s is on a noexec mount: code cannot be mapped "
		       "from it; make a node on a mount without noexec and set "
		       "JITMEM_DEVICE to it\n", dev);
	return 0;
}
