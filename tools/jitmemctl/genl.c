// SPDX-License-Identifier: GPL-2.0-only
/*
 * Generic netlink plumbing: resolve the family and its events group through
 * nlctrl, send a request, run the replies through a callback, and keep the
 * kernel's extended ACK (message and attribute offset) of a failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "jitmemctl.h"

/* Dumps come in skbs of up to 32 KiB; leave room so none is truncated. */
#define JM_NL_BUFSZ	(64 * 1024)

struct jm_talk {
	struct jm_nl *nl;
	mnl_cb_t cb;
	void *data;
};

static void jm_ext_ack(struct jm_nl *nl, const struct nlmsghdr *nlh,
		       size_t offset)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(attr, nlh, offset) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
					 mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				nl->ext_offs = (int)mnl_attr_get_u32(attr);
			break;
		}
	}
}

static int jm_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	struct jm_talk *t = data;
	size_t offset = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!err->error)
		return MNL_CB_STOP;
	/* The request is echoed unless NETLINK_CAP_ACK took effect. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	jm_ext_ack(t->nl, nlh, offset);
	errno = err->error < 0 ? -err->error : EPROTO;
	return MNL_CB_ERROR;
}

/* The end of a dump carries the dump's error, if it failed midway. */
static int jm_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct jm_talk *t = data;
	int err;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(err)))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (!err)
		return MNL_CB_STOP;
	jm_ext_ack(t->nl, nlh, sizeof(err));
	errno = err < 0 ? -err : EPROTO;
	return MNL_CB_ERROR;
}

static int jm_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct jm_talk *t = data;

	return t->cb ? t->cb(nlh, t->data) : MNL_CB_OK;
}

static mnl_cb_t jm_ctl_cb[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR]	= jm_error_cb,
	[NLMSG_DONE]	= jm_done_cb,
};

struct nlmsghdr *jm_nl_msg(struct jm_nl *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = JITMEM_FAMILY_VERSION;
	return nlh;
}

/* Send @req, feed every reply to @cb until the ACK or the dump's end. */
int jm_nl_talk(struct jm_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
	       void *data)
{
	struct jm_talk t = { .nl = nl, .cb = cb, .data = data };
	unsigned int seq = req->nlmsg_seq;
	ssize_t n;
	int ret;

	nl->ext_msg[0] = '\0';
	nl->ext_offs = -1;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, nl->bufsz);
		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(nl->buf, n, seq, nl->portid, jm_data_cb, &t,
				  jm_ctl_cb, MNL_ARRAY_SIZE(jm_ctl_cb));
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

void jm_nl_perror(const struct jm_nl *nl, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s", jm_prog, what, strerror(-err));
	if (nl && nl->ext_msg[0])
		fprintf(stderr, ": %s", nl->ext_msg);
	if (nl && nl->ext_offs >= 0)
		fprintf(stderr, " (attribute at byte %d of the request)",
			nl->ext_offs);
	fputc('\n', stderr);
}

/*
 * A dump of @cmd, of process @pid only when not 0, each message to @cb;
 * errors are printed as @what's.  Returns 0 or a negative errno.
 */
int jm_nl_dump(uint8_t cmd, uint32_t pid, const char *what, mnl_cb_t cb,
	       void *data)
{
	struct nlmsghdr *nlh;
	struct jm_nl nl;
	int ret;

	ret = jm_nl_open(&nl);
	if (ret)
		return ret;
	nlh = jm_nl_msg(&nl, cmd, NLM_F_DUMP);
	if (pid)
		mnl_attr_put_u32(nlh, JITMEM_A_PID, pid);
	ret = jm_nl_talk(&nl, nlh, cb, data);
	if (ret)
		jm_nl_perror(&nl, what, ret);
	jm_nl_close(&nl);
	return ret;
}

static int jm_grp_cb(const struct nlattr *grp, struct jm_nl *nl)
{
	const struct nlattr *a, *name = NULL, *id = NULL;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = a;
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			id = a;
	}
	if (name && id && !strcmp(mnl_attr_get_str(name), JITMEM_MCGRP_EVENTS))
		nl->events_group = mnl_attr_get_u32(id);
	return MNL_CB_OK;
}

static int jm_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct jm_nl *nl = data;
	const struct nlattr *a, *grp;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return MNL_CB_ERROR;
			nl->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, a)
				jm_grp_cb(grp, nl);
			break;
		}
	}
	return MNL_CB_OK;
}

static int jm_nl_resolve(struct jm_nl *nl)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int ret;

	nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, JITMEM_FAMILY_NAME);
	ret = jm_nl_talk(nl, nlh, jm_family_cb, nl);
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: no generic netlink family \"%s\": is the jitmem module loaded?\n",
			jm_prog, JITMEM_FAMILY_NAME);
		return ret;
	}
	if (!ret && !nl->family)
		ret = -EPROTO;
	if (ret)
		jm_nl_perror(nl, "resolving the family", ret);
	return ret;
}

int jm_nl_open(struct jm_nl *nl)
{
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->bufsz = JM_NL_BUFSZ;
	nl->buf = malloc(nl->bufsz);
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->buf || !nl->sock ||
	    mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		jm_nl_perror(NULL, "netlink socket", ret);
		jm_nl_close(nl);
		return ret;
	}
	/* Older kernels lack these; errors then simply have no message. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	ret = jm_nl_resolve(nl);
	if (ret)
		jm_nl_close(nl);
	return ret;
}

void jm_nl_close(struct jm_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

static const enum mnl_attr_data_type jm_attr_type[JITMEM_A_MAX + 1] = {
	[JITMEM_A_CONTEXTS ... JITMEM_A_CTX_ID]	= MNL_TYPE_U64,
	[JITMEM_A_PID]				= MNL_TYPE_U32,
	[JITMEM_A_UID]				= MNL_TYPE_U32,
	[JITMEM_A_COMM]				= MNL_TYPE_NUL_STRING,
	[JITMEM_A_ADDR]				= MNL_TYPE_U64,
	[JITMEM_A_SIZE]				= MNL_TYPE_U64,
	[JITMEM_A_GROUP]			= MNL_TYPE_U32,
	[JITMEM_A_KEY]				= MNL_TYPE_U64,
	[JITMEM_A_SHA256]			= MNL_TYPE_BINARY,
	[JITMEM_A_REFUSED_MREMAP ... JITMEM_A_DEBUG_WRITES] = MNL_TYPE_U64,
};

static int jm_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);
	int ret;

	/* Attributes of a newer module are not ours to judge. */
	if (mnl_attr_type_valid(attr, JITMEM_A_MAX) < 0 ||
	    jm_attr_type[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (type == JITMEM_A_SHA256)
		ret = mnl_attr_validate2(attr, MNL_TYPE_BINARY,
					 JITMEM_SHA256_LEN);
	else
		ret = mnl_attr_validate(attr, jm_attr_type[type]);
	if (ret < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

/* Fill @tb (JITMEM_A_MAX + 1 entries) from a jitmem message. */
int jm_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	memset(tb, 0, (JITMEM_A_MAX + 1) * sizeof(*tb));
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), jm_attr_cb, tb);
}
