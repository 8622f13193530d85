// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmem-bench: prints a table and, between "---- json ----" and
 * "---- end ----", the same figures as JSON (also to -o FILE).
 *
 * usage: jitmem-bench [-t SECONDS_PER_FIGURE] [-o FILE]
 *
 * For 64 B, 4 KiB, 64 KiB and 1 MiB of code: initialize + deinitialize of
 * one read-execute region, repeated, with each backend, alone and with a
 * second thread of the process spinning on another CPU (so that protection
 * changes and unmaps need TLB shootdowns); plain memcpy of the same bytes
 * is the limit.  Then 1000 regions deinitialized by one batch against 1000
 * single calls.  Every figure is also given relative to the userspace
 * backend and to memcpy measured in the same run (ratio of mean times).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

#define SLAB_SIZE	(4UL << 20)
#define MAX_SAMPLES	200000
#define BATCH_N		1000
#define BATCH_ROUNDS	10
#define CODE_RET	42

static const size_t sizes[] = { 64, 4096, 65536, 1UL << 20 };
#define NSIZES		(sizeof(sizes) / sizeof(sizes[0]))

static const struct backend_ops *const backends[] = {
	&kernel_backend, &user_backend, &memfd_backend,
};
#define NBACKENDS	(sizeof(backends) / sizeof(backends[0]))

struct figure {
	const char *name;
	size_t size;
	int threads;
	uint64_t n;
	double mean_ns;
	uint64_t p50_ns, p99_ns;
	int err;
};

static uint64_t samples[MAX_SAMPLES];
static long page;
static double budget_ns = 1.0e9;

static size_t maplen_of(size_t size)
{
	return (size + page - 1) / page * page;
}

/* "mov eax, CODE_RET; ret", then int3 filler up to @size. */
static uint8_t *make_code(size_t size)
{
	uint8_t *code = malloc(size);
	int ret = CODE_RET;

	memset(code, 0xcc, size);
	code[0] = 0xb8;
	memcpy(code + 1, &ret, 4);
	code[5] = 0xc3;
	return code;
}

static void summarize(struct figure *f, size_t n, uint64_t total)
{
	sort_u64(samples, n);
	f->n = n;
	f->mean_ns = n ? (double)total / n : 0;
	f->p50_ns = percentile(samples, n, 50);
	f->p99_ns = percentile(samples, n, 99);
}

static void run_backend(const struct backend_ops *ops, size_t size,
			struct figure *f)
{
	struct backend b = { .ops = ops, .slab_size = SLAB_SIZE };
	size_t maplen = maplen_of(size), n = 0;
	uint8_t *code = make_code(size);
	uint64_t key, t0, t1, start, total = 0;
	int i, err, ret;

	f->name = ops->name;
	f->size = size;
	err = ops->setup(&b);
	if (err)
		goto out;
	/* Warm up, and check once that the code runs. */
	for (i = 0; i < 20 && !err; i++) {
		err = ops->init(&b, 0, code, size, maplen, &key);
		if (!err && !i) {
			ret = ((int (*)(void))(uintptr_t)b.slab)();
			if (ret != CODE_RET)
				err = -EIO;
		}
		if (!err)
			err = ops->deinit(&b, key, 0, maplen);
	}
	start = now_ns();
	while (!err && n < MAX_SAMPLES && now_ns() - start < budget_ns) {
		t0 = now_ns();
		err = ops->init(&b, 0, code, size, maplen, &key);
		if (!err)
			err = ops->deinit(&b, key, 0, maplen);
		t1 = now_ns();
		samples[n++] = t1 - t0;
		total += t1 - t0;
	}
	ops->teardown(&b);
out:
	f->err = err;
	summarize(f, n, total);
	free(code);
}

/* memcpy of the same bytes, timed in bursts so the clock does not dominate. */
static void run_memcpy(size_t size, struct figure *f)
{
	size_t burst = size >= 65536 ? 1 : 65536 / size, n = 0, k;
	uint8_t *code = make_code(size), *dst = aligned_alloc(page, maplen_of(size));
	uint64_t t0, t1, start, total = 0;

	f->name = "memcpy";
	f->size = size;
	memset(dst, 0, maplen_of(size));
	start = now_ns();
	while (n < MAX_SAMPLES && now_ns() - start < budget_ns) {
		t0 = now_ns();
		for (k = 0; k < burst; k++) {
			memcpy(dst, code, size);
			__asm__ volatile("" : : "r"(dst) : "memory");
		}
		t1 = now_ns();
		samples[n++] = (t1 - t0) / burst;
		total += (t1 - t0) / burst;
	}
	f->err = 0;
	summarize(f, n, total);
	free(code);
	free(dst);
}

