// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The kernel backend: every operation is an ioctl on /dev/jitmem, which
 * writes the content itself and never maps code writable.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#include <linux/jitmem.h>

#define JM_BATCH_MAX 256	/* items per ioctl; halved if the module says E2BIG */

_Static_assert(sizeof(int) == sizeof(__s32), "batch results are __s32");

static int jm_ioctl(struct jitmem *m, unsigned long cmd, void *arg)
{
	return ioctl(m->fd, cmd, arg) ? -errno : 0;
}

/* The context belongs to the process that opened it: a forked child gets EPERM. */
static int jm_kernel_check(struct jitmem *m)
{
	return getpid() == m->pid ? 0 : -EPERM;
}

static int jm_kernel_reserve(struct jitmem *m, size_t len, uintptr_t hint, enum jm_place place,
			     uintptr_t *addr)
{
	struct jitmem_reserve r = { .size = sizeof(r), .length = len, .addr = hint };
	void *p;
	int ret;

	if (place == JM_PLACE_WINDOW) {
		/* Give our placeholder up, then take the range exactly or not at all. */
		r.flags = JITMEM_RESERVE_FIXED_NOREPLACE;
		if (munmap((void *)hint, len))
			return -errno;
	}
	ret = jm_ioctl(m, JITMEM_IOC_RESERVE, &r);
	if (!ret) {
		*addr = r.addr;
		return 0;
	}
	if (place == JM_PLACE_WINDOW) {
		p = mmap((void *)hint, len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != (void *)hint) {
			/* Someone mapped into the hole: that range is not ours any more. */
			if (p != MAP_FAILED)
				munmap(p, len);
			return -EEXIST;
		}
	}
	return ret;
}

/* One batch ioctl per chunk; every item gets a result. */
static void jm_kernel_batch(struct jitmem *m, unsigned long cmd, __u32 flags,
			    const __u64 items[], int results[], size_t n)
{
	size_t i, off = 0, chunk = JM_BATCH_MAX;
	int ret;

	while (off < n) {
		size_t count = n - off < chunk ? n - off : chunk;
		struct jitmem_batch b = {
			.size = sizeof(b),
			.flags = flags,
			.items = (uintptr_t)(items + off),
			.results = (uintptr_t)(results + off),
			.count = (__u32)count,
		};

		ret = jm_ioctl(m, cmd, &b);
		if (ret == -E2BIG && chunk > 1) {
			chunk /= 2;
			continue;
		}
		for (i = 0; ret && i < count; i++)
			results[off + i] = ret;
		off += count;
	}
}

static int jm_kernel_release(struct jitmem *m, struct jm_slab *const slabs[], int results[],
			     size_t n)
{
	__u64 items[JM_RELEASE_CHUNK];	/* never fails for lack of memory: close needs it */
	size_t i;

	if (n > JM_RELEASE_CHUNK)
		return -E2BIG;
	for (i = 0; i < n; i++)
		items[i] = slabs[i]->start;
	jm_kernel_batch(m, JITMEM_IOC_RELEASE, 0, items, results, n);
	return 0;
}

static int jm_kernel_initialize(struct jitmem *m, struct jm_region *r, uintptr_t *key)
{
	struct jitmem_init_segment *segs = calloc(r->nsegs, sizeof(*segs));
	struct jitmem_initialize init = {
		.size = sizeof(init),
		.segments = (uintptr_t)segs,
		.nsegments = (__u32)r->nsegs,
		.segment_size = sizeof(*segs),
	};
	size_t i;
	int ret;

	if (!segs)
		return -ENOMEM;
	if (r->nsegs > UINT32_MAX) {
		free(segs);
		return -E2BIG;
	}
	for (i = 0; i < r->nsegs; i++) {
		segs[i].addr = r->segs[i].addr;
		segs[i].length = r->segs[i].len;
		segs[i].content = (uintptr_t)r->segs[i].content;
		segs[i].content_size = r->segs[i].content_size;
		/*
		 * The module wants a Standard segment in every region: it holds
		 * a Finalize-only one as Standard until the library frees it.
		 */
		segs[i].group = (__u8)(r->fin_only ?
				       r->segs[i].group & ~JITMEM_LIFETIME_FINALIZE :
				       r->segs[i].group);
	}
	ret = jm_ioctl(m, JITMEM_IOC_INITIALIZE, &init);
	free(segs);
	if (!ret)
		*key = init.key;
	return ret;
}

static int jm_kernel_deinitialize(struct jitmem *m, struct jm_region *const regions[],
				  int results[], size_t n, bool finalize_only)
{
	__u64 *items = malloc(n * sizeof(*items));
	size_t i;

	if (!items)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		items[i] = regions[i]->node.key;
	jm_kernel_batch(m, JITMEM_IOC_DEINITIALIZE,
			finalize_only ? JITMEM_DEINIT_FINALIZE_ONLY : 0, items, results, n);
	free(items);
	return 0;
}

static int jm_kernel_stats(struct jitmem *m, struct jitmem_stats *st)
{
	struct jitmem_query q = { .size = sizeof(q) };
	int ret = jm_kernel_check(m);

	if (!ret)
		ret = jm_ioctl(m, JITMEM_IOC_QUERY, &q);
	if (ret)
		return ret;
	*st = (struct jitmem_stats){
		.slabs = q.slabs,
		.reserved_bytes = q.reserved_bytes,
		.regions = q.regions,
		.segments = q.segments,
		.bytes_r = q.bytes_r,
		.bytes_rw = q.bytes_rw,
		.bytes_rx = q.bytes_rx,
		.retired_bytes = q.retired_bytes,
		.held_bytes = q.held_bytes,
		.empty_bytes = q.empty_bytes,
	};
	return 0;
}

/* Unlocked: one QUERY, made only with profiling on (perf.c). */
static int jm_kernel_remaps(struct jitmem *m, uint64_t *count)
{
	struct jitmem_query q = { .size = sizeof(q) };
	int ret = jm_ioctl(m, JITMEM_IOC_QUERY, &q);

	if (!ret)
		*count = q.remaps;
	return ret;
}

static void jm_kernel_close(struct jitmem *m)
{
	close(m->fd);
	m->fd = -1;
}

const struct jm_backend_ops jm_kernel_ops = {
	.kernel = true,
	.check = jm_kernel_check,
	.reserve = jm_kernel_reserve,
	.release = jm_kernel_release,
	.initialize = jm_kernel_initialize,
	.deinitialize = jm_kernel_deinitialize,
	.stats = jm_kernel_stats,
	.remaps = jm_kernel_remaps,
	.close = jm_kernel_close,
};
