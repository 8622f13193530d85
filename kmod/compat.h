/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The differences between the kernels jitmem supports (6.1, 6.12), in one
 * place: the logic files call these and never test LINUX_VERSION_CODE.
 */
#ifndef _JITMEM_COMPAT_H
#define _JITMEM_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/version.h>
#include <net/genetlink.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/* vm_flags became read-only behind accessors in 6.3. */
static inline void jitmem_vm_flags_mod(struct vm_area_struct *vma,
				       unsigned long set, unsigned long clear)
{
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}

/* zap_page_range() gave way to zap_page_range_single() in 6.3. */
static inline void jitmem_zap_vma(struct vm_area_struct *vma,
				  unsigned long start, unsigned long size)
{
	zap_page_range(vma, start, size);
}
#else
static inline void jitmem_vm_flags_mod(struct vm_area_struct *vma,
				       unsigned long set, unsigned long clear)
{
	vm_flags_mod(vma, set, clear);
}

static inline void jitmem_zap_vma(struct vm_area_struct *vma,
				  unsigned long start, unsigned long size)
{
	zap_page_range_single(vma, start, size, NULL);
}
#endif

/*
 * A reference on @file unless its count already fell to 0 (it is being
 * closed).  get_file_rcu() takes a struct file ** since 6.7; the counter is
 * an atomic_long_t on both kernels.
 */
static inline bool jitmem_file_get_unless_zero(struct file *file)
{
	return atomic_long_inc_not_zero(&file->f_count);
}

/* The attributes of a dump request: genl_dumpit_info holds a genl_info since 6.4. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
static inline struct nlattr **jitmem_dumpit_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#else
static inline struct nlattr **jitmem_dumpit_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->info.attrs;
}
#endif

#endif /* _JITMEM_COMPAT_H */
