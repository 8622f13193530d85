// SPDX-License-Identifier: GPL-2.0-only
/* The floor: memcpy into slots of a heap buffer (the bytes cannot run). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct fn_memcpy {
	struct slots s;
	uint8_t *buf;
	size_t slot;
};

static int m_setup(struct fn_backend *fb)
{
	struct fn_memcpy *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->slot = round_up(fb->size, 16);
	m->buf = calloc(fb->cap, m->slot);
	if (!m->buf || slots_init(&m->s, fb->cap)) {
		free(m->buf);
		free(m);
		return -ENOMEM;
	}
	fb->priv = m;
	return 0;
}

static int m_publish(struct fn_backend *fb, const void *code, size_t len,
		     void **entry, uintptr_t *handle)
{
	struct fn_memcpy *m = fb->priv;
	long i = slots_get(&m->s);

	if (i < 0)
		return i;
	*entry = m->buf + i * m->slot;
	memcpy(*entry, code, len);
	__asm__ volatile("" : : "r"(*entry) : "memory");
	*handle = i;
	return 0;
}

static int m_free(struct fn_backend *fb, uintptr_t handle)
{
	struct fn_memcpy *m = fb->priv;

	slots_put(&m->s, handle);
	return 0;
}

static int m_held(struct fn_backend *fb, uint64_t *bytes)
{
	struct fn_memcpy *m = fb->priv;

	*bytes = (uint64_t)m->slot * fb->cap;
	return 0;
}

static void m_teardown(struct fn_backend *fb)
{
	struct fn_memcpy *m = fb->priv;

	slots_fini(&m->s);
	free(m->buf);
	free(m);
}

const struct fn_ops fn_memcpy = {
	.name = "memcpy",
	.callable = false,
	.setup = m_setup,
	.publish = m_publish,
	.free = m_free,
	.held = m_held,
	.teardown = m_teardown,
};
