// SPDX-License-Identifier: MIT OR LGPL-2.1
/* jitmem_version(): the version of the library that runs, not of the header. */
#include "internal.h"

unsigned int jitmem_version(void)
{
	return JITMEM_VERSION;
}
