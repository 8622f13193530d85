// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mappings of /dev/jitmem.
 *
 * Every mapping is a private mapping of the device file made by the module
 * itself through vm_mmap(), so the mmap path (noexec mounts, LSM hooks such
 * as SELinux "execute" on the device node) judges every executable mapping.
 * Its VM_MAY* bits are exactly its permissions, so mprotect() can never add
 * one (and the .mprotect hook refuses every change); ptrace and
 * /proc/pid/mem cannot force a write into a mapping without VM_MAYWRITE.
 * Pages are inserted with vm_insert_page(): the kernel wrote them before any
 * user mapping existed, and the mm takes a reference for each PTE, so a fork
 * child keeps the pages it inherited alive on its own.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/sched/mm.h>

#include "compat.h"
#include "jitmem.h"

#define JITMEM_VM_PERMS (VM_READ | VM_WRITE | VM_EXEC)

static vm_fault_t jitmem_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct jitmem_ctx *ctx = vma->vm_private_data;
	unsigned long addr = vmf->address & PAGE_MASK;
	struct jitmem_seg *seg;
	int err;

	/* A fork child owns a snapshot of the PTEs; it never sees new code. */
	if (vma->vm_mm != ctx->mm)
		return VM_FAULT_SIGSEGV;

	/* ctx->segs only changes under mmap_lock held for writing. */
	seg = mtree_load(&ctx->segs, addr);
	if (!seg || jitmem_group_vm_flags(seg->group) !=
		    (vma->vm_flags & JITMEM_VM_PERMS))
		return VM_FAULT_SIGSEGV;

	/* Refault after MADV_DONTNEED: the page is still the region's. */
	err = vm_insert_page(vma, addr,
			     seg->pages[(addr - seg->start) >> PAGE_SHIFT]);
	if (err && err != -EBUSY)
		return vmf_error(err);
	return VM_FAULT_NOPAGE;
}

/*
 * fork() by the owner: the child gets a copy of the owner's PTEs.  Map
 * every live page of the owner's VMA first (MADV_DONTNEED may have dropped
 * some), so the child's snapshot holds all the code live at fork time.
 * The owner's mmap_lock is held for writing by dup_mmap().
 */
static void jitmem_vm_open(struct vm_area_struct *vma)
{
	struct jitmem_ctx *ctx = vma->vm_private_data;
	struct vm_area_struct *parent;
	unsigned long perms, idx, addr;
	struct jitmem_seg *seg;

	if (vma->vm_mm == ctx->mm || current->mm != ctx->mm)
		return;
	parent = find_vma(ctx->mm, vma->vm_start);
	if (!parent || parent->vm_start != vma->vm_start ||
	    parent->vm_end != vma->vm_end || !jitmem_vma_is_ours(ctx, parent))
		return;
	lockdep_assert_held_write(&ctx->mm->mmap_lock);
	perms = parent->vm_flags & JITMEM_VM_PERMS;
	idx = parent->vm_start;
	mt_for_each(&ctx->segs, seg, idx, parent->vm_end - 1) {
		if (jitmem_group_vm_flags(seg->group) != perms)
			continue;
		addr = max(seg->start, parent->vm_start);
		for (; addr < min(seg->end, parent->vm_end); addr += PAGE_SIZE)
			vm_insert_page(parent, addr,
				       seg->pages[(addr - seg->start) >> PAGE_SHIFT]);
	}
}

static int jitmem_vm_mprotect(struct vm_area_struct *vma, unsigned long start,
			      unsigned long end, unsigned long newflags)
{
	jitmem_stats_refused(JITMEM_REFUSED_MPROTECT);
	return -EACCES;
}

static int jitmem_vm_mremap(struct vm_area_struct *vma)
{
	jitmem_stats_refused(JITMEM_REFUSED_MPROTECT);
	return -EPERM;
}

static const struct vm_operations_struct jitmem_vm_ops = {
	.open		= jitmem_vm_open,
	.fault		= jitmem_vm_fault,
	.mprotect	= jitmem_vm_mprotect,
	.mremap		= jitmem_vm_mremap,
};

bool jitmem_vma_is_ours(struct jitmem_ctx *ctx, struct vm_area_struct *vma)
{
	return vma->vm_ops == &jitmem_vm_ops && vma->vm_private_data == ctx;
}

/* Only the module's own vm_mmap() calls may map the device. */
int jitmem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct jitmem_ctx *ctx = file->private_data;
	unsigned long perms = vma->vm_flags & JITMEM_VM_PERMS;

	if (READ_ONCE(ctx->mapping_task) != current ||
	    (vma->vm_flags & VM_MAYSHARE))
		return -EPERM;
	if ((perms & (VM_WRITE | VM_EXEC)) == (VM_WRITE | VM_EXEC))
		return -EPERM;

	/* VM_MAYREAD == VM_READ << 4, and so on for W and X. */
	vm_flags_clear(vma, VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC);
	vm_flags_set(vma, (perms << 4) | VM_MIXEDMAP | VM_DONTEXPAND);
	vma->vm_ops = &jitmem_vm_ops;
	vma->vm_private_data = ctx;
	return 0;
}

/*
 * do_mmap() refuses PROT_EXEC on a noexec mount with EPERM, which callers
 * could not tell from a W+X refusal: check first (path_noexec() is not
 * exported).
 */
