/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A raw generic netlink client for the selftests of the jitmem family: no
 * library, so that tests can also send what no library would (malformed
 * requests) and see every byte of the replies and extended ACKs.
 *
 * Functions return 0 or -errno; the kernel's errors come back as -errno with
 * the extended ACK's message and attribute offset in struct jm_nl.
 */
#ifndef JITMEM_NL_H
#define JITMEM_NL_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/jitmem_netlink.h>

#define JM_NL_RBUF	(64 * 1024)

struct jm_nl {
	int fd;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t events;	/* id of the events group */
	char *rbuf;
	/* The extended ACK of the last error. */
	char msg[256];
	int offs;		/* -1: none */
};

struct jm_req {
	union {
		struct nlmsghdr nlh;
		char buf[2048];
	};
};

/* One received data message, its attributes by type. */
struct jm_msg {
	uint8_t cmd;
	const struct nlattr *tb[JITMEM_A_MAX + 1];
};

typedef int (*jm_nl_cb)(const struct nlmsghdr *nlh, void *arg);

static inline void jm_req_init(struct jm_req *r, uint16_t type, uint8_t cmd,
			       uint16_t flags)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = type;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = 1;
}

static inline struct genlmsghdr *jm_req_genl(struct jm_req *r)
{
	return NLMSG_DATA(&r->nlh);
}

/* Append an attribute; returns its offset in the message. */
static inline int jm_req_put(struct jm_req *r, uint16_t type, const void *data,
			     uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(r->buf + NLMSG_ALIGN(r->nlh.nlmsg_len));
	int off = (int)NLMSG_ALIGN(r->nlh.nlmsg_len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return off;
}

static inline int jm_req_put_u32(struct jm_req *r, uint16_t type, uint32_t v)
{
	return jm_req_put(r, type, &v, sizeof(v));
}

static inline const void *jm_nla_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline uint16_t jm_nla_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline uint64_t jm_nla_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, jm_nla_data(a), sizeof(v));
	return v;
}

static inline uint32_t jm_nla_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, jm_nla_data(a), sizeof(v));
	return v;
}

#define jm_nla_for_each(a, start, rem)					\
	for ((a) = (const struct nlattr *)(start);			\
	     (rem) >= (int)NLA_HDRLEN && (a)->nla_len >= NLA_HDRLEN &&	\
	     (a)->nla_len <= (rem);					\
	     (rem) -= NLA_ALIGN((a)->nla_len),				\
	     (a) = (const struct nlattr *)((const char *)(a) +		\
					   NLA_ALIGN((a)->nla_len)))

/*
 * Attributes of a jitmem message by type; -EPROTO when one overruns the
 * message or when a type appears twice.
 */
static inline int jm_msg_parse(const struct nlmsghdr *nlh, struct jm_msg *m)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	const struct nlattr *a;
	int rem = (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

	memset(m, 0, sizeof(*m));
	if (rem < 0)
		return -EPROTO;
	m->cmd = g->cmd;
	jm_nla_for_each(a, (const char *)g + GENL_HDRLEN, rem) {
		uint16_t t = a->nla_type & NLA_TYPE_MASK;

		if (t > JITMEM_A_MAX)
			continue;
		if (m->tb[t])
			return -EPROTO;
		m->tb[t] = a;
	}
	return rem ? -EPROTO : 0;
}

/* Remember NLMSGERR_ATTR_MSG and _OFFS of an error or dump end. */
static inline void jm_nl_ext_ack(struct jm_nl *nl, const struct nlmsghdr *nlh,
				 size_t off)
{
	const struct nlattr *a;
	int rem = (int)nlh->nlmsg_len - (int)NLMSG_LENGTH(off);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || rem <= 0)
		return;
	jm_nla_for_each(a, (const char *)NLMSG_DATA(nlh) + off, rem) {
		if (a->nla_type == NLMSGERR_ATTR_MSG && jm_nla_len(a))
			snprintf(nl->msg, sizeof(nl->msg), "%.*s",
				 (int)jm_nla_len(a), (const char *)jm_nla_data(a));
		else if (a->nla_type == NLMSGERR_ATTR_OFFS &&
			 jm_nla_len(a) == 4)
			nl->offs = (int)jm_nla_u32(a);
	}
}

