// SPDX-License-Identifier: MIT OR LGPL-2.1
/* Handles: jitmem_open(_opts)(), jitmem_close() and what they tell. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	/* mprotect() works on pages: this backend stays page-granular. */
	m->granule = (size_t)page;
	m->pid = getpid();
	return 0;
}

/* JITMEM_REQUIRE_KERNEL set and not "0": no userspace backend for this process. */
static bool jm_kernel_required(void)
{
	const char *env = getenv("JITMEM_REQUIRE_KERNEL");

	return env && *env && strcmp(env, "0");
}

/* The node to open: the caller's, else $JITMEM_DEVICE (not in setuid programs). */
static const char *jm_device_path(const struct jitmem_open_opts *opts)
{
	const char *env;

	if (opts->device)
		return opts->device;
	env = secure_getenv("JITMEM_DEVICE");
	return env && *env ? env : JITMEM_DEVICE_DEFAULT;
}

/*
 * An administrator's JITMEM_REQUIRE_KERNEL made this open fail, where the
 * program asked to go on without W^X: say so where the admin will look.
 */
static void jm_say_required(const struct jitmem_backend_info *info)
{
	if (info->cause == JITMEM_CAUSE_REQUESTED)
		fprintf(stderr, "libjitmem: JITMEM_REQUIRE_KERNEL is set: the userspace "
			"backend (no W^X guarantee) is refused\n");
	else
		fprintf(stderr, "libjitmem: JITMEM_REQUIRE_KERNEL is set: no fallback to "
			"the userspace backend (no W^X guarantee): %s: %s (%s)\n",
			info->device, jitmem_cause_str(info->cause), strerror(-info->error));
}

static struct jitmem *jm_handle_new(const char *device)
{
	size_t len = device ? strlen(device) + 1 : 1;
	struct jitmem *m = calloc(1, sizeof(*m) + len);

	if (!m)
		return NULL;
	if (device)
		memcpy(m->device, device, len);
	m->fd = -1;
	jm_list_init(&m->slab_list);
	jm_list_init(&m->region_list);
	jm_list_init(&m->inflight);
	return m;
}

/* The backend, as opts ask and the environment allows; info says which and why. */
static int jm_backend_open(struct jitmem *m, const struct jitmem_open_opts *opts,
			   const char *device, bool required, struct jitmem_backend_info *info)
{
	int ret;

	if (opts->flags & JITMEM_OPEN_USERSPACE) {
		info->cause = JITMEM_CAUSE_REQUESTED;
		if (required) {
			info->error = -EPERM;
			return -EPERM;
		}
		info->backend = JITMEM_BACKEND_USERSPACE;
		return jm_user_open(m);
	}
	info->device = device;
	m->ops = &jm_kernel_ops;
	ret = jm_kernel_open(m, device, &info->cause);
	info->error = ret;
	if (!ret) {
		info->backend = JITMEM_BACKEND_KERNEL;
		return 0;
	}
	if (!(opts->flags & JITMEM_OPEN_FALLBACK) || required)
		return ret;
	info->backend = JITMEM_BACKEND_USERSPACE;
	info->flags |= JITMEM_INFO_FALLBACK;
	return jm_user_open(m);
}

int jitmem_open_opts(struct jitmem **out, const struct jitmem_open_opts *opts,
		     struct jitmem_backend_info *info)
{
	JM_KEEP_ERRNO;
	static const struct jitmem_open_opts none;
	struct jitmem_backend_info bi = { 0 };
	bool required = jm_kernel_required();
	const char *device;
	struct jitmem *m;
	int ret;

	if (!opts)
		opts = &none;
	if (!out || (opts->flags & ~JM_OPEN_FLAGS) || opts->flags == JM_OPEN_FLAGS ||
	    opts->reserved0 || !jm_zero(opts->reserved, sizeof(opts->reserved)))
		return -EINVAL;
	device = opts->flags & JITMEM_OPEN_USERSPACE ? NULL : jm_device_path(opts);
	if (required)
		bi.flags |= JITMEM_INFO_KERNEL_REQUIRED;
	m = jm_handle_new(device);
	if (!m)
		return -ENOMEM;
	ret = jm_backend_open(m, opts, device, required, &bi);
	if (ret && required && (opts->flags & (JITMEM_OPEN_USERSPACE | JITMEM_OPEN_FALLBACK)))
		jm_say_required(&bi);
	if (!ret)
		ret = -pthread_mutex_init(&m->lock, NULL);
	if (ret) {
		if (m->fd >= 0)
			m->ops->close(m);
		free(m);
		bi.backend = 0;
		if (info)
			*info = bi;
		return ret;
	}
	m->info = bi;
	m->info.device = device ? m->device : NULL;
	if (info)
		*info = m->info;
	jm_perf_open_env(m);
	*out = m;
	return 0;
}

int jitmem_open(struct jitmem **out, unsigned int flags)
{
	const struct jitmem_open_opts opts = { .flags = flags };

	return jitmem_open_opts(out, &opts, NULL);
}

int jitmem_get_backend_info(const struct jitmem *m, struct jitmem_backend_info *info)
{
	if (!m || !info)
		return -EINVAL;
	*info = m->info;
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
 * fork() a kernel handle is not ours: no action runs, no slab is unmapped
 * (only the library's own guard pages and working memory).
 */
void jitmem_close(struct jitmem *m)
{
	JM_KEEP_ERRNO;
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
			jm_actions_dealloc(jm_region_of(l)->deallocs, jm_region_of(l)->ndeallocs,
					   NULL);
	while (!jm_list_empty(&m->slab_list)) {
		n = 0;
		jm_list_for_each(l, &m->slab_list) {
			if (n == JM_RELEASE_CHUNK)
				break;
			jm_slab_of(l)->releasing = true;
			jm_slab_of(l)->item = n;
			chunk[n++] = jm_slab_of(l);
		}
		if (ours) {
			jm_slabs_release(m, chunk, NULL, n);
			continue;
		}
		while (!jm_list_empty(&m->region_list))
			jm_region_forget(m, jm_region_of(m->region_list.next), false);
		while (n--) {
			jm_slab_unlink(m, chunk[n]);
			jm_slab_free(chunk[n]);
		}
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

size_t jitmem_granule(const struct jitmem *m)
{
	return m ? m->granule : 0;
}
