/* SPDX-License-Identifier: MIT */
/*
 * The raw ioctl ABI, for what libjitmem hides; kept apart so the demo's
 * JIT code sees only libjitmem's header.
 */
#ifndef RAWCTX_H
#define RAWCTX_H

/* JITMEM_IOC_QUERY on @fd: 0 or a negative errno. */
int rawctx_query(int fd);

#endif