struct batch_figure {
	const char *name;
	const char *how;
	uint64_t p50_ns;	/* for all BATCH_N regions */
	int err;
};

/* Deinitialize BATCH_N one-page regions: one batch, or one call each. */
static void run_batch(const struct backend_ops *ops, bool batch,
		      struct batch_figure *f)
{
	static uint64_t keys[BATCH_N], times[BATCH_ROUNDS];
	static size_t offs[BATCH_N];
	struct backend b = { .ops = ops, .slab_size = BATCH_N * page };
	uint8_t *code = make_code(64);
	uint64_t t0;
	int r, i, err, setup;

	f->name = ops->name;
	f->how = batch ? "one call" : "1000 calls";
	err = setup = ops->setup(&b);
	for (r = 0; r < BATCH_ROUNDS && !err; r++) {
		for (i = 0; i < BATCH_N && !err; i++) {
			offs[i] = i * page;
			err = ops->init(&b, offs[i], code, 64, page, &keys[i]);
		}
		t0 = now_ns();
		if (batch)
			err = err ?: ops->deinit_many(&b, keys, offs, BATCH_N, page);
		for (i = 0; !batch && i < BATCH_N && !err; i++)
			err = ops->deinit(&b, keys[i], offs[i], page);
		times[r] = now_ns() - t0;
	}
	if (!setup)
		ops->teardown(&b);
	f->err = err;
	sort_u64(times, r);
	f->p50_ns = percentile(times, r, 50);
	free(code);
}

static const char *accel(void)
{
	unsigned int a, b, c, d;
	char sig[13];

	__cpuid(1, a, b, c, d);
	if (!(c & (1U << 31)))
		return "bare metal";
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	if (!strcmp(sig, "KVMKVMKVM"))
		return "VM, KVM";
	if (!strcmp(sig, "TCGTCGTCGTCG"))
		return "VM, TCG";
	return "VM, no KVM signature (TCG?)";
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];

	snprintf(buf, len, "unknown CPU");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10))
			continue;
		snprintf(buf, len, "%s", strchr(line, ':') + 2);
		buf[strcspn(buf, "\n")] = 0;
		break;
	}
	if (f)
		fclose(f);
}

static const char *size_name(size_t size)
{
	static char buf[4][32];
	static int i;
	char *p = buf[i++ % 4];

	if (size >= (1UL << 20))
		snprintf(p, 32, "%zu MiB", size >> 20);
	else if (size >= 1024)
		snprintf(p, 32, "%zu KiB", size >> 10);
	else
		snprintf(p, 32, "%zu B", size);
	return p;
}

/* The same-size, same-thread-setup figure of @name. */
static const struct figure *find(const struct figure *fig, size_t n,
				 const char *name, size_t size, int threads)
{
	while (n--)
		if (!strcmp(fig[n].name, name) && fig[n].size == size &&
		    fig[n].threads == threads)
			return &fig[n];
	return NULL;
}

static double ratio(const struct figure *a, const struct figure *b)
{
	return b && b->mean_ns > 0 ? a->mean_ns / b->mean_ns : 0;
}

