/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * jitmem: executable memory for JIT compilers without writable code.
 *
 * Every ioctl takes a pointer to a struct whose first member is its size in
 * bytes.  The kernel copies it with copy_struct_from_user(): a shorter struct
 * from an older program is zero-extended, a longer one from a newer program
 * is accepted only if the bytes the kernel does not know are zero (else
 * E2BIG).  Every flags field rejects unknown bits and every __reserved field
 * must be zero (EINVAL).  Arrays carry their element size, with the same rule
 * per element.
 *
 * Errors common to every ioctl:
 *
 * ========= ============================================================
 * ENOTTY    not a jitmem command (unknown number; size or direction bits)
 * EFAULT    a pointer (the argument, an array, content) cannot be accessed
 * EINVAL    size below the first version of the struct, unknown flag,
 *           non-zero reserved byte, invalid field (each ioctl lists them)
 * E2BIG     size (struct or element) larger than the kernel knows with
 *           non-zero tail; more than the module's limit of array items
 * EPERM     the calling process is not the one (mm) that opened the file
 * EINTR     a fatal signal arrived while waiting for a lock
 * ========= ============================================================
 */
#ifndef _UAPI_LINUX_JITMEM_H
#define _UAPI_LINUX_JITMEM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define JITMEM_ABI_VERSION	1

#define JITMEM_TYPE		0xB8

enum {
	JITMEM_CMD_VERSION = 0x00,
	JITMEM_CMD_RESERVE,
	JITMEM_CMD_INITIALIZE,
	JITMEM_CMD_DEINITIALIZE,
	JITMEM_CMD_RELEASE,
	JITMEM_CMD_QUERY,
};

/* Feature bits reported by JITMEM_IOC_VERSION. */
#define JITMEM_FEATURE_MEMMAP	0x1ULL	/* RESERVE..RELEASE, QUERY */
#define JITMEM_FEATURE_NETLINK	0x2ULL	/* genl family "jitmem" */
#define JITMEM_FEATURE_FORK	0x4ULL	/* children keep a code snapshot */
#define JITMEM_FEATURE_SUBPAGE	0x8ULL	/* segments at @granule, pages shared */
#define JITMEM_FEATURE_DEBUG_WRITES 0x10ULL /* debuggers may write code */

/**
 * struct jitmem_version - ABI version and features of the module
 * @size: sizeof(struct jitmem_version)
 * @flags: must be 0
 * @abi_version: out, JITMEM_ABI_VERSION of the module
 * @__reserved: must be 0
 * @features: out, JITMEM_FEATURE_* bits
 * @page_size: out, PAGE_SIZE: the granule of slabs, and of segments
 *	without JITMEM_FEATURE_SUBPAGE
 * @granule: out, with JITMEM_FEATURE_SUBPAGE: the granule of segment
 *	addresses and lengths (a power of two, at most @page_size)
 */
struct jitmem_version {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 __reserved;
	__u64 features;
	__u64 page_size;
	__u64 granule;
};

/**
 * define JITMEM_IOC_VERSION - report the ABI version and feature bits
 *
 * Context: any process that can open /dev/jitmem.
 * Return: 0, or a common errno.
 */
#define JITMEM_IOC_VERSION	_IO(JITMEM_TYPE, JITMEM_CMD_VERSION)

/* JITMEM_IOC_RESERVE flags */
#define JITMEM_RESERVE_FIXED_NOREPLACE	0x1U	/* @addr or fail */

/**
 * struct jitmem_reserve - reserve a slab of address space
 * @size: sizeof(struct jitmem_reserve)
 * @flags: JITMEM_RESERVE_*
 * @length: bytes, a non-zero multiple of the page size
 * @addr: in: page-aligned hint (0 for none), or the exact address with
 *	JITMEM_RESERVE_FIXED_NOREPLACE; out: the slab's address
 *
 * The slab is a PROT_NONE mapping of /dev/jitmem: every access faults until
 * a region is initialized in it.
 */
struct jitmem_reserve {
	__u32 size;
	__u32 flags;
	__u64 length;
	__u64 addr;
};

/**
 * define JITMEM_IOC_RESERVE - reserve a slab of address space
 *
 * Context: the process that opened the file; takes the mmap lock.
 * Return: 0 and the slab's address in @addr, or:
 * EINVAL (length 0, not page-multiple, overflow, hint not aligned; with
 * JITMEM_RESERVE_FIXED_NOREPLACE, a range not inside user address space),
 * ENOSPC (the module's max_reserved_bytes per context would be exceeded),
 * EEXIST (JITMEM_RESERVE_FIXED_NOREPLACE and the range is in use, also by
 * a hole the process unmapped in one of the context's slabs),
 * ENOMEM (no address space or memory).
 */
#define JITMEM_IOC_RESERVE	_IO(JITMEM_TYPE, JITMEM_CMD_RESERVE)

/* Segment group byte: ORC's AllocGroup wire encoding. */
#define JITMEM_GROUP_R		0x01
#define JITMEM_GROUP_W		0x02
#define JITMEM_GROUP_X		0x04
#define JITMEM_GROUP_FINALIZE	0x08	/* Finalize lifetime, else Standard */

/**
 * struct jitmem_init_segment - one segment of an INITIALIZE request
 * @addr: target address, a multiple of the granule (VERSION), inside a
 *	reserved slab
 * @length: bytes, a non-zero multiple of the granule
 * @content: user pointer to @content_size bytes copied to @addr
 * @content_size: at most @length; the rest is zero-filled
 * @group: JITMEM_GROUP_*: R, R|W or R|X, optionally |FINALIZE
 * @__reserved: must be 0
 */
struct jitmem_init_segment {
	__u64 addr;
	__u64 length;
	__u64 content;
	__u64 content_size;
	__u8 group;
	__u8 __reserved[7];
};

