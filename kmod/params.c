// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module parameters, read once per request: a change applies to the
 * requests that start after it.
 */
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "jitmem.h"

bool jitmem_exec_reuse = true;
module_param_named(exec_reuse, jitmem_exec_reuse, bool, 0644);
MODULE_PARM_DESC(exec_reuse,
		 "Allow a deinitialized code range to be initialized again (default: 1)");

unsigned long jitmem_max_reserved_bytes = 64UL * SZ_1G;
module_param_named(max_reserved_bytes, jitmem_max_reserved_bytes, ulong, 0644);
MODULE_PARM_DESC(max_reserved_bytes,
		 "Address space a context may reserve, in bytes (default: 64 GiB; ENOSPC beyond)");

unsigned long jitmem_max_initialized_bytes = 4UL * SZ_1G;
module_param_named(max_initialized_bytes, jitmem_max_initialized_bytes, ulong, 0644);
MODULE_PARM_DESC(max_initialized_bytes,
		 "Bytes a context may have initialized at once (default: 4 GiB; ENOSPC beyond)");

unsigned int jitmem_max_segments = 64;
module_param_named(max_segments, jitmem_max_segments, uint, 0644);
MODULE_PARM_DESC(max_segments,
		 "Segments per INITIALIZE request (default: 64; E2BIG beyond)");

unsigned long jitmem_max_empty_bytes = SZ_1M;
module_param_named(max_empty_bytes, jitmem_max_empty_bytes, ulong, 0644);
MODULE_PARM_DESC(max_empty_bytes,
		 "Bytes of empty pages a context keeps mapped for reuse (default: 1 MiB)");

unsigned int jitmem_max_batch = 4096;
module_param_named(max_batch, jitmem_max_batch, uint, 0644);
MODULE_PARM_DESC(max_batch,
		 "Items per DEINITIALIZE or RELEASE request (default: 4096; E2BIG beyond)");
