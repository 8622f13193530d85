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
 *
 * Each VMA of the owner points to its slab and is counted there; .close
 * tells the context that a range went away, whoever unmapped it.  The
 * copies a fork child inherits get jitmem_fork_vm_ops and point nowhere:
 * the child owns a snapshot of the PTEs and nothing of the context.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/sched/mm.h>

#include "jitmem.h"

#define JITMEM_VM_MAYS (VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)

static const struct vm_operations_struct jitmem_vm_ops;
static const struct vm_operations_struct jitmem_fork_vm_ops;

static struct page *jitmem_seg_page(const struct jitmem_seg *seg,
				    unsigned long addr)
{
	return seg->pages[(addr - seg->r.start) >> PAGE_SHIFT];
}

/* Refault after MADV_DONTNEED, or after another VMA's zap: the page is kept. */
static vm_fault_t jitmem_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct jitmem_slab *slab = vma->vm_private_data;
	struct jitmem_ctx *ctx = slab->ctx;
	unsigned long addr = vmf->address & PAGE_MASK;
	vm_fault_t ret = VM_FAULT_SIGSEGV;
	struct jitmem_seg *seg;
	int err;

	down_read(&ctx->map_lock);
	seg = jitmem_seg_entry(jitmem_range_find(&ctx->segs, addr));
	if (seg && jitmem_group_perms(seg->group) ==
		   (vma->vm_flags & JITMEM_VM_PERMS)) {
		err = vm_insert_page(vma, addr, jitmem_seg_page(seg, addr));
		ret = err && err != -EBUSY ? vmf_error(err) : VM_FAULT_NOPAGE;
	}
	up_read(&ctx->map_lock);
	return ret;
}

/*
 * fork() by the owner: @child is the copy of an owner VMA.  Map every live
 * page of the owner's VMA first (MADV_DONTNEED may have dropped some), so
 * the child's snapshot holds all the code live at fork time.  dup_mmap()
 * holds the owner's mmap_lock for writing.
 */
static void jitmem_fork_prefill(struct jitmem_ctx *ctx,
				struct jitmem_slab *slab,
				struct vm_area_struct *child)
{
	struct vm_area_struct *parent;
	struct jitmem_range *r;
	unsigned long perms, addr;

	mmap_assert_write_locked(ctx->mm);
	parent = find_vma(ctx->mm, child->vm_start);
	if (!parent || parent->vm_start != child->vm_start ||
	    parent->vm_end != child->vm_end || !jitmem_vma_of(slab, parent))
		return;
	perms = parent->vm_flags & JITMEM_VM_PERMS;
	down_read(&ctx->map_lock);
	r = jitmem_range_first(&ctx->segs, parent->vm_start, parent->vm_end);
	for (; r; r = jitmem_range_next(r, parent->vm_end)) {
		struct jitmem_seg *seg = jitmem_seg_entry(r);

		if (jitmem_group_perms(seg->group) != perms)
			continue;
		addr = max(r->start, parent->vm_start);
		for (; addr < min(r->end, parent->vm_end); addr += PAGE_SIZE)
			vm_insert_page(parent, addr, jitmem_seg_page(seg, addr));
	}
	up_read(&ctx->map_lock);
}

/*
 * A new VMA copied from @vma's: a split or mremap()'s copy in the owner's
 * mm (one more VMA of the slab), or a fork child's copy.
 */
static void jitmem_vm_open(struct vm_area_struct *vma)
{
	struct jitmem_slab *slab = vma->vm_private_data;
	struct jitmem_ctx *ctx = slab->ctx;

	if (vma->vm_mm == ctx->mm) {
		down_write(&ctx->map_lock);
		slab->nvmas++;
		refcount_inc(&slab->ref);
		up_write(&ctx->map_lock);
		return;
	}
	jitmem_fork_prefill(ctx, slab, vma);
	vma->vm_ops = &jitmem_fork_vm_ops;
	vma->vm_private_data = NULL;
}

/*
 * An owner VMA goes away.  Unless the module itself replaces it to change
 * the protection of free pages (ctx->map_op.keep), what it mapped is
 * dropped, and the slab with its last VMA.  The ioctl that unmaps or
 * remaps is the current thread and holds ctx->lock, so ctx->map_op is
 * stable when it is ours.
 */
