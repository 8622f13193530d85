// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl argument handling: size-first structs copied with
 * copy_struct_from_user(), every flag and reserved field checked before the
 * request reaches the context.
 */
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "jitmem.h"

/* Copy a size-first struct of at least @minsz bytes. */
static int jitmem_copy_arg(void *karg, size_t ksize, size_t minsz,
			   void __user *uarg, u32 *usize)
{
	if (get_user(*usize, (u32 __user *)uarg))
		return -EFAULT;
	if (*usize < minsz)
		return -EINVAL;
	if (*usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(karg, ksize, uarg, *usize);
}

static int jitmem_copy_out(void __user *uarg, const void *karg, size_t ksize,
			   u32 usize)
{
	if (copy_to_user(uarg, karg, min_t(size_t, ksize, usize)))
		return -EFAULT;
	return 0;
}

#define JITMEM_COPY_ARG(karg, last, uarg, usize)			\
	jitmem_copy_arg(&(karg), sizeof(karg),				\
			offsetofend(typeof(karg), last), uarg, usize)

static int jitmem_ioc_version(void __user *uarg)
{
	struct jitmem_version v;
	u32 usize;
	int ret;

	ret = JITMEM_COPY_ARG(v, page_size, uarg, &usize);
	if (ret)
		return ret;
	if (v.flags || v.__reserved)
		return -EINVAL;
	v.abi_version = JITMEM_ABI_VERSION;
	v.features = JITMEM_FEATURE_MEMMAP | JITMEM_FEATURE_NETLINK |
		     JITMEM_FEATURE_FORK;
	v.page_size = PAGE_SIZE;
	return jitmem_copy_out(uarg, &v, sizeof(v), usize);
}

static int jitmem_ioc_reserve(struct jitmem_ctx *ctx, void __user *uarg)
{
	struct jitmem_reserve r;
	u32 usize;
	int ret;

	ret = JITMEM_COPY_ARG(r, addr, uarg, &usize);
	if (ret)
		return ret;
	if (mutex_lock_killable(&ctx->lock))
		return -EINTR;
	ret = jitmem_reserve(ctx, &r);
	if (!ret && put_user(r.addr, &((struct jitmem_reserve __user *)uarg)->addr)) {
		jitmem_release_one(ctx, r.addr);
		ret = -EFAULT;
	}
	mutex_unlock(&ctx->lock);
	return ret;
}

static int jitmem_ioc_initialize(struct jitmem_ctx *ctx, void __user *uarg)
{
	struct jitmem_initialize req;
	struct jitmem_init_segment *ks;
	const u8 __user *useg;
	unsigned long key;
	unsigned int i;
	u32 usize;
	int ret;

	ret = JITMEM_COPY_ARG(req, key, uarg, &usize);
	if (ret)
		return ret;
	if (req.flags || !req.nsegments)
		return -EINVAL;
	if (req.nsegments > READ_ONCE(jitmem_max_segments)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -E2BIG;
	}
	if (req.segment_size < offsetofend(struct jitmem_init_segment, __reserved))
		return -EINVAL;
	if (req.segment_size > PAGE_SIZE)
		return -E2BIG;

	ks = kvcalloc(req.nsegments, sizeof(*ks), GFP_KERNEL_ACCOUNT);
	if (!ks)
		return -ENOMEM;
	useg = u64_to_user_ptr(req.segments);
	for (i = 0; i < req.nsegments; i++) {
		ret = copy_struct_from_user(&ks[i], sizeof(*ks),
					    useg + (size_t)i * req.segment_size,
					    req.segment_size);
		if (ret)
			goto out;
	}
	ret = jitmem_initialize(ctx, ks, req.nsegments, &key);
	if (ret)
		goto out;
	if (put_user(key, &((struct jitmem_initialize __user *)uarg)->key)) {
		if (!mutex_lock_killable(&ctx->lock)) {
			jitmem_deinit_one(ctx, key, 0);
			mutex_unlock(&ctx->lock);
		}
		ret = -EFAULT;
	}
out:
	kvfree(ks);
	return ret;
}

/* DEINITIALIZE and RELEASE: per-item results, the request all or nothing. */
static int jitmem_ioc_batch(struct jitmem_ctx *ctx, void __user *uarg,
			    bool release)
{
	struct jitmem_batch b;
	s32 __user *ures;
	u64 *items;
	u32 usize, i;
	int ret;

	ret = JITMEM_COPY_ARG(b, failed, uarg, &usize);
	if (ret)
		return ret;
	if (b.flags & ~(release ? 0 : JITMEM_DEINIT_FINALIZE_ONLY) ||
	    !b.count)
		return -EINVAL;
	if (b.count > READ_ONCE(jitmem_max_batch)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -E2BIG;
	}
	items = kvmalloc_array(b.count, sizeof(*items), GFP_KERNEL_ACCOUNT);
	if (!items)
		return -ENOMEM;
	ures = u64_to_user_ptr(b.results);
	if (copy_from_user(items, u64_to_user_ptr(b.items),
			   array_size(b.count, sizeof(*items))) ||
	    clear_user(ures, array_size(b.count, sizeof(*ures)))) {
		ret = -EFAULT;
		goto out;
	}
	if (mutex_lock_killable(&ctx->lock)) {
		ret = -EINTR;
		goto out;
	}
	b.failed = 0;
	for (i = 0; i < b.count; i++) {
		int r = release ? jitmem_release_one(ctx, items[i]) :
				  jitmem_deinit_one(ctx, items[i], b.flags);

		if (r) {
			b.failed++;
			if (put_user(r, &ures[i]))
				ret = -EFAULT;
		}
	}
	mutex_unlock(&ctx->lock);
	if (!ret)
		ret = jitmem_copy_out(uarg, &b, sizeof(b), usize);
out:
	kvfree(items);
	return ret;
}

static int jitmem_ioc_query(struct jitmem_ctx *ctx, void __user *uarg)
{
	struct jitmem_query q;
	u32 usize;
	int ret;

	ret = JITMEM_COPY_ARG(q, retired_bytes, uarg, &usize);
	if (ret)
		return ret;
	if (q.flags)
		return -EINVAL;
	if (mutex_lock_killable(&ctx->lock))
		return -EINTR;
	q.slabs = ctx->cnt.slabs;
	q.reserved_bytes = ctx->cnt.reserved_bytes;
	q.regions = ctx->cnt.regions;
	q.segments = ctx->cnt.segments;
	q.bytes_r = ctx->cnt.bytes[JITMEM_PROT_IDX_R];
	q.bytes_rw = ctx->cnt.bytes[JITMEM_PROT_IDX_RW];
	q.bytes_rx = ctx->cnt.bytes[JITMEM_PROT_IDX_RX];
	q.retired_bytes = ctx->cnt.retired_bytes;
	mutex_unlock(&ctx->lock);
	return jitmem_copy_out(uarg, &q, sizeof(q), usize);
}

long jitmem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct jitmem_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case JITMEM_IOC_VERSION:
		return jitmem_ioc_version(uarg);
	case JITMEM_IOC_RESERVE:
	case JITMEM_IOC_INITIALIZE:
	case JITMEM_IOC_DEINITIALIZE:
	case JITMEM_IOC_RELEASE:
	case JITMEM_IOC_QUERY:
		break;
	default:
		return -ENOTTY;
	}

	/* The context maps into the mm that opened it, and only there. */
	if (current->mm != ctx->mm) {
		jitmem_stats_refused(JITMEM_REFUSED_FOREIGN_MM);
		return -EPERM;
	}

	switch (cmd) {
	case JITMEM_IOC_RESERVE:
		return jitmem_ioc_reserve(ctx, uarg);
	case JITMEM_IOC_INITIALIZE:
		return jitmem_ioc_initialize(ctx, uarg);
	case JITMEM_IOC_DEINITIALIZE:
		return jitmem_ioc_batch(ctx, uarg, false);
	case JITMEM_IOC_RELEASE:
		return jitmem_ioc_batch(ctx, uarg, true);
	default:
		return jitmem_ioc_query(ctx, uarg);
	}
}
