// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mappings of /dev/jitmem.
 *
 * Every mapping is a mapping of the device file made by the module itself
 * through vm_mmap(), so the mmap path (noexec mounts, LSM hooks such as
 * SELinux "execute" on the device node) judges every executable mapping.
 * Its VM_MAY* bits are exactly its permissions, so mprotect() can never add
 * one (and the .mprotect hook refuses every change); ptrace and
 * /proc/pid/mem cannot force a write into a mapping without VM_MAYWRITE.
 * Read-only and code mappings are private, data mappings shared: every
 * mapping maps the context's own pages (page.c), which the kernel alone
 * writes in R and R|X mappings and user writes go to in R|W ones, so a
 * mapping's PTEs can always be dropped and faulted back.  A slab's page
 * offsets are its page numbers from its start, whichever call made the
 * mapping: a mapping made again after a failure looks as before.
 *
 * Each VMA of the owner points to its slab and is counted there; .close
 * tells the context that a range went away, whoever unmapped it.  The
 * copies a fork child inherits get jitmem_fork_vm_ops and point nowhere:
 * .open fills them with the pages live at fork() (code and read-only data
 * shared and never written again, data copied) and the child owns them.
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

/*
 * A page of the context, after MADV_DONTNEED or a zap: the page is kept.
 * No page there (never initialized, or freed) is SIGSEGV.
 */
static vm_fault_t jitmem_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct jitmem_slab *slab = vma->vm_private_data;
	struct jitmem_ctx *ctx = slab->ctx;
	unsigned long addr = vmf->address & PAGE_MASK;
	vm_fault_t ret = VM_FAULT_SIGSEGV;
	struct jitmem_page *jp;
	int err;

	down_read(&ctx->map_lock);
	jp = jitmem_page_lookup(ctx, addr);
	if (jp && jp->prot == jitmem_perms_prot(vma->vm_flags & JITMEM_VM_PERMS)) {
		err = vm_insert_page(vma, addr, jp->page);
		ret = err && err != -EBUSY ? vmf_error(err) : VM_FAULT_NOPAGE;
	}
	up_read(&ctx->map_lock);
	return ret;
}

/*
 * fork() by the owner: @child, the copy of an owner VMA, gets the pages
 * its VMA maps now: code and read-only pages themselves (the owner copies
 * them before it writes them again), data pages as copies, mapped private
 * so that the child's writes are its own.  copy_page_range() is told to
 * copy nothing (VM_WIPEONFORK on the child's VMA): the owner's PTEs of
 * shared data would give the child the owner's pages.  dup_mmap() holds
 * both mmap_locks for writing.
 */
static void jitmem_fork_fill(struct jitmem_ctx *ctx, struct vm_area_struct *child)
{
	unsigned long perms = child->vm_flags & JITMEM_VM_PERMS;
	u8 prot = jitmem_perms_prot(perms);
	struct jitmem_page *jp;
	unsigned long index;
	struct page *copy;

	jitmem_mmap_assert_write_locked(ctx->mm);
	if (perms & VM_WRITE) {
		vm_flags_clear(child, VM_SHARED | VM_MAYSHARE);
		vm_flags_set(child, VM_WIPEONFORK);
		child->vm_page_prot = vm_get_page_prot(child->vm_flags);
		/*
		 * dup_mmap() copied the owner's counters, where the mapping
		 * was shared: private and writable, it is data now, and its
		 * munmap() takes it off data_vm.
		 */
		child->vm_mm->data_vm += vma_pages(child);
	} else {
		vm_flags_set(child, VM_WIPEONFORK);
	}
	if (!perms)
		return;
	down_write(&ctx->map_lock);
	xa_for_each_range(&ctx->pages, index, jp, child->vm_start >> PAGE_SHIFT,
			  (child->vm_end >> PAGE_SHIFT) - 1) {
		if (jp->prot != prot)
			continue;
		if (!(perms & VM_WRITE)) {
			jp->snap = true;
			vm_insert_page(child, jp->addr, jp->page);
			continue;
		}
		/* Without memory the child finds no page there: SIGSEGV. */
		copy = jitmem_page_alloc(prot, jp->page);
		if (!copy)
			continue;
		vm_insert_page(child, jp->addr, copy);
		put_page(copy);
	}
	up_write(&ctx->map_lock);
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
	jitmem_fork_fill(ctx, vma);
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
			       JITMEM_DROP_SCRUB : JITMEM_DROP_GONE;

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
	.access		= jitmem_vm_access,
};

/* A fork child never sees code installed after fork(). */
static vm_fault_t jitmem_fork_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGSEGV;
}

/* A grandchild copies the child's PTEs, as fork() does. */
static void jitmem_fork_vm_open(struct vm_area_struct *vma)
{
	vm_flags_clear(vma, VM_WIPEONFORK);
}

static const struct vm_operations_struct jitmem_fork_vm_ops = {
	.open		= jitmem_fork_vm_open,
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

/**
 * jitmem_vma_slab() - the slab of an owner VMA of a context
 * @vma: any VMA
 *
 * Context: mmap_lock held.
 * Return: the slab @vma maps, or NULL if @vma is not an owner mapping of
 * /dev/jitmem.
 */
struct jitmem_slab *jitmem_vma_slab(struct vm_area_struct *vma)
{
	return vma->vm_ops == &jitmem_vm_ops ? vma->vm_private_data : NULL;
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

	/* Data is shared, code and read-only data private. */
	if (READ_ONCE(op->task) != current || perms != op->perms ||
	    !(vma->vm_flags & VM_MAYSHARE) != !(perms & VM_WRITE))
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
		vm_flags_clear(vma, JITMEM_VM_MAYS & ~(perms << 4));
		vm_flags_set(vma, (perms << 4) | VM_MIXEDMAP | VM_DONTEXPAND);
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
 * @addr: address or hint (for a slab not placed yet)
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
	/* PROT_* bits are VM_* bits; offsets: see the top of this file. */
	ret = vm_mmap(ctx->file, addr, len, perms,
		      (perms & VM_WRITE ? MAP_SHARED : MAP_PRIVATE) |
		      MAP_NORESERVE | flags,
		      slab->inserted ? addr - slab->r.start : 0);
	WRITE_ONCE(ctx->map_op.task, NULL);
	/* QUERY's remaps: what a profiler sees as a new mmap of the range. */
	if (keep && !IS_ERR_VALUE(ret))
		WRITE_ONCE(ctx->remaps, ctx->remaps + 1);
	return ret;
}

/**
 * jitmem_unmap_all() - one munmap() of a range of the context's mappings
 * @ctx: the context
 * @start: first byte, page-aligned
 * @end: byte after the last
 * @keep: the module maps the range again at once (jitmem_map()'s @keep)
 *
 * All of it or, failing (-ENOMEM), none of it.  Unless @keep, .close drops
 * what the VMAs held.
 *
 * Context: ctx->lock held, not mmap_lock nor map_lock; takes mmap_lock.
 * Return: 0, or the error of vm_munmap().
 */
int jitmem_unmap_all(struct jitmem_ctx *ctx, unsigned long start,
		     unsigned long end, bool keep)
{
	int ret;

	lockdep_assert_held(&ctx->lock);
	ctx->map_op.keep = keep;
	WRITE_ONCE(ctx->map_op.task, current);
	ret = vm_munmap(start, end - start);
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
		return jitmem_unmap_all(ctx, start, end, false);

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
		ret = jitmem_unmap_all(ctx, s, e, false);
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

	jitmem_mmap_assert_locked(ctx->mm);
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
