/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * jitmem generic netlink family: module-wide counters, the open contexts,
 * and events for every segment initialized or deinitialized and every slab
 * released, so that a monitor can audit all JIT code made on the system.
 *
 * Described by Documentation/netlink/specs/jitmem.yaml.  The family exists
 * in the initial network namespace only.  Every attribute is in one space,
 * enum jitmem_attrs; 64-bit values are padded with JITMEM_A_PAD.  Requests
 * are validated strictly: an attribute a command does not take, of the wrong
 * length or above JITMEM_A_MAX is refused with EINVAL and an extended ACK.
 *
 * Process ids are those of the initial PID namespace.  A context is one open
 * file of /dev/jitmem; JITMEM_A_CTX_ID names it while the module is loaded.
 */
#ifndef _UAPI_LINUX_JITMEM_NETLINK_H
#define _UAPI_LINUX_JITMEM_NETLINK_H

#include <linux/types.h>

#define JITMEM_FAMILY_NAME	"jitmem"
#define JITMEM_FAMILY_VERSION	1

/* Multicast group of the *_NTF commands; joining it needs CAP_NET_ADMIN. */
#define JITMEM_MCGRP_EVENTS	"events"

/* Length of JITMEM_A_SHA256. */
#define JITMEM_SHA256_LEN	32

/**
 * enum jitmem_attrs - attributes of the jitmem family
 * @JITMEM_A_UNSPEC: unused
 * @JITMEM_A_PAD: padding of the 64-bit attributes
 * @JITMEM_A_CONTEXTS: u64, open contexts
 * @JITMEM_A_SLABS: u64, reserved slabs
 * @JITMEM_A_RESERVED_BYTES: u64, bytes of address space in slabs
 * @JITMEM_A_REGIONS: u64, live regions
 * @JITMEM_A_SEGMENTS: u64, live segments
 * @JITMEM_A_BYTES_R: u64, initialized bytes mapped read-only
 * @JITMEM_A_BYTES_RW: u64, initialized bytes mapped read-write
 * @JITMEM_A_BYTES_RX: u64, initialized bytes mapped read-execute
 * @JITMEM_A_RETIRED_BYTES: u64, code bytes never to be reused (exec_reuse=0)
 * @JITMEM_A_REFUSED_WX: u64, requests refused for asking write and execute
 * @JITMEM_A_REFUSED_MPROTECT: u64, mprotect() of jitmem memory refused
 * @JITMEM_A_REFUSED_INVAL: u64, requests refused as invalid
 * @JITMEM_A_REFUSED_LIMIT: u64, requests refused by a module limit
 * @JITMEM_A_REFUSED_FOREIGN_MM: u64, ioctls refused from another process
 * @JITMEM_A_CTX_ID: u64, context id, unique while the module is loaded
 * @JITMEM_A_PID: u32, process (thread group) that opened the context; in a
 *	JITMEM_NL_CMD_CONTEXT_GET or _SEGMENT_GET request, dump this process's
 *	contexts only (1 to 4194304, else ERANGE)
 * @JITMEM_A_UID: u32, real user id of the process when it opened the context
 * @JITMEM_A_COMM: string, command name of that process
 * @JITMEM_A_ADDR: u64, address of the segment or slab
 * @JITMEM_A_SIZE: u64, length in bytes of the segment or slab
 * @JITMEM_A_GROUP: u32, JITMEM_GROUP_* bits of the segment (<linux/jitmem.h>)
 * @JITMEM_A_KEY: u64, key of the segment's region
 * @JITMEM_A_SHA256: binary, SHA-256 of the executable segment's SIZE bytes
 *	(content and zero fill) as mapped: when initialized in an event, at the
 *	time of the dump in JITMEM_NL_CMD_SEGMENT_GET
 * @JITMEM_A_REFUSED_MREMAP: u64, mremap() moves of jitmem memory refused
 * @JITMEM_A_HELD_BYTES: u64, bytes of pages held for segments, live or empty
 * @JITMEM_A_EMPTY_BYTES: u64, of those, empty pages kept mapped for reuse
 * @JITMEM_A_DEBUG_WRITES: u64, writes debuggers made into code since the
 *	module was loaded; present only while the module parameter
 *	debug_writes is on or after such a write
 * @__JITMEM_A_MAX: one after the last attribute
 * @JITMEM_A_MAX: the last attribute
 */
