// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmem-bench: what publishing and freeing code costs with jitmem and its
 * peers, all measured side by side in one run.  Prints tables, issue 14's
 * targets next to the values measured and, between "---- json ----" and
 * "---- end ----", the same figures as JSON (also to -o FILE).
 *
 * usage: jitmem-bench [-t SECONDS_PER_FIGURE] [-o FILE]
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/jitmem.h>

#include "bench.h"

long page_size;
double budget_s = 0.5;
int reps = 1;
int ncpu;

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

static void print_all(FILE *out, bool json, const char *model,
		      const char *acc, const struct jm_dev *d, int dev_err)
{
	bool subpage = !dev_err && (d->features & JITMEM_FEATURE_SUBPAGE);
	struct utsname u;

	uname(&u);
	if (json) {
		fprintf(out, "{\n  \"machine\": {\"cpu\": \"%s\", \"cpus\": %d, \"virt\": \"%s\", \"kernel\": \"%s\"},\n",
			model, ncpu, acc, u.release);
		fprintf(out, "  \"module\": {\"error\": %d, \"features\": %llu, \"subpage\": %s, \"granule\": %zu, \"max_empty_bytes\": %ld},\n",
			dev_err, dev_err ? 0ULL : (unsigned long long)d->features,
			!dev_err && (d->features & JITMEM_FEATURE_SUBPAGE) ?
			"true" : "false", dev_err ? 0 : d->granule,
			module_param("max_empty_bytes"));
		roundtrip_print(out, true);
		fprintf(out, ",\n");
		publish_print(out, true);
		fprintf(out, ",\n");
		batch_print(out, true);
		fprintf(out, ",\n");
		maps_print(out, true);
		fprintf(out, ",\n");
		targets_print(out, true, subpage);
		fprintf(out, "\n}\n");
		return;
	}
	fprintf(out, "jitmem-bench\nmachine: %s, %d CPUs, %s, kernel %s\n",
		model, ncpu, acc, u.release);
	if (dev_err)
		fprintf(out, "module: /dev/jitmem: %s\n", strerror(-dev_err));
	else
		fprintf(out, "module: features %#llx, granule %zu B%s, max_empty_bytes %ld\n",
			(unsigned long long)d->features, d->granule,
			d->features & JITMEM_FEATURE_SUBPAGE ? "" :
			" (no JITMEM_FEATURE_SUBPAGE: the page)",
			module_param("max_empty_bytes"));
	fprintf(out, "th: threads of the process (2: a second one spins on the other CPU)\n"
		"tlb: TLB shootdown interrupts (/proc/interrupts), per operation\n");
	roundtrip_print(out, false);
	publish_print(out, false);
	batch_print(out, false);
	maps_print(out, false);
	targets_print(out, false, subpage);
}

int main(int argc, char **argv)
{
	const char *json_path = NULL, *acc = accel();
	struct jm_dev d = { 0 };
	int opt, dev_err, errors;
	char model[128];
	FILE *jf;

	while ((opt = getopt(argc, argv, "t:o:")) != -1) {
		switch (opt) {
		case 't':
			budget_s = atof(optarg);
			break;
		case 'o':
			json_path = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-o FILE]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_model(model, sizeof(model));
	dev_err = jm_open(&d);
	if (!dev_err)
		jm_close(&d);
	pin_cpu(0);
	fprintf(stderr, "jitmem-bench: roundtrip\n");
	roundtrip_run();
	fprintf(stderr, "jitmem-bench: publish\n");
	publish_run();
	fprintf(stderr, "jitmem-bench: batch\n");
	batch_run();
	fprintf(stderr, "jitmem-bench: maps\n");
	maps_run();

	print_all(stdout, false, model, acc, &d, dev_err);
	printf("\n---- json ----\n");
	print_all(stdout, true, model, acc, &d, dev_err);
	printf("---- end ----\n");
	if (json_path) {
		jf = fopen(json_path, "we");
		if (!jf) {
			perror(json_path);
			return 1;
		}
		print_all(jf, true, model, acc, &d, dev_err);
		fclose(jf);
	}
	errors = roundtrip_errors() + publish_errors() + batch_errors() +
		 maps_errors();
	if (errors)
		fprintf(stderr, "jitmem-bench: %d figures failed\n", errors);
	return errors ? 1 : 0;
}
