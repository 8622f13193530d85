// SPDX-License-Identifier: GPL-2.0-only
/*
 * asmjit's JitAllocator (libasmjit-dev): RWX mode, pages writable and
 * executable at once (no W^X at all), and kUseDualMapping, one memfd mapped
 * RW and RX at two addresses (code writable through the other view).
 */
#include <asmjit/core.h>
#include <cerrno>
#include <cstring>

#include "bench.h"

using namespace asmjit;

static int aj_setup(struct fn_backend *fb, JitAllocatorOptions opts)
{
	JitAllocator::CreateParams p;

	p.options = opts;
	fb->priv = new (std::nothrow) JitAllocator(&p);
	return fb->priv ? 0 : -ENOMEM;
}

static int aj_setup_dual(struct fn_backend *fb)
{
	return aj_setup(fb, JitAllocatorOptions::kUseDualMapping);
}

static int aj_setup_rwx(struct fn_backend *fb)
{
	return aj_setup(fb, JitAllocatorOptions::kNone);
}

static int aj_publish(struct fn_backend *fb, const void *code, size_t len,
		      void **entry, uintptr_t *handle)
{
	JitAllocator *ja = static_cast<JitAllocator *>(fb->priv);
	void *rx, *rw;

	if (ja->alloc(&rx, &rw, len) != kErrorOk)
		return -ENOMEM;
	std::memcpy(rw, code, len);
	VirtMem::flushInstructionCache(rx, len);
	*entry = rx;
	*handle = reinterpret_cast<uintptr_t>(rx);
	return 0;
}

static int aj_free(struct fn_backend *fb, uintptr_t handle)
{
	JitAllocator *ja = static_cast<JitAllocator *>(fb->priv);

	return ja->release(reinterpret_cast<void *>(handle)) == kErrorOk ?
	       0 : -EINVAL;
}

static int aj_held(struct fn_backend *fb, uint64_t *bytes)
{
	JitAllocator *ja = static_cast<JitAllocator *>(fb->priv);

	*bytes = ja->statistics().reservedSize();
	return 0;
}

static void aj_teardown(struct fn_backend *fb)
{
	delete static_cast<JitAllocator *>(fb->priv);
}

extern "C" const struct fn_ops fn_asmjit_dual = {
	"asmjit-dual", true, aj_setup_dual, aj_publish, aj_free, aj_held,
	aj_teardown,
};

extern "C" const struct fn_ops fn_asmjit_rwx = {
	"asmjit-rwx", true, aj_setup_rwx, aj_publish, aj_free, aj_held,
	aj_teardown,
};