enum jitmem_attrs {
	JITMEM_A_UNSPEC,
	JITMEM_A_PAD,
	JITMEM_A_CONTEXTS,
	JITMEM_A_SLABS,
	JITMEM_A_RESERVED_BYTES,
	JITMEM_A_REGIONS,
	JITMEM_A_SEGMENTS,
	JITMEM_A_BYTES_R,
	JITMEM_A_BYTES_RW,
	JITMEM_A_BYTES_RX,
	JITMEM_A_RETIRED_BYTES,
	JITMEM_A_REFUSED_WX,
	JITMEM_A_REFUSED_MPROTECT,
	JITMEM_A_REFUSED_INVAL,
	JITMEM_A_REFUSED_LIMIT,
	JITMEM_A_REFUSED_FOREIGN_MM,
	JITMEM_A_CTX_ID,
	JITMEM_A_PID,
	JITMEM_A_UID,
	JITMEM_A_COMM,
	JITMEM_A_ADDR,
	JITMEM_A_SIZE,
	JITMEM_A_GROUP,
	JITMEM_A_KEY,
	JITMEM_A_SHA256,
	JITMEM_A_REFUSED_MREMAP,
	JITMEM_A_HELD_BYTES,
	JITMEM_A_EMPTY_BYTES,
	JITMEM_A_DEBUG_WRITES,

	__JITMEM_A_MAX,
	JITMEM_A_MAX = (__JITMEM_A_MAX - 1)
};

/**
 * enum jitmem_nl_cmds - commands and notifications of the jitmem family
 * @JITMEM_NL_CMD_UNSPEC: unused
 * @JITMEM_NL_CMD_STATS_GET: do: the module-wide counters, JITMEM_A_CONTEXTS
 *	to JITMEM_A_REFUSED_FOREIGN_MM, JITMEM_A_REFUSED_MREMAP,
 *	JITMEM_A_HELD_BYTES, JITMEM_A_EMPTY_BYTES and, when debug_writes is or
 *	was on, JITMEM_A_DEBUG_WRITES; takes no attribute
 * @JITMEM_NL_CMD_CONTEXT_GET: dump: one message per open context with
 *	JITMEM_A_CTX_ID, _PID, _UID, _COMM and its counters JITMEM_A_SLABS to
 *	JITMEM_A_RETIRED_BYTES, JITMEM_A_HELD_BYTES and JITMEM_A_EMPTY_BYTES.
 *	Without CAP_NET_ADMIN or CAP_SYS_ADMIN, only the contexts opened by
 *	the requester's user id.  Takes JITMEM_A_PID.
 * @JITMEM_NL_CMD_SEGMENT_INIT_NTF: a segment was initialized: JITMEM_A_CTX_ID,
 *	_PID, _UID, _COMM, _ADDR, _SIZE, _GROUP, _KEY and, when the group has
 *	JITMEM_GROUP_X, JITMEM_A_SHA256
 * @JITMEM_NL_CMD_SEGMENT_DEINIT_NTF: a segment was deinitialized (its region
 *	deinitialized or its slab released): as _INIT_NTF without the hash
 * @JITMEM_NL_CMD_SLAB_RELEASE_NTF: a slab was released, after the
 *	_DEINIT_NTF of its segments: JITMEM_A_CTX_ID, _PID, _UID, _COMM,
 *	_ADDR, _SIZE
 * @JITMEM_NL_CMD_SEGMENT_GET: dump: one message per live segment of the
 *	open contexts, by context id then address, with JITMEM_A_CTX_ID, _PID,
 *	_UID, _COMM, _ADDR, _SIZE, _GROUP, _KEY and, when the group has
 *	JITMEM_GROUP_X, JITMEM_A_SHA256 of the segment as mapped now.  The
 *	contexts shown, and JITMEM_A_PID, as for JITMEM_NL_CMD_CONTEXT_GET.
 * @__JITMEM_NL_CMD_MAX: one after the last command
 * @JITMEM_NL_CMD_MAX: the last command
 *
 * Notifications go to JITMEM_MCGRP_EVENTS, one per segment, sent before the
 * ioctl that caused them returns.  When one cannot be allocated, subscribers
 * get ENOBUFS from their next receive, as when their socket overflows.
 */
enum jitmem_nl_cmds {
	JITMEM_NL_CMD_UNSPEC,
	JITMEM_NL_CMD_STATS_GET,
	JITMEM_NL_CMD_CONTEXT_GET,
	JITMEM_NL_CMD_SEGMENT_INIT_NTF,
	JITMEM_NL_CMD_SEGMENT_DEINIT_NTF,
	JITMEM_NL_CMD_SLAB_RELEASE_NTF,
	JITMEM_NL_CMD_SEGMENT_GET,

	__JITMEM_NL_CMD_MAX,
	JITMEM_NL_CMD_MAX = (__JITMEM_NL_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_JITMEM_NETLINK_H */
