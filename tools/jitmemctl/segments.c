// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmemctl segments: the live segments of the open contexts (segment-get
 * dump), with the SHA-256 of each executable one as mapped now.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/jitmem.h>

#include "jitmemctl.h"

struct jm_seg_row {
	uint64_t ctx_id, addr, size, key;
	uint32_t pid, uid, group;
	bool has_sha;
	uint8_t sha[JITMEM_SHA256_LEN];
	char comm[64];
};

struct jm_seg_rows {
	struct jm_seg_row *v;
	size_t n, cap;
};

static int jm_seg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[JITMEM_A_MAX + 1];
	struct jm_seg_rows *rows = data;
	struct jm_seg_row *r;

	if (jm_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[JITMEM_A_CTX_ID] || !tb[JITMEM_A_PID] || !tb[JITMEM_A_ADDR] ||
	    !tb[JITMEM_A_SIZE] || !tb[JITMEM_A_GROUP] || !tb[JITMEM_A_KEY]) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? 2 * rows->cap : 64;
		struct jm_seg_row *v = realloc(rows->v, cap * sizeof(*v));

		if (!v)
			return MNL_CB_ERROR;
		rows->v = v;
		rows->cap = cap;
	}
	r = &rows->v[rows->n++];
	memset(r, 0, sizeof(*r));
	r->ctx_id = mnl_attr_get_u64(tb[JITMEM_A_CTX_ID]);
	r->pid = mnl_attr_get_u32(tb[JITMEM_A_PID]);
	r->uid = tb[JITMEM_A_UID] ? mnl_attr_get_u32(tb[JITMEM_A_UID]) : 0;
	if (tb[JITMEM_A_COMM])
		snprintf(r->comm, sizeof(r->comm), "%s",
			 mnl_attr_get_str(tb[JITMEM_A_COMM]));
	r->addr = mnl_attr_get_u64(tb[JITMEM_A_ADDR]);
	r->size = mnl_attr_get_u64(tb[JITMEM_A_SIZE]);
	r->group = mnl_attr_get_u32(tb[JITMEM_A_GROUP]);
	r->key = mnl_attr_get_u64(tb[JITMEM_A_KEY]);
	if (tb[JITMEM_A_SHA256]) {
		r->has_sha = true;
		memcpy(r->sha, mnl_attr_get_payload(tb[JITMEM_A_SHA256]),
		       JITMEM_SHA256_LEN);
	}
	return MNL_CB_OK;
}

static void jm_seg_json(const struct jm_seg_rows *rows)
{
	size_t i;

	putchar('[');
	for (i = 0; i < rows->n; i++) {
		const struct jm_seg_row *r = &rows->v[i];

		printf("%s{\"ctx_id\":%" PRIu64 ",\"pid\":%" PRIu32
		       ",\"uid\":%" PRIu32 ",\"comm\":", i ? "," : "", r->ctx_id,
		       r->pid, r->uid);
		jm_json_str(stdout, r->comm);
		printf(",\"addr\":%" PRIu64 ",\"size\":%" PRIu64 ",\"group\":%"
		       PRIu32 ",\"prot\":\"%s\",\"finalize\":%s,\"key\":%" PRIu64,
		       r->addr, r->size, r->group, jm_prot_name(r->group),
		       r->group & JITMEM_GROUP_FINALIZE ? "true" : "false",
		       r->key);
		if (r->has_sha) {
			printf(",\"sha256\":\"");
			jm_hex(stdout, r->sha, JITMEM_SHA256_LEN);
			putchar('"');
		}
		putchar('}');
	}
	puts("]");
}

/* PID CTX COMM ADDR SIZE PROT LIFETIME KEY SHA256, one row per segment. */
#define JM_SEG_COLS	9
#define JM_SEG_CELL	72

static void jm_seg_cells(const struct jm_seg_row *r, char (*c)[JM_SEG_CELL])
{
	char *p;
	int i;

	snprintf(c[0], JM_SEG_CELL, "%" PRIu32, r->pid);
	snprintf(c[1], JM_SEG_CELL, "%" PRIu64, r->ctx_id);
	snprintf(c[2], JM_SEG_CELL, "%.15s", r->comm);
	snprintf(c[3], JM_SEG_CELL, "0x%" PRIx64, r->addr);
	jm_human_size(r->size, c[4], JM_SEG_CELL);
	snprintf(c[5], JM_SEG_CELL, "%s", jm_prot_name(r->group));
	snprintf(c[6], JM_SEG_CELL, "%s",
		 r->group & JITMEM_GROUP_FINALIZE ? "finalize" : "standard");
	snprintf(c[7], JM_SEG_CELL, "0x%" PRIx64, r->key);
	if (!r->has_sha) {
		snprintf(c[8], JM_SEG_CELL, "-");
		return;
	}
	for (i = 0, p = c[8]; i < JITMEM_SHA256_LEN; i++, p += 2)
		snprintf(p, 3, "%02x", r->sha[i]);
}

static void jm_seg_table(const struct jm_seg_rows *rows)
{
	static const char head[JM_SEG_COLS][JM_SEG_CELL] = {
		"PID", "CTX", "COMM", "ADDR", "SIZE", "PROT", "LIFETIME", "KEY",
		"SHA256",
	};
	/* Text columns left-aligned, numbers right-aligned. */
	static const bool left[JM_SEG_COLS] = {
		[2] = true, [3] = true, [5] = true, [6] = true, [7] = true,
		[8] = true,
	};
	char cells[JM_SEG_COLS][JM_SEG_CELL];
	int w[JM_SEG_COLS];
	size_t i, col;

	for (col = 0; col < JM_SEG_COLS; col++)
		w[col] = (int)strlen(head[col]);
	for (i = 0; i < rows->n; i++) {
		jm_seg_cells(&rows->v[i], cells);
		for (col = 0; col < JM_SEG_COLS; col++) {
			int l = (int)strlen(cells[col]);

			w[col] = l > w[col] ? l : w[col];
		}
	}
	for (i = 0; i <= rows->n; i++) {
		const char (*c)[JM_SEG_CELL] = head;

		if (i) {
			jm_seg_cells(&rows->v[i - 1], cells);
			c = (const char (*)[JM_SEG_CELL])cells;
		}
		for (col = 0; col < JM_SEG_COLS; col++) {
			const char *sp = col ? " " : "";

			/* The last column unpadded: no trailing blanks. */
			if (col == JM_SEG_COLS - 1)
				printf("%s%s", sp, c[col]);
			else if (left[col])
				printf("%s%-*s", sp, w[col], c[col]);
			else
				printf("%s%*s", sp, w[col], c[col]);
		}
		putchar('\n');
	}
}

int jm_cmd_segments(const struct jm_opts *o)
{
	struct jm_seg_rows rows = { 0 };
	int ret;

	ret = jm_nl_dump(JITMEM_NL_CMD_SEGMENT_GET, o->pid, "segment-get",
			 jm_seg_cb, &rows);
	if (!ret && o->json)
		jm_seg_json(&rows);
	else if (!ret)
		jm_seg_table(&rows);
	free(rows.v);
	return ret;
}
