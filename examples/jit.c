// SPDX-License-Identifier: MIT
/*
 * Code generation (a stack machine on rax/rcx and the native stack) and
 * installation through jitmem_allocate() / jitmem_alloc_finalize().
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jit.h"
#include "x86.h"

enum { SEG_CODE, SEG_RODATA, SEG_DATA, SEG_NR };

struct codegen {
	struct x86_buf buf;
	int64_t consts[EXPR_MAX_NODES];
	size_t nconsts;
};

static size_t const_slot(struct codegen *cg, int64_t v)
{
	size_t i;

	for (i = 0; i < cg->nconsts; i++)
		if (cg->consts[i] == v)
			return i;
	cg->consts[cg->nconsts] = v;
	return cg->nconsts++;
}

/* rcx = divisor, rax = dividend; the special cases of expr.h first. */
static void gen_divmod(struct x86_buf *b, int mod)
{
	size_t zero, minus1, done1, done2;

	X86(b, 0x48, 0x85, 0xc9);			/* test rcx, rcx */
	zero = x86_jump(b, 0x74);			/* jz zero */
	X86(b, 0x48, 0x83, 0xf9, 0xff);			/* cmp rcx, -1 */
	minus1 = x86_jump(b, 0x74);			/* jz minus1 */
	X86(b, 0x48, 0x99);				/* cqo */
	X86(b, 0x48, 0xf7, 0xf9);			/* idiv rcx */
	if (mod)
		X86(b, 0x48, 0x89, 0xd0);		/* mov rax, rdx */
	done1 = x86_jump(b, 0xeb);			/* jmp done */
	x86_bind(b, zero);
	if (!mod)
		X86(b, 0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff); /* mov rax, -1 */
	done2 = x86_jump(b, 0xeb);			/* jmp done */
	x86_bind(b, minus1);
	if (mod)
		X86(b, 0x31, 0xc0);			/* xor eax, eax */
	else
		X86(b, 0x48, 0xf7, 0xd8);		/* neg rax */
	x86_bind(b, done1);
	x86_bind(b, done2);
}

/* Leaves the value of node @i in rax. */
static void gen(struct codegen *cg, const struct expr *e, int i)
{
	const struct expr_node *n = &e->nodes[i];
	struct x86_buf *b = &cg->buf;

	switch (n->kind) {
	case EXPR_CONST:				/* mov rax, [rip + const] */
		x86_riprel(b, (const uint8_t[]){ 0x48, 0x8b, 0x05 }, 3, X86_RODATA,
			   const_slot(cg, n->value) * sizeof(int64_t));
		return;
	case EXPR_X:
		X86(b, 0x48, 0x89, 0xf8);		/* mov rax, rdi */
		return;
	case EXPR_NEG:
		gen(cg, e, n->lhs);
		X86(b, 0x48, 0xf7, 0xd8);		/* neg rax */
		return;
	default:
		break;
	}
	gen(cg, e, n->lhs);
	X86(b, 0x50);					/* push rax */
	gen(cg, e, n->rhs);
	X86(b, 0x48, 0x89, 0xc1);			/* mov rcx, rax */
	X86(b, 0x58);					/* pop rax */
	switch (n->kind) {
	case EXPR_ADD:
		X86(b, 0x48, 0x01, 0xc8);		/* add rax, rcx */
		break;
	case EXPR_SUB:
		X86(b, 0x48, 0x29, 0xc8);		/* sub rax, rcx */
		break;
	case EXPR_MUL:
		X86(b, 0x48, 0x0f, 0xaf, 0xc1);		/* imul rax, rcx */
		break;
	default:
		gen_divmod(b, n->kind == EXPR_MOD);
		break;
	}
}

/* A frame pointer, so that gdb's bt and perf --call-graph fp walk through it. */
static void gen_function(struct codegen *cg, const struct expr *e)
{
	X86(&cg->buf, 0x55);				/* push rbp */
	X86(&cg->buf, 0x48, 0x89, 0xe5);		/* mov rbp, rsp */
	/* lock inc qword [rip + calls] */
	x86_riprel(&cg->buf, (const uint8_t[]){ 0xf0, 0x48, 0xff, 0x05 }, 4, X86_DATA, 0);
	gen(cg, e, e->root);
	X86(&cg->buf, 0x5d);				/* pop rbp */
	X86(&cg->buf, 0xc3);				/* ret */
}

