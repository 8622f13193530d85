// SPDX-License-Identifier: GPL-2.0-only
/*
 * libjitmem's JITLink-style allocator, one RX segment a function: with its
 * userspace backend (mmap/mprotect, page-granular) and, for comparison,
 * with its kernel backend (the module under the library's placement).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jitmem.h>

#include "bench.h"

static int lib_setup(struct fn_backend *fb, unsigned int flags)
{
	struct jitmem_open_opts o = { .flags = flags };
	struct jitmem *m;
	int err = jitmem_open_opts(&m, &o, NULL);

	if (err)
		return err;
	if (!(flags & JITMEM_OPEN_USERSPACE) && !jitmem_backend_is_kernel(m)) {
		jitmem_close(m);
		return -ENODEV;
	}
	fb->priv = m;
	return 0;
}

static int user_setup(struct fn_backend *fb)
{
	return lib_setup(fb, JITMEM_OPEN_USERSPACE);
}

static int kmod_setup(struct fn_backend *fb)
{
	return lib_setup(fb, 0);
}

static int lib_publish(struct fn_backend *fb, const void *code, size_t len,
		       void **entry, uintptr_t *handle)
{
	struct jitmem_seg_request req = {
		.group = JITMEM_PROT_R | JITMEM_PROT_X, .size = len, .align = 16,
	};
	struct jitmem_alloc *a;
	void *fin;
	int err;

	err = jitmem_allocate(fb->priv, &req, 1, &a);
	if (err)
		return err;
	memcpy(jitmem_alloc_working(a, 0), code, len);
	*entry = jitmem_alloc_target(a, 0);
	err = jitmem_alloc_finalize(a, NULL, 0, &fin, NULL);
	if (err)
		return err;
	*handle = (uintptr_t)fin;
	return 0;
}

static int lib_free(struct fn_backend *fb, uintptr_t handle)
{
	void *fin = (void *)handle;

	return jitmem_deallocate(fb->priv, &fin, 1, NULL);
}

/* Initialized bytes: what the library's stats count (no empty pages). */
static int lib_held(struct fn_backend *fb, uint64_t *bytes)
{
	struct jitmem_stats st;
	int err = jitmem_get_stats(fb->priv, &st);

	if (!err)
		*bytes = st.bytes_r + st.bytes_rw + st.bytes_rx;
	return err;
}

static void lib_teardown(struct fn_backend *fb)
{
	jitmem_close(fb->priv);
}

const struct fn_ops fn_user = {
	.name = "libjitmem-user",
	.callable = true,
	.setup = user_setup,
	.publish = lib_publish,
	.free = lib_free,
	.held = lib_held,
	.teardown = lib_teardown,
};

const struct fn_ops fn_libkmod = {
	.name = "libjitmem-kmod",
	.callable = true,
	.setup = kmod_setup,
	.publish = lib_publish,
	.free = lib_free,
	.held = lib_held,
	.teardown = lib_teardown,
};
