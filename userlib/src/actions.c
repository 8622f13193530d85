// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Allocation actions, with the semantics of ORC's AllocActions, and the
 * results that carry an action's error and message back to the caller.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

void jm_result_clear(struct jitmem_result *res)
{
	res->error = 0;
	res->flags = 0;
	res->action = 0;
	res->message[0] = 0;
	memset(res->reserved, 0, sizeof(res->reserved));
}

/* The first failure of an operation or item stays; later ones do not replace it. */
void jm_result_set(struct jitmem_result *res, int error)
{
	if (res && !res->error && error)
		res->error = error;
}

/*
 * Run one action.  What it says goes to res (with flags and index) if this
 * is res's first failure; the action writes into a scratch result, so that
 * a later action cannot overwrite an earlier one's message.
 */
static int jm_action_run(const struct jitmem_action *a, size_t index, unsigned int flags,
			 struct jitmem_result *res)
{
	struct jitmem_result scratch;
	int ret;

	jm_result_clear(&scratch);
	ret = a->fn(a->arg, &scratch);
	/* The contract is 0 or -errno: anything positive is a failure too. */
	if (ret > 0)
		ret = -EIO;
	if (ret && res && !res->error) {
		*res = scratch;
		res->message[JITMEM_MESSAGE_SIZE - 1] = 0;
		res->error = ret;
		res->flags = flags;
		res->action = index;
		memset(res->reserved, 0, sizeof(res->reserved));
	}
	return ret;
}

/*
 * Run the finalize actions in order, collecting the dealloc action of every
 * pair whose finalize succeeded (or was null).  If one fails, the collected
 * dealloc actions run in reverse and its error is returned (in res too).
 */
int jm_actions_finalize(const struct jitmem_action_pair *actions, size_t n,
			struct jm_dealloc *deallocs, size_t *ndeallocs,
			struct jitmem_result *res)
{
	size_t i, nd = 0;
	int ret;

	for (i = 0; i < n; i++) {
		if (actions[i].finalize.fn) {
			ret = jm_action_run(&actions[i].finalize, i, JITMEM_RESULT_FINALIZE, res);
			if (ret) {
				jm_actions_dealloc(deallocs, nd, NULL);
				*ndeallocs = 0;
				return ret;
			}
		}
		if (actions[i].dealloc.fn)
			deallocs[nd++] = (struct jm_dealloc){ actions[i].dealloc, i };
	}
	*ndeallocs = nd;
	return 0;
}

/* Run every dealloc action in reverse; the first error is returned (and in res). */
int jm_actions_dealloc(const struct jm_dealloc *deallocs, size_t n, struct jitmem_result *res)
{
	int ret, first = 0;

	while (n--) {
		ret = jm_action_run(&deallocs[n].action, deallocs[n].index,
				    JITMEM_RESULT_DEALLOC, res);
		if (ret && !first)
			first = ret;
	}
	return first;
}
