/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * Coalescing first-fit free list of address ranges (one per allocator zone),
 * like the one of LLVM's MapperJITLinkMemoryManager, but O(log n): ranges are
 * kept in address order in a tree that knows the largest range below a node.
 */
#ifndef JM_FREELIST_H
#define JM_FREELIST_H

#include <stddef.h>
#include <stdint.h>

#include "tree.h"

struct jm_free {
	struct jm_node node;	/* key: start address */
	size_t len;
	size_t max;		/* largest len in this subtree */
};

struct jm_freelist {
	struct jm_tree tree;
	size_t granule;		/* every start and length is a multiple */
	struct jm_free *cache;	/* spare nodes, so that undoing a take never allocates */
	unsigned int ncache;
};

void jm_fl_init(struct jm_freelist *fl, size_t granule);
void jm_fl_destroy(struct jm_freelist *fl);
/*
 * Give a range back, merging it with free neighbours.  -EINVAL: it overlaps a
 * free range; -ENOMEM: no memory for a node, the range is lost.
 */
int jm_fl_add(struct jm_freelist *fl, uintptr_t start, size_t len);
/* Take len bytes aligned to align from the lowest range that fits. */
int jm_fl_take(struct jm_freelist *fl, size_t len, size_t align, uintptr_t *start);
size_t jm_fl_largest(const struct jm_freelist *fl);
size_t jm_fl_count(const struct jm_freelist *fl);

#endif /* JM_FREELIST_H */