/*
 * Read one datagram of replies to request @seq: 1 when more are due, 0
 * after the ACK or the end of the dump, else -errno (the kernel's error,
 * or -EAGAIN after the socket's receive time-out).
 */
static inline int jm_nl_recv(struct jm_nl *nl, uint32_t seq, jm_nl_cb cb,
			     void *arg)
{
	const struct nlmsghdr *nlh;
	ssize_t n = recv(nl->fd, nl->rbuf, JM_NL_RBUF, 0);
	int len, ret;

	if (n < 0)
		return -errno;
	len = (int)n;
	for (nlh = (const struct nlmsghdr *)nl->rbuf; NLMSG_OK(nlh, len);
	     nlh = NLMSG_NEXT(nlh, len)) {
		if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
			continue;	/* not ours (an event, or stale) */
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);
			size_t off = sizeof(*e);

			if (!e->error)
				return 0;
			if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
				off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
			jm_nl_ext_ack(nl, nlh, off);
			return e->error;
		}
		if (nlh->nlmsg_type == NLMSG_DONE) {
			int err;

			memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
			jm_nl_ext_ack(nl, nlh, sizeof(err));
			return err;
		}
		if (cb) {
			ret = cb(nlh, arg);
			if (ret)
				return ret;
		}
	}
	return 1;
}

static inline int jm_nl_send(struct jm_nl *nl, struct jm_req *r)
{
	nl->msg[0] = '\0';
	nl->offs = -1;
	r->nlh.nlmsg_seq = ++nl->seq;
	if (send(nl->fd, r->buf, r->nlh.nlmsg_len, 0) < 0)
		return -errno;
	return 0;
}

static inline int jm_nl_talk(struct jm_nl *nl, struct jm_req *r, jm_nl_cb cb,
			     void *arg)
{
	int ret = jm_nl_send(nl, r);

	if (ret)
		return ret;
	do
		ret = jm_nl_recv(nl, nl->seq, cb, arg);
	while (ret == 1);
	return ret;
}

static inline int jm_nl_family_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct jm_nl *nl = arg;
	const struct nlattr *a, *g, *ga;
	int rem = (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);

	jm_nla_for_each(a, (const char *)NLMSG_DATA(nlh) + GENL_HDRLEN, rem) {
		int grem = jm_nla_len(a);

		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			memcpy(&nl->family, jm_nla_data(a), 2);
		if ((a->nla_type & NLA_TYPE_MASK) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		jm_nla_for_each(g, jm_nla_data(a), grem) {
			const char *name = NULL;
			uint32_t id = 0;
			int arem = jm_nla_len(g);

			jm_nla_for_each(ga, jm_nla_data(g), arem) {
				if (ga->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
					name = jm_nla_data(ga);
				else if (ga->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					id = jm_nla_u32(ga);
			}
			if (name && !strcmp(name, JITMEM_MCGRP_EVENTS))
				nl->events = id;
		}
	}
	return 0;
}

static inline void jm_nl_close(struct jm_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	free(nl->rbuf);
	nl->fd = -1;
	nl->rbuf = NULL;
}

/* A socket with extended ACKs on, bound, the family and group resolved. */
static inline int jm_nl_open(struct jm_nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	struct jm_req r;
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->offs = -1;
	nl->rbuf = malloc(JM_NL_RBUF);
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (!nl->rbuf || nl->fd < 0 ||
	    bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &salen) ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one))) {
		ret = -errno;
		jm_nl_close(nl);
		return ret;
	}
	nl->portid = sa.nl_pid;
	jm_req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	jm_req_put(&r, CTRL_ATTR_FAMILY_NAME, JITMEM_FAMILY_NAME,
		   sizeof(JITMEM_FAMILY_NAME));
	ret = jm_nl_talk(nl, &r, jm_nl_family_cb, nl);
	if (!ret && (!nl->family || !nl->events))
		ret = -EPROTO;
	if (ret)
		jm_nl_close(nl);
	return ret;
}

/* Time-out of the receives, for tests that expect nothing more. */
static inline int jm_nl_timeout(struct jm_nl *nl, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	return setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ?
	       -errno : 0;
}

static inline int jm_nl_join(struct jm_nl *nl)
{
	return setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			  &nl->events, sizeof(nl->events)) ? -errno : 0;
}

#endif /* JITMEM_NL_H */
