// SPDX-License-Identifier: GPL-2.0-only
/* Clocks, percentiles and the busy sibling thread. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

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
