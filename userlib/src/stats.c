// SPDX-License-Identifier: MIT OR LGPL-2.1
/* jitmem_get_stats(), and the counters of the userspace backend. */
#include "internal.h"

/* The userspace backend's: what the handle holds mapped. */
static int jm_stats_walk(struct jitmem *m, struct jitmem_stats *st)
{
	const struct jm_list *l;
	size_t i;

	*st = (struct jitmem_stats){ 0 };
	jm_list_for_each(l, &m->slab_list) {
		st->slabs++;
		st->reserved_bytes += jm_slab_of(l)->len;
	}
	jm_list_for_each(l, &m->region_list) {
		const struct jm_region *r = jm_region_of(l);

		/* As the module counts: a region holding no memory is none. */
		if (!r->in_backend)
			continue;
		st->regions++;
		for (i = 0; i < r->nsegs; i++) {
			const struct jm_seg *seg = &r->segs[i];

			if (!seg->live)
				continue;
			st->segments++;
			/* Page-granular: each segment holds pages of its own. */
			st->held_bytes += seg->len;
			if (seg->group & JITMEM_PROT_X)
				st->bytes_rx += seg->len;
			else if (seg->group & JITMEM_PROT_W)
				st->bytes_rw += seg->len;
			else
				st->bytes_r += seg->len;
		}
	}
	return 0;
}

int jitmem_get_stats(struct jitmem *m, struct jitmem_stats *st)
{
	JM_KEEP_ERRNO;
	int ret;

	if (!m || !st)
		return -EINVAL;
	/* The kernel's counters need no lock of ours: QUERY goes without it. */
	if (m->ops->stats)
		return m->ops->stats(m, st);
	jm_lock(m);
	ret = jm_stats_walk(m, st);
	jm_unlock(m);
	return ret;
}