static void jitmem_vm_close(struct vm_area_struct *vma)
{
	struct jitmem_slab *slab = vma->vm_private_data;
	struct jitmem_ctx *ctx = slab->ctx;
	bool keep = READ_ONCE(ctx->map_op.task) == current && ctx->map_op.keep;
	/* exit_mmap(): every PTE of the mm is already gone. */
	enum jitmem_drop how = atomic_read(&vma->vm_mm->mm_users) ?
			       JITMEM_DROP_ZAP : JITMEM_DROP_GONE;

	down_write(&ctx->map_lock);
	slab->nvmas--;
	if (!keep)
		jitmem_slab_unmapped(ctx, slab, vma->vm_start, vma->vm_end, how);
	up_write(&ctx->map_lock);
	jitmem_slab_put(slab);
}

static int jitmem_vm_mprotect(struct vm_area_struct *vma, unsigned long start,
			      unsigned long end, unsigned long newflags)
{
	jitmem_stats_refused(JITMEM_REFUSED_MPROTECT);
	return -EACCES;
}

static int jitmem_vm_mremap(struct vm_area_struct *vma)
{
	jitmem_stats_refused(JITMEM_REFUSED_MREMAP);
	return -EPERM;
}

static const struct vm_operations_struct jitmem_vm_ops = {
	.open		= jitmem_vm_open,
	.close		= jitmem_vm_close,
	.fault		= jitmem_vm_fault,
	.mprotect	= jitmem_vm_mprotect,
	.mremap		= jitmem_vm_mremap,
};

/* A fork child never sees code installed after fork(). */
static vm_fault_t jitmem_fork_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGSEGV;
}

static const struct vm_operations_struct jitmem_fork_vm_ops = {
	.fault		= jitmem_fork_vm_fault,
	.mprotect	= jitmem_vm_mprotect,
	.mremap		= jitmem_vm_mremap,
};

/**
 * jitmem_vma_of() - is @vma a mapping of @slab?
 * @slab: a slab of the context
 * @vma: any VMA of the context's mm
 *
 * Context: mmap_lock held.
 * Return: true if @vma is one of the owner VMAs of @slab.
 */
bool jitmem_vma_of(struct jitmem_slab *slab, struct vm_area_struct *vma)
{
	return vma->vm_ops == &jitmem_vm_ops && vma->vm_private_data == slab;
}

static bool jitmem_vma_ctx(struct jitmem_ctx *ctx, struct vm_area_struct *vma)
{
	return vma->vm_ops == &jitmem_vm_ops &&
	       ((struct jitmem_slab *)vma->vm_private_data)->ctx == ctx;
}

/**
 * jitmem_mmap() - the device's .mmap: only the module's own calls map it
 * @file: the context's file
 * @vma: the new mapping
 *
 * A mapping is made by jitmem_map() for the slab and permissions it names;
 * any other mmap() of the device fails.
 *
 * Context: mmap_lock held for writing; takes ctx->map_lock.
 * Return: 0, or -EPERM for a mapping the module did not ask for (a user's
 * mmap(), permissions other than asked, such as READ_IMPLIES_EXEC adding
 * PROT_EXEC), -ENXIO if the slab was forgotten meanwhile.
 */
int jitmem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct jitmem_ctx *ctx = file->private_data;
	struct jitmem_map_op *op = &ctx->map_op;
	unsigned long perms = vma->vm_flags & JITMEM_VM_PERMS;
	int ret = 0;

	if (READ_ONCE(op->task) != current || (vma->vm_flags & VM_MAYSHARE) ||
	    perms != op->perms)
		return -EPERM;
	if ((perms & (VM_WRITE | VM_EXEC)) == (VM_WRITE | VM_EXEC))
		return -EPERM;

	/* Each VM_MAY* bit sits four bits above its VM_* bit. */
	BUILD_BUG_ON((VM_READ << 4) != VM_MAYREAD);
	BUILD_BUG_ON((VM_WRITE << 4) != VM_MAYWRITE);
	BUILD_BUG_ON((VM_EXEC << 4) != VM_MAYEXEC);
	down_write(&ctx->map_lock);
	if (op->slab->dead) {
		ret = -ENXIO;
	} else {
		jitmem_vm_flags_mod(vma, (perms << 4) | VM_MIXEDMAP | VM_DONTEXPAND,
				    JITMEM_VM_MAYS & ~(perms << 4));
		vma->vm_ops = &jitmem_vm_ops;
		vma->vm_private_data = op->slab;
		op->slab->nvmas++;
		refcount_inc(&op->slab->ref);
	}
	up_write(&ctx->map_lock);
	return ret;
}

