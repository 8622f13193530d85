// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmem-info: ask /dev/jitmem for its ABI version, features and page size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
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

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/jitmem";
	struct jitmem_version v = { .size = sizeof(v) };
	__u64 unknown;
	unsigned int i;
	int fd;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "jitmem-info: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	if (ioctl(fd, JITMEM_IOC_VERSION, &v)) {
		fprintf(stderr, "jitmem-info: JITMEM_IOC_VERSION: %s\n",
			strerror(errno));
		close(fd);
		return 1;
	}
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
	return 0;
}
