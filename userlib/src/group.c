// SPDX-License-Identifier: MIT OR LGPL-2.1
/* Segment groups: the same rules as the kernel's, for both backends. */
#include <errno.h>

#include "internal.h"

#include <linux/jitmem.h>

/* The kernel backend passes groups to the kernel as they are. */
_Static_assert(JITMEM_PROT_R == JITMEM_GROUP_R, "JITMEM_PROT_R is the uapi's group bit");
_Static_assert(JITMEM_PROT_W == JITMEM_GROUP_W, "JITMEM_PROT_W is the uapi's group bit");
_Static_assert(JITMEM_PROT_X == JITMEM_GROUP_X, "JITMEM_PROT_X is the uapi's group bit");
_Static_assert(JITMEM_LIFETIME_FINALIZE == JITMEM_GROUP_FINALIZE,
	       "JITMEM_LIFETIME_FINALIZE is the uapi's group bit");

/* A group the executor can hold: R, RW or RX, Standard or Finalize. */
int jm_group_check(unsigned int group)
{
	unsigned int prot = group & JM_PROT_MASK;

	if (group & ~JM_GROUP_MASK)
		return -EINVAL;
	if ((prot & JITMEM_PROT_W) && (prot & JITMEM_PROT_X))
		return -EPERM;
	if (!(prot & JITMEM_PROT_R))
		return -EINVAL;
	return 0;
}

enum jm_class jm_group_class(unsigned int group)
{
	if (group & JITMEM_PROT_X)
		return JM_CLASS_RX;
	if (group & JITMEM_PROT_W)
		return JM_CLASS_RW;
	return JM_CLASS_R;
}
