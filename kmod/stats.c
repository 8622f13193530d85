// SPDX-License-Identifier: GPL-2.0-only
/*
 * Counters: per context under ctx->lock, and module-wide as atomics so the
 * netlink family can read them without taking any context's lock.
 */
#include <linux/atomic.h>

#include "jitmem.h"

#define JITMEM_NCOUNTERS (sizeof(struct jitmem_counters) / sizeof(u64))

static atomic64_t jitmem_global[JITMEM_NCOUNTERS];
static atomic64_t jitmem_contexts;
static atomic64_t jitmem_refused[JITMEM_REFUSED_NR];

/* Apply @d times @sign (1 or -1) to the context and to the totals. */
void jitmem_account(struct jitmem_ctx *ctx, const struct jitmem_counters *d,
		    int sign)
{
	const u64 *src = (const u64 *)d;
	u64 *dst = (u64 *)&ctx->cnt;
	unsigned int i;

	lockdep_assert_held(&ctx->lock);
	for (i = 0; i < JITMEM_NCOUNTERS; i++) {
		if (!src[i])
			continue;
		if (sign > 0) {
			dst[i] += src[i];
			atomic64_add(src[i], &jitmem_global[i]);
		} else {
			dst[i] -= src[i];
			atomic64_sub(src[i], &jitmem_global[i]);
		}
	}
}

void jitmem_stats_contexts(int delta)
{
	atomic64_add(delta, &jitmem_contexts);
}

void jitmem_stats_refused(enum jitmem_refusal why)
{
	atomic64_inc(&jitmem_refused[why]);
}

void jitmem_stats_read(struct jitmem_counters *cnt, u64 *contexts,
		       u64 refused[JITMEM_REFUSED_NR])
{
	u64 *dst = (u64 *)cnt;
	unsigned int i;

	for (i = 0; i < JITMEM_NCOUNTERS; i++)
		dst[i] = atomic64_read(&jitmem_global[i]);
	*contexts = atomic64_read(&jitmem_contexts);
	for (i = 0; i < JITMEM_REFUSED_NR; i++)
		refused[i] = atomic64_read(&jitmem_refused[i]);
}

/*
 * At unload every context is gone: what they held (slabs, regions, bytes,
 * retired code) must be back at zero, or something leaked its accounting.
 */
void jitmem_stats_check_zero(void)
{
	s64 v = atomic64_read(&jitmem_contexts);
	unsigned int i;

	WARN(v, "jitmem: %lld contexts at unload\n", v);
	for (i = 0; i < JITMEM_NCOUNTERS; i++) {
		v = atomic64_read(&jitmem_global[i]);
		WARN(v, "jitmem: counter %u is %lld at unload\n", i, v);
	}
}
