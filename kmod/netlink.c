// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink family "jitmem" (uapi/linux/jitmem_netlink.h): the
 * module-wide counters, a dump of the open contexts, and on the "events"
 * group one notification per segment initialized or deinitialized and per
 * slab released, with the SHA-256 of executable segments.
 *
 * Locking.  jitmem_ctx_list_lock protects jitmem_ctx_list; ctx->map_lock
 * protects ctx->cnt; tgid, uid, comm and id never change after open.  As
 * jitmem.h requires, the list lock is never held while taking a context's
 * lock.  The dump pins a batch of contexts under the list lock with a
 * reference on their file (jitmem_release() unlists a context under that
 * lock before freeing it, so a listed context's file is valid; a file whose
 * count is already 0 is closing and is skipped), drops the list lock, then
 * reads each one's counters under its map_lock and drops the reference.
 * The dump resumes after the last ctx->id it sent: ids rise along the list,
 * so contexts that come or go between two parts are neither repeated nor
 * make others skipped.
 * The segment dump pins contexts the same way and reads each one's segment
 * tree under its map_lock (jitmem_nl_ctx_segs()); it resumes in the context
 * it was in, at the address of the segment that did not fit.
 *
 * Notifications are sent with ctx->map_lock held (by the ioctls, or by
 * .close under mmap_lock), so the segment they describe cannot go away
 * meanwhile; they may sleep (GFP_KERNEL) and take no lock of the module.
 * Nothing is built unless the events group has a subscriber.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/sched.h>
#include <linux/threads.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <crypto/sha2.h>

#include <linux/jitmem_netlink.h>

#include "jitmem.h"

static_assert(JITMEM_SHA256_LEN == SHA256_DIGEST_SIZE);

enum jitmem_nl_mcgrp {
	JITMEM_NLGRP_EVENTS,
};

static const struct genl_multicast_group jitmem_nl_mcgrps[] = {
	[JITMEM_NLGRP_EVENTS] = {
		.name = JITMEM_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family jitmem_nl_family;

static int jitmem_nl_put_u64(struct sk_buff *skb, int type, u64 val)
{
	return nla_put_u64_64bit(skb, type, val, JITMEM_A_PAD);
}

/* The counters jitmem_counters and the uapi share, in uapi order. */
static int jitmem_nl_put_counters(struct sk_buff *skb,
				  const struct jitmem_counters *c)
{
	if (jitmem_nl_put_u64(skb, JITMEM_A_SLABS, c->slabs) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_RESERVED_BYTES, c->reserved_bytes) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_REGIONS, c->regions) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_SEGMENTS, c->segments) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_BYTES_R,
			      c->bytes[JITMEM_PROT_IDX_R]) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_BYTES_RW,
			      c->bytes[JITMEM_PROT_IDX_RW]) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_BYTES_RX,
			      c->bytes[JITMEM_PROT_IDX_RX]) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_RETIRED_BYTES, c->retired_bytes) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_HELD_BYTES, c->held_bytes) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_EMPTY_BYTES, c->empty_bytes))
		return -EMSGSIZE;
	return 0;
}

#define JITMEM_NL_COUNTERS_SIZE	(JITMEM_NCOUNTERS *			\
				 nla_total_size_64bit(sizeof(u64)))
#define JITMEM_NL_STATS_SIZE	(JITMEM_NL_COUNTERS_SIZE + \
				 (2 + JITMEM_REFUSED_NR) *	\
				 nla_total_size_64bit(sizeof(u64)))

static const int jitmem_nl_refused_attr[JITMEM_REFUSED_NR] = {
	[JITMEM_REFUSED_WX]		= JITMEM_A_REFUSED_WX,
	[JITMEM_REFUSED_MPROTECT]	= JITMEM_A_REFUSED_MPROTECT,
	[JITMEM_REFUSED_INVAL]		= JITMEM_A_REFUSED_INVAL,
	[JITMEM_REFUSED_LIMIT]		= JITMEM_A_REFUSED_LIMIT,
	[JITMEM_REFUSED_FOREIGN_MM]	= JITMEM_A_REFUSED_FOREIGN_MM,
	[JITMEM_REFUSED_MREMAP]		= JITMEM_A_REFUSED_MREMAP,
};

