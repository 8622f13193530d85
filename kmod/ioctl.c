// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl dispatch, table-driven as in iommufd: per command the size of the
 * struct the module knows, the size of its first version, whether only the
 * process that opened the file may call it, and the handler.  The
 * dispatcher copies the size-first struct once, with copy_struct_from_user(),
 * before the handler sees it; the handlers check every flag and reserved
 * field.
 */
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "jitmem.h"

union jitmem_ucmd_buffer {
	struct jitmem_version version;
	struct jitmem_reserve reserve;
	struct jitmem_initialize initialize;
	struct jitmem_batch batch;
	struct jitmem_query query;
};

struct jitmem_ucmd {
	struct jitmem_ctx *ctx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

struct jitmem_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	bool owner_only;
	int (*execute)(struct jitmem_ucmd *ucmd);
};

/* Write the struct back, up to the smaller of the two sizes. */
static int jitmem_ucmd_respond(struct jitmem_ucmd *ucmd, size_t size)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, size)))
		return -EFAULT;
	return 0;
}

static int jitmem_ioc_version(struct jitmem_ucmd *ucmd)
{
	struct jitmem_version *v = ucmd->cmd;

	if (v->flags || v->__reserved)
		return -EINVAL;
	v->abi_version = JITMEM_ABI_VERSION;
	v->features = JITMEM_FEATURE_MEMMAP | JITMEM_FEATURE_NETLINK |
		      JITMEM_FEATURE_FORK | JITMEM_FEATURE_SUBPAGE;
	if (READ_ONCE(jitmem_debug_writes))
		v->features |= JITMEM_FEATURE_DEBUG_WRITES;
	v->page_size = PAGE_SIZE;
	v->granule = JITMEM_GRANULE;
	return jitmem_ucmd_respond(ucmd, sizeof(*v));
}

/* The slab is released again if its address cannot be written back. */
static int jitmem_ioc_reserve(struct jitmem_ucmd *ucmd)
{
	struct jitmem_reserve *r = ucmd->cmd;
	struct jitmem_reserve __user *u = ucmd->ubuffer;
	struct jitmem_ctx *ctx = ucmd->ctx;
	int ret;

	if (mutex_lock_killable(&ctx->lock))
		return -EINTR;
	ret = jitmem_reserve(ctx, r);
	if (!ret && put_user(r->addr, &u->addr)) {
		jitmem_release_one(ctx, r->addr);
		ret = -EFAULT;
	}
	mutex_unlock(&ctx->lock);
	return ret;
}

/* A JIT's usual request (code, read-only data, data) is copied on the stack. */
#define JITMEM_INIT_INLINE	4

static int jitmem_ioc_initialize(struct jitmem_ucmd *ucmd)
{
	struct jitmem_initialize *req = ucmd->cmd;
	struct jitmem_initialize __user *u = ucmd->ubuffer;
	struct jitmem_init_segment inline_ks[JITMEM_INIT_INLINE], *ks = inline_ks;
	const u8 __user *useg;
	unsigned int i;
	int ret;

	if (req->flags || !req->nsegments)
		return -EINVAL;
	if (req->nsegments > READ_ONCE(jitmem_max_segments)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -E2BIG;
	}
	if (req->segment_size < offsetofend(struct jitmem_init_segment, __reserved))
		return -EINVAL;
	if (req->segment_size > PAGE_SIZE)
		return -E2BIG;

	if (req->nsegments > JITMEM_INIT_INLINE)
		ks = kvcalloc(req->nsegments, sizeof(*ks), GFP_KERNEL_ACCOUNT);
	if (!ks)
		return -ENOMEM;
	useg = u64_to_user_ptr(req->segments);
	for (i = 0; i < req->nsegments; i++) {
		ret = copy_struct_from_user(&ks[i], sizeof(*ks),
					    useg + (size_t)i * req->segment_size,
					    req->segment_size);
		if (ret)
			goto out;
	}
	ret = jitmem_initialize(ucmd->ctx, ks, req->nsegments, &u->key);
out:
	if (ks != inline_ks)
		kvfree(ks);
	return ret;
}

/* A free of a few regions, as a JIT makes them one by one, uses the stack. */
#define JITMEM_BATCH_INLINE	16

/* DEINITIALIZE and RELEASE: per-item results, the request all or nothing. */
static int jitmem_ioc_batch(struct jitmem_ucmd *ucmd, bool release)
{
	u64 inline_items[JITMEM_BATCH_INLINE], *items = inline_items;
	int inline_results[JITMEM_BATCH_INLINE], *results = inline_results;
	struct jitmem_batch *b = ucmd->cmd;
	struct jitmem_ctx *ctx = ucmd->ctx;
	s32 __user *ures;
	u32 i;
	int ret = 0;

	if (b->flags & ~(release ? 0 : JITMEM_DEINIT_FINALIZE_ONLY) || !b->count)
		return -EINVAL;
	if (b->count > READ_ONCE(jitmem_max_batch)) {
		jitmem_stats_refused(JITMEM_REFUSED_LIMIT);
		return -E2BIG;
	}
	if (b->count > JITMEM_BATCH_INLINE) {
		items = kvmalloc_array(b->count, sizeof(*items),
				       GFP_KERNEL_ACCOUNT);
		results = kvmalloc_array(b->count, sizeof(*results),
					 GFP_KERNEL_ACCOUNT);
	}
	if (!items || !results) {
		ret = -ENOMEM;
		goto out;
	}
	ures = u64_to_user_ptr(b->results);
	if (copy_from_user(items, u64_to_user_ptr(b->items),
			   array_size(b->count, sizeof(*items))) ||
	    clear_user(ures, array_size(b->count, sizeof(*ures)))) {
		ret = -EFAULT;
		goto out;
	}
	if (mutex_lock_killable(&ctx->lock)) {
		ret = -EINTR;
		goto out;
	}
	if (release)
		ret = jitmem_release_batch(ctx, items, results, b->count);
	else
		ret = jitmem_deinit_batch(ctx, items, results, b->count,
					  b->flags);
	if (!ret)
		jitmem_tidy(ctx);
	mutex_unlock(&ctx->lock);
	b->failed = 0;
	for (i = 0; !ret && i < b->count; i++) {
		if (!results[i])
			continue;
		b->failed++;
		if (put_user(results[i], &ures[i]))
			ret = -EFAULT;
	}
	if (!ret)
		ret = jitmem_ucmd_respond(ucmd, sizeof(*b));
out:
	if (items != inline_items)
		kvfree(items);
	if (results != inline_results)
		kvfree(results);
	return ret;
}

