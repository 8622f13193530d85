// SPDX-License-Identifier: MIT OR LGPL-2.1
#include <errno.h>
#include <stdlib.h>

#include "freelist.h"

#define JM_FL_CACHE_MAX 16

static struct jm_free *jm_free_of(struct jm_node *n)
{
	return n ? jm_entry(n, struct jm_free, node) : NULL;
}

static void jm_fl_update(struct jm_node *n)
{
	struct jm_free *f = jm_free_of(n), *l = jm_free_of(n->left), *r = jm_free_of(n->right);

	f->max = f->len;
	if (l && l->max > f->max)
		f->max = l->max;
	if (r && r->max > f->max)
		f->max = r->max;
}

void jm_fl_init(struct jm_freelist *fl, size_t granule)
{
	fl->tree.root = NULL;
	fl->tree.update = jm_fl_update;
	fl->granule = granule;
	fl->cache = NULL;
	fl->ncache = 0;
}

static void jm_fl_free_node(struct jm_node *n, void *arg)
{
	(void)arg;
	free(jm_free_of(n));
}

void jm_fl_destroy(struct jm_freelist *fl)
{
	jm_tree_clear(&fl->tree, jm_fl_free_node, NULL);
	while (fl->cache) {
		struct jm_free *f = fl->cache;

		fl->cache = jm_free_of(f->node.left);
		free(f);
	}
	fl->ncache = 0;
}

static struct jm_free *jm_fl_get(struct jm_freelist *fl)
{
	struct jm_free *f = fl->cache;

	if (!f)
		return malloc(sizeof(*f));
	fl->cache = jm_free_of(f->node.left);
	fl->ncache--;
	return f;
}

static void jm_fl_put(struct jm_freelist *fl, struct jm_free *f)
{
	if (fl->ncache >= JM_FL_CACHE_MAX) {
		free(f);
		return;
	}
	f->node.left = fl->cache ? &fl->cache->node : NULL;
	fl->cache = f;
	fl->ncache++;
}

/* Change a node's start and length: its summary and maybe its place change. */
static void jm_fl_set(struct jm_freelist *fl, struct jm_free *f, uintptr_t start, size_t len)
{
	jm_tree_remove(&fl->tree, &f->node);
	f->node.key = start;
	f->len = len;
	jm_tree_insert(&fl->tree, &f->node);
}

int jm_fl_add(struct jm_freelist *fl, uintptr_t start, size_t len)
{
	struct jm_free *prev = jm_free_of(jm_tree_floor(&fl->tree, start));
	struct jm_free *next = jm_free_of(jm_tree_ceil(&fl->tree, start));
	struct jm_free *f;

	/* A range given back twice would corrupt the list: refuse it. */
	if ((prev && prev->node.key + prev->len > start) ||
	    (next && next->node.key < start + len))
		return -EINVAL;
	if (prev && prev->node.key + prev->len != start)
		prev = NULL;
	if (next && next->node.key != start + len)
		next = NULL;
	if (prev && next) {
		size_t merged = prev->len + len + next->len;

		jm_tree_remove(&fl->tree, &next->node);
		jm_fl_put(fl, next);
		jm_fl_set(fl, prev, prev->node.key, merged);
	} else if (prev) {
		jm_fl_set(fl, prev, prev->node.key, prev->len + len);
	} else if (next) {
		jm_fl_set(fl, next, start, next->len + len);
	} else {
		f = jm_fl_get(fl);
		if (!f)
			return -ENOMEM;
		f->node.key = start;
		f->len = len;
		jm_tree_insert(&fl->tree, &f->node);
	}
	return 0;
}

/* Lowest-address range of at least need bytes. */
static struct jm_free *jm_fl_first_fit(const struct jm_freelist *fl, size_t need)
{
	struct jm_free *f = jm_free_of(fl->tree.root);

	if (!f || f->max < need)
		return NULL;
	for (;;) {
		struct jm_free *l = jm_free_of(f->node.left), *r = jm_free_of(f->node.right);

		if (l && l->max >= need)
			f = l;
		else if (f->len >= need)
			return f;
		else
			f = r;	/* f->max >= need says r has it */
	}
}

int jm_fl_take(struct jm_freelist *fl, size_t len, size_t align, uintptr_t *start)
{
	size_t slack = align > fl->granule ? align - fl->granule : 0;
	struct jm_free *f, *tail = NULL;
	uintptr_t at, end;
	size_t front, back;

	if (len > SIZE_MAX - slack)
		return -ENOSPC;
	f = jm_fl_first_fit(fl, len + slack);
	if (!f)
		return -ENOSPC;
	at = (f->node.key + align - 1) & ~(uintptr_t)(align - 1);
	end = f->node.key + f->len;
	front = at - f->node.key;
	back = end - (at + len);
	if (front && back) {
		tail = jm_fl_get(fl);
		if (!tail)
			return -ENOMEM;
	}
	if (front) {
		jm_fl_set(fl, f, f->node.key, front);
		if (tail) {
			tail->node.key = at + len;
			tail->len = back;
			jm_tree_insert(&fl->tree, &tail->node);
		}
	} else if (back) {
		jm_fl_set(fl, f, at + len, back);
	} else {
		jm_tree_remove(&fl->tree, &f->node);
		jm_fl_put(fl, f);
	}
	*start = at;
	return 0;
}

size_t jm_fl_largest(const struct jm_freelist *fl)
{
	return fl->tree.root ? jm_free_of(fl->tree.root)->max : 0;
}

size_t jm_fl_count(const struct jm_freelist *fl)
{
	const struct jm_node *n;
	size_t count = 0;

	for (n = jm_tree_first(&fl->tree); n; n = jm_tree_next(&fl->tree, n))
		count++;
	return count;
}
