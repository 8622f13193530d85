// SPDX-License-Identifier: GPL-2.0-only
/* The raw /dev/jitmem ioctls the function and churn sections use. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/jitmem.h>

#include "bench.h"

/*
 * A module without JITMEM_FEATURE_SUBPAGE (before issue 14) knows a
 * shorter VERSION and reports no granule: its granule is the page.
 */
int jm_open(struct jm_dev *d)
{
	struct jitmem_version v = { .size = sizeof(v) };

	d->fd = open("/dev/jitmem", O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	if (ioctl(d->fd, JITMEM_IOC_VERSION, &v)) {
		close(d->fd);
		return -errno;
	}
	d->features = v.features;
	d->page = v.page_size;
	d->granule = (v.features & JITMEM_FEATURE_SUBPAGE) && v.granule ?
		     v.granule : v.page_size;
	return 0;
}

int jm_reserve(struct jm_dev *d, size_t length, uint8_t **addr)
{
	struct jitmem_reserve r = { .size = sizeof(r), .length = length };

	if (ioctl(d->fd, JITMEM_IOC_RESERVE, &r))
		return -errno;
	*addr = (uint8_t *)(uintptr_t)r.addr;
	return 0;
}

int jm_init(struct jm_dev *d, const struct jm_seg *segs, unsigned int n,
	    uint64_t *key)
{
	struct jitmem_init_segment s[8];
	struct jitmem_initialize in = {
		.size = sizeof(in), .segments = (uintptr_t)s, .nsegments = n,
		.segment_size = sizeof(s[0]),
	};
	unsigned int i;

	if (n > 8)
		return -E2BIG;
	memset(s, 0, sizeof(s));
	for (i = 0; i < n; i++) {
		s[i].addr = segs[i].addr;
		s[i].length = segs[i].length;
		s[i].content = (uintptr_t)segs[i].content;
		s[i].content_size = segs[i].content_size;
		s[i].group = segs[i].group;
	}
	if (ioctl(d->fd, JITMEM_IOC_INITIALIZE, &in))
		return -errno;
	*key = in.key;
	return 0;
}

int jm_deinit(struct jm_dev *d, const uint64_t *keys, size_t n)
{
	static int32_t res[4096];
	struct jitmem_batch bt = {
		.size = sizeof(bt), .items = (uintptr_t)keys,
		.results = (uintptr_t)res, .count = n,
	};

	if (n > sizeof(res) / sizeof(res[0]))
		return -E2BIG;
	if (ioctl(d->fd, JITMEM_IOC_DEINITIALIZE, &bt))
		return -errno;
	return bt.failed ? res[0] ?: -EIO : 0;
}

/*
 * QUERY's held_bytes and empty_bytes.  A module before issue 14 has
 * neither; a page there holds one segment at most and goes when it does,
 * so what it holds is what it initialized (bytes_r + bytes_rw + bytes_rx,
 * whole pages): 1 is returned for that estimate.
 */
int jm_held(struct jm_dev *d, uint64_t *held, uint64_t *empty)
{
	struct jitmem_query q = { .size = sizeof(q) };

	if (ioctl(d->fd, JITMEM_IOC_QUERY, &q))
		return -errno;
	if (!(d->features & JITMEM_FEATURE_SUBPAGE)) {
		*held = q.bytes_r + q.bytes_rw + q.bytes_rx;
		*empty = 0;
		return 1;
	}
	*held = q.held_bytes;
	*empty = q.empty_bytes;
	return 0;
}

void jm_close(struct jm_dev *d)
{
	close(d->fd);
}
