// SPDX-License-Identifier: MIT OR LGPL-2.1
/* Counters of the userspace backend: what the handle holds mapped. */
#include "internal.h"

int jm_stats_walk(struct jitmem *m, struct jitmem_stats *st)
{
	const struct jm_region *r;
	const struct jm_slab *s;
	size_t i;

	*st = (struct jitmem_stats){ 0 };
	for (s = m->slab_first; s; s = s->next) {
		st->slabs++;
		st->reserved_bytes += s->len;
	}
	for (r = m->region_first; r; r = r->next) {
		st->regions++;
		for (i = 0; i < r->nsegs; i++) {
			const struct jm_seg *seg = &r->segs[i];

			if (!seg->live)
				continue;
			st->segments++;
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
