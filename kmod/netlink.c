// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink family "jitmem": stats, contexts and region events.
 * Placeholder until the family is implemented.
 */
#include "jitmem.h"

void jitmem_notify_seg(struct jitmem_ctx *ctx, enum jitmem_event ev,
		       const struct jitmem_seg *seg)
{
}

void jitmem_notify_slab(struct jitmem_ctx *ctx, const struct jitmem_slab *slab)
{
}

int jitmem_netlink_init(void)
{
	return 0;
}

void jitmem_netlink_exit(void)
{
}
