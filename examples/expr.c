// SPDX-License-Identifier: MIT
/* Recursive-descent parser and reference evaluator for expr.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "expr.h"

#define EXPR_MAX_DEPTH 64

struct parser {
	struct expr *e;
	const char *src, *p;
	char *err;
	size_t errlen;
	int depth;
	int failed;
};

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (!ps->failed) {
		va_start(ap, fmt);
		vsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
		ps->failed = 1;
	}
	return -1;
}

static void skip_space(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static int node(struct parser *ps, enum expr_kind kind, int lhs, int rhs, int64_t value)
{
	struct expr *e = ps->e;

	if (lhs < 0 && kind != EXPR_CONST && kind != EXPR_X)
		return -1;
	if (rhs < 0 && kind >= EXPR_ADD)
		return -1;
	if (e->nnodes == EXPR_MAX_NODES)
		return fail(ps, "expression too long (%d nodes at most)", EXPR_MAX_NODES);
	e->nodes[e->nnodes] = (struct expr_node){ kind, lhs, rhs, value };
	return e->nnodes++;
}

static int parse_sum(struct parser *ps);

static int parse_primary(struct parser *ps)
{
	int n;

	skip_space(ps);
	if (*ps->p == '(') {
		ps->p++;
		if (++ps->depth > EXPR_MAX_DEPTH)
			return fail(ps, "nested deeper than %d", EXPR_MAX_DEPTH);
		n = parse_sum(ps);
		ps->depth--;
		skip_space(ps);
		if (n < 0)
			return -1;
		if (*ps->p != ')')
			return fail(ps, "expected ')'");
		ps->p++;
		return n;
	}
	if (*ps->p == 'x') {
		ps->p++;
		return node(ps, EXPR_X, -1, -1, 0);
	}
	if (isdigit((unsigned char)*ps->p)) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(ps->p, &end, 10);
		if (errno || v > INT64_MAX)
			return fail(ps, "constant out of range");
		ps->p = end;
		return node(ps, EXPR_CONST, -1, -1, (int64_t)v);
	}
	return fail(ps, *ps->p ? "unexpected '%c'" : "unexpected end", *ps->p);
}

static int parse_unary(struct parser *ps)
{
	int n;

	skip_space(ps);
	if (*ps->p != '-')
		return parse_primary(ps);
	ps->p++;
	if (++ps->depth > EXPR_MAX_DEPTH)
		return fail(ps, "nested deeper than %d", EXPR_MAX_DEPTH);
	n = parse_unary(ps);
	ps->depth--;
	return node(ps, EXPR_NEG, n, -1, 0);
}

static int parse_product(struct parser *ps)
{
	int lhs = parse_unary(ps);

	for (;;) {
		enum expr_kind k;

		skip_space(ps);
		if (*ps->p == '*')
			k = EXPR_MUL;
		else if (*ps->p == '/')
			k = EXPR_DIV;
		else if (*ps->p == '%')
			k = EXPR_MOD;
		else
			return lhs;
		ps->p++;
		lhs = node(ps, k, lhs, parse_unary(ps), 0);
	}
}

static int parse_sum(struct parser *ps)
{
	int lhs = parse_product(ps);

	for (;;) {
		enum expr_kind k;

		skip_space(ps);
		if (*ps->p == '+')
			k = EXPR_ADD;
		else if (*ps->p == '-')
			k = EXPR_SUB;
		else
			return lhs;
		ps->p++;
		lhs = node(ps, k, lhs, parse_product(ps), 0);
	}
}

int expr_parse(struct expr *e, const char *src, char *err, size_t errlen, int *col)
{
	struct parser ps = { .e = e, .src = src, .p = src, .err = err, .errlen = errlen };

	e->nnodes = 0;
	e->root = parse_sum(&ps);
	skip_space(&ps);
	if (e->root >= 0 && *ps.p)
		fail(&ps, "unexpected '%c'", *ps.p);
	if (ps.failed) {
		if (col)
			*col = (int)(ps.p - src) + 1;
		return -1;
	}
	return 0;
}

int64_t expr_div(int64_t a, int64_t b)
{
	if (b == 0)
		return -1;
	if (b == -1)
		return (int64_t)(0 - (uint64_t)a);
	return a / b;
}

int64_t expr_mod(int64_t a, int64_t b)
{
	if (b == 0)
		return a;
	if (b == -1)
		return 0;
	return a % b;
}

static int64_t eval(const struct expr *e, int i, int64_t x)
{
	const struct expr_node *n = &e->nodes[i];
	uint64_t a, b;

	switch (n->kind) {
	case EXPR_CONST:
		return n->value;
	case EXPR_X:
		return x;
	case EXPR_NEG:
		return (int64_t)(0 - (uint64_t)eval(e, n->lhs, x));
	default:
		break;
	}
	a = (uint64_t)eval(e, n->lhs, x);
	b = (uint64_t)eval(e, n->rhs, x);
	switch (n->kind) {
	case EXPR_ADD:
		return (int64_t)(a + b);
	case EXPR_SUB:
		return (int64_t)(a - b);
	case EXPR_MUL:
		return (int64_t)(a * b);
	case EXPR_DIV:
		return expr_div((int64_t)a, (int64_t)b);
	default:
		return expr_mod((int64_t)a, (int64_t)b);
	}
}

int64_t expr_eval(const struct expr *e, int64_t x)
{
	return eval(e, e->root, x);
}
