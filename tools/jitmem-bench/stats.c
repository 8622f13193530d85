// SPDX-License-Identifier: GPL-2.0-only
/* Clocks, percentiles, the busy sibling thread, test code. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>

#include "bench.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void sort_u64(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
}

/* Nearest-rank percentile of a sorted array. */
uint64_t percentile(const uint64_t *sorted, size_t n, unsigned int pct)
{
	size_t i;

	if (!n)
		return 0;
	i = (n * pct + 99) / 100;
	return sorted[i ? i - 1 : 0];
}

int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * A second thread of the process spinning in user mode on another CPU: the
 * mm is live there, so every protection change or unmap must shoot down
 * that CPU's TLB.
 */
static pthread_t busy_thread;
static atomic_int busy_run;

static void *busy_fn(void *arg)
{
	pin_cpu((int)(intptr_t)arg);
	while (atomic_load_explicit(&busy_run, memory_order_relaxed))
		__builtin_ia32_pause();
	return NULL;
}

int busy_start(int cpu)
{
	atomic_store(&busy_run, 1);
	return pthread_create(&busy_thread, NULL, busy_fn, (void *)(intptr_t)cpu);
}

void busy_stop(void)
{
	atomic_store(&busy_run, 0);
	pthread_join(busy_thread, NULL);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v. */
double median_d(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* xorshift64*: the same sequence for every backend. */
uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* "mov eax, CODE_RET; ret", then int3 filler up to @size. */
uint8_t *make_code(size_t size)
{
	uint8_t *code = malloc(size < 8 ? 8 : size);

	if (!code)
		abort();
	memset(code, 0xcc, size);
	code[0] = 0xb8;
	set_code_ret(code, CODE_RET);
	code[5] = 0xc3;
	return code;
}

void set_code_ret(uint8_t *code, int ret)
{
	memcpy(code + 1, &ret, 4);
}

const char *size_name(size_t size)
{
	static char buf[8][32];
	static int i;
	char *p = buf[i++ % 8];

	if (size >= (1UL << 20) && !(size % (1UL << 20)))
		snprintf(p, 32, "%zu MiB", size >> 20);
	else if (size >= 1024 && !(size % 1024))
		snprintf(p, 32, "%zu KiB", size >> 10);
	else
		snprintf(p, 32, "%zu B", size);
	return p;
}

size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

bool is_na(int err)
{
	return err == -EOPNOTSUPP || err == -ENOTTY || err == -ENODEV;
}