static void print_all(FILE *out, bool json, const struct figure *fig,
		      size_t nfig, const struct batch_figure *bf, size_t nbf,
		      const char *model, const char *acc, int ncpu)
{
	struct utsname u;
	size_t i;

	uname(&u);
	if (json) {
		fprintf(out, "{\n  \"machine\": {\"cpu\": \"%s\", \"cpus\": %d, \"virt\": \"%s\", \"kernel\": \"%s\"},\n  \"figures\": [\n",
			model, ncpu, acc, u.release);
		for (i = 0; i < nfig; i++) {
			const struct figure *f = &fig[i];

			fprintf(out, "    {\"backend\": \"%s\", \"bytes\": %zu, \"threads\": %d, \"error\": %d, \"samples\": %llu, \"ops_per_s\": %.0f, \"mean_ns\": %.0f, \"p50_ns\": %llu, \"p99_ns\": %llu, \"x_user\": %.3f, \"x_memcpy\": %.3f}%s\n",
				f->name, f->size, f->threads, f->err,
				(unsigned long long)f->n,
				f->mean_ns ? 1e9 / f->mean_ns : 0, f->mean_ns,
				(unsigned long long)f->p50_ns,
				(unsigned long long)f->p99_ns,
				ratio(f, find(fig, nfig, "user", f->size, f->threads)),
				ratio(f, find(fig, nfig, "memcpy", f->size, f->threads)),
				i + 1 < nfig ? "," : "");
		}
		fprintf(out, "  ],\n  \"deinitialize_1000\": [\n");
		for (i = 0; i < nbf; i++)
			fprintf(out, "    {\"backend\": \"%s\", \"how\": \"%s\", \"error\": %d, \"p50_ns\": %llu, \"per_region_ns\": %llu}%s\n",
				bf[i].name, bf[i].how, bf[i].err,
				(unsigned long long)bf[i].p50_ns,
				(unsigned long long)bf[i].p50_ns / BATCH_N,
				i + 1 < nbf ? "," : "");
		fprintf(out, "  ]\n}\n");
		return;
	}
	fprintf(out, "jitmem-bench: initialize + deinitialize of one read-execute region\n");
	fprintf(out, "machine: %s, %d CPUs, %s, kernel %s\n", model, ncpu, acc,
		u.release);
	fprintf(out, "x user, x memcpy: mean time over the userspace backend's and memcpy's\n\n");
	fprintf(out, "%-8s %-7s %-7s %10s %10s %10s %8s %9s\n", "size",
		"threads", "backend", "ops/s", "p50 ns", "p99 ns", "x user",
		"x memcpy");
	for (i = 0; i < nfig; i++) {
		const struct figure *f = &fig[i];

		if (f->err) {
			fprintf(out, "%-8s %-7d %-7s failed: %s\n",
				size_name(f->size), f->threads, f->name,
				strerror(-f->err));
			continue;
		}
		fprintf(out, "%-8s %-7d %-7s %10.0f %10llu %10llu %8.2f %9.2f\n",
			size_name(f->size), f->threads, f->name,
			1e9 / f->mean_ns, (unsigned long long)f->p50_ns,
			(unsigned long long)f->p99_ns,
			ratio(f, find(fig, nfig, "user", f->size, f->threads)),
			ratio(f, find(fig, nfig, "memcpy", f->size, f->threads)));
	}
	fprintf(out, "\ndeinitialize 1000 one-page regions (p50 of %d rounds)\n",
		BATCH_ROUNDS);
	for (i = 0; i < nbf; i++) {
		if (bf[i].err)
			fprintf(out, "%-7s %-10s failed: %s\n", bf[i].name,
				bf[i].how, strerror(-bf[i].err));
		else
			fprintf(out, "%-7s %-10s %10llu ns, %6llu ns per region\n",
				bf[i].name, bf[i].how,
				(unsigned long long)bf[i].p50_ns,
				(unsigned long long)bf[i].p50_ns / BATCH_N);
	}
}

int main(int argc, char **argv)
{
	static struct figure fig[2 * NSIZES * (NBACKENDS + 1)];
	struct batch_figure bf[NBACKENDS + 1];
	const char *json_path = NULL, *acc = accel();
	size_t nfig = 0, nbf = 0, s, k;
	int threads, opt, ncpu;
	char model[128];
	FILE *jf;

	while ((opt = getopt(argc, argv, "t:o:")) != -1) {
		switch (opt) {
		case 't': budget_ns = atof(optarg) * 1e9; break;
		case 'o': json_path = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-o FILE]\n", argv[0]);
			return 2;
		}
	}
	page = sysconf(_SC_PAGESIZE);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_model(model, sizeof(model));
	pin_cpu(0);
	for (threads = 1; threads <= 2; threads++) {
		if (threads == 2 && (ncpu < 2 || busy_start(1)))
			break;
		for (s = 0; s < NSIZES; s++) {
			for (k = 0; k < NBACKENDS; k++) {
				run_backend(backends[k], sizes[s], &fig[nfig]);
				fig[nfig++].threads = threads;
			}
			run_memcpy(sizes[s], &fig[nfig]);
			fig[nfig++].threads = threads;
		}
		if (threads == 2)
			busy_stop();
	}
	run_batch(&kernel_backend, true, &bf[nbf++]);
	for (k = 0; k < NBACKENDS; k++)
		run_batch(backends[k], false, &bf[nbf++]);

	print_all(stdout, false, fig, nfig, bf, nbf, model, acc, ncpu);
	printf("\n---- json ----\n");
	print_all(stdout, true, fig, nfig, bf, nbf, model, acc, ncpu);
	printf("---- end ----\n");
	if (json_path) {
		jf = fopen(json_path, "we");
		if (!jf) {
			perror(json_path);
			return 1;
		}
		print_all(jf, true, fig, nfig, bf, nbf, model, acc, ncpu);
		fclose(jf);
	}
	for (k = 0; k < nfig; k++)
		if (fig[k].err)
			return 1;
	return 0;
}
