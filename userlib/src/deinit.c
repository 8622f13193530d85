// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * jitmem_deinitialize(_multiple)(), jitmem_deinitialize_range(): dealloc
 * actions in reverse, then the memory goes; per-item results.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* out[], if not NULL, starts with every item succeeding. */
void jm_results_start(struct jitmem_result out[], size_t n)
{
	size_t i;

	for (i = 0; out && i < n; i++)
		jm_result_clear(&out[i]);
}

/*
 * Each item's first error into out[] (an action's is there already, with
 * its message); return the first error of all.
 */
int jm_results_finish(const int results[], struct jitmem_result out[], size_t n)
{
	size_t i;
	int first = 0;

	for (i = 0; i < n; i++) {
		if (out)
			jm_result_set(&out[i], results[i]);
		if (!first)
			first = results[i];
	}
	return first;
}

/* Unlocked, on claimed (DYING) regions: results[i] gets the first failure. */
void jm_regions_run_deallocs(struct jm_region *const regions[], int results[],
			     struct jitmem_result out[], size_t n)
{
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if (!regions[i])
			continue;
		ret = jm_actions_dealloc(regions[i]->deallocs, regions[i]->ndeallocs,
					 out ? &out[i] : NULL);
		if (!results[i])
			results[i] = ret;
	}
}

/* Under m->lock: claim every live region named by keys. */
static void jm_regions_claim(struct jitmem *m, void *const keys[], struct jm_region *regions[],
			     int results[], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct jm_node *node = jm_tree_find(&m->regions, (uintptr_t)keys[i]);
		struct jm_region *r = node ? jm_entry(node, struct jm_region, node) : NULL;

		regions[i] = NULL;
		if (!r || r->state == JM_REGION_DYING) {
			results[i] = -ENOENT;
		} else if (r->state == JM_REGION_PENDING) {
			results[i] = -EBUSY;
		} else {
			r->state = JM_REGION_DYING;
			regions[i] = r;
			results[i] = 0;
		}
	}
}

/*
 * Without m->lock, on claimed regions (NULL entries skipped): the backend
 * frees them in one call, with live[] and kres[] (n each) as scratch.  Its
 * error is reported for the item unless one came first.  A Finalize-only
 * region holds nothing in the backend any more.
 */
void jm_regions_deinit(struct jitmem *m, struct jm_region *const regions[], int results[],
		       struct jm_region *live[], int kres[], size_t n)
{
	size_t i, j, nlive = 0;
	int ret = 0;

	for (i = 0; i < n; i++)
		if (regions[i] && regions[i]->in_backend)
			live[nlive++] = regions[i];
	if (nlive)
		ret = m->ops->deinitialize(m, live, kres, nlive, false);
	for (i = 0, j = 0; i < n; i++) {
		if (!regions[i] || !regions[i]->in_backend)
			continue;
		if (!results[i])
			results[i] = ret ? ret : kres[j];
		j++;
	}
}

/*
 * Under m->lock, after jm_regions_deinit(): the regions leave the handle
 * whatever the backend said (their dealloc actions ran), and only now their
 * ranges go back to the allocator, once the backend is done with them.
 */
void jm_regions_forget(struct jitmem *m, struct jm_region *regions[], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (regions[i])
			jm_region_forget(m, regions[i], true);
}

int jitmem_deinitialize_multiple(struct jitmem *m, void *const keys[], size_t n,
				 struct jitmem_result results[])
{
	JM_KEEP_ERRNO;
	struct jm_region **regions;
	int *res, ret;

	if (!m || (n && !keys))
		return -EINVAL;
	jm_results_start(results, n);
	if (!n)
		return 0;
	if (n > SIZE_MAX / (2 * sizeof(*regions)))
		return -E2BIG;
	regions = malloc(2 * n * sizeof(*regions));
	res = malloc(2 * n * sizeof(*res));
	if (!regions || !res) {
		free(regions);
		free(res);
		return -ENOMEM;
	}
	jm_lock(m);
	ret = m->ops->check(m);
	if (!ret)
		jm_regions_claim(m, keys, regions, res, n);
	jm_unlock(m);
	if (!ret) {
		jm_regions_run_deallocs(regions, res, results, n);
		jm_regions_deinit(m, regions, res, regions + n, res + n, n);
		jm_lock(m);
		jm_regions_forget(m, regions, n);
		jm_unlock(m);
		ret = jm_results_finish(res, results, n);
	}
	free(regions);
	free(res);
	return ret;
}

int jitmem_deinitialize(struct jitmem *m, void *key)
{
	JM_KEEP_ERRNO;

	return jitmem_deinitialize_multiple(m, &key, 1, NULL);
}

int jitmem_deallocate(struct jitmem *m, void *const finalized[], size_t n,
		      struct jitmem_result results[])
{
	JM_KEEP_ERRNO;

	return jitmem_deinitialize_multiple(m, finalized, n, results);
}
