// SPDX-License-Identifier: GPL-2.0-only
/*
 * jm_workload FILE: a JIT-like process for the jitmemctl tests.  Reserves a
 * 16-page slab, initializes its first page read-execute with FILE's bytes
 * (at most a page, zero-filled), prints "pid PID slab ADDR key KEY", waits
 * for a line (or end) on stdin, then deinitializes, releases and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/jitmem.h>

static int fail(const char *what)
{
	fprintf(stderr, "jm_workload: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	long pg = sysconf(_SC_PAGESIZE);
	static unsigned char code[65536];
	struct jitmem_reserve res = { .size = sizeof(res), .length = 16 * pg };
	struct jitmem_init_segment seg = { .group = JITMEM_GROUP_R | JITMEM_GROUP_X };
	struct jitmem_initialize in = {
		.size = sizeof(in), .segments = (uintptr_t)&seg,
		.nsegments = 1, .segment_size = sizeof(seg),
	};
	__s32 result = 0;
	__u64 item;
	struct jitmem_batch b = {
		.size = sizeof(b), .items = (uintptr_t)&item,
		.results = (uintptr_t)&result, .count = 1,
	};
	ssize_t n;
	char line[16];
	int fd, src;

	if (argc != 2 || pg > (long)sizeof(code)) {
		fprintf(stderr, "usage: jm_workload FILE\n");
		return 2;
	}
	src = open(argv[1], O_RDONLY);
	if (src < 0)
		return fail(argv[1]);
	n = read(src, code, pg);
	if (n < 0)
		return fail("read");
	close(src);
	fd = open("/dev/jitmem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail("/dev/jitmem");
	if (ioctl(fd, JITMEM_IOC_RESERVE, &res))
		return fail("reserve");
	seg.addr = res.addr;
	seg.length = pg;
	seg.content = (uintptr_t)code;
	seg.content_size = n;
	if (ioctl(fd, JITMEM_IOC_INITIALIZE, &in))
		return fail("initialize");
	printf("pid %d slab %llu key %llu\n", getpid(),
	       (unsigned long long)res.addr, (unsigned long long)in.key);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) && ferror(stdin))
		return fail("stdin");
	item = in.key;
	if (ioctl(fd, JITMEM_IOC_DEINITIALIZE, &b) || b.failed)
		return fail("deinitialize");
	item = res.addr;
	if (ioctl(fd, JITMEM_IOC_RELEASE, &b) || b.failed)
		return fail("release");
	close(fd);
	return 0;
}
