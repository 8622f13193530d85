// SPDX-License-Identifier: MIT OR LGPL-2.1
/* Slabs: jitmem_reserve(), jitmem_release() and their bookkeeping. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

void jm_slab_link(struct jitmem *m, struct jm_slab *s, uintptr_t start, size_t len)
{
	s->start = start;
	s->len = len;
	s->node.key = start;
	jm_tree_insert(&m->slabs, &s->node);
	jm_list_add_tail(&m->slab_list, &s->link);
}

/* Under m->lock: the slab leaves the handle's tree and list. */
void jm_slab_unlink(struct jitmem *m, struct jm_slab *s)
{
	jm_tree_remove(&m->slabs, &s->node);
	jm_list_del(&s->link);
}

/* An unlinked slab's memory, and its guard and shadow (system calls: no lock). */
void jm_slab_free(struct jm_slab *s)
{
	int c;

	if (s->guard)
		munmap((void *)(s->start + s->len), s->guard);
	jm_shadow_free(s);
	if (s->allocator)
		for (c = 0; c < JM_NCLASSES; c++)
			jm_fl_destroy(&s->zones[c].free);
	free(s);
}

struct jm_slab *jm_slab_containing(struct jitmem *m, uintptr_t addr, size_t len)
{
	struct jm_node *n = jm_tree_floor(&m->slabs, addr);
	struct jm_slab *s = n ? jm_entry(n, struct jm_slab, node) : NULL;

	if (!s || addr - s->start > s->len || len > s->len - (addr - s->start))
		return NULL;
	return s;
}

/* Is s one of the slabs this release call claimed? */
static bool jm_slab_ours(struct jm_slab *const slabs[], size_t n, const struct jm_slab *s)
{
	return s->releasing && s->item < n && slabs[s->item] == s;
}

/*
 * Without m->lock, on slabs marked releasing (slabs[i]->item == i) whose
 * regions' dealloc actions ran: they and their regions leave the handle,
 * then the backend unmaps them.  Leaving first means no other thread finds
 * them while the backend works, and a slab reserved meanwhile at the same
 * address is a new one.  They leave whatever the backend says.  NULL
 * entries are skipped; the order of slabs[] is not kept.
 */
void jm_slabs_release(struct jitmem *m, struct jm_slab *slabs[], int results[], size_t n)
{
	int kres[JM_RELEASE_CHUNK], ret;
	struct jm_list *l, *tmp;
	size_t i, nlive = 0, off, count;

	jm_lock(m);
	jm_list_for_each_safe(l, tmp, &m->region_list)
		if (jm_slab_ours(slabs, n, jm_region_of(l)->slab))
			jm_region_forget(m, jm_region_of(l), false);
	for (i = 0; i < n; i++)
		if (slabs[i]) {
			jm_slab_unlink(m, slabs[i]);
			slabs[nlive++] = slabs[i];
		}
	jm_unlock(m);
	for (off = 0; off < nlive; off += count) {
		count = nlive - off < JM_RELEASE_CHUNK ? nlive - off : JM_RELEASE_CHUNK;
		ret = m->ops->release(m, slabs + off, kres, count);
		for (i = 0; i < count; i++) {
			struct jm_slab *s = slabs[off + i];

			if (results && !results[s->item])
				results[s->item] = ret ? ret : kres[i];
		}
	}
	for (i = 0; i < nlive; i++)
		jm_slab_free(slabs[i]);
}

#define JM_RESERVE_TRIES 8

/*
 * Without m->lock: a slab with a guard page of ours right after it.  A
 * PROT_NONE placeholder of len + guard comes first, then the slab takes its
 * first len bytes.  Two slabs thus never touch, and a caller that merges
 * touching free ranges (LLVM's MapperJITLinkMemoryManager does) never gets
 * one range across two slabs.
 */
