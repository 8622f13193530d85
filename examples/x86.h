/* SPDX-License-Identifier: MIT */
/*
 * Just enough of an x86-64 assembler for the expression compiler: a byte
 * buffer, short forward jumps, and RIP-relative references resolved later
 * against the addresses the allocator hands out (JITLink's Delta32 fixup).
 */
#ifndef X86_H
#define X86_H

#include <stddef.h>
#include <stdint.h>

#include "expr.h"

#define X86_MAX_CODE	16384
#define X86_MAX_FIXUPS	(EXPR_MAX_NODES + 1)

enum x86_target { X86_RODATA, X86_DATA };

struct x86_fixup {
	size_t at;		/* offset of the disp32 in the code */
	enum x86_target target;
	size_t offset;		/* byte offset in the target segment */
};

struct x86_buf {
	uint8_t code[X86_MAX_CODE];
	size_t len;
	struct x86_fixup fixups[X86_MAX_FIXUPS];
	size_t nfixups;
	int overflow;
};

void x86_bytes(struct x86_buf *b, const uint8_t *p, size_t n);
#define X86(b, ...) \
	x86_bytes(b, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* Emit the instruction prefix @p, then a disp32 to be fixed up. */
void x86_riprel(struct x86_buf *b, const uint8_t *p, size_t n, enum x86_target t,
		size_t offset);

/* jcc/jmp rel8 with a hole; x86_bind() points it at the current end. */
size_t x86_jump(struct x86_buf *b, uint8_t opcode);
void x86_bind(struct x86_buf *b, size_t hole);

/*
 * Copy the code to @dst (working memory) and resolve every fixup for the
 * executor addresses: -ERANGE if a target is beyond +-2 GiB.
 */
int x86_link(const struct x86_buf *b, uint8_t *dst, uintptr_t code, uintptr_t rodata,
	     uintptr_t data);

#endif
