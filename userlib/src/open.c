// SPDX-License-Identifier: MIT OR LGPL-2.1
/* Handles: jitmem_open(), jitmem_close() and what they tell. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define JM_OPEN_FLAGS (JITMEM_OPEN_USERSPACE | JITMEM_OPEN_FALLBACK)

static int jm_user_open(struct jitmem *m)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0)
		return -EINVAL;
	m->ops = &jm_user_ops;
	m->page_size = (size_t)page;
	m->pid = getpid();
	return 0;
}

int jitmem_open(struct jitmem **out, unsigned int flags)
{
	struct jitmem *m;
	int ret;

	if (!out || (flags & ~JM_OPEN_FLAGS) || flags == JM_OPEN_FLAGS)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fd = -1;
	jm_list_init(&m->slab_list);
	jm_list_init(&m->region_list);
	jm_list_init(&m->inflight);
	if (flags & JITMEM_OPEN_USERSPACE) {
		ret = jm_user_open(m);
	} else {
		m->ops = &jm_kernel_ops;
		ret = jm_kernel_open(m);
		if (ret && (flags & JITMEM_OPEN_FALLBACK))
			ret = jm_user_open(m);
	}
	if (!ret)
		ret = -pthread_mutex_init(&m->lock, NULL);
	if (ret) {
		if (m->fd >= 0)
			m->ops->close(m);
		free(m);
		return ret;
	}
	jm_perf_open_env(m);
	*out = m;
	return 0;
}

static void jm_close_inflight(struct jitmem *m)
{
	struct jm_list *l, *tmp;
	size_t i;

	jm_list_for_each_safe(l, tmp, &m->inflight) {
		struct jitmem_alloc *a = jm_entry(l, struct jitmem_alloc, link);

		for (i = 0; i < a->n; i++)
			free(a->segs[i].working);
		free(a);
	}
	jm_list_init(&m->inflight);
}

/*
 * Dealloc actions of every live region, newest first, then every slab goes.
 * Not to be called while another thread uses the handle.  In a child of
 * fork() a kernel handle is not ours: no action runs, nothing is unmapped.
 */
void jitmem_close(struct jitmem *m)
{
	struct jm_slab *chunk[JM_RELEASE_CHUNK];
	struct jm_list *l;
	bool ours;
	size_t n;

	if (!m)
		return;
	ours = !m->ops->check(m);
	jm_close_inflight(m);
	jm_list_for_each_reverse(l, &m->region_list)
		if (ours && jm_region_of(l)->state == JM_REGION_LIVE)
			jm_actions_dealloc(jm_region_of(l)->deallocs, jm_region_of(l)->ndeallocs);
	while (!jm_list_empty(&m->slab_list)) {
		n = 0;
		jm_list_for_each(l, &m->slab_list) {
			if (n == JM_RELEASE_CHUNK)
				break;
			jm_slab_of(l)->releasing = true;
			chunk[n++] = jm_slab_of(l);
		}
		if (ours) {
			jm_slabs_release(m, chunk, NULL, n);
			continue;
		}
		while (!jm_list_empty(&m->region_list))
			jm_region_forget(m, jm_region_of(m->region_list.next), false);
		while (n--)
			jm_slab_forget(m, chunk[n]);
	}
	if (ours)
		jm_window_close(m);
	jm_perf_close(m);
	m->ops->close(m);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int jitmem_backend_is_kernel(const struct jitmem *m)
{
	return m && m->ops->kernel;
}

size_t jitmem_page_size(const struct jitmem *m)
{
	return m ? m->page_size : 0;
}

int jitmem_stats(struct jitmem *m, struct jitmem_stats *st)
{
	int ret;

	if (!m || !st)
		return -EINVAL;
	jm_lock(m);
	ret = m->ops->stats ? m->ops->stats(m, st) : jm_stats_walk(m, st);
	jm_unlock(m);
	return ret;
}
