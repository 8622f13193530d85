// SPDX-License-Identifier: GPL-2.0-only
/*
 * One read-execute region at offset 0 of a slab, initialized and
 * deinitialized over and over (so after the warm-up the range is one the
 * backend has had before), for 64 B to 1 MiB of code; initialize and
 * deinitialize timed apart.  memcpy of the same bytes is the floor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define SLAB_SIZE	(4UL << 20)
#define MAX_SAMPLES	20000

static const size_t rt_sizes[] = { 64, 4096, 65536, 1UL << 20 };
#define NSIZES		(sizeof(rt_sizes) / sizeof(rt_sizes[0]))

static const struct backend_ops *const backends[] = {
	&kernel_backend, &user_backend, &memfd_backend,
};
#define NBACKENDS	(sizeof(backends) / sizeof(backends[0]))

static struct rt_figure rts[2 * NSIZES * (NBACKENDS + 1)];
static size_t nrts;
static uint64_t s_init[MAX_SAMPLES], s_deinit[MAX_SAMPLES];

static void summarize(struct rt_figure *f, size_t n, uint64_t ti, uint64_t td,
		      uint64_t tlb)
{
	sort_u64(s_init, n);
	sort_u64(s_deinit, n);
	f->n = n;
	f->init_mean_ns = n ? (double)ti / n : 0;
	f->deinit_mean_ns = n ? (double)td / n : 0;
	f->init_p50_ns = percentile(s_init, n, 50);
	f->init_p99_ns = percentile(s_init, n, 99);
	f->deinit_p50_ns = percentile(s_deinit, n, 50);
	f->tlb_per_op = n ? (double)tlb / n : 0;
}

static void run_backend(const struct backend_ops *ops, size_t size,
			struct rt_figure *f)
{
	struct backend b = { .ops = ops, .slab_size = SLAB_SIZE };
	size_t maplen = round_up(size, page_size), n = 0;
	uint8_t *code = make_code(size);
	uint64_t key, t0, t1, t2, start, ti = 0, td = 0, tlb0;
	int i, err;

	f->name = ops->name;
	f->size = size;
	err = ops->setup(&b);
	if (err)
		goto out;
	for (i = 0; i < 20 && !err; i++) {
		err = ops->init(&b, 0, code, size, maplen, &key);
		if (!err && !i &&
		    ((int (*)(void))(uintptr_t)b.slab)() != CODE_RET)
			err = -EIO;
		if (!err)
			err = ops->deinit(&b, key, 0, maplen);
	}
	tlb0 = tlb_shootdowns();
	start = now_ns();
	while (!err && n < MAX_SAMPLES && now_ns() - start < budget_s * 1e9) {
		t0 = now_ns();
		err = ops->init(&b, 0, code, size, maplen, &key);
		t1 = now_ns();
		if (!err)
			err = ops->deinit(&b, key, 0, maplen);
		t2 = now_ns();
		s_init[n] = t1 - t0;
		s_deinit[n++] = t2 - t1;
		ti += t1 - t0;
		td += t2 - t1;
	}
	summarize(f, n, ti, td, tlb_shootdowns() - tlb0);
	ops->teardown(&b);
out:
	f->err = err;
	free(code);
}

/* Timed in bursts so that the clock does not dominate small copies. */
static void run_memcpy(size_t size, struct rt_figure *f)
{
	size_t burst = size >= 65536 ? 1 : 65536 / size, n = 0, k;
	uint8_t *code = make_code(size);
	uint8_t *dst = aligned_alloc(page_size, round_up(size, page_size));
	uint64_t t0, t1, start, total = 0;

	f->name = "memcpy";
	f->size = size;
	memset(dst, 0, round_up(size, page_size));
	start = now_ns();
	while (n < MAX_SAMPLES && now_ns() - start < budget_s * 1e9) {
		t0 = now_ns();
		for (k = 0; k < burst; k++) {
			memcpy(dst, code, size);
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		t1 = now_ns();
		s_init[n] = (t1 - t0) / burst;
		s_deinit[n++] = 0;
		total += (t1 - t0) / burst;
	}
	f->err = 0;
	summarize(f, n, total, 0, 0);
	free(code);
	free(dst);
}

void roundtrip_run(void)
{
	int threads;
	size_t s, k;

	for (threads = 1; threads <= 2; threads++) {
		if (threads == 2 && (ncpu < 2 || busy_start(1)))
			break;
		for (s = 0; s < NSIZES; s++) {
			for (k = 0; k < NBACKENDS; k++) {
				run_backend(backends[k], rt_sizes[s], &rts[nrts]);
				rts[nrts++].threads = threads;
			}
			run_memcpy(rt_sizes[s], &rts[nrts]);
			rts[nrts++].threads = threads;
		}
		if (threads == 2)
			busy_stop();
	}
}

const struct rt_figure *roundtrip_find(const char *name, size_t size,
				       int threads)
{
	size_t i;

	for (i = 0; i < nrts; i++)
		if (!strcmp(rts[i].name, name) && rts[i].size == size &&
		    rts[i].threads == threads)
			return &rts[i];
	return NULL;
}

static double x_memcpy(const struct rt_figure *f)
{
	const struct rt_figure *m = roundtrip_find("memcpy", f->size, f->threads);

	return m && m->init_mean_ns > 0 ? f->init_mean_ns / m->init_mean_ns : 0;
}

int roundtrip_errors(void)
{
	size_t i;
	int n = 0;

	for (i = 0; i < nrts; i++)
		n += rts[i].err && !is_na(rts[i].err);
	return n;
}

void roundtrip_print(FILE *out, bool json)
{
	size_t i;

	if (json) {
		fprintf(out, "  \"roundtrip\": [\n");
		for (i = 0; i < nrts; i++) {
			const struct rt_figure *f = &rts[i];

			fprintf(out, "    {\"backend\": \"%s\", \"bytes\": %zu, \"threads\": %d, \"error\": %d, \"samples\": %llu, "
				"\"init_mean_ns\": %.0f, \"init_p50_ns\": %llu, \"init_p99_ns\": %llu, "
				"\"deinit_mean_ns\": %.0f, \"deinit_p50_ns\": %llu, \"tlb_per_op\": %.4f, \"init_x_memcpy\": %.3f}%s\n",
				f->name, f->size, f->threads, f->err,
				(unsigned long long)f->n, f->init_mean_ns,
				(unsigned long long)f->init_p50_ns,
				(unsigned long long)f->init_p99_ns,
				f->deinit_mean_ns,
				(unsigned long long)f->deinit_p50_ns,
				f->tlb_per_op, x_memcpy(f),
				i + 1 < nrts ? "," : "");
		}
		fprintf(out, "  ]");
		return;
	}
	fprintf(out, "\none region at a reused offset: initialize, then deinitialize (mean, p50 ns)\n"
		"user: mprotect RW, copy, mprotect RX; memfd: dual mapping, punch hole\n");
	fprintf(out, "%-8s %-2s %-7s %8s %10s %10s %10s %10s %8s %9s\n", "size",
		"th", "backend", "samples", "init mean", "init p50", "init p99",
		"deinit p50", "tlb/op", "x memcpy");
	for (i = 0; i < nrts; i++) {
		const struct rt_figure *f = &rts[i];

		if (f->err) {
			fprintf(out, "%-8s %-2d %-7s failed: %s\n",
				size_name(f->size), f->threads, f->name,
				strerror(-f->err));
			continue;
		}
		fprintf(out, "%-8s %-2d %-7s %8llu %10.0f %10llu %10llu %10llu %8.3f %9.2f\n",
			size_name(f->size), f->threads, f->name,
			(unsigned long long)f->n, f->init_mean_ns,
			(unsigned long long)f->init_p50_ns,
			(unsigned long long)f->init_p99_ns,
			(unsigned long long)f->deinit_p50_ns, f->tlb_per_op,
			x_memcpy(f));
	}
}
