// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The allocator's address window: 2 GiB of PROT_NONE placeholder mapped at
 * the first allocation.  Every slab of the allocator is carved from it, so
 * any two allocations of a handle are less than 2 GiB apart (Delta32 and
 * PC32 fixups reach), and the kernel cannot scatter later slabs elsewhere.
 */
#include <errno.h>
#include <sys/mman.h>

#include "internal.h"

#define JM_WINDOW_SIZE ((size_t)2 << 30)

static int jm_window_open(struct jm_window *w)
{
	void *p = mmap(NULL, JM_WINDOW_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	w->start = (uintptr_t)p;
	w->cursor = w->start;
	w->end = w->start + JM_WINDOW_SIZE;
	return 0;
}

/* Under m->lock: a new slab of len bytes at the window's cursor. */
int jm_window_carve(struct jitmem *m, size_t len, uintptr_t *addr)
{
	struct jm_window *w = &m->window;
	int ret;

	if (!w->start) {
		ret = jm_window_open(w);
		if (ret)
			return ret;
	}
	while (len <= w->end - w->cursor) {
		ret = m->ops->reserve(m, len, w->cursor, JM_PLACE_WINDOW, addr);
		if (ret == -EEXIST) {
			/* Another mapping took that range: skip it, never unmap it. */
			w->cursor += len;
			continue;
		}
		if (!ret)
			w->cursor += len;
		return ret;
	}
	return -ENOMEM;
}

/* The part of the placeholder no slab took; slabs are released before. */
void jm_window_close(struct jitmem *m)
{
	struct jm_window *w = &m->window;

	if (w->start && w->cursor < w->end)
		munmap((void *)w->cursor, w->end - w->cursor);
	w->start = 0;
}
