// SPDX-License-Identifier: GPL-2.0-only
/*
 * Counters: per context under ctx->map_lock, and module-wide as atomics so
 * the netlink family can read them without taking any context's lock.
 */
#include <linux/atomic.h>

#include "jitmem.h"

atomic64_t jitmem_global[JITMEM_NCOUNTERS];
static atomic64_t jitmem_contexts;
static atomic64_t jitmem_refused[JITMEM_REFUSED_NR];
static atomic64_t jitmem_debug_write_count;

/**
 * jitmem_account() - apply a change of several counters (jitmem_count())
 * @ctx: the context
 * @d: the change
 * @sign: 1 to add @d, -1 to subtract it
 *
 * Context: map_lock held for writing.
 */
void jitmem_account(struct jitmem_ctx *ctx, const struct jitmem_counters *d,
		    int sign)
{
	const u64 *src = (const u64 *)d;
	unsigned int i;

	for (i = 0; i < JITMEM_NCOUNTERS; i++)
		if (src[i])
			jitmem_count(ctx, i, sign > 0 ? src[i] : -src[i]);
}

/**
 * jitmem_ctx_counters() - read a context's counters
 * @ctx: the context
 * @cnt: receives them
 *
 * Context: process context; takes map_lock for reading.
 * Return: 0, or -EINTR if a fatal signal arrived while waiting.
 */
int jitmem_ctx_counters(struct jitmem_ctx *ctx, struct jitmem_counters *cnt)
{
	if (down_read_killable(&ctx->map_lock))
		return -EINTR;
	*cnt = ctx->cnt;
	up_read(&ctx->map_lock);
	return 0;
}

/**
 * jitmem_stats_contexts() - count contexts opened (1) or freed (-1)
 * @delta: the change
 *
 * Context: any.
 */
void jitmem_stats_contexts(int delta)
{
	atomic64_add(delta, &jitmem_contexts);
}

/**
 * jitmem_stats_refused() - count a refused request
 * @why: the reason
 *
 * Context: any.
 */
void jitmem_stats_refused(enum jitmem_refusal why)
{
	atomic64_inc(&jitmem_refused[why]);
}

/**
 * jitmem_stats_debug_write() - count a debugger's write into code
 *
 * Context: any.
 */
void jitmem_stats_debug_write(void)
{
	atomic64_inc(&jitmem_debug_write_count);
}

/**
 * jitmem_stats_debug_writes() - how many writes debuggers made into code
 *
 * Context: any.
 * Return: the count since the module was loaded.
 */
u64 jitmem_stats_debug_writes(void)
{
	return atomic64_read(&jitmem_debug_write_count);
}

/**
 * jitmem_stats_read() - read the module-wide counters
 * @cnt: receives the sums over all contexts
 * @contexts: receives the number of open contexts
 * @refused: receives the refusals, by reason
 *
 * Context: any; each counter is read once, not as a snapshot of them all.
 */
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

/**
 * jitmem_stats_check_zero() - WARN unless every counter is back at zero
 *
 * At unload every context is gone: what they held (slabs, regions, bytes,
 * retired code) must be back at zero, or something leaked its accounting.
 *
 * Context: module exit.
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
