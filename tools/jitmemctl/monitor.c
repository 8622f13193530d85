// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmemctl monitor: print the events multicast group, one line per event
 * (a JSON object per line with -j), until interrupted or -c N events.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/jitmem.h>

#include "jitmemctl.h"

struct jm_mon {
	const struct jm_opts *o;
	unsigned long seen;
};

static const char *jm_event_name(uint8_t cmd)
{
	switch (cmd) {
	case JITMEM_NL_CMD_SEGMENT_INIT_NTF:
		return "init";
	case JITMEM_NL_CMD_SEGMENT_DEINIT_NTF:
		return "deinit";
	case JITMEM_NL_CMD_SLAB_RELEASE_NTF:
		return "release";
	default:
		return NULL;
	}
}

static uint64_t jm_u64(const struct nlattr **tb, int type)
{
	return tb[type] ? mnl_attr_get_u64(tb[type]) : 0;
}

static uint32_t jm_u32(const struct nlattr **tb, int type)
{
	return tb[type] ? mnl_attr_get_u32(tb[type]) : 0;
}

static void jm_event_json(const char *ev, const struct nlattr **tb)
{
	printf("{\"event\":\"%s\",\"ctx_id\":%" PRIu64 ",\"pid\":%" PRIu32
	       ",\"uid\":%" PRIu32 ",\"comm\":", ev, jm_u64(tb, JITMEM_A_CTX_ID),
	       jm_u32(tb, JITMEM_A_PID), jm_u32(tb, JITMEM_A_UID));
	jm_json_str(stdout, tb[JITMEM_A_COMM] ?
			    mnl_attr_get_str(tb[JITMEM_A_COMM]) : "");
	printf(",\"addr\":%" PRIu64 ",\"size\":%" PRIu64,
	       jm_u64(tb, JITMEM_A_ADDR), jm_u64(tb, JITMEM_A_SIZE));
	if (tb[JITMEM_A_GROUP]) {
		uint32_t g = jm_u32(tb, JITMEM_A_GROUP);

		printf(",\"group\":%" PRIu32 ",\"prot\":\"%s\",\"finalize\":%s",
		       g, jm_prot_name(g),
		       g & JITMEM_GROUP_FINALIZE ? "true" : "false");
	}
	if (tb[JITMEM_A_KEY])
		printf(",\"key\":%" PRIu64, jm_u64(tb, JITMEM_A_KEY));
	if (tb[JITMEM_A_SHA256]) {
		printf(",\"sha256\":\"");
		jm_hex(stdout, mnl_attr_get_payload(tb[JITMEM_A_SHA256]),
		       JITMEM_SHA256_LEN);
		putchar('"');
	}
	puts("}");
}

/* Fixed-width leading fields, so that a stream of events lines up. */
static void jm_event_text(const char *ev, const struct nlattr **tb)
{
	printf("%-7s ctx %-4" PRIu64 " pid %-7" PRIu32 " uid %-5" PRIu32
	       " comm %-15s addr 0x%012" PRIx64 " size %-*" PRIu64, ev,
	       jm_u64(tb, JITMEM_A_CTX_ID), jm_u32(tb, JITMEM_A_PID),
	       jm_u32(tb, JITMEM_A_UID),
	       tb[JITMEM_A_COMM] ? mnl_attr_get_str(tb[JITMEM_A_COMM]) : "-",
	       jm_u64(tb, JITMEM_A_ADDR), tb[JITMEM_A_GROUP] ? 8 : 0,
	       jm_u64(tb, JITMEM_A_SIZE));
	if (tb[JITMEM_A_GROUP]) {
		uint32_t g = jm_u32(tb, JITMEM_A_GROUP);

		printf(" %-2s %-8s", jm_prot_name(g),
		       g & JITMEM_GROUP_FINALIZE ? "finalize" : "standard");
	}
	if (tb[JITMEM_A_KEY])
		printf(" key 0x%012" PRIx64, jm_u64(tb, JITMEM_A_KEY));
	if (tb[JITMEM_A_SHA256]) {
		printf(" sha256 ");
		jm_hex(stdout, mnl_attr_get_payload(tb[JITMEM_A_SHA256]),
		       JITMEM_SHA256_LEN);
	}
	putchar('\n');
}

static int jm_event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[JITMEM_A_MAX + 1];
	struct jm_mon *m = data;
	const char *ev;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*g)))
		return MNL_CB_OK;
	ev = jm_event_name(g->cmd);
	if (!ev)
		return MNL_CB_OK;	/* an event of a newer module */
	if (jm_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (m->o->json)
		jm_event_json(ev, tb);
	else
		jm_event_text(ev, tb);
	fflush(stdout);
	m->seen++;
	if (m->o->count && m->seen >= m->o->count)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

int jm_cmd_monitor(const struct jm_opts *o)
{
	struct jm_mon m = { .o = o };
	struct jm_nl nl;
	ssize_t n;
	int ret;

	ret = jm_nl_open(&nl);
	if (ret)
		return ret;
	if (!nl.events_group) {
		fprintf(stderr, "%s: the family has no \"%s\" group\n", jm_prog,
			JITMEM_MCGRP_EVENTS);
		ret = -EPROTO;
		goto out;
	}
	if (mnl_socket_setsockopt(nl.sock, NETLINK_ADD_MEMBERSHIP,
				  &nl.events_group,
				  sizeof(nl.events_group)) < 0) {
		ret = -errno;
		jm_nl_perror(NULL, "joining the events group", ret);
		if (ret == -EPERM)
			fprintf(stderr, "%s: monitoring needs CAP_NET_ADMIN\n",
				jm_prog);
		goto out;
	}
	for (;;) {
		n = mnl_socket_recvfrom(nl.sock, nl.buf, nl.bufsz);
		if (n < 0 && errno == ENOBUFS) {
			/* Lost events are reported, never silently skipped. */
			fprintf(stderr, "%s: events were lost (%s)\n", jm_prog,
				strerror(errno));
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			jm_nl_perror(NULL, "receiving events", ret);
			break;
		}
		ret = mnl_cb_run(nl.buf, n, 0, 0, jm_event_cb, &m);
		if (ret <= MNL_CB_STOP) {
			ret = ret < 0 ? -errno : 0;
			if (ret)
				jm_nl_perror(NULL, "malformed event", ret);
			break;
		}
	}
out:
	jm_nl_close(&nl);
	return ret;
}
