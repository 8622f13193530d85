// SPDX-License-Identifier: GPL-2.0-only
/* First fit over equal slots, lowest free first: a JIT allocator's reuse. */
#include <errno.h>
#include <stdlib.h>

#include "bench.h"

int slots_init(struct slots *s, size_t n)
{
	s->bits = calloc((n + 63) / 64, sizeof(*s->bits));
	s->n = n;
	return s->bits ? 0 : -ENOMEM;
}

long slots_get(struct slots *s)
{
	size_t w, i;

	for (w = 0; w < (s->n + 63) / 64; w++) {
		if (s->bits[w] == ~0ULL)
			continue;
		i = w * 64 + __builtin_ctzll(~s->bits[w]);
		if (i >= s->n)
			break;
		s->bits[w] |= 1ULL << (i % 64);
		return i;
	}
	return -ENOSPC;
}

/* First fit of @len contiguous slots. */
long slots_get_run(struct slots *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < s->n; i++) {
		if (s->bits[i / 64] & (1ULL << (i % 64))) {
			run = 0;
			continue;
		}
		if (++run < len)
			continue;
		for (run = i + 1 - len; run <= i; run++)
			s->bits[run / 64] |= 1ULL << (run % 64);
		return i + 1 - len;
	}
	return -ENOSPC;
}

void slots_put(struct slots *s, size_t i)
{
	s->bits[i / 64] &= ~(1ULL << (i % 64));
}

void slots_fini(struct slots *s)
{
	free(s->bits);
}
