/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jitmem-bench: cost of initialize + deinitialize of a code region with the
 * kernel backend (/dev/jitmem ioctls), a userspace backend in the style of
 * ORC's SimpleNativeMemoryMap (mmap PROT_NONE, mprotect RW, copy, mprotect
 * RX; mprotect NONE and MADV_DONTNEED on deinitialize) and a memfd mapped
 * twice (write through the RW view, run from the RX view; punch a hole on
 * deinitialize), with plain memcpy of the same bytes as the limit.
 */
#ifndef JITMEM_BENCH_H
#define JITMEM_BENCH_H

#include <stddef.h>
#include <stdint.h>

struct backend_ops;

struct backend {
	const struct backend_ops *ops;
	size_t slab_size;
	uint8_t *slab;		/* where code runs */
	uint8_t *rw;		/* memfd: the writable view */
	int fd;
};

struct backend_ops {
	const char *name;
	int (*setup)(struct backend *b);
	/* Initialize @len bytes of code at slab + @off, @maplen mapped. */
	int (*init)(struct backend *b, size_t off, const void *code,
		    size_t len, size_t maplen, uint64_t *key);
	int (*deinit)(struct backend *b, uint64_t key, size_t off,
		      size_t maplen);
	/* One call for @n regions; NULL: the backend has no batch. */
	int (*deinit_many)(struct backend *b, const uint64_t *keys,
			   const size_t *offs, size_t n, size_t maplen);
	void (*teardown)(struct backend *b);
};

extern const struct backend_ops kernel_backend;
extern const struct backend_ops user_backend;
extern const struct backend_ops memfd_backend;

/* stats.c */
uint64_t now_ns(void);
void sort_u64(uint64_t *v, size_t n);
uint64_t percentile(const uint64_t *sorted, size_t n, unsigned int pct);
int pin_cpu(int cpu);
int busy_start(int cpu);
void busy_stop(void);

#endif /* JITMEM_BENCH_H */