static int jm_reserve_guarded(struct jitmem *m, size_t len, size_t guard, uintptr_t *start)
{
	int tries, ret = -EEXIST;
	void *p;

	for (tries = 0; tries < JM_RESERVE_TRIES && ret == -EEXIST; tries++) {
		p = mmap(NULL, len + guard, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		ret = m->ops->reserve(m, len, (uintptr_t)p, JM_PLACE_WINDOW, start);
		if (!ret)
			return 0;
		/* EEXIST: another thread mapped into the hole; only the guard is ours. */
		if (ret == -EEXIST)
			munmap((char *)p + len, guard);
		else
			munmap(p, len + guard);
	}
	return ret;
}

int jitmem_reserve(struct jitmem *m, size_t size, void **addr)
{
	JM_KEEP_ERRNO;
	struct jm_slab *s;
	uintptr_t start;
	int ret;

	if (!m || !addr || !size || size > SIZE_MAX - 2 * m->page_size)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	size = jm_page_up(m, size);
	ret = m->ops->check(m);
	if (!ret)
		ret = jm_reserve_guarded(m, size, m->page_size, &start);
	if (!ret) {
		s->guard = m->page_size;
		jm_lock(m);
		jm_slab_link(m, s, start, size);
		jm_unlock(m);
	}
	if (ret)
		free(s);
	else
		*addr = (void *)start;
	return ret;
}

/*
 * Under m->lock: mark the named slabs releasing (or say why not) and claim
 * their live regions, newest first, into *claimed.
 */
static int jm_slabs_claim(struct jitmem *m, void *const addrs[], struct jm_slab *slabs[],
			  int results[], size_t n, struct jm_region ***claimed, size_t *nclaimed)
{
	struct jm_region **list;
	struct jm_list *l;
	size_t i, count = 0;

	for (i = 0; i < n; i++) {
		struct jm_node *node = jm_tree_find(&m->slabs, (uintptr_t)addrs[i]);
		struct jm_slab *s = node ? jm_entry(node, struct jm_slab, node) : NULL;

		slabs[i] = NULL;
		results[i] = -ENOENT;
		if (!s || s->allocator || s->releasing)
			continue;
		s->releasing = true;
		s->busy = s->pins != 0;
		s->item = i;
		slabs[i] = s;
		results[i] = 0;
	}
	/* A region being initialized or deinitialized, or a pin, keeps its slab. */
	jm_list_for_each(l, &m->region_list)
		if (jm_slab_ours(slabs, n, jm_region_of(l)->slab) &&
		    jm_region_of(l)->state != JM_REGION_LIVE)
			jm_region_of(l)->slab->busy = true;
	for (i = 0; i < n; i++) {
		if (slabs[i] && slabs[i]->busy) {
			slabs[i]->releasing = false;
			slabs[i] = NULL;
			results[i] = -EBUSY;
		}
	}
	jm_list_for_each(l, &m->region_list)
		if (jm_slab_ours(slabs, n, jm_region_of(l)->slab))
			count++;
	list = malloc((count ? count : 1) * sizeof(*list));
	if (!list) {
		for (i = 0; i < n; i++)
			if (slabs[i])
				slabs[i]->releasing = false;
		return -ENOMEM;
	}
	count = 0;
	jm_list_for_each_reverse(l, &m->region_list)
		if (jm_slab_ours(slabs, n, jm_region_of(l)->slab)) {
			jm_region_of(l)->state = JM_REGION_DYING;
			list[count++] = jm_region_of(l);
		}
	*claimed = list;
	*nclaimed = count;
	return 0;
}

int jitmem_release_multiple(struct jitmem *m, void *const addrs[], size_t n,
			    struct jitmem_result out[])
{
	JM_KEEP_ERRNO;
	struct jm_region **claimed = NULL;
	struct jm_slab **slabs;
	size_t i, nclaimed = 0;
	int *results, ret;

	if (!m || (n && !addrs))
		return -EINVAL;
	jm_results_start(out, n);
	if (!n)
		return 0;
	if (n > SIZE_MAX / sizeof(*slabs))
		return -E2BIG;
	slabs = malloc(n * sizeof(*slabs));
	results = malloc(n * sizeof(*results));
	if (!slabs || !results) {
		free(slabs);
		free(results);
		return -ENOMEM;
	}
	jm_lock(m);
	ret = m->ops->check(m);
	if (!ret)
		ret = jm_slabs_claim(m, addrs, slabs, results, n, &claimed, &nclaimed);
	jm_unlock(m);
	if (!ret) {
		for (i = 0; i < nclaimed; i++) {
			size_t item = claimed[i]->slab->item;
			int err = jm_actions_dealloc(claimed[i]->deallocs, claimed[i]->ndeallocs,
						     out ? &out[item] : NULL);

			if (err && !results[item])
				results[item] = err;
		}
		jm_slabs_release(m, slabs, results, n);
		ret = jm_results_finish(results, out, n);
	}
	free(claimed);
	free(slabs);
	free(results);
	return ret;
}

int jitmem_release(struct jitmem *m, void *addr)
{
	JM_KEEP_ERRNO;

	return jitmem_release_multiple(m, &addr, 1, NULL);
}
