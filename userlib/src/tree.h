/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * An intrusive ordered map keyed by address (a treap): O(log n) expected for
 * every operation, no allocation, deterministic priorities.  An optional
 * update hook maintains a per-subtree summary (the free list's largest range).
 */
#ifndef JM_TREE_H
#define JM_TREE_H

#include <stddef.h>
#include <stdint.h>

struct jm_node {
	struct jm_node *left, *right;
	uintptr_t key;
	uint32_t prio;
};

struct jm_tree {
	struct jm_node *root;
	void (*update)(struct jm_node *n);	/* recompute n's summary, or NULL */
};

#define jm_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* The key must not be in the tree yet. */
void jm_tree_insert(struct jm_tree *t, struct jm_node *n);
void jm_tree_remove(struct jm_tree *t, struct jm_node *n);
struct jm_node *jm_tree_find(const struct jm_tree *t, uintptr_t key);
/* Greatest key <= key, smallest key >= key, or NULL. */
struct jm_node *jm_tree_floor(const struct jm_tree *t, uintptr_t key);
struct jm_node *jm_tree_ceil(const struct jm_tree *t, uintptr_t key);
struct jm_node *jm_tree_first(const struct jm_tree *t);
struct jm_node *jm_tree_next(const struct jm_tree *t, const struct jm_node *n);
/* Remove every node, calling fn on each (which may free it). */
void jm_tree_clear(struct jm_tree *t, void (*fn)(struct jm_node *n, void *arg), void *arg);

#endif /* JM_TREE_H */