static int jitmem_ioc_deinitialize(struct jitmem_ucmd *ucmd)
{
	return jitmem_ioc_batch(ucmd, false);
}

static int jitmem_ioc_release(struct jitmem_ucmd *ucmd)
{
	return jitmem_ioc_batch(ucmd, true);
}

static int jitmem_ioc_query(struct jitmem_ucmd *ucmd)
{
	struct jitmem_query *q = ucmd->cmd;
	struct jitmem_counters cnt;
	int ret;

	if (q->flags)
		return -EINVAL;
	ret = jitmem_ctx_counters(ucmd->ctx, &cnt);
	if (ret)
		return ret;
	q->slabs = cnt.slabs;
	q->reserved_bytes = cnt.reserved_bytes;
	q->regions = cnt.regions;
	q->segments = cnt.segments;
	q->bytes_r = cnt.bytes[JITMEM_PROT_IDX_R];
	q->bytes_rw = cnt.bytes[JITMEM_PROT_IDX_RW];
	q->bytes_rx = cnt.bytes[JITMEM_PROT_IDX_RX];
	q->retired_bytes = cnt.retired_bytes;
	q->held_bytes = cnt.held_bytes;
	q->empty_bytes = cnt.empty_bytes;
	q->remaps = READ_ONCE(ucmd->ctx->remaps);
	return jitmem_ucmd_respond(ucmd, sizeof(*q));
}

#define JITMEM_IOCTL_OP(_ioctl, _fn, _struct, _last, _owner)		\
	[_IOC_NR(_ioctl) - JITMEM_CMD_VERSION] = {			\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union jitmem_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.owner_only = _owner,					\
		.execute = _fn,						\
	}

static const struct jitmem_ioctl_op jitmem_ioctl_ops[] = {
	JITMEM_IOCTL_OP(JITMEM_IOC_VERSION, jitmem_ioc_version,
			struct jitmem_version, page_size, false),
	JITMEM_IOCTL_OP(JITMEM_IOC_RESERVE, jitmem_ioc_reserve,
			struct jitmem_reserve, addr, true),
	JITMEM_IOCTL_OP(JITMEM_IOC_INITIALIZE, jitmem_ioc_initialize,
			struct jitmem_initialize, key, true),
	JITMEM_IOCTL_OP(JITMEM_IOC_DEINITIALIZE, jitmem_ioc_deinitialize,
			struct jitmem_batch, failed, true),
	JITMEM_IOCTL_OP(JITMEM_IOC_RELEASE, jitmem_ioc_release,
			struct jitmem_batch, failed, true),
	JITMEM_IOCTL_OP(JITMEM_IOC_QUERY, jitmem_ioc_query,
			struct jitmem_query, retired_bytes, true),
};

/**
 * jitmem_ioctl() - the device's .unlocked_ioctl
 * @file: the context's file
 * @cmd: JITMEM_IOC_*
 * @arg: user pointer to the command's size-first struct
 *
 * Every EINVAL counts as an invalid request in the netlink statistics.
 *
 * Context: process context; the handlers take ctx->lock, mmap_lock and
 * map_lock as they need.
 * Return: 0, ENOTTY (not a jitmem command: unknown number, or type, size
 * or direction bits that are not the command's), EPERM (a command of the
 * context from another process), EFAULT, EINVAL (size below the first
 * version), E2BIG (size above PAGE_SIZE, or a non-zero tail the module
 * does not know), or the command's own errno.
 */
long jitmem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	union jitmem_ucmd_buffer buf;
	const struct jitmem_ioctl_op *op;
	struct jitmem_ucmd ucmd = {
		.ctx = file->private_data,
		.ubuffer = (void __user *)arg,
		.cmd = &buf,
	};
	unsigned int idx = _IOC_NR(cmd) - JITMEM_CMD_VERSION;
	int ret;

	/* Every command is _IO(JITMEM_TYPE, nr): no size or direction bits. */
	if (cmd != _IO(JITMEM_TYPE, _IOC_NR(cmd)) ||
	    idx >= ARRAY_SIZE(jitmem_ioctl_ops))
		return -ENOTTY;
	op = &jitmem_ioctl_ops[idx];

	/* The context maps into the mm that opened it, and only there. */
	if (op->owner_only && current->mm != ucmd.ctx->mm) {
		jitmem_stats_refused(JITMEM_REFUSED_FOREIGN_MM);
		return -EPERM;
	}

	if (get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		ret = -EINVAL;
	else if (ucmd.user_size > PAGE_SIZE)
		ret = -E2BIG;
	else
		ret = copy_struct_from_user(&buf, op->size, ucmd.ubuffer,
					    ucmd.user_size);
	if (!ret)
		ret = op->execute(&ucmd);
	if (ret == -EINVAL)
		jitmem_stats_refused(JITMEM_REFUSED_INVAL);
	return ret;
}
