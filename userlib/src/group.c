// SPDX-License-Identifier: MIT OR LGPL-2.1
/* Segment groups: the same rules as the kernel's, for both backends. */
#include <errno.h>

#include "internal.h"

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
