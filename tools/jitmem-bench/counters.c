// SPDX-License-Identifier: GPL-2.0-only
/* What the kernel counts around a phase: TLB shootdowns, mappings, params. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* The sum over CPUs of the "TLB:" line of /proc/interrupts. */
uint64_t tlb_shootdowns(void)
{
	FILE *f = fopen("/proc/interrupts", "re");
	char line[4096], *p, *end;
	uint64_t sum = 0;

	while (f && fgets(line, sizeof(line), f)) {
		p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, "TLB:", 4))
			continue;
		p += 4;
		for (;;) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			sum += v;
			p = end;
		}
		break;
	}
	if (f)
		fclose(f);
	return sum;
}

/*
 * Lines of /proc/self/maps overlapping [start, end) that map /dev/jitmem;
 * start == end == 0: every line, whatever it maps.
 */
long maps_lines(uintptr_t start, uintptr_t end)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned long lo, hi;
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!start && !end) {
			n++;
			continue;
		}
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (hi > start && lo < end && strstr(line, "/dev/jitmem"))
			n++;
	}
	fclose(f);
	return n;
}

/* A jitmem module parameter, or -1 when it has none of that name. */
long module_param(const char *name)
{
	char path[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/jitmem/parameters/%s", name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}
