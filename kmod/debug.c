// SPDX-License-Identifier: GPL-2.0-only
/*
 * Debugger writes (module parameter debug_writes, off by default).
 *
 * GUP refuses a FOLL_FORCE write into a jitmem code mapping (it has no
 * VM_MAYWRITE), and __access_remote_vm() then asks the mapping's .access:
 * that is the path of ptrace(PTRACE_POKETEXT) and of writes to
 * /proc/PID/mem, both of which already checked that the caller may trace
 * the process.  With debug_writes=1 the module does such a write itself,
 * through its own mapping of the code page, so that a debugger can plant
 * int3 breakpoints; the mapping stays r-x and the process itself still
 * cannot write its code.  What it gives up: a tracer (and what it runs)
 * can change code.  It is logged when turned on, reported by VERSION
 * (JITMEM_FEATURE_DEBUG_WRITES) and netlink, and each write is counted.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>

#include <asm/cacheflush.h>

#include "jitmem.h"

bool jitmem_debug_writes;

static int jitmem_debug_writes_set(const char *val,
				   const struct kernel_param *kp)
{
	bool was = READ_ONCE(jitmem_debug_writes);
	int ret = param_set_bool(val, kp);

	if (!ret && READ_ONCE(jitmem_debug_writes) != was)
		pr_warn("jitmem: debug_writes=%d: a ptrace-attached debugger %s write into JIT code\n",
			jitmem_debug_writes,
			jitmem_debug_writes ? "may" : "may no longer");
	return ret;
}

static const struct kernel_param_ops jitmem_debug_writes_ops = {
	.set = jitmem_debug_writes_set,
	.get = param_get_bool,
};

module_param_cb(debug_writes, &jitmem_debug_writes_ops, &jitmem_debug_writes,
		0644);
MODULE_PARM_DESC(debug_writes,
		 "Let a ptrace-attached debugger write breakpoints into code (default: 0)");

/**
 * jitmem_vm_access() - the mappings' .access: reads, and debugger writes
 *	into code pages with debug_writes=1
 * @vma: an owner mapping of the context
 * @addr: the address
 * @buf: what to write, or where to read into
 * @len: bytes asked (the caller goes on with the next page)
 * @write: 1 to write
 *
 * Context: the target's mmap_lock held for reading (access_remote_vm());
 * takes map_lock.
 * Return: bytes done, or -EPERM (a write to anything but code, or with
 * debug_writes=0), -EFAULT (no page there).
 */
int jitmem_vm_access(struct vm_area_struct *vma, unsigned long addr,
		     void *buf, int len, int write)
{
	struct jitmem_slab *slab = vma->vm_private_data;
	struct jitmem_ctx *ctx = slab->ctx;
	unsigned int off = offset_in_page(addr);
	struct jitmem_page *jp;
	void *kaddr;
	int ret;

	len = min_t(int, len, PAGE_SIZE - off);
	if (write && (!READ_ONCE(jitmem_debug_writes) ||
		      (vma->vm_flags & JITMEM_VM_PERMS) != (VM_READ | VM_EXEC)))
		return -EPERM;
	down_write(&ctx->map_lock);
	jp = jitmem_page_lookup(ctx, addr);
	ret = jp ? 0 : -EFAULT;
	if (!ret && write && jp->snap)
		ret = jitmem_page_cow(ctx, jp, NULL);
	if (!ret) {
		kaddr = kmap_local_page(jp->page);
		if (write) {
			memcpy(kaddr + off, buf, len);
			flush_icache_range((unsigned long)kaddr + off,
					   (unsigned long)kaddr + off + len);
		} else {
			memcpy(buf, kaddr + off, len);
		}
		kunmap_local(kaddr);
		ret = len;
	}
	up_write(&ctx->map_lock);
	if (write && ret > 0)
		jitmem_stats_debug_write();
	return ret;
}
