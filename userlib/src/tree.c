// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Treap with split/merge.  The priority is a hash of the key, so the shape is
 * that of a random treap without any random state.
 */
#include "tree.h"

static uint32_t jm_prio(uintptr_t key)
{
	uint64_t x = (uint64_t)key;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

static void jm_update(const struct jm_tree *t, struct jm_node *n)
{
	if (t->update)
		t->update(n);
}

static struct jm_node *jm_merge(const struct jm_tree *t, struct jm_node *a, struct jm_node *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	if (a->prio > b->prio) {
		a->right = jm_merge(t, a->right, b);
		jm_update(t, a);
		return a;
	}
	b->left = jm_merge(t, a, b->left);
	jm_update(t, b);
	return b;
}

/* Split n into keys < key (*l) and keys >= key (*r). */
static void jm_split(const struct jm_tree *t, struct jm_node *n, uintptr_t key,
		     struct jm_node **l, struct jm_node **r)
{
	if (!n) {
		*l = NULL;
		*r = NULL;
		return;
	}
	if (n->key < key) {
		jm_split(t, n->right, key, &n->right, r);
		*l = n;
	} else {
		jm_split(t, n->left, key, l, &n->left);
		*r = n;
	}
	jm_update(t, n);
}

void jm_tree_insert(struct jm_tree *t, struct jm_node *n)
{
	struct jm_node *l, *r;

	n->left = NULL;
	n->right = NULL;
	n->prio = jm_prio(n->key);
	jm_update(t, n);
	jm_split(t, t->root, n->key, &l, &r);
	t->root = jm_merge(t, jm_merge(t, l, n), r);
}

static struct jm_node *jm_remove(const struct jm_tree *t, struct jm_node *at, uintptr_t key)
{
	if (!at)
		return NULL;
	if (key == at->key)
		return jm_merge(t, at->left, at->right);
	if (key < at->key)
		at->left = jm_remove(t, at->left, key);
	else
		at->right = jm_remove(t, at->right, key);
	jm_update(t, at);
	return at;
}

void jm_tree_remove(struct jm_tree *t, struct jm_node *n)
{
	t->root = jm_remove(t, t->root, n->key);
	n->left = NULL;
	n->right = NULL;
}

struct jm_node *jm_tree_find(const struct jm_tree *t, uintptr_t key)
{
	struct jm_node *n = t->root;

	while (n && n->key != key)
		n = key < n->key ? n->left : n->right;
	return n;
}

struct jm_node *jm_tree_floor(const struct jm_tree *t, uintptr_t key)
{
	struct jm_node *n = t->root, *best = NULL;

	while (n) {
		if (n->key <= key) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

struct jm_node *jm_tree_ceil(const struct jm_tree *t, uintptr_t key)
{
	struct jm_node *n = t->root, *best = NULL;

	while (n) {
		if (n->key >= key) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

struct jm_node *jm_tree_first(const struct jm_tree *t)
{
	struct jm_node *n = t->root;

	while (n && n->left)
		n = n->left;
	return n;
}

struct jm_node *jm_tree_next(const struct jm_tree *t, const struct jm_node *n)
{
	return n->key == UINTPTR_MAX ? NULL : jm_tree_ceil(t, n->key + 1);
}

static void jm_clear(struct jm_node *n, void (*fn)(struct jm_node *, void *), void *arg)
{
	while (n) {
		struct jm_node *right = n->right;

		jm_clear(n->left, fn, arg);
		if (fn)
			fn(n, arg);
		n = right;
	}
}

void jm_tree_clear(struct jm_tree *t, void (*fn)(struct jm_node *n, void *arg), void *arg)
{
	struct jm_node *root = t->root;

	t->root = NULL;
	jm_clear(root, fn, arg);
}
