// SPDX-License-Identifier: MIT
/* The byte-level half of the compiler: see x86.h. */
#include <errno.h>
#include <string.h>

#include "x86.h"

void x86_bytes(struct x86_buf *b, const uint8_t *p, size_t n)
{
	if (b->overflow || n > sizeof(b->code) - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->code + b->len, p, n);
	b->len += n;
}

void x86_riprel(struct x86_buf *b, const uint8_t *p, size_t n, enum x86_target t,
		size_t offset)
{
	x86_bytes(b, p, n);
	if (b->nfixups == X86_MAX_FIXUPS) {
		b->overflow = 1;
		return;
	}
	b->fixups[b->nfixups++] = (struct x86_fixup){ b->len, t, offset };
	X86(b, 0, 0, 0, 0);
}

size_t x86_jump(struct x86_buf *b, uint8_t opcode)
{
	X86(b, opcode, 0);
	return b->len - 1;
}

void x86_bind(struct x86_buf *b, size_t hole)
{
	size_t rel = b->len - (hole + 1);

	if (b->overflow)
		return;
	if (rel > 127)
		b->overflow = 1;
	else
		b->code[hole] = (uint8_t)rel;
}

int x86_link(const struct x86_buf *b, uint8_t *dst, uintptr_t code, uintptr_t rodata,
	     uintptr_t data)
{
	size_t i;

	if (b->overflow)
		return -E2BIG;
	memcpy(dst, b->code, b->len);
	for (i = 0; i < b->nfixups; i++) {
		const struct x86_fixup *f = &b->fixups[i];
		uintptr_t to = (f->target == X86_RODATA ? rodata : data) + f->offset;
		/* RIP points past the disp32: it is the last field of every use. */
		int64_t delta = (int64_t)(to - (code + f->at + 4));
		int32_t d32 = (int32_t)delta;

		if (delta != d32)
			return -ERANGE;
		memcpy(dst + f->at, &d32, sizeof(d32));
	}
	return 0;
}