/**
 * jitmem_noexec() - is the device node on a noexec mount?
 * @ctx: the context
 *
 * do_mmap() refuses PROT_EXEC there with EPERM, which callers could not
 * tell from a W+X refusal: the ioctls check first (path_noexec() is not
 * exported).
 *
 * Context: any.
 * Return: true if executable mappings of the node are refused.
 */
bool jitmem_noexec(struct jitmem_ctx *ctx)
{
	const struct path *p = &ctx->file->f_path;

	return (p->mnt->mnt_flags & MNT_NOEXEC) ||
	       (p->mnt->mnt_sb->s_iflags & SB_I_NOEXEC);
}

/**
 * jitmem_map() - map part of the device for a slab
 * @ctx: the context
 * @slab: the slab the new VMA belongs to
 * @addr: address or hint
 * @len: bytes
 * @perms: VM_READ, VM_WRITE and VM_EXEC bits, never W and X
 * @flags: MAP_FIXED, MAP_FIXED_NOREPLACE or 0
 * @keep: the VMAs replaced are the slab's own free pages changing their
 *	protection: their segments stay and the slab does not go with them
 *
 * Context: ctx->lock held, not mmap_lock nor map_lock; takes mmap_lock.
 * Return: the address, or a negative errno from vm_mmap().
 */
unsigned long jitmem_map(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
			 unsigned long addr, unsigned long len,
			 unsigned long perms, int flags, bool keep)
{
	unsigned long ret;

	lockdep_assert_held(&ctx->lock);
	ctx->map_op.slab = slab;
	ctx->map_op.perms = perms;
	ctx->map_op.keep = keep;
	WRITE_ONCE(ctx->map_op.task, current);
	ret = vm_mmap(ctx->file, addr, len, perms, /* PROT_* == VM_* bits */
		      MAP_PRIVATE | MAP_NORESERVE | flags, 0);
	WRITE_ONCE(ctx->map_op.task, NULL);
	return ret;
}

static int jitmem_munmap(struct jitmem_ctx *ctx, unsigned long start,
			 unsigned long len)
{
	int ret;

	ctx->map_op.keep = false;
	WRITE_ONCE(ctx->map_op.task, current);
	ret = vm_munmap(start, len);
	WRITE_ONCE(ctx->map_op.task, NULL);
	return ret;
}

/**
 * jitmem_unmap() - unmap what is still @slab's in [start, end)
 * @ctx: the context
 * @slab: the slab, with a reference held by the caller
 * @start: first byte
 * @end: byte after the last
 *
 * The ranges are collected under mmap_lock and unmapped after it, like
 * munmap() racing with another thread's mmap(MAP_FIXED) over the same
 * addresses.  When nothing else is mapped there, one munmap() takes the
 * whole range: it unmaps all of it or, failing (-ENOMEM), none of it.
 * .close drops what the VMAs held.
 *
 * Context: ctx->lock held, not mmap_lock nor map_lock; takes mmap_lock.
 * Return: 0, or the error of the first munmap() that failed.
 */
