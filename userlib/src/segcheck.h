/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
#ifndef JM_SEGCHECK_H
#define JM_SEGCHECK_H

#include "internal.h"

int jm_segs_from_user(const struct jitmem *m, const struct jitmem_segment *in, size_t n,
		      struct jm_seg *out, size_t *nout);
int jm_segs_key(const struct jm_seg *segs, size_t n, uintptr_t *key);
int jm_segs_check_slab(struct jitmem *m, const struct jm_seg *segs, size_t n,
		       struct jm_slab **slabp);

#endif /* JM_SEGCHECK_H */