/**
 * struct jitmem_initialize - initialize a region from segments
 * @size: sizeof(struct jitmem_initialize)
 * @flags: must be 0
 * @segments: user pointer to an array of struct jitmem_init_segment
 * @nsegments: number of segments, 1 to the module's max_segments
 * @segment_size: sizeof(struct jitmem_init_segment) as the caller knows it
 * @key: out, the lowest address of a Standard-lifetime segment; written
 *	before anything is initialized, so on error it holds nothing useful
 */
struct jitmem_initialize {
	__u32 size;
	__u32 flags;
	__u64 segments;
	__u32 nsegments;
	__u32 segment_size;
	__u64 key;
};

/**
 * define JITMEM_IOC_INITIALIZE - fill segments and map them R, RW or RX
 *
 * Every segment is validated before memory is touched; content is copied by
 * the kernel into fresh pages that are never mapped writable and executable.
 * All-or-nothing: on error no segment is initialized.
 *
 * Context: the process that opened the file; copies content, then takes
 * the mmap lock for writing.
 * Return: 0 and @key, or:
 * EINVAL (no segment, a segment not page-aligned, zero length, content_size
 * above length, group with no R, W or X only, a group bit above FINALIZE, no
 * Standard segment, segments overlapping each other),
 * EPERM (a group with both W and X; a mapping refused by an LSM),
 * EACCES (an X segment while the device node is on a noexec mount),
 * ENOEXEC (the process has the READ_IMPLIES_EXEC personality and a segment
 * that is not executable needs a new mapping),
 * ENXIO (a segment not inside one reserved slab, or its slab was unmapped),
 * EBUSY (a segment overlaps a live region),
 * EADDRNOTAVAIL (exec_reuse=0 and a segment overlaps retired code),
 * ENOSPC (max_initialized_bytes would be exceeded),
 * EFAULT (the array, content or @key cannot be accessed: nothing is
 * initialized), E2BIG (more than max_segments), ENOMEM.
 */
#define JITMEM_IOC_INITIALIZE	_IO(JITMEM_TYPE, JITMEM_CMD_INITIALIZE)

/* JITMEM_IOC_DEINITIALIZE flags */
#define JITMEM_DEINIT_FINALIZE_ONLY	0x1U	/* Finalize segments only */

/**
 * struct jitmem_batch - a list of addresses for DEINITIALIZE or RELEASE
 * @size: sizeof(struct jitmem_batch)
 * @flags: JITMEM_DEINIT_* for DEINITIALIZE, 0 for RELEASE
 * @items: user pointer to @count __u64 keys (DEINITIALIZE) or slab
 *	addresses (RELEASE)
 * @results: user pointer to @count __s32: out, 0 or a negative errno each
 * @count: number of items, 1 to the module's max_batch
 * @failed: out, number of items whose result is not 0
 *
 * A bad item does not stop the others.  The ioctl fails as a whole (and does
 * nothing) only when the request itself is invalid.
 */
struct jitmem_batch {
	__u32 size;
	__u32 flags;
	__u64 items;
	__u64 results;
	__u32 count;
	__u32 failed;
};

/**
 * define JITMEM_IOC_DEINITIALIZE - unmap and free regions by key
 *
 * The region's pages become inaccessible and are freed; its range can be
 * initialized again (unless it held code and exec_reuse=0).  Per-item
 * results: ENOENT (no region has this key), ENOENT with
 * JITMEM_DEINIT_FINALIZE_ONLY when the region has no live Finalize segment.
 *
 * Context: the process that opened the file; takes the mmap lock for writing.
 * Return: 0 with @failed and @results filled, or a common errno.
 */
#define JITMEM_IOC_DEINITIALIZE	_IO(JITMEM_TYPE, JITMEM_CMD_DEINITIALIZE)

/**
 * define JITMEM_IOC_RELEASE - deinitialize what is live in slabs, unmap them
 *
 * Per-item results: ENOENT (no slab starts at this address).
 *
 * Context: the process that opened the file; takes the mmap lock for writing.
 * Return: 0 with @failed and @results filled, or a common errno.
 */
#define JITMEM_IOC_RELEASE	_IO(JITMEM_TYPE, JITMEM_CMD_RELEASE)

/**
 * struct jitmem_query - counters of this context (open file)
 * @size: sizeof(struct jitmem_query)
 * @flags: must be 0
 * @slabs: out, reserved slabs
 * @reserved_bytes: out, bytes of address space in slabs
 * @regions: out, live regions
 * @segments: out, live segments
 * @bytes_r: out, initialized bytes mapped read-only
 * @bytes_rw: out, initialized bytes mapped read-write
 * @bytes_rx: out, initialized bytes mapped read-execute
 * @retired_bytes: out, code bytes never to be reused (exec_reuse=0)
 * @held_bytes: out, bytes of the pages the context holds for its
 *	segments (live, or empty and kept mapped for reuse)
 * @empty_bytes: out, of those, the empty ones
 */
struct jitmem_query {
	__u32 size;
	__u32 flags;
	__u64 slabs;
	__u64 reserved_bytes;
	__u64 regions;
	__u64 segments;
	__u64 bytes_r;
	__u64 bytes_rw;
	__u64 bytes_rx;
	__u64 retired_bytes;
	__u64 held_bytes;
	__u64 empty_bytes;
};

/**
 * define JITMEM_IOC_QUERY - read this context's counters
 *
 * Context: the process that opened the file.
 * Return: 0, or a common errno.
 */
#define JITMEM_IOC_QUERY	_IO(JITMEM_TYPE, JITMEM_CMD_QUERY)

#endif /* _UAPI_LINUX_JITMEM_H */
