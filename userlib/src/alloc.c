// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The JITLink-style allocator: allocate (working memory + executor
 * addresses), finalize (one region, actions), abandon, deallocate.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "segcheck.h"

#define JM_ALIGN_MAX ((size_t)1 << 30)

static int jm_req_check(const struct jitmem_seg_request *req)
{
	unsigned int lifetime = req->group & (JITMEM_LIFETIME_FINALIZE | JITMEM_LIFETIME_NOALLOC);
	int ret;

	if (req->flags || !jm_zero(req->reserved, sizeof(req->reserved)))
		return -EINVAL;
	if (lifetime == (JITMEM_LIFETIME_FINALIZE | JITMEM_LIFETIME_NOALLOC))
		return -EINVAL;
	ret = jm_group_check(req->group & ~JITMEM_LIFETIME_NOALLOC);
	if (ret)
		return ret;
	if ((req->align & (req->align - 1)) || req->align > JM_ALIGN_MAX)
		return -EINVAL;
	return 0;
}

static void jm_alloc_free(struct jitmem_alloc *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->segs[i].working);
	free(a);
}

/* Zeroed working memory, aligned as asked (at least as malloc would). */
static void *jm_working_new(size_t size, size_t align)
{
	void *p;

	/* calloc can hand out fresh zero pages without touching them. */
	if (align <= alignof(max_align_t))
		return calloc(1, size);
	if (posix_memalign(&p, align, size))
		return NULL;
	memset(p, 0, size);
	return p;
}

int jitmem_allocate(struct jitmem *m, const struct jitmem_seg_request *reqs, size_t n,
		    struct jitmem_alloc **out)
{
	JM_KEEP_ERRNO;
	struct jitmem_alloc *a;
	size_t i;
	int ret;

	if (!m || !reqs || !n || !out)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		ret = jm_req_check(&reqs[i]);
		if (ret)
			return ret;
		if (reqs[i].size > SIZE_MAX - m->page_size)
			return -ENOMEM;
	}
	if (n > (SIZE_MAX - sizeof(*a)) / sizeof(a->segs[0]))
		return -E2BIG;
	a = calloc(1, sizeof(*a) + n * sizeof(a->segs[0]));
	if (!a)
		return -ENOMEM;
	a->m = m;
	a->n = n;
	for (i = 0; i < n; i++) {
		struct jm_alloc_seg *s = &a->segs[i];

		s->group = reqs[i].group;
		s->size = reqs[i].size;
		s->align = reqs[i].align > m->granule ? reqs[i].align : m->granule;
		s->len = jm_granule_up(m, s->size);
		/* Size 0: a pointer of its own all the same, as for any segment. */
		s->working = jm_working_new(s->size ? s->size : 1, reqs[i].align);
		if (!s->working) {
			jm_alloc_free(a);
			return -ENOMEM;
		}
	}
	ret = m->ops->check(m);
	if (!ret)
		ret = jm_place(m, a);
	if (ret) {
		jm_alloc_free(a);
		return ret;
	}
	*out = a;
	return 0;
}

void *jitmem_alloc_working(struct jitmem_alloc *a, size_t i)
{
	return a && i < a->n ? a->segs[i].working : NULL;
}

void *jitmem_alloc_target(struct jitmem_alloc *a, size_t i)
{
	return a && i < a->n ? (void *)a->segs[i].target : NULL;
}

static int jm_alloc_finalize(struct jitmem_alloc *a, const struct jitmem_action_pair *actions,
			     size_t n, void **finalized, struct jitmem_result *res)
{
	struct jitmem *m;
	struct jm_seg *segs;
	size_t i, nsegs = 0;
	uintptr_t key;
	int ret;

	if (!a || !finalized || (n && !actions))
		return -EINVAL;
	m = a->m;
	segs = calloc(a->n, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	for (i = 0; i < a->n; i++) {
		const struct jm_alloc_seg *s = &a->segs[i];

		if (!s->target || !s->len)	/* NoAlloc, size 0: nothing to install */
			continue;
		segs[nsegs++] = (struct jm_seg){
			.addr = s->target,
			.len = s->len,
			.content = s->working,
			.content_size = s->size,
			.group = s->group & JM_GROUP_MASK,
			.live = true,
		};
	}
	/* No segment at all (NoAlloc and size 0 only): no region to key. */
	ret = jm_segs_key(segs, nsegs, NULL);
	if (!ret)
		ret = jm_region_initialize(m, a->slab, segs, nsegs, actions, n, &key, res);
	if (jm_perf_on(m))
		jm_perf_installed(m, segs, ret ? 0 : nsegs);
	free(segs);
	if (ret)
		return ret;
	jm_lock(m);
	jm_list_del(&a->link);
	jm_unlock(m);
	jm_alloc_free(a);
	*finalized = (void *)key;
	return 0;
}

int jitmem_alloc_finalize(struct jitmem_alloc *a, const struct jitmem_action_pair *actions,
			  size_t n, void **finalized, struct jitmem_result *result)
{
	JM_KEEP_ERRNO;
	int ret;

	if (result)
		jm_result_clear(result);
	ret = jm_alloc_finalize(a, actions, n, finalized, result);
	if (result)
		jm_result_set(result, ret);
	return ret;
}

void jitmem_alloc_abandon(struct jitmem_alloc *a)
{
	JM_KEEP_ERRNO;
	struct jitmem *m;

	if (!a)
		return;
	m = a->m;
	jm_lock(m);
	jm_unplace(m, a);
	jm_list_del(&a->link);
	jm_unlock(m);
	jm_alloc_free(a);
}
