// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmemctl stats: the module-wide counters (stats-get).
 * jitmemctl ps: the open contexts and their counters (context-get dump).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jitmemctl.h"

struct jm_field {
	uint16_t attr;
	const char *key;	/* JSON */
	const char *label;	/* human, stats */
	const char *head;	/* human, ps column; NULL: not in ps */
	bool bytes;		/* ps shows it in binary units */
};

static const struct jm_field jm_fields[] = {
	{ JITMEM_A_CONTEXTS, "contexts", "Open contexts", NULL, false },
	{ JITMEM_A_SLABS, "slabs", "Slabs", "SLABS", false },
	{ JITMEM_A_RESERVED_BYTES, "reserved_bytes", "Reserved bytes",
	  "RESERVED", true },
	{ JITMEM_A_REGIONS, "regions", "Regions", "REGIONS", false },
	{ JITMEM_A_SEGMENTS, "segments", "Segments", "SEGS", false },
	{ JITMEM_A_BYTES_R, "bytes_r", "Initialized bytes R", "R", true },
	{ JITMEM_A_BYTES_RW, "bytes_rw", "Initialized bytes RW", "RW", true },
	{ JITMEM_A_BYTES_RX, "bytes_rx", "Initialized bytes RX", "RX", true },
	{ JITMEM_A_RETIRED_BYTES, "retired_bytes", "Retired code bytes",
	  "RETIRED", true },
	{ JITMEM_A_REFUSED_WX, "refused_wx", "Refused W+X", NULL, false },
	{ JITMEM_A_REFUSED_MPROTECT, "refused_mprotect", "Refused mprotect",
	  NULL, false },
	{ JITMEM_A_REFUSED_INVAL, "refused_inval", "Refused invalid", NULL,
	  false },
	{ JITMEM_A_REFUSED_LIMIT, "refused_limit", "Refused over limits",
	  NULL, false },
	{ JITMEM_A_REFUSED_FOREIGN_MM, "refused_foreign_mm",
	  "Refused other process", NULL, false },
	{ JITMEM_A_REFUSED_MREMAP, "refused_mremap", "Refused mremap", NULL,
	  false },
	{ JITMEM_A_HELD_BYTES, "held_bytes", "Pages held, bytes", "HELD",
	  true },
	{ JITMEM_A_EMPTY_BYTES, "empty_bytes", "Empty pages kept, bytes",
	  "EMPTY", true },
	{ JITMEM_A_DEBUG_WRITES, "debug_writes", "Debugger writes into code",
	  NULL, false },
};

#define JM_NFIELDS	(sizeof(jm_fields) / sizeof(jm_fields[0]))

struct jm_stats {
	bool have[JM_NFIELDS];
	uint64_t val[JM_NFIELDS];
};

static void jm_fields_get(const struct nlattr **tb, struct jm_stats *s)
{
	size_t i;

	for (i = 0; i < JM_NFIELDS; i++) {
		s->have[i] = tb[jm_fields[i].attr];
		s->val[i] = s->have[i] ? mnl_attr_get_u64(tb[jm_fields[i].attr]) : 0;
	}
}

static int jm_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[JITMEM_A_MAX + 1];

	if (jm_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	jm_fields_get(tb, data);
	return MNL_CB_OK;
}

static void jm_stats_print(const struct jm_stats *s, bool json)
{
	int lw = 0, vw = 1;
	const char *sep = "";
	char v[32];
	size_t i;

	if (json) {
		putchar('{');
		for (i = 0; i < JM_NFIELDS; i++) {
			if (!s->have[i])
				continue;
			printf("%s\"%s\":%" PRIu64, sep, jm_fields[i].key,
			       s->val[i]);
			sep = ",";
		}
		puts("}");
		return;
	}
	for (i = 0; i < JM_NFIELDS; i++) {
		int l = (int)strlen(jm_fields[i].label) + 1;

		lw = l > lw ? l : lw;
		l = snprintf(v, sizeof(v), "%" PRIu64, s->val[i]);
		vw = l > vw ? l : vw;
	}
	for (i = 0; i < JM_NFIELDS; i++) {
		if (s->have[i])
			snprintf(v, sizeof(v), "%" PRIu64, s->val[i]);
		else
			snprintf(v, sizeof(v), "-");
		printf("%s:%*s %*s\n", jm_fields[i].label,
		       lw - (int)strlen(jm_fields[i].label) - 1, "", vw, v);
	}
}

int jm_cmd_stats(const struct jm_opts *o)
{
	struct jm_stats s = { 0 };
	struct jm_nl nl;
	int ret;

	ret = jm_nl_open(&nl);
	if (ret)
		return ret;
	ret = jm_nl_talk(&nl, jm_nl_msg(&nl, JITMEM_NL_CMD_STATS_GET, 0),
			 jm_stats_cb, &s);
	if (ret)
		jm_nl_perror(&nl, "stats-get", ret);
	else
		jm_stats_print(&s, o->json);
	jm_nl_close(&nl);
	return ret;
}

struct jm_ctx_row {
	uint64_t id;
	uint32_t pid, uid;
	char comm[64];
	struct jm_stats s;
};