static int jitmem_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	u64 contexts, refused[JITMEM_REFUSED_NR], debug;
	struct jitmem_counters cnt;
	struct sk_buff *msg;
	unsigned int i;
	void *hdr;

	msg = genlmsg_new(JITMEM_NL_STATS_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &jitmem_nl_family, 0,
				JITMEM_NL_CMD_STATS_GET);
	if (!hdr)
		goto too_big;
	jitmem_stats_read(&cnt, &contexts, refused);
	if (jitmem_nl_put_u64(msg, JITMEM_A_CONTEXTS, contexts) ||
	    jitmem_nl_put_counters(msg, &cnt))
		goto too_big;
	for (i = 0; i < JITMEM_REFUSED_NR; i++)
		if (jitmem_nl_put_u64(msg, jitmem_nl_refused_attr[i],
				      refused[i]))
			goto too_big;
	debug = jitmem_stats_debug_writes();
	if ((READ_ONCE(jitmem_debug_writes) || debug) &&
	    jitmem_nl_put_u64(msg, JITMEM_A_DEBUG_WRITES, debug))
		goto too_big;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

too_big:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* The attributes that name a context, in dumps and events. */
static int jitmem_nl_put_owner(struct sk_buff *skb, u64 id, pid_t tgid,
			       u32 uid, const char *comm)
{
	if (jitmem_nl_put_u64(skb, JITMEM_A_CTX_ID, id) ||
	    nla_put_u32(skb, JITMEM_A_PID, tgid) ||
	    nla_put_u32(skb, JITMEM_A_UID, uid) ||
	    nla_put_string(skb, JITMEM_A_COMM, comm))
		return -EMSGSIZE;
	return 0;
}

#define JITMEM_NL_OWNER_SIZE	(nla_total_size_64bit(sizeof(u64)) + \
				 2 * nla_total_size(sizeof(u32)) +	\
				 nla_total_size(TASK_COMM_LEN))

/* Contexts pinned per pass over the list. */
#define JITMEM_NL_DUMP_BATCH	16

/* A context pinned by a reference on its file, and what never changes. */
struct jitmem_nl_pinned {
	struct jitmem_ctx *ctx;
	u64 id;
	pid_t tgid;
	kuid_t uid;
	char comm[TASK_COMM_LEN];
};

/* Dump state in cb->ctx, kept across the parts of one dump. */
struct jitmem_nl_dump {
	u64 last_id;		/* contexts up to this id were sent */
	kuid_t uid;		/* the requester's */
	pid_t tgid;		/* JITMEM_A_PID filter, 0 for none */
	bool all_users;		/* CAP_NET_ADMIN or CAP_SYS_ADMIN */
};

static struct jitmem_nl_dump *jitmem_nl_dump_state(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct jitmem_nl_dump) > sizeof(cb->ctx));
	return (struct jitmem_nl_dump *)cb->ctx;
}

/* Who asks, and which process: what both dumps may show. */
static void jitmem_nl_dump_init(struct netlink_callback *cb,
				struct jitmem_nl_dump *st)
{
	struct nlattr *pid = jitmem_genl_dump_attrs(cb)[JITMEM_A_PID];

	/*
	 * The uid the request was sent with: the sender's real uid, or one
	 * it may claim with SCM_CREDENTIALS (it holds it, or CAP_SETUID).
	 */
	st->uid = NETLINK_CB(cb->skb).creds.uid;
	st->all_users = netlink_capable(cb->skb, CAP_NET_ADMIN) ||
			netlink_capable(cb->skb, CAP_SYS_ADMIN);
	st->tgid = pid ? nla_get_u32(pid) : 0;
	st->last_id = 0;
}

static int jitmem_nl_context_get_start(struct netlink_callback *cb)
{
	jitmem_nl_dump_init(cb, jitmem_nl_dump_state(cb));
	return 0;
}

