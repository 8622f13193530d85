/* SPDX-License-Identifier: MIT OR LGPL-2.1 */
/*
 * Helpers shared by the tests.  Each test source is built twice: *_utest
 * (userspace backend, host, sanitizers) and *_ktest (kernel backend, VM).
 */
#ifndef JM_TEST_HELPERS_H
#define JM_TEST_HELPERS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jitmem.h>

#include "tap.h"

#if JM_TEST_KERNEL
#define T_OPEN_FLAGS 0U
#ifndef T_BACKEND
#define T_BACKEND "ktest"
#endif
#else
#define T_OPEN_FLAGS JITMEM_OPEN_USERSPACE
#ifndef T_BACKEND
#define T_BACKEND "utest"
#endif
#endif

#define RX (JITMEM_PROT_R | JITMEM_PROT_X)
#define RO JITMEM_PROT_R
#define RW (JITMEM_PROT_R | JITMEM_PROT_W)

/* Initializers of struct jitmem_seg_request, jitmem_segment, jitmem_init_request */
#define T_REQ(g, s, a) { .group = (g), .size = (s), .align = (a) }
#define T_SEG(a, s, c, cs, g) \
	{ .addr = (a), .size = (s), .content = (c), .content_size = (cs), .group = (g) }
#define T_SEGV(...) ((struct jitmem_segment)T_SEG(__VA_ARGS__))
#define T_INIT(s, ns, a, na) \
	{ .segments = (s), .nsegments = (ns), .actions = (a), .nactions = (na) }

/* Kernel tests fail, never skip, when /dev/jitmem cannot be used. */
static inline int t_open(struct jitmem **m)
{
	int ret = jitmem_open(m, T_OPEN_FLAGS);

	if (ret)
		printf("# jitmem_open(%u): %s\n", T_OPEN_FLAGS, strerror(-ret));
	else if (jitmem_backend_is_kernel(*m) != JM_TEST_KERNEL)
		return -EPROTO;
	return ret;
}

static size_t pg __attribute__((unused));	/* the handle's page size */
static size_t gr __attribute__((unused));	/* its granule (jitmem_granule()) */

/* x rounded up to a multiple of the power of two to */
#define T_UP(x, to) (((x) + (to) - 1) & ~((to) - 1))

/* A handle, and a 1 MiB slab in *slab unless slab is NULL. */
static inline struct jitmem *t_setup(void **slab)
{
	struct jitmem *m;

	if (t_open(&m))
		return NULL;
	pg = jitmem_page_size(m);
	gr = jitmem_granule(m);
	if (slab && jitmem_reserve(m, 1 << 20, slab)) {
		jitmem_close(m);
		return NULL;
	}
	return m;
}

/* An action that fails with the negative errno in its argument, and says so. */
static inline int t_fail(void *arg, struct jitmem_result *res)
{
	int err = (int)(intptr_t)arg;

	snprintf(res->message, sizeof(res->message), "t_fail: %s", strerror(-err));
	return err;
}

/* 1 if the byte can be read, 0 if not: the kernel reports EFAULT. */
static inline int t_readable(const void *addr)
{
	int fds[2], ret;
	char c;

	if (pipe(fds))
		return -1;
	ret = write(fds[1], addr, 1) == 1 ? 1 : errno == EFAULT ? 0 : -1;
	if (ret == 1 && read(fds[0], &c, 1) != 1)
		ret = -1;
	close(fds[0]);
	close(fds[1]);
	return ret;
}

/*
 * What freed memory holds: 0xcc (int3) in code, zeros in data.  The kernel
 * backend keeps a freed page mapped, scrubbed, for reuse (up to its
 * max_empty_bytes); the userspace backend makes it inaccessible.
 */
#define T_FILL_CODE 0xcc
#define T_FILL_DATA 0x00

/* 1 if the byte is freed: unreadable, or (kernel) reading @fill; else 0. */
static inline int t_freed(const void *addr, unsigned char fill)
{
	int r = t_readable(addr);

	if (r != 1)
		return r == 0 ? 1 : -1;
	return JM_TEST_KERNEL && *(const volatile unsigned char *)addr == fill;
}

/* 1 if the byte can be written (it is written with its own value), 0 if not. */
static inline int t_writable(void *addr)
{
	int fds[2], ret;
	char c = 0;

	if (pipe(fds))
		return -1;
	if (t_readable(addr) == 1)
		memcpy(&c, addr, 1);
	ret = write(fds[1], &c, 1) == 1 ? 0 : -1;
	if (!ret)
		ret = read(fds[0], addr, 1) == 1 ? 1 : errno == EFAULT ? 0 : -1;
	close(fds[0]);
	close(fds[1]);
	return ret;
}

/* Machine code of int f(void) { return value; } */
static inline size_t t_code(void *buf, int value)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned char *p = buf;

	p[0] = 0xb8;			/* mov eax, imm32 */
	memcpy(p + 1, &value, 4);
	p[5] = 0xc3;			/* ret */
	return 6;
#elif defined(__aarch64__)
	uint32_t insn[3] = {
		0x52800000u | ((uint32_t)value & 0xffff) << 5,		/* movz w0 */
		0x72a00000u | ((uint32_t)value >> 16) << 5,		/* movk w0, lsl 16 */
		0xd65f03c0u,						/* ret */
	};

	memcpy(buf, insn, sizeof(insn));
	return sizeof(insn);
#else
#error "t_code: no encoding for this architecture"
#endif
}

static inline int t_call(const void *code)
{
	int (*fn)(void);

	memcpy(&fn, &code, sizeof(fn));
	return fn();
}

/* Lines of /proc/self/maps: the process's VMAs. */
static inline long t_maps_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long lines = 0;
	int c;

	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			lines++;
	fclose(f);
	return lines;
}

#endif /* JM_TEST_HELPERS_H */