/*
 * Name the installed code for gdb and, when the handle's profiling is on,
 * for perf: "expr_N SOURCE" (jitmem_perf_code() reads the bytes at f->code).
 */
static void name_function(struct jitmem *m, struct jit_fn *f)
{
	static unsigned int next;
	char perf_name[160];

	snprintf(f->name, sizeof(f->name), "expr_%u", __atomic_add_fetch(&next, 1, __ATOMIC_RELAXED));
	f->gdb = gdbjit_register(f->name, (uintptr_t)f->code, f->code_size);
	if (jitmem_perf_flags(m)) {
		snprintf(perf_name, sizeof(perf_name), "%s %.128s", f->name, f->source);
		jitmem_perf_code(m, perf_name, f->code, f->code_size, NULL);
	}
}

/* Finalize action: the executor sees exactly the linked bytes. */
struct verify {
	const void *target, *working;
	size_t len;
};

static int verify_copy(void *arg, struct jitmem_result *res)
{
	const struct verify *v = arg;

	if (!memcmp(v->target, v->working, v->len))
		return 0;
	snprintf(res->message, sizeof(res->message),
		 "the executor's %zu bytes at %p are not the linked ones", v->len, v->target);
	return -EIO;
}

int jit_compile(struct jitmem *m, const struct expr *e, const char *src, struct jit_fn *f)
{
	struct jitmem_seg_request reqs[SEG_NR] = {
		[SEG_CODE]   = { .group = JITMEM_PROT_R | JITMEM_PROT_X, .align = 16 },
		[SEG_RODATA] = { .group = JITMEM_PROT_R, .align = 8 },
		[SEG_DATA]   = { .group = JITMEM_PROT_R | JITMEM_PROT_W,
				 .size = sizeof(uint64_t), .align = 8 },
	};
	struct jitmem_action_pair act = { .finalize = { verify_copy, NULL } };
	size_t consts_size, src_size = strlen(src) + 1;
	struct jitmem_alloc *a;
	struct codegen *cg;
	struct verify check;
	uint8_t *rodata;
	int ret;

	cg = calloc(1, sizeof(*cg));	/* 20 KiB: not for small thread stacks */
	if (!cg)
		return -ENOMEM;
	gen_function(cg, e);
	if (cg->buf.overflow) {
		ret = -E2BIG;
		goto out;
	}
	consts_size = cg->nconsts * sizeof(int64_t);
	reqs[SEG_CODE].size = cg->buf.len;
	reqs[SEG_RODATA].size = consts_size + src_size;

	ret = jitmem_allocate(m, reqs, SEG_NR, &a);
	if (ret)
		goto out;
	ret = x86_link(&cg->buf, jitmem_alloc_working(a, SEG_CODE),
		       (uintptr_t)jitmem_alloc_target(a, SEG_CODE),
		       (uintptr_t)jitmem_alloc_target(a, SEG_RODATA),
		       (uintptr_t)jitmem_alloc_target(a, SEG_DATA));
	if (ret)
		goto abandon;
	rodata = jitmem_alloc_working(a, SEG_RODATA);
	memcpy(rodata, cg->consts, consts_size);
	memcpy(rodata + consts_size, src, src_size);

	*f = (struct jit_fn){
		.code = jitmem_alloc_target(a, SEG_CODE),
		.code_size = cg->buf.len,
		.consts = jitmem_alloc_target(a, SEG_RODATA),
		.nconsts = cg->nconsts,
		.source = (const char *)jitmem_alloc_target(a, SEG_RODATA) + consts_size,
		.calls = jitmem_alloc_target(a, SEG_DATA),
	};
	check = (struct verify){ f->code, jitmem_alloc_working(a, SEG_CODE), f->code_size };
	act.finalize.arg = &check;
	ret = jitmem_alloc_finalize(a, &act, 1, &f->finalized, NULL);
	if (ret)
		goto abandon;
	/* Object to function pointer: what every JIT does (POSIX dlsym() too). */
	memcpy(&f->call, &f->code, sizeof(f->call));
	name_function(m, f);
	goto out;
abandon:
	jitmem_alloc_abandon(a);
	memset(f, 0, sizeof(*f));
out:
	free(cg);
	return ret;
}

int jit_free(struct jitmem *m, struct jit_fn *f)
{
	int ret;

	/* gdb forgets the name before the address can be reused. */
	gdbjit_unregister(f->gdb);
	ret = jitmem_deallocate(m, &f->finalized, 1, NULL);

	memset(f, 0, sizeof(*f));
	return ret;
}
