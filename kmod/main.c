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
	mt_init(&ctx->slabs);
	mt_init(&ctx->segs);
	mt_init(&ctx->retired);
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

/* Last reference: no mapping of the file is left anywhere. */
static int jitmem_release(struct inode *inode, struct file *file)
{
	struct jitmem_ctx *ctx = file->private_data;
	struct jitmem_slab *slab;
	unsigned long idx = 0;

	mutex_lock(&jitmem_ctx_list_lock);
	list_del(&ctx->node);
	mutex_unlock(&jitmem_ctx_list_lock);

	mutex_lock(&ctx->lock);
	jitmem_ctx_free_all(ctx);
	mt_for_each(&ctx->slabs, slab, idx, ULONG_MAX) {
		struct jitmem_counters d = {
			.slabs = 1,
			.reserved_bytes = slab->end - slab->start,
		};

		jitmem_notify_slab(ctx, slab);
		jitmem_account(ctx, &d, -1);
		kfree(slab);
	}
	mtree_destroy(&ctx->slabs);
	mtree_destroy(&ctx->segs);
	mtree_destroy(&ctx->retired);
	if (ctx->cnt.retired_bytes) {
		struct jitmem_counters d = {
			.retired_bytes = ctx->cnt.retired_bytes,
		};

		jitmem_account(ctx, &d, -1);
	}
	mutex_unlock(&ctx->lock);

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

	ret = jitmem_netlink_init();
	if (ret)
		return ret;
	ret = misc_register(&jitmem_misc);
	if (ret)
		jitmem_netlink_exit();
	return ret;
}

static void __exit jitmem_exit(void)
{
	misc_deregister(&jitmem_misc);
	jitmem_netlink_exit();
	jitmem_stats_check_zero();
}

module_init(jitmem_init);
module_exit(jitmem_exit);

MODULE_DESCRIPTION("Executable memory for JIT compilers without writable code");
MODULE_AUTHOR("jitmem developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(JITMEM_VERSION);