static bool jitmem_nl_visible(const struct jitmem_nl_dump *st,
			      const struct jitmem_ctx *ctx)
{
	if (st->tgid && ctx->tgid != st->tgid)
		return false;
	return st->all_users || uid_eq(ctx->uid, st->uid);
}

/* Pin up to JITMEM_NL_DUMP_BATCH visible contexts after st->last_id. */
static unsigned int jitmem_nl_pin(const struct jitmem_nl_dump *st,
				  struct jitmem_nl_pinned *pin)
{
	struct jitmem_ctx *ctx;
	unsigned int n = 0;

	mutex_lock(&jitmem_ctx_list_lock);
	list_for_each_entry(ctx, &jitmem_ctx_list, node) {
		if (ctx->id <= st->last_id || !jitmem_nl_visible(st, ctx))
			continue;
		if (!jitmem_get_file_unless_closing(ctx->file))
			continue;	/* being closed */
		pin[n].ctx = ctx;
		pin[n].id = ctx->id;
		pin[n].tgid = ctx->tgid;
		pin[n].uid = ctx->uid;
		memcpy(pin[n].comm, ctx->comm, sizeof(pin[n].comm));
		if (++n == JITMEM_NL_DUMP_BATCH)
			break;
	}
	mutex_unlock(&jitmem_ctx_list_lock);
	return n;
}

