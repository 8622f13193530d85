/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trees of address ranges [start, end) that never overlap, in an rbtree by
 * start: the slabs, the live segments and the retired segments of a context.
 * The nodes are embedded in their objects, so that inserting and removing
 * never allocate and a teardown cannot fail.  Since the ranges do not
 * overlap, their ends are sorted like their starts.  The caller serializes
 * (ctx->map_lock).
 */
#ifndef _JITMEM_RANGE_H
#define _JITMEM_RANGE_H

#include <linux/rbtree.h>

struct jitmem_range {
	struct rb_node rb;
	unsigned long start;
	unsigned long end;
};

static inline struct jitmem_range *jitmem_range_entry(struct rb_node *n)
{
	return n ? rb_entry(n, struct jitmem_range, rb) : NULL;
}

/* The lowest range of @root that overlaps [start, end), or NULL. */
static inline struct jitmem_range *jitmem_range_first(struct rb_root *root,
						      unsigned long start,
						      unsigned long end)
{
	struct rb_node *n = root->rb_node;
	struct jitmem_range *best = NULL;

	while (n) {
		struct jitmem_range *r = jitmem_range_entry(n);

		if (r->end > start) {
			best = r;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best && best->start < end ? best : NULL;
}

/* The range holding @addr, or NULL. */
static inline struct jitmem_range *jitmem_range_find(struct rb_root *root,
						     unsigned long addr)
{
	return jitmem_range_first(root, addr, addr + 1);
}

/* The range after @r that still overlaps [.., end), or NULL. */
static inline struct jitmem_range *jitmem_range_next(struct jitmem_range *r,
						     unsigned long end)
{
	r = jitmem_range_entry(rb_next(&r->rb));
	return r && r->start < end ? r : NULL;
}

static inline bool jitmem_range_less(struct rb_node *a,
				     const struct rb_node *b)
{
	return jitmem_range_entry(a)->start <
	       rb_entry(b, struct jitmem_range, rb)->start;
}

/* Insert @r, which overlaps nothing in @root (the caller checked). */
static inline void jitmem_range_insert(struct rb_root *root,
				       struct jitmem_range *r)
{
	rb_add(&r->rb, root, jitmem_range_less);
}

static inline void jitmem_range_erase(struct rb_root *root,
				      struct jitmem_range *r)
{
	rb_erase(&r->rb, root);
	RB_CLEAR_NODE(&r->rb);
}

#endif /* _JITMEM_RANGE_H */
