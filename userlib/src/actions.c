// SPDX-License-Identifier: MIT OR LGPL-2.1
/* Allocation actions, with the semantics of ORC's AllocActions. */
#include <errno.h>

#include "internal.h"

static int jm_action_run(const struct jitmem_action *a)
{
	int ret = a->fn(a->arg);

	/* The contract is 0 or -errno: anything positive is a failure too. */
	return ret > 0 ? -EIO : ret;
}

/*
 * Run the finalize actions in order, collecting the dealloc action of every
 * pair whose finalize succeeded (or was null).  If one fails, the collected
 * dealloc actions run in reverse and its error is returned.
 */
int jm_actions_finalize(const struct jitmem_action_pair *actions, size_t n,
			struct jitmem_action *deallocs, size_t *ndeallocs)
{
	size_t i, nd = 0;
	int ret;

	for (i = 0; i < n; i++) {
		if (actions[i].finalize.fn) {
			ret = jm_action_run(&actions[i].finalize);
			if (ret) {
				jm_actions_dealloc(deallocs, nd);
				*ndeallocs = 0;
				return ret;
			}
		}
		if (actions[i].dealloc.fn)
			deallocs[nd++] = actions[i].dealloc;
	}
	*ndeallocs = nd;
	return 0;
}

/* Run every dealloc action in reverse; the first error is returned. */
int jm_actions_dealloc(const struct jitmem_action *deallocs, size_t n)
{
	int ret, first = 0;

	while (n--) {
		ret = jm_action_run(&deallocs[n]);
		if (ret && !first)
			first = ret;
	}
	return first;
}
