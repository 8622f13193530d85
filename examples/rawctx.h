/* SPDX-License-Identifier: MIT */
/*
 * The raw ioctl ABI, for what libjitmem hides: its header and the uapi one
 * both define struct jitmem_segment, so they live in separate files.
 */
#ifndef RAWCTX_H
#define RAWCTX_H

/* JITMEM_IOC_QUERY on @fd: 0 or a negative errno. */
int rawctx_query(int fd);

#endif
