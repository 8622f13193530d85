// SPDX-License-Identifier: GPL-2.0-only
/* The kernel backend: raw /dev/jitmem ioctls, one slab. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/jitmem.h>

#include "bench.h"

static int kernel_setup(struct backend *b)
{
	struct jitmem_reserve r = {
		.size = sizeof(r), .length = b->slab_size,
	};

	b->fd = open("/dev/jitmem", O_RDWR | O_CLOEXEC);
	if (b->fd < 0)
		return -errno;
	if (ioctl(b->fd, JITMEM_IOC_RESERVE, &r)) {
		close(b->fd);
		return -errno;
	}
	b->slab = (uint8_t *)(uintptr_t)r.addr;
	return 0;
}

static int kernel_init(struct backend *b, size_t off, const void *code,
		       size_t len, size_t maplen, uint64_t *key)
{
	struct jitmem_init_segment s = {
		.addr = (uintptr_t)(b->slab + off), .length = maplen,
		.content = (uintptr_t)code, .content_size = len,
		.group = JITMEM_GROUP_R | JITMEM_GROUP_X,
	};
	struct jitmem_initialize in = {
		.size = sizeof(in), .segments = (uintptr_t)&s, .nsegments = 1,
		.segment_size = sizeof(s),
	};

	if (ioctl(b->fd, JITMEM_IOC_INITIALIZE, &in))
		return -errno;
	*key = in.key;
	return 0;
}

static int kernel_deinit_many(struct backend *b, const uint64_t *keys,
			      const size_t *offs, size_t n, size_t maplen)
{
	static int32_t res[4096];
	struct jitmem_batch bt = {
		.size = sizeof(bt), .items = (uintptr_t)keys,
		.results = (uintptr_t)res, .count = n,
	};

	(void)offs;
	(void)maplen;
	if (n > sizeof(res) / sizeof(res[0]))
		return -E2BIG;
	if (ioctl(b->fd, JITMEM_IOC_DEINITIALIZE, &bt))
		return -errno;
	return bt.failed ? -EIO : 0;
}

static int kernel_deinit(struct backend *b, uint64_t key, size_t off,
			 size_t maplen)
{
	return kernel_deinit_many(b, &key, &off, 1, maplen);
}

static void kernel_teardown(struct backend *b)
{
	close(b->fd);	/* the slab goes with the last reference */
	munmap(b->slab, b->slab_size);
}

const struct backend_ops kernel_backend = {
	.name = "kernel",
	.setup = kernel_setup,
	.init = kernel_init,
	.deinit = kernel_deinit,
	.deinit_many = kernel_deinit_many,
	.teardown = kernel_teardown,
};
