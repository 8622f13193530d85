/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Differences between the kernels jitmem builds for, in one place: the
 * only file of the module that tests LINUX_VERSION_CODE.  Each helper is
 * checked against the source of Linux 6.1 and 6.12 (Debian's); the version
 * of each cut is that of the upstream change.  Documentation/admin-guide/
 * jitmem.rst lists the supported kernels and how to add one.
 */
#ifndef _JITMEM_COMPAT_H
#define _JITMEM_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/version.h>
#include <net/genetlink.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/* 6.3 made vma->vm_flags read-only behind these, which write-lock the VMA. */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * mmap_assert_locked() and mmap_assert_write_locked() add VM_BUG_ON_MM(),
 * which calls dump_mm() on a CONFIG_DEBUG_VM kernel; 6.3 exported it (with
 * the vm_flags accessors), 6.1 does not, and a module using the asserts
 * does not link against a 6.1 debug kernel.  There lockdep's half is what
 * a module gets.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void jitmem_mmap_assert_locked(struct mm_struct *mm)
{
	lockdep_assert_held(&mm->mmap_lock);
}

static inline void jitmem_mmap_assert_write_locked(struct mm_struct *mm)
{
	lockdep_assert_held_write(&mm->mmap_lock);
}
#else
static inline void jitmem_mmap_assert_locked(struct mm_struct *mm)
{
	mmap_assert_locked(mm);
}

static inline void jitmem_mmap_assert_write_locked(struct mm_struct *mm)
{
	mmap_assert_write_locked(mm);
}
#endif

/**
 * jitmem_zap_range() - drop the PTEs of a range inside one VMA
 * @vma: the VMA
 * @start: first address, page aligned, in @vma
 * @len: bytes; [@start, @start + @len) must lie inside @vma
 *
 * The pages stay allocated; only the mapping's references go.  6.3+ has
 * zap_page_range_single(), which zaps the part of the range inside @vma
 * and nothing else.  6.1 exports only zap_page_range(), which goes on to
 * the VMAs after @vma up to @start + @len under one mmu_gather: given a
 * range inside @vma, as required here, both zap exactly that range.
 *
 * Context: mmap_lock held (for writing in jitmem).  May sleep.
 */
static inline void jitmem_zap_range(struct vm_area_struct *vma,
				    unsigned long start, unsigned long len)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
	zap_page_range(vma, start, len);
#else
	zap_page_range_single(vma, start, len, NULL);
#endif
}

/**
 * jitmem_get_file_unless_closing() - take a reference on a file being used
 * @file: a file whose memory cannot be freed meanwhile (the caller's lock
 *        keeps its ->release() from returning)
 *
 * 6.7 made files SLAB_TYPESAFE_BY_RCU and get_file_rcu() takes a pointer to
 * an __rcu file pointer, looping until it reads a live file: with a
 * pointer that never changes it would spin on a closing file.
 * get_file_active() tries once.  On 6.1 get_file_rcu() is that one try.
 *
 * Context: any; does not sleep.
 * Return: true with a reference taken, false when the count is already 0
 * (the file is closing).
 */
static inline bool jitmem_get_file_unless_closing(struct file *file)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	return get_file_rcu(file);
#else
	return get_file_active(&file);
#endif
}

/**
 * jitmem_genl_dump_attrs() - the parsed attributes of a dump request
 * @cb: the dump's callback, in .start or .dumpit
 *
 * 6.6 put a struct genl_info in struct genl_dumpit_info.
 *
 * Context: a genetlink dump callback.
 * Return: the attribute table, indexed by attribute type.
 */
static inline struct nlattr **jitmem_genl_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
	return genl_dumpit_info(cb)->attrs;
#else
	return genl_dumpit_info(cb)->info.attrs;
#endif
}

#endif /* _JITMEM_COMPAT_H */
