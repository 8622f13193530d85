// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmem through the module, raw: each function is a one-segment RX region
 * at the granule VERSION reports, first fit in one slab, so freed slots
 * are reused by the next publish (a range already mapped RX).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <linux/jitmem.h>

#include "bench.h"

struct fn_kernel {
	struct jm_dev d;
	struct slots s;
	uint8_t *slab;
	size_t slot, len;
	uint64_t *keys;
};

static int k_setup(struct fn_backend *fb)
{
	struct fn_kernel *k = calloc(1, sizeof(*k));
	int err;

	if (!k)
		return -ENOMEM;
	err = jm_open(&k->d);
	if (err)
		goto free;
	k->slot = round_up(fb->size, k->d.granule);
	k->len = round_up(k->slot * fb->cap, k->d.page);
	k->keys = calloc(fb->cap, sizeof(*k->keys));
	err = k->keys ? slots_init(&k->s, fb->cap) : -ENOMEM;
	if (!err)
		err = jm_reserve(&k->d, k->len, &k->slab);
	if (!err) {
		fb->priv = k;
		return 0;
	}
	jm_close(&k->d);
free:
	free(k->keys);
	free(k);
	return err;
}

static int k_publish(struct fn_backend *fb, const void *code, size_t len,
		     void **entry, uintptr_t *handle)
{
	struct fn_kernel *k = fb->priv;
	long i = slots_get(&k->s);
	struct jm_seg seg;
	int err;

	if (i < 0)
		return i;
	seg = (struct jm_seg){
		.addr = (uintptr_t)(k->slab + i * k->slot), .length = k->slot,
		.content = code, .content_size = len,
		.group = JITMEM_GROUP_R | JITMEM_GROUP_X,
	};
	err = jm_init(&k->d, &seg, 1, &k->keys[i]);
	if (err) {
		slots_put(&k->s, i);
		return err;
	}
	*entry = k->slab + i * k->slot;
	*handle = i;
	return 0;
}

static int k_free(struct fn_backend *fb, uintptr_t handle)
{
	struct fn_kernel *k = fb->priv;
	int err = jm_deinit(&k->d, &k->keys[handle], 1);

	if (!err)
		slots_put(&k->s, handle);
	return err;
}

static int k_held(struct fn_backend *fb, uint64_t *bytes)
{
	struct fn_kernel *k = fb->priv;
	uint64_t empty;

	return jm_held(&k->d, bytes, &empty) < 0 ? -EIO : 0;
}

static void k_teardown(struct fn_backend *fb)
{
	struct fn_kernel *k = fb->priv;

	jm_close(&k->d);
	munmap(k->slab, k->len);
	slots_fini(&k->s);
	free(k->keys);
	free(k);
}

const struct fn_ops fn_kernel = {
	.name = "jitmem",
	.callable = true,
	.setup = k_setup,
	.publish = k_publish,
	.free = k_free,
	.held = k_held,
	.teardown = k_teardown,
};