int jitmem_unmap(struct jitmem_ctx *ctx, struct jitmem_slab *slab,
		 unsigned long start, unsigned long end)
{
	VMA_ITERATOR(vmi, ctx->mm, start);
	struct vm_area_struct *vma;
	bool ours = false, others = false;
	unsigned long s, e;
	int ret;

	lockdep_assert_held(&ctx->lock);
	mmap_read_lock(ctx->mm);
	for_each_vma_range(vmi, vma, end) {
		if (jitmem_vma_of(slab, vma))
			ours = true;
		else
			others = true;
	}
	mmap_read_unlock(ctx->mm);
	if (!ours)
		return 0;
	if (!others)
		return jitmem_munmap(ctx, start, end - start);

	while (start < end) {
		mmap_read_lock(ctx->mm);
		vma = find_vma_intersection(ctx->mm, start, end);
		while (vma && !jitmem_vma_of(slab, vma))
			vma = find_vma_intersection(ctx->mm, vma->vm_end, end);
		if (!vma) {
			mmap_read_unlock(ctx->mm);
			return 0;
		}
		s = max(vma->vm_start, start);
		e = min(vma->vm_end, end);
		mmap_read_unlock(ctx->mm);
		ret = jitmem_munmap(ctx, s, e - s);
		if (ret)
			return ret;
		start = e;
	}
	return 0;
}

/**
 * jitmem_range_mapped() - is [start, end) all mapped by the context?
 * @ctx: the context
 * @start: first byte
 * @end: byte after the last
 * @perms: the permissions every mapping must have, or ~0UL for any
 * @vstart: if not NULL, receives the start of the first mapping
 * @vend: if not NULL, receives the end of the last mapping
 *
 * Context: mmap_lock held.
 * Return: 0 if the context's mappings cover the range without holes, all
 * with @perms, else -ENXIO.
 */
int jitmem_range_mapped(struct jitmem_ctx *ctx, unsigned long start,
			unsigned long end, unsigned long perms,
			unsigned long *vstart, unsigned long *vend)
{
	VMA_ITERATOR(vmi, ctx->mm, start);
	struct vm_area_struct *vma;
	unsigned long next = start;

	mmap_assert_locked(ctx->mm);
	for_each_vma_range(vmi, vma, end) {
		if (vma->vm_start > next || !jitmem_vma_ctx(ctx, vma))
			return -ENXIO;
		if (perms != ~0UL && (vma->vm_flags & JITMEM_VM_PERMS) != perms)
			return -ENXIO;
		if (next == start && vstart)
			*vstart = vma->vm_start;
		next = vma->vm_end;
		if (vend)
			*vend = vma->vm_end;
	}
	return next >= end ? 0 : -ENXIO;
}

/**
 * jitmem_zap() - drop the PTEs of [start, end) in the context's mappings
 * @ctx: the context
 * @start: first byte
 * @end: byte after the last
 *
 * Context: mmap_lock held (for reading is enough).
 */
void jitmem_zap(struct jitmem_ctx *ctx, unsigned long start, unsigned long end)
{
	VMA_ITERATOR(vmi, ctx->mm, start);
	struct vm_area_struct *vma;

	mmap_assert_locked(ctx->mm);
	for_each_vma_range(vmi, vma, end) {
		unsigned long s = max(start, vma->vm_start);
		unsigned long e = min(end, vma->vm_end);

		if (jitmem_vma_ctx(ctx, vma))
			jitmem_zap_vma(vma, s, e - s);
	}
}

/**
 * jitmem_insert_pages() - map every page of @seg
 * @ctx: the context
 * @seg: a segment whose range the context maps with its permissions
 *
 * Context: mmap_lock held (VM_MIXEDMAP: reading is enough), map_lock held.
 * Return: 0, or the error of vm_insert_page(); the caller zaps the range.
 */
int jitmem_insert_pages(struct jitmem_ctx *ctx, const struct jitmem_seg *seg)
{
	struct vm_area_struct *vma = NULL;
	unsigned long addr;
	int err;

	mmap_assert_locked(ctx->mm);
	for (addr = seg->r.start; addr < seg->r.end; addr += PAGE_SIZE) {
		if (!vma || addr >= vma->vm_end)
			vma = find_vma(ctx->mm, addr);
		if (WARN_ON_ONCE(!vma || !jitmem_vma_ctx(ctx, vma)))
			return -ENXIO;
		err = vm_insert_page(vma, addr, jitmem_seg_page(seg, addr));
		if (err)
			return err;
	}
	return 0;
}
