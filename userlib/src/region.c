// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The life of a region: initialize, finalize actions, Finalize segments
 * freed, then live until deinitialize (deinit.c) or release (slab.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "segcheck.h"

void jm_region_seg_forget(struct jitmem *m, struct jm_region *r, struct jm_seg *s,
			  bool give_back)
{
	struct jm_slab *slab = r->slab;

	if (!s->live && !s->held)
		return;
	/* Its code is gone: perf names of it are not to be written again. */
	if ((s->group & JITMEM_PROT_X) && jm_perf_on(m))
		jm_perf_forget(m, s->addr, s->len);
	s->live = false;
	s->held = false;
	if (!slab->allocator)
		jm_tree_remove(&slab->segs, &s->node);
	else if (give_back)
		/* On -ENOMEM the range is lost: address space, not memory. */
		jm_fl_add(&slab->zones[jm_group_class(s->group)].free, s->addr, s->len);
}

static void jm_region_free(struct jm_region *r)
{
	free(r->segs);
	free(r->deallocs);
	free(r);
}

/* Drop a region from the handle; give_back: its ranges return to the allocator. */
void jm_region_forget(struct jitmem *m, struct jm_region *r, bool give_back)
{
	size_t i;

	for (i = 0; i < r->nsegs; i++)
		jm_region_seg_forget(m, r, &r->segs[i], give_back);
	jm_tree_remove(&m->regions, &r->node);
	jm_list_del(&r->link);
	jm_region_free(r);
}

static void jm_region_add(struct jitmem *m, struct jm_region *r)
{
	size_t i;

	jm_tree_insert(&m->regions, &r->node);
	jm_list_add_tail(&m->region_list, &r->link);
	if (!r->slab->allocator)
		for (i = 0; i < r->nsegs; i++) {
			r->segs[i].node.key = r->segs[i].addr;
			jm_tree_insert(&r->slab->segs, &r->segs[i].node);
		}
}

static struct jm_region *jm_region_new(const struct jm_seg *segs, size_t nsegs, size_t nactions)
{
	struct jm_region *r = calloc(1, sizeof(*r));
	size_t i;

	if (!r)
		return NULL;
	r->segs = malloc(nsegs * sizeof(*segs));
	r->deallocs = nactions ? malloc(nactions * sizeof(*r->deallocs)) : NULL;
	if (!r->segs || (nactions && !r->deallocs)) {
		free(r->segs);
		free(r);
		return NULL;
	}
	memcpy(r->segs, segs, nsegs * sizeof(*segs));
	r->nsegs = nsegs;
	r->state = JM_REGION_PENDING;
	r->fin_only = true;
	for (i = 0; i < nsegs; i++)
		if (!(segs[i].group & JITMEM_LIFETIME_FINALIZE))
			r->fin_only = false;
	return r;
}

static bool jm_region_has_finalize_segs(const struct jm_region *r)
{
	size_t i;

	for (i = 0; i < r->nsegs; i++)
		if (r->segs[i].group & JITMEM_LIFETIME_FINALIZE)
			return true;
	return false;
}

/*
 * Without m->lock, after the finalize actions succeeded, on a PENDING region:
 * the backend frees its Finalize segments.  A Finalize-only region (the
 * backend holds it as Standard) goes from the backend whole.
 */
static int jm_region_free_finalize_segs(struct jitmem *m, struct jm_region *r)
{
	int ret, result;

	if (!jm_region_has_finalize_segs(r))
		return 0;
	ret = m->ops->deinitialize(m, &r, &result, 1, !r->fin_only);
	return ret ? ret : result;
}

/*
 * Under m->lock, once the backend freed them: the Finalize segments' ranges
 * go back, but a Finalize-only region's key segment's range stays taken
 * until it is deinitialized, so that no other region can have its key.
 */
static void jm_region_forget_finalize_segs(struct jitmem *m, struct jm_region *r)
{
	size_t i;

	if (r->fin_only)
		r->in_backend = false;
	for (i = 0; i < r->nsegs; i++) {
		struct jm_seg *s = &r->segs[i];

		if (!(s->group & JITMEM_LIFETIME_FINALIZE))
			continue;
		if (r->fin_only && s->addr == r->node.key) {
			s->live = false;
			s->held = true;
			if ((s->group & JITMEM_PROT_X) && jm_perf_on(m))
				jm_perf_forget(m, s->addr, s->len);
		} else {
			jm_region_seg_forget(m, r, s, true);
		}
	}
}

/*
 * Under m->lock: check the request and claim what it uses: the region goes
 * in the handle PENDING, under the key it will have, and its segments take
 * their ranges in a slab of the caller's, so that the backend can work
 * without the lock.
 */
static int jm_region_claim(struct jitmem *m, struct jm_region *r, struct jm_slab **slab,
			   void **shadow)
{
	int ret = m->ops->check(m);

	if (!ret)
		ret = jm_segs_key(r->segs, r->nsegs, &r->node.key);
	if (!ret && !*slab)
		ret = jm_segs_check_slab(m, r->segs, r->nsegs, slab);
	if (ret)
		return ret;
	r->slab = *slab;
	*shadow = r->slab->shadow;
	jm_region_add(m, r);
	return 0;
}

/*
 * Initialize a region, run its finalize actions, free its Finalize segments.
 * slab is the allocator's slab the segments were placed in, or NULL for a
 * jitmem_initialize() request (checked against the caller's slabs here).
 * m->lock is taken to claim the region and to finish it, never across the
 * backend or the actions.  On any error nothing stays initialized and the
 * error is returned.
 */
int jm_region_initialize(struct jitmem *m, struct jm_slab *slab, const struct jm_seg *segs,
			 size_t nsegs, const struct jitmem_action_pair *actions, size_t nactions,
			 uintptr_t *key, struct jitmem_result *res)
{
	struct jm_region *r = jm_region_new(segs, nsegs, nactions);
	void *shadow = NULL;
	uintptr_t k;
	int ret, result;

	if (!r)
		return -ENOMEM;
	jm_lock(m);
	ret = jm_region_claim(m, r, &slab, &shadow);
	jm_unlock(m);
	if (ret) {
		jm_region_free(r);
		return ret;
	}

	/* The backend keys a region as jm_segs_key() does: k is r's key. */
	ret = m->ops->initialize(m, r, &k);
	if (!ret) {
		jm_lock(m);
		r->in_backend = true;	/* jm_stats_walk() reads it */
		jm_unlock(m);
		ret = jm_actions_finalize(actions, nactions, r->deallocs, &r->ndeallocs, res);
		if (!ret) {
			ret = jm_region_free_finalize_segs(m, r);
			if (ret)
				jm_actions_dealloc(r->deallocs, r->ndeallocs, NULL);
		}
	}
	if (ret) {
		/* Back to reserved; an allocator's ranges stay with the allocation. */
		if (r->in_backend)
			m->ops->deinitialize(m, &r, &result, 1, false);
		jm_lock(m);
		jm_region_forget(m, r, false);
		jm_unlock(m);
		return ret;
	}
	/* The region is PENDING: its slab stays, and its working memory is ours. */
	jm_shadow_discard_segs(slab, shadow, segs, nsegs);
	jm_lock(m);
	jm_region_forget_finalize_segs(m, r);
	r->state = JM_REGION_LIVE;
	jm_unlock(m);
	*key = r->node.key;
	return 0;
}

static int jm_initialize(struct jitmem *m, const struct jitmem_init_request *req, void **key)
{
	struct jm_seg *segs;
	size_t nsegs;
	uintptr_t k;
	int ret;

	if (!m || !req || !key || !req->segments || !req->nsegments ||
	    (req->nactions && !req->actions))
		return -EINVAL;
	if (req->flags || req->reserved0 || !jm_zero(req->reserved, sizeof(req->reserved)))
		return -EINVAL;
	if (req->nsegments > SIZE_MAX / sizeof(*segs))
		return -E2BIG;
	segs = malloc(req->nsegments * sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	ret = jm_segs_from_user(m, req->segments, req->nsegments, segs, &nsegs);
	if (!ret)
		ret = jm_region_initialize(m, NULL, segs, nsegs, req->actions, req->nactions,
					   &k, req->result);
	if (jm_perf_on(m))
		jm_perf_installed(m, segs, ret ? 0 : nsegs);
	free(segs);
	if (!ret)
		*key = (void *)k;
	return ret;
}

int jitmem_initialize(struct jitmem *m, const struct jitmem_init_request *req, void **key)
{
	JM_KEEP_ERRNO;
	int ret;

	if (req && req->result)
		jm_result_clear(req->result);
	ret = jm_initialize(m, req, key);
	if (req && req->result)
		jm_result_set(req->result, ret);
	return ret;
}
