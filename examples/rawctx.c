// SPDX-License-Identifier: MIT
#include <errno.h>
#include <sys/ioctl.h>

#include <linux/jitmem.h>

#include "rawctx.h"

int rawctx_query(int fd)
{
	struct jitmem_query q = { .size = sizeof(q) };

	return ioctl(fd, JITMEM_IOC_QUERY, &q) ? -errno : 0;
}
