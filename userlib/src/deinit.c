// SPDX-License-Identifier: MIT OR LGPL-2.1
/* jitmem_deinitialize(): dealloc actions in reverse, then the memory goes. */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

static int jm_first_error(const int results[], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (results[i])
			return results[i];
	return 0;
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
 * Under m->lock: free the claimed regions in one backend call.  They leave
 * the handle whatever the backend says (their dealloc actions ran); its error
 * is reported for the item unless an action failed first.
 */
static void jm_regions_free(struct jitmem *m, struct jm_region *regions[], int results[],
			    struct jm_region *live[], int kres[], size_t n)
{
	size_t i, j, nlive = 0;
	int ret;

	for (i = 0; i < n; i++)
		if (regions[i])
			live[nlive++] = regions[i];
	if (!nlive)
		return;
	ret = m->ops->deinitialize(m, live, kres, nlive, false);
	for (i = 0, j = 0; i < n; i++) {
		if (!regions[i])
			continue;
		if (!results[i])
			results[i] = ret ? ret : kres[j];
		jm_region_forget(m, regions[i], true);
		j++;
	}
}

int jitmem_deinitialize_multiple(struct jitmem *m, void *const keys[], size_t n)
{
	JM_KEEP_ERRNO;
	struct jm_region **regions;
	int *results, ret;

	if (!m || (n && !keys))
		return -EINVAL;
	if (!n)
		return 0;
	if (n > SIZE_MAX / (2 * sizeof(*regions)))
		return -E2BIG;
	regions = malloc(2 * n * sizeof(*regions));
	results = malloc(2 * n * sizeof(*results));
	if (!regions || !results) {
		free(regions);
		free(results);
		return -ENOMEM;
	}
	jm_lock(m);
	ret = m->ops->check(m);
	if (!ret)
		jm_regions_claim(m, keys, regions, results, n);
	jm_unlock(m);
	if (!ret) {
		jm_regions_run_deallocs(regions, results, n);
		jm_lock(m);
		jm_regions_free(m, regions, results, regions + n, results + n, n);
		jm_unlock(m);
		ret = jm_first_error(results, n);
	}
	free(regions);
	free(results);
	return ret;
}

int jitmem_deinitialize(struct jitmem *m, void *key)
{
	JM_KEEP_ERRNO;
	return jitmem_deinitialize_multiple(m, &key, 1);
}

int jitmem_deallocate(struct jitmem *m, void *const finalized[], size_t n)
{
	JM_KEEP_ERRNO;
	return jitmem_deinitialize_multiple(m, finalized, n);
}