bool jitmem_noexec(struct jitmem_ctx *ctx)
{
	const struct path *p = &ctx->file->f_path;

	return (p->mnt->mnt_flags & MNT_NOEXEC) ||
	       (p->mnt->mnt_sb->s_iflags & SB_I_NOEXEC);
}

/* Map [addr, addr + len) of the device; called with ctx->lock held. */
unsigned long jitmem_map(struct jitmem_ctx *ctx, unsigned long addr,
			 unsigned long len, unsigned long vm_flags, int flags)
{
	unsigned long prot = 0, ret;

	if (vm_flags & VM_READ)
		prot |= PROT_READ;
	if (vm_flags & VM_WRITE)
		prot |= PROT_WRITE;
	if (vm_flags & VM_EXEC)
		prot |= PROT_EXEC;

	WRITE_ONCE(ctx->mapping_task, current);
	ret = vm_mmap(ctx->file, addr, len, prot,
		      MAP_PRIVATE | MAP_NORESERVE | flags, 0);
	WRITE_ONCE(ctx->mapping_task, NULL);
	return ret;
}

/*
 * Check that [start, end) is covered, without holes, by this context's
 * mappings, all with permissions @vm_flags unless it is ~0UL.  On success
 * report the bounds of the first and last mapping.  Needs mmap_lock.
 */
int jitmem_range_mapped(struct jitmem_ctx *ctx, unsigned long start,
			unsigned long end, unsigned long vm_flags,
			unsigned long *vstart, unsigned long *vend)
{
	VMA_ITERATOR(vmi, ctx->mm, start);
	struct vm_area_struct *vma;
	unsigned long next = start;

	for_each_vma_range(vmi, vma, end) {
		if (vma->vm_start > next || !jitmem_vma_is_ours(ctx, vma))
			return -ENXIO;
		if (vm_flags != ~0UL &&
		    (vma->vm_flags & JITMEM_VM_PERMS) != vm_flags)
			return -ENXIO;
		if (next == start && vstart)
			*vstart = vma->vm_start;
		next = vma->vm_end;
		if (vend)
			*vend = vma->vm_end;
	}
	return next >= end ? 0 : -ENXIO;
}

/* Drop the PTEs of [start, end) in this context's mappings. */
void jitmem_zap(struct jitmem_ctx *ctx, unsigned long start, unsigned long end)
{
	VMA_ITERATOR(vmi, ctx->mm, start);
	struct vm_area_struct *vma;

	lockdep_assert_held_write(&ctx->mm->mmap_lock);
	for_each_vma_range(vmi, vma, end) {
		unsigned long s = max(start, vma->vm_start);
		unsigned long e = min(end, vma->vm_end);

		if (jitmem_vma_is_ours(ctx, vma))
			jitmem_zap_range(vma, s, e - s);
	}
}

/* Map every page of @seg; the caller zaps the range on failure. */
int jitmem_insert_pages(struct jitmem_ctx *ctx, const struct jitmem_seg *seg)
{
	struct vm_area_struct *vma = NULL;
	unsigned long addr;
	int err;

	lockdep_assert_held_write(&ctx->mm->mmap_lock);
	for (addr = seg->start; addr < seg->end; addr += PAGE_SIZE) {
		if (!vma || addr >= vma->vm_end)
			vma = find_vma(ctx->mm, addr);
		if (WARN_ON_ONCE(!vma || !jitmem_vma_is_ours(ctx, vma)))
			return -ENXIO;
		err = vm_insert_page(vma, addr,
				     seg->pages[(addr - seg->start) >> PAGE_SHIFT]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Unmap what is still this context's in [start, end).  The ranges are
 * collected under mmap_lock and unmapped after it, like munmap() racing
 * with another thread's mmap(MAP_FIXED) over the same addresses.  When
 * nothing else is mapped there, one munmap() takes the whole range: it
 * unmaps all of it or, failing (-ENOMEM), none of it.
 *
 * Return: 0, or the error of the first munmap() that failed.
 */
int jitmem_unmap_range(struct jitmem_ctx *ctx, unsigned long start,
		       unsigned long end)
{
	VMA_ITERATOR(vmi, ctx->mm, start);
	struct vm_area_struct *vma;
	bool ours = false, others = false;
	unsigned long s, e;
	int ret;

	mmap_read_lock(ctx->mm);
	for_each_vma_range(vmi, vma, end) {
		if (jitmem_vma_is_ours(ctx, vma))
			ours = true;
		else
			others = true;
	}
	mmap_read_unlock(ctx->mm);
	if (!ours)
		return 0;
	if (!others)
		return vm_munmap(start, end - start);

	while (start < end) {
		mmap_read_lock(ctx->mm);
		vma = find_vma_intersection(ctx->mm, start, end);
		while (vma && !jitmem_vma_is_ours(ctx, vma))
			vma = find_vma_intersection(ctx->mm, vma->vm_end, end);
		if (!vma) {
			mmap_read_unlock(ctx->mm);
			return 0;
		}
		s = max(vma->vm_start, start);
		e = min(vma->vm_end, end);
		mmap_read_unlock(ctx->mm);
		ret = vm_munmap(s, e - s);
		if (ret)
			return ret;
		start = e;
	}
	return 0;
}
