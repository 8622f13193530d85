// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dual-mapping baseline: one memfd mapped RW and RX at two addresses.
 * Initialize writes through the RW view (no protection change at all);
 * deinitialize punches a hole, which frees the pages and unmaps them from
 * both views.  W^X holds per mapping only: the code is writable elsewhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

static int memfd_setup(struct backend *b)
{
	void *rw, *rx;

	b->fd = memfd_create("jitmem-bench", MFD_CLOEXEC);
	if (b->fd < 0 || ftruncate(b->fd, b->slab_size))
		return -errno;
	rw = mmap(NULL, b->slab_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		  b->fd, 0);
	rx = mmap(NULL, b->slab_size, PROT_READ | PROT_EXEC, MAP_SHARED,
		  b->fd, 0);
	if (rw == MAP_FAILED || rx == MAP_FAILED)
		return -errno;
	b->rw = rw;
	b->slab = rx;
	return 0;
}

static int memfd_init(struct backend *b, size_t off, const void *code,
		      size_t len, size_t maplen, uint64_t *key)
{
	memcpy(b->rw + off, code, len);
	memset(b->rw + off + len, 0, maplen - len);
	__builtin___clear_cache((char *)b->slab + off,
				(char *)b->slab + off + len);
	*key = (uintptr_t)(b->slab + off);
	return 0;
}

static int memfd_deinit(struct backend *b, uint64_t key, size_t off,
			size_t maplen)
{
	(void)key;
	if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
		      maplen))
		return -errno;
	return 0;
}

static void memfd_teardown(struct backend *b)
{
	munmap(b->rw, b->slab_size);
	munmap(b->slab, b->slab_size);
	close(b->fd);
}

const struct backend_ops memfd_backend = {
	.name = "memfd",
	.setup = memfd_setup,
	.init = memfd_init,
	.deinit = memfd_deinit,
	.teardown = memfd_teardown,
};
