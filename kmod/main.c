// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmem: executable memory for JIT compilers without writable code.
 *
 * A misc device; each open file is a context owned by the process (mm) that
 * opened it.  The context outlives close() while mappings of the file exist:
 * each VMA holds a reference to the file.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/rbtree.h>
#include <linux/slab.h>

#include "jitmem.h"

LIST_HEAD(jitmem_ctx_list);
/* Protects jitmem_ctx_list; never held while taking a ctx->lock. */
DEFINE_MUTEX(jitmem_ctx_list_lock);
static u64 jitmem_ctx_last_id;	/* under jitmem_ctx_list_lock */

static int jitmem_open(struct inode *inode, struct file *file)
{
	struct jitmem_ctx *ctx;

	if (!current->mm)
		return -EPERM;
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	mutex_init(&ctx->lock);
	init_rwsem(&ctx->map_lock);
	ctx->slabs = RB_ROOT;
	ctx->segs = RB_ROOT;
	ctx->retired = RB_ROOT;
	xa_init_flags(&ctx->pages, XA_FLAGS_ACCOUNT);
	INIT_LIST_HEAD(&ctx->empty);
	mmgrab(current->mm);
	ctx->mm = current->mm;
	ctx->file = file;
	ctx->tgid = task_tgid_nr(current);
	ctx->uid = current_uid();
	get_task_comm(ctx->comm, current);
	file->private_data = ctx;

	mutex_lock(&jitmem_ctx_list_lock);
	ctx->id = ++jitmem_ctx_last_id;
	list_add_tail(&ctx->node, &jitmem_ctx_list);
	mutex_unlock(&jitmem_ctx_list_lock);
	jitmem_stats_contexts(1);
	return 0;
}

/*
 * Last reference: no mapping of the file is left anywhere, so .close has
 * dropped every region and slab of the owner; only retired code records
 * remain.
 */
static int jitmem_release(struct inode *inode, struct file *file)
{
	struct jitmem_ctx *ctx = file->private_data;
	struct rb_node *n;

	mutex_lock(&jitmem_ctx_list_lock);
	list_del(&ctx->node);
	mutex_unlock(&jitmem_ctx_list_lock);

	down_write(&ctx->map_lock);
	if (WARN_ON_ONCE(!RB_EMPTY_ROOT(&ctx->segs)))
		jitmem_drop_range(ctx, 0, ULONG_MAX, JITMEM_DROP_GONE);
	while (WARN_ON_ONCE((n = rb_first(&ctx->slabs))))
		jitmem_slab_forget(ctx, jitmem_slab_entry(jitmem_range_entry(n)));
	WARN_ON_ONCE(!xa_empty(&ctx->pages));
	jitmem_pages_free_range(ctx, 0, PAGE_ALIGN_DOWN(ULONG_MAX));
	xa_destroy(&ctx->pages);
	jitmem_retired_free_all(ctx);
	up_write(&ctx->map_lock);

	mmdrop(ctx->mm);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
	jitmem_stats_contexts(-1);
	return 0;
}

static const struct file_operations jitmem_fops = {
	.owner		= THIS_MODULE,
	.open		= jitmem_open,
	.release	= jitmem_release,
	.unlocked_ioctl	= jitmem_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= jitmem_mmap,
	.llseek		= noop_llseek,
};

static struct miscdevice jitmem_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "jitmem",
	.fops	= &jitmem_fops,
	.mode	= 0660,
};

static int __init jitmem_init(void)
{
	int ret;

	ret = jitmem_pages_init();
	if (ret)
		return ret;
	ret = jitmem_netlink_init();
	if (ret)
		goto pages;
	ret = misc_register(&jitmem_misc);
	if (ret)
		goto netlink;
	return 0;

netlink:
	jitmem_netlink_exit();
pages:
	jitmem_pages_exit();
	return ret;
}

static void __exit jitmem_exit(void)
{
	misc_deregister(&jitmem_misc);
	jitmem_netlink_exit();
	jitmem_stats_check_zero();
	jitmem_pages_exit();
}

module_init(jitmem_init);
module_exit(jitmem_exit);

MODULE_DESCRIPTION("Executable memory for JIT compilers without writable code");
MODULE_AUTHOR("jitmem developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(JITMEM_VERSION);
