/* SPDX-License-Identifier: MIT */
/*
 * A tiny expression language over 64-bit integers in one variable x:
 * + - * / % unary minus, parentheses, decimal constants.  Arithmetic wraps;
 * division follows RISC-V so every input is defined: x / 0 = -1,
 * x % 0 = x, x / -1 = -x (wrapping), x % -1 = 0.
 */
#ifndef EXPR_H
#define EXPR_H

#include <stdint.h>

#define EXPR_MAX_NODES	256

enum expr_kind { EXPR_CONST, EXPR_X, EXPR_NEG, EXPR_ADD, EXPR_SUB, EXPR_MUL,
		 EXPR_DIV, EXPR_MOD };

struct expr_node {
	enum expr_kind kind;
	int lhs, rhs;		/* node indices, -1 if unused */
	int64_t value;		/* EXPR_CONST */
};

struct expr {
	struct expr_node nodes[EXPR_MAX_NODES];
	int nnodes;
	int root;
};

/* 0, or -1 with a message in err (and the column in *col). */
int expr_parse(struct expr *e, const char *src, char *err, size_t errlen, int *col);
int64_t expr_eval(const struct expr *e, int64_t x);
int64_t expr_div(int64_t a, int64_t b);
int64_t expr_mod(int64_t a, int64_t b);

#endif
