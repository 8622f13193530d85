// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The allocator's address window: 2 GiB of PROT_NONE placeholder mapped at
 * the first allocation.  Every slab of the allocator is carved from it, so
 * any two allocations of a handle are less than 2 GiB apart (Delta32 and
 * PC32 fixups reach), and the kernel cannot scatter later slabs elsewhere.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "internal.h"

#define JM_WINDOW_SIZE ((size_t)2 << 30)

/* Without m->lock: the placeholder, mapped once; a thread that lost the race unmaps its own. */
static int jm_window_open(struct jitmem *m)
{
	struct jm_window *w = &m->window;
	bool open;
	void *p;

	jm_lock(m);
	open = w->start != 0;
	jm_unlock(m);
	if (open)
		return 0;
	p = mmap(NULL, JM_WINDOW_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	jm_lock(m);
	open = w->start != 0;
	if (!open) {
		w->start = (uintptr_t)p;
		w->cursor = w->start;
		w->end = w->start + JM_WINDOW_SIZE;
	}
	jm_unlock(m);
	if (open)
		munmap(p, JM_WINDOW_SIZE);
	return 0;
}

/*
 * Without m->lock: a new slab of len bytes at the window's cursor.  The
 * range is taken from the window under the lock, reserved without it.
 */
int jm_window_carve(struct jitmem *m, size_t len, uintptr_t *addr)
{
	struct jm_window *w = &m->window;
	uintptr_t at;
	int ret;

	ret = jm_window_open(m);
	if (ret)
		return ret;
	for (;;) {
		jm_lock(m);
		if (len > w->end - w->cursor) {
			jm_unlock(m);
			return -ENOMEM;
		}
		at = w->cursor;
		w->cursor += len;
		jm_unlock(m);
		ret = m->ops->reserve(m, len, at, JM_PLACE_WINDOW, addr);
		/* EEXIST: another mapping took that range: skip it, never unmap it. */
		if (ret != -EEXIST)
			break;
	}
	if (ret) {
		/* The placeholder is back: the range is the window's again, if last. */
		jm_lock(m);
		if (w->cursor == at + len)
			w->cursor = at;
		jm_unlock(m);
	}
	return ret;
}

/* The part of the placeholder no slab took; slabs are released before. */
void jm_window_close(struct jitmem *m)
{
	struct jm_window *w = &m->window;

	if (w->start && w->cursor < w->end)
		munmap((void *)w->cursor, w->end - w->cursor);
	w->start = 0;
}