struct jm_ctx_rows {
	struct jm_ctx_row *v;
	size_t n, cap;
};

static int jm_ps_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[JITMEM_A_MAX + 1];
	struct jm_ctx_rows *rows = data;
	struct jm_ctx_row *r;

	if (jm_nl_parse(nlh, tb) < 0)
		return MNL_CB_ERROR;
	if (!tb[JITMEM_A_CTX_ID] || !tb[JITMEM_A_PID]) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? 2 * rows->cap : 16;
		struct jm_ctx_row *v = realloc(rows->v, cap * sizeof(*v));

		if (!v)
			return MNL_CB_ERROR;
		rows->v = v;
		rows->cap = cap;
	}
	r = &rows->v[rows->n++];
	memset(r, 0, sizeof(*r));
	r->id = mnl_attr_get_u64(tb[JITMEM_A_CTX_ID]);
	r->pid = mnl_attr_get_u32(tb[JITMEM_A_PID]);
	r->uid = tb[JITMEM_A_UID] ? mnl_attr_get_u32(tb[JITMEM_A_UID]) : 0;
	if (tb[JITMEM_A_COMM])
		snprintf(r->comm, sizeof(r->comm), "%s",
			 mnl_attr_get_str(tb[JITMEM_A_COMM]));
	jm_fields_get(tb, &r->s);
	return MNL_CB_OK;
}

static void jm_ps_json(const struct jm_ctx_rows *rows)
{
	size_t i, f;

	putchar('[');
	for (i = 0; i < rows->n; i++) {
		const struct jm_ctx_row *r = &rows->v[i];

		printf("%s{\"ctx_id\":%" PRIu64 ",\"pid\":%" PRIu32
		       ",\"uid\":%" PRIu32 ",\"comm\":", i ? "," : "", r->id,
		       r->pid, r->uid);
		jm_json_str(stdout, r->comm);
		for (f = 0; f < JM_NFIELDS; f++)
			if (jm_fields[f].head && r->s.have[f])
				printf(",\"%s\":%" PRIu64, jm_fields[f].key,
				       r->s.val[f]);
		putchar('}');
	}
	puts("]");
}

/* Columns: ID PID UID COMM, then the counters that have a head. */
#define JM_PS_FIXED	4
#define JM_PS_COLS	(JM_PS_FIXED + 8)
#define JM_CELL		32

static void jm_ps_cells(const struct jm_ctx_row *r, char (*c)[JM_CELL])
{
	size_t f, col = JM_PS_FIXED;

	snprintf(c[0], JM_CELL, "%" PRIu64, r->id);
	snprintf(c[1], JM_CELL, "%" PRIu32, r->pid);
	snprintf(c[2], JM_CELL, "%" PRIu32, r->uid);
	snprintf(c[3], JM_CELL, "%.31s", r->comm);
	for (f = 0; f < JM_NFIELDS && col < JM_PS_COLS; f++) {
		if (!jm_fields[f].head)
			continue;
		if (!r->s.have[f])
			snprintf(c[col], JM_CELL, "-");
		else if (jm_fields[f].bytes)
			jm_human_size(r->s.val[f], c[col], JM_CELL);
		else
			snprintf(c[col], JM_CELL, "%" PRIu64, r->s.val[f]);
		col++;
	}
}

static void jm_ps_table(const struct jm_ctx_rows *rows)
{
	char head[JM_PS_COLS][JM_CELL] = { "ID", "PID", "UID", "COMM" };
	char cells[JM_PS_COLS][JM_CELL];
	int w[JM_PS_COLS];
	size_t i, f, col = JM_PS_FIXED;

	for (f = 0; f < JM_NFIELDS && col < JM_PS_COLS; f++)
		if (jm_fields[f].head)
			snprintf(head[col++], JM_CELL, "%s", jm_fields[f].head);
	for (col = 0; col < JM_PS_COLS; col++)
		w[col] = (int)strlen(head[col]);
	for (i = 0; i < rows->n; i++) {
		jm_ps_cells(&rows->v[i], cells);
		for (col = 0; col < JM_PS_COLS; col++) {
			int l = (int)strlen(cells[col]);

			w[col] = l > w[col] ? l : w[col];
		}
	}
	/* COMM is left-aligned, like ps; numbers right-aligned. */
	for (i = 0; i <= rows->n; i++) {
		char (*c)[JM_CELL] = head;

		if (i) {
			jm_ps_cells(&rows->v[i - 1], cells);
			c = cells;
		}
		for (col = 0; col < JM_PS_COLS; col++) {
			const char *sp = col ? " " : "";

			if (col == 3)
				printf("%s%-*s", sp, w[col], c[col]);
			else
				printf("%s%*s", sp, w[col], c[col]);
		}
		putchar('\n');
	}
}

int jm_cmd_ps(const struct jm_opts *o)
{
	struct jm_ctx_rows rows = { 0 };
	int ret;

	ret = jm_nl_dump(JITMEM_NL_CMD_CONTEXT_GET, o->pid, "context-get",
			 jm_ps_cb, &rows);
	if (!ret && o->json)
		jm_ps_json(&rows);
	else if (!ret)
		jm_ps_table(&rows);
	free(rows.v);
	return ret;
}
