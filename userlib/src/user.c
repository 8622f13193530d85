// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The userspace backend, SimpleNativeMemoryMap style: a slab is a PROT_NONE
 * anonymous mapping; initialize makes a segment RW, copies the content in and
 * sets its final protection; deinitialize discards the pages and makes them
 * PROT_NONE again.  Code is writable while it is copied and any code in the
 * process can mprotect it back: W^X is only as strong as the process.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "segcheck.h"

static int jm_user_check(struct jitmem *m)
{
	(void)m;
	return 0;
}

static int jm_user_reserve(struct jitmem *m, size_t len, uintptr_t hint, enum jm_place place,
			   uintptr_t *addr)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	void *p;

	(void)m;
	/* The window's placeholder is ours: replace it in one step. */
	if (place == JM_PLACE_WINDOW)
		flags |= MAP_FIXED;
	p = mmap((void *)hint, len, PROT_NONE, flags, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	*addr = (uintptr_t)p;
	return 0;
}

static int jm_user_release(struct jitmem *m, struct jm_slab *const slabs[], int results[],
			   size_t n)
{
	size_t i;

	(void)m;
	for (i = 0; i < n; i++)
		results[i] = munmap((void *)slabs[i]->start, slabs[i]->len) ? -errno : 0;
	return 0;
}

/* Back to reserved: the pages are dropped, so a later fill finds zeros. */
static int jm_user_discard(const struct jm_seg *s)
{
	if (mprotect((void *)s->addr, s->len, PROT_NONE) ||
	    madvise((void *)s->addr, s->len, MADV_DONTNEED))
		return -errno;
	return 0;
}

static int jm_user_prot(unsigned int group)
{
	return (group & JITMEM_PROT_R ? PROT_READ : 0) |
	       (group & JITMEM_PROT_W ? PROT_WRITE : 0) |
	       (group & JITMEM_PROT_X ? PROT_EXEC : 0);
}

static int jm_user_fill(const struct jitmem *m, const struct jm_seg *s)
{
	char *p = (char *)s->addr;
	size_t end = jm_page_up(m, s->content_size);

	if (mprotect(p, s->len, PROT_READ | PROT_WRITE))
		return -errno;
	if (s->content_size)
		memcpy(p, s->content, s->content_size);
	/* Discarded pages read as zero; the tail of the last one is cleared anyway. */
	memset(p + s->content_size, 0, (end < s->len ? end : s->len) - s->content_size);
	if (s->group & JITMEM_PROT_X)
		__builtin___clear_cache(p, p + s->len);
	if (mprotect(p, s->len, jm_user_prot(s->group)))
		return -errno;
	return 0;
}

static int jm_user_initialize(struct jitmem *m, struct jm_region *r, uintptr_t *key)
{
	size_t i;
	int ret;

	for (i = 0; i < r->nsegs; i++) {
		ret = jm_user_fill(m, &r->segs[i]);
		if (ret) {
			/* All or nothing: the failed one and those before go back. */
			do
				jm_user_discard(&r->segs[i]);
			while (i--);
			return ret;
		}
	}
	return jm_segs_key(r->segs, r->nsegs, key);
}

static int jm_user_deinitialize(struct jitmem *m, struct jm_region *const regions[],
				int results[], size_t n, bool finalize_only)
{
	size_t i, j;
	int ret;

	(void)m;
	for (i = 0; i < n; i++) {
		results[i] = finalize_only ? -ENOENT : 0;
		for (j = 0; j < regions[i]->nsegs; j++) {
			const struct jm_seg *s = &regions[i]->segs[j];

			if (!s->live || (finalize_only && !(s->group & JITMEM_LIFETIME_FINALIZE)))
				continue;
			if (finalize_only && results[i] == -ENOENT)
				results[i] = 0;
			ret = jm_user_discard(s);
			if (ret && !results[i])
				results[i] = ret;
		}
	}
	return 0;
}

static void jm_user_close(struct jitmem *m)
{
	(void)m;
}

const struct jm_backend_ops jm_user_ops = {
	.kernel = false,
	.check = jm_user_check,
	.reserve = jm_user_reserve,
	.release = jm_user_release,
	.initialize = jm_user_initialize,
	.deinitialize = jm_user_deinitialize,
	.stats = NULL,
	.remaps = NULL,
	.close = jm_user_close,
};