static int jitmem_nl_context_fill(struct sk_buff *skb,
				  struct netlink_callback *cb,
				  const struct jitmem_nl_pinned *p)
{
	struct user_namespace *ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
	struct jitmem_ctx *ctx = p->ctx;
	struct jitmem_counters cnt;
	void *hdr;

	if (jitmem_ctx_counters(ctx, &cnt))
		return -EINTR;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &jitmem_nl_family, NLM_F_MULTI,
			  JITMEM_NL_CMD_CONTEXT_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (jitmem_nl_put_owner(skb, p->id, p->tgid,
				from_kuid_munged(ns, p->uid), p->comm) ||
	    jitmem_nl_put_counters(skb, &cnt)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int jitmem_nl_context_get_dumpit(struct sk_buff *skb,
					struct netlink_callback *cb)
{
	struct jitmem_nl_dump *st = jitmem_nl_dump_state(cb);
	struct jitmem_nl_pinned *pin;
	unsigned int i, n;
	int err = 0;

	pin = kmalloc_array(JITMEM_NL_DUMP_BATCH, sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	while (!err && (n = jitmem_nl_pin(st, pin))) {
		for (i = 0; i < n; i++) {
			if (!err)
				err = jitmem_nl_context_fill(skb, cb, &pin[i]);
			if (!err)
				st->last_id = pin[i].id;
			fput(pin[i].ctx->file);
		}
	}
	kfree(pin);
	/* A full skb ends this part; the next one resumes after last_id. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/* Segment dump state in cb->ctx. */
struct jitmem_nl_seg_dump {
	struct jitmem_nl_dump ctxs;	/* .last_id: contexts done */
	u64 resume_id;			/* the context a part ended in, or 0 */
	unsigned long resume_addr;	/* where its segments go on */
};

static struct jitmem_nl_seg_dump *
jitmem_nl_seg_dump_state(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct jitmem_nl_seg_dump) > sizeof(cb->ctx));
	return (struct jitmem_nl_seg_dump *)cb->ctx;
}

static int jitmem_nl_segment_get_start(struct netlink_callback *cb)
{
	struct jitmem_nl_seg_dump *st = jitmem_nl_seg_dump_state(cb);

	jitmem_nl_dump_init(cb, &st->ctxs);
	st->resume_id = 0;
	st->resume_addr = 0;
	return 0;
}

/* SHA-256 of the segment's bytes as mapped, content and zero fill. */
static void jitmem_nl_seg_hash(struct jitmem_ctx *ctx,
			       const struct jitmem_seg *seg, u8 *out)
{
	unsigned long a = seg->r.start, e;
	struct sha256_state sctx;

	sha256_init(&sctx);
	for (; a < seg->r.end; a = e) {
		struct jitmem_page *jp = jitmem_page_lookup(ctx, a);
		void *kaddr;

		e = min(seg->r.end, (a & PAGE_MASK) + PAGE_SIZE);
		if (WARN_ON_ONCE(!jp))
			break;
		kaddr = kmap_local_page(jp->page);
		sha256_update(&sctx, kaddr + offset_in_page(a), e - a);
		kunmap_local(kaddr);
		cond_resched();
	}
	sha256_final(&sctx, out);
}

#define JITMEM_NL_SEG_SIZE	genlmsg_total_size(JITMEM_NL_OWNER_SIZE + \
				3 * nla_total_size_64bit(sizeof(u64)) + \
				nla_total_size(sizeof(u32)) +		\
				nla_total_size(JITMEM_SHA256_LEN))

/* One message for @seg, with the hash of its pages when executable. */
static int jitmem_nl_seg_fill(struct sk_buff *skb, struct netlink_callback *cb,
			      const struct jitmem_nl_pinned *p,
			      const struct jitmem_seg *seg)
{
	struct user_namespace *ns = sk_user_ns(NETLINK_CB(cb->skb).sk);
	bool hash = seg->group & JITMEM_GROUP_X;
	u8 digest[SHA256_DIGEST_SIZE];
	void *hdr;

	/* Hash nothing for a message that would not fit. */
	if (skb_tailroom(skb) < JITMEM_NL_SEG_SIZE)
		return -EMSGSIZE;
	if (hash)
		jitmem_nl_seg_hash(p->ctx, seg, digest);
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &jitmem_nl_family, NLM_F_MULTI,
			  JITMEM_NL_CMD_SEGMENT_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (jitmem_nl_put_owner(skb, p->id, p->tgid,
				from_kuid_munged(ns, p->uid), p->comm) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_ADDR, seg->r.start) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_SIZE, jitmem_seg_bytes(seg)) ||
	    nla_put_u32(skb, JITMEM_A_GROUP, seg->group) ||
	    jitmem_nl_put_u64(skb, JITMEM_A_KEY, seg->region->key) ||
	    (hash && nla_put(skb, JITMEM_A_SHA256, sizeof(digest), digest))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * The segments of one context from *@addr on, in address order, read from
 * its segment tree under map_lock.  On -EMSGSIZE, *@addr is the start of
 * the segment that did not fit.
 */
static int jitmem_nl_ctx_segs(struct sk_buff *skb, struct netlink_callback *cb,
			      const struct jitmem_nl_pinned *p,
			      unsigned long *addr)
{
	struct jitmem_ctx *ctx = p->ctx;
	struct jitmem_range *r;
	int err = 0;

	if (down_read_killable(&ctx->map_lock))
		return -EINTR;
	r = jitmem_range_first(&ctx->segs, *addr, ULONG_MAX);
	for (; r; r = jitmem_range_next(r, ULONG_MAX)) {
		err = jitmem_nl_seg_fill(skb, cb, p, jitmem_seg_entry(r));
		if (err) {
			*addr = r->start;
			break;
		}
	}
	up_read(&ctx->map_lock);
	return err;
}

/* One context's segments; the state says where the next part goes on. */
static int jitmem_nl_seg_dump_ctx(struct sk_buff *skb,
				  struct netlink_callback *cb,
				  struct jitmem_nl_seg_dump *st,
				  const struct jitmem_nl_pinned *p)
{
	/* A context closed since the last part is not pinned: 0 for the next. */
	unsigned long addr = p->id == st->resume_id ? st->resume_addr : 0;
	int err = jitmem_nl_ctx_segs(skb, cb, p, &addr);

	if (!err) {
		st->ctxs.last_id = p->id;
		st->resume_id = 0;
	} else if (err == -EMSGSIZE) {
		st->ctxs.last_id = p->id - 1;
		st->resume_id = p->id;
		st->resume_addr = addr;
	}
	return err;
}

static int jitmem_nl_segment_get_dumpit(struct sk_buff *skb,
					struct netlink_callback *cb)
{
	struct jitmem_nl_seg_dump *st = jitmem_nl_seg_dump_state(cb);
	struct jitmem_nl_pinned *pin;
	unsigned int i, n;
	int err = 0;

	pin = kmalloc_array(JITMEM_NL_DUMP_BATCH, sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return -ENOMEM;
	while (!err && (n = jitmem_nl_pin(&st->ctxs, pin))) {
		for (i = 0; i < n; i++) {
			if (!err)
				err = jitmem_nl_seg_dump_ctx(skb, cb, st, &pin[i]);
			fput(pin[i].ctx->file);
		}
	}
	kfree(pin);
	/* A full skb ends this part; the next one resumes where it stopped. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/*
 * The spec says 4194304, the largest PID_MAX_LIMIT of any configuration.
 * Not const: 6.1's NLA_POLICY_FULL_RANGE() takes a plain pointer.
 */
static struct netlink_range_validation jitmem_nl_pid_range __ro_after_init = {
	.min = 1,
	.max = PID_MAX_LIMIT,
};

static const struct nla_policy jitmem_nl_context_get_policy[JITMEM_A_PID + 1] = {
	[JITMEM_A_PID] = NLA_POLICY_FULL_RANGE(NLA_U32, &jitmem_nl_pid_range),
};

/* No .policy on STATS_GET: with resv_start_op 0 it takes no attribute. */
static const struct genl_ops jitmem_nl_ops[] = {
	{
		.cmd	= JITMEM_NL_CMD_STATS_GET,
		.doit	= jitmem_nl_stats_get_doit,
	},
	{
		.cmd	= JITMEM_NL_CMD_CONTEXT_GET,
		.start	= jitmem_nl_context_get_start,
		.dumpit	= jitmem_nl_context_get_dumpit,
		.policy	= jitmem_nl_context_get_policy,
		.maxattr = ARRAY_SIZE(jitmem_nl_context_get_policy) - 1,
	},
	{
		.cmd	= JITMEM_NL_CMD_SEGMENT_GET,
		.start	= jitmem_nl_segment_get_start,
		.dumpit	= jitmem_nl_segment_get_dumpit,
		.policy	= jitmem_nl_context_get_policy,
		.maxattr = ARRAY_SIZE(jitmem_nl_context_get_policy) - 1,
	},
};

/*
 * resv_start_op stays 0: every command gets strict attribute and header
 * validation.  parallel_ops: a dump may wait for a map_lock and must not
 * hold genl_mutex, which every genetlink family shares, meanwhile.
 */
static struct genl_family jitmem_nl_family __ro_after_init = {
	.name		= JITMEM_FAMILY_NAME,
	.version	= JITMEM_FAMILY_VERSION,
	.module		= THIS_MODULE,
	.parallel_ops	= true,
	.ops		= jitmem_nl_ops,
	.n_ops		= ARRAY_SIZE(jitmem_nl_ops),
	.mcgrps		= jitmem_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(jitmem_nl_mcgrps),
};

static bool jitmem_nl_listened(void)
{
	return genl_has_listeners(&jitmem_nl_family, &init_net,
				  JITMEM_NLGRP_EVENTS);
}

/* Subscribers learn that an event is lost: ENOBUFS on their sockets. */
static void jitmem_nl_lost(void)
{
	genl_set_err(&jitmem_nl_family, &init_net, 0, JITMEM_NLGRP_EVENTS,
		     ENOBUFS);
}

#define JITMEM_NL_EVENT_SIZE	(JITMEM_NL_OWNER_SIZE +			\
				 3 * nla_total_size_64bit(sizeof(u64)) + \
				 nla_total_size(sizeof(u32)) +		\
				 nla_total_size(JITMEM_SHA256_LEN))

/*
 * A new event with the context's attributes, @addr and @size; NULL, and the
 * subscribers told of the loss, when it cannot be built.
 */
static struct sk_buff *jitmem_nl_event_new(struct jitmem_ctx *ctx, u8 cmd,
					   unsigned long addr,
					   unsigned long size, void **hdr)
{
	struct sk_buff *msg = genlmsg_new(JITMEM_NL_EVENT_SIZE, GFP_KERNEL);

	if (!msg)
		goto lost;
	*hdr = genlmsg_put(msg, 0, 0, &jitmem_nl_family, 0, cmd);
	if (!*hdr ||
	    jitmem_nl_put_owner(msg, ctx->id, ctx->tgid,
				from_kuid(&init_user_ns, ctx->uid), ctx->comm) ||
	    jitmem_nl_put_u64(msg, JITMEM_A_ADDR, addr) ||
	    jitmem_nl_put_u64(msg, JITMEM_A_SIZE, size)) {
		nlmsg_free(msg);
		goto lost;
	}
	return msg;

lost:
	jitmem_nl_lost();
	return NULL;
}

/* Send the event, or drop it and tell of the loss if @err. */
static void jitmem_nl_event_send(struct sk_buff *msg, void *hdr, bool err)
{
	if (err) {
		nlmsg_free(msg);
		jitmem_nl_lost();
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&jitmem_nl_family, msg, 0, JITMEM_NLGRP_EVENTS,
			  GFP_KERNEL);
}

/**
 * jitmem_notify_seg() - tell the events group a segment came or went
 * @ctx: the segment's context
 * @ev: JITMEM_EVENT_INIT (with the SHA-256 of an executable segment) or
 *	JITMEM_EVENT_DEINIT
 * @seg: the segment
 *
 * Nothing is built without a subscriber; an event that cannot be built or
 * sent is reported to the subscribers as ENOBUFS.
 *
 * Context: process context, map_lock held; sleeps (GFP_KERNEL).
 */
void jitmem_notify_seg(struct jitmem_ctx *ctx, enum jitmem_event ev,
		       const struct jitmem_seg *seg)
{
	u8 cmd = ev == JITMEM_EVENT_INIT ? JITMEM_NL_CMD_SEGMENT_INIT_NTF :
					   JITMEM_NL_CMD_SEGMENT_DEINIT_NTF;
	bool hash = ev == JITMEM_EVENT_INIT && (seg->group & JITMEM_GROUP_X);
	u8 digest[SHA256_DIGEST_SIZE];
	struct sk_buff *msg;
	void *hdr;

	lockdep_assert_held(&ctx->map_lock);
	if (!jitmem_nl_listened())
		return;
	if (hash)
		jitmem_nl_seg_hash(ctx, seg, digest);
	msg = jitmem_nl_event_new(ctx, cmd, seg->r.start, jitmem_seg_bytes(seg),
				  &hdr);
	if (!msg)
		return;
	jitmem_nl_event_send(msg, hdr,
			     nla_put_u32(msg, JITMEM_A_GROUP, seg->group) ||
			     jitmem_nl_put_u64(msg, JITMEM_A_KEY,
					       seg->region->key) ||
			     (hash && nla_put(msg, JITMEM_A_SHA256,
					      sizeof(digest), digest)));
}

/**
 * jitmem_notify_slab() - tell the events group a slab went
 * @ctx: the slab's context
 * @slab: the slab, after the DEINIT events of its segments
 *
 * Context: process context, map_lock held; sleeps (GFP_KERNEL).
 */
void jitmem_notify_slab(struct jitmem_ctx *ctx, const struct jitmem_slab *slab)
{
	struct sk_buff *msg;
	void *hdr;

	lockdep_assert_held(&ctx->map_lock);
	if (!jitmem_nl_listened())
		return;
	msg = jitmem_nl_event_new(ctx, JITMEM_NL_CMD_SLAB_RELEASE_NTF,
				  slab->r.start, slab->r.end - slab->r.start,
				  &hdr);
	if (msg)
		jitmem_nl_event_send(msg, hdr, false);
}

/**
 * jitmem_netlink_init() - register the generic netlink family
 *
 * Context: module init.
 * Return: 0, or the error of genl_register_family().
 */
int jitmem_netlink_init(void)
{
	return genl_register_family(&jitmem_nl_family);
}

/**
 * jitmem_netlink_exit() - unregister the family
 *
 * Context: module exit, after the device is gone.
 */
void jitmem_netlink_exit(void)
{
	genl_unregister_family(&jitmem_nl_family);
}
