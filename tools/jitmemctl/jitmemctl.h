/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jitmemctl: read the jitmem generic netlink family (libmnl).
 */
#ifndef JITMEMCTL_H
#define JITMEMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libmnl/libmnl.h>
#include <linux/jitmem_netlink.h>

struct jm_opts {
	bool json;
	unsigned long count;	/* monitor: stop after this many, 0: never */
	uint32_t pid;		/* ps, segments: only this process, 0: all */
};

/* genl.c: one socket talking to the family. */
struct jm_nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	uint32_t events_group;	/* multicast group id, 0 when unknown */
	char *buf;
	size_t bufsz;
	char ext_msg[256];	/* extended ACK message of the last error */
	int ext_offs;		/* its attribute offset, -1 for none */
};

int jm_nl_open(struct jm_nl *nl);
void jm_nl_close(struct jm_nl *nl);
struct nlmsghdr *jm_nl_msg(struct jm_nl *nl, uint8_t cmd, uint16_t flags);
int jm_nl_talk(struct jm_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
	       void *data);
void jm_nl_perror(const struct jm_nl *nl, const char *what, int err);
int jm_nl_dump(uint8_t cmd, uint32_t pid, const char *what, mnl_cb_t cb,
	       void *data);
int jm_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb);

/* print.c: human and JSON output. */
void jm_json_str(FILE *f, const char *s);
void jm_hex(FILE *f, const uint8_t *p, size_t n);
const char *jm_prot_name(uint32_t group);
const char *jm_human_size(uint64_t v, char *buf, size_t len);

/* Commands. */
int jm_cmd_stats(const struct jm_opts *o);
int jm_cmd_ps(const struct jm_opts *o);
int jm_cmd_monitor(const struct jm_opts *o);
int jm_cmd_segments(const struct jm_opts *o);

extern const char *jm_prog;

#endif /* JITMEMCTL_H */
