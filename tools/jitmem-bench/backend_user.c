// SPDX-License-Identifier: GPL-2.0-only
/*
 * The userspace backend, as ORC's SimpleNativeMemoryMap does it: a
 * PROT_NONE reservation; initialize makes the range RW, copies the content,
 * zero-fills the rest and makes it RX; deinitialize makes it PROT_NONE and
 * gives the pages back (MADV_DONTNEED).  Code is writable for a while.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

static int user_setup(struct backend *b)
{
	void *p = mmap(NULL, b->slab_size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	b->slab = p;
	return 0;
}

static int user_init(struct backend *b, size_t off, const void *code,
		     size_t len, size_t maplen, uint64_t *key)
{
	uint8_t *p = b->slab + off;

	if (mprotect(p, maplen, PROT_READ | PROT_WRITE))
		return -errno;
	memcpy(p, code, len);
	memset(p + len, 0, maplen - len);
	if (mprotect(p, maplen, PROT_READ | PROT_EXEC))
		return -errno;
	__builtin___clear_cache((char *)p, (char *)p + len);
	*key = (uintptr_t)p;
	return 0;
}

static int user_deinit(struct backend *b, uint64_t key, size_t off,
		       size_t maplen)
{
	uint8_t *p = b->slab + off;

	(void)key;
	if (mprotect(p, maplen, PROT_NONE) ||
	    madvise(p, maplen, MADV_DONTNEED))
		return -errno;
	return 0;
}

static void user_teardown(struct backend *b)
{
	munmap(b->slab, b->slab_size);
}

const struct backend_ops user_backend = {
	.name = "user",
	.setup = user_setup,
	.init = user_init,
	.deinit = user_deinit,
	.teardown = user_teardown,
};
