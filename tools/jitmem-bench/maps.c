// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/self/maps under JITLink-shaped churn: rounds of 300 allocations of
 * three segments (RX code, R constants, RW data) made, then freed one by
 * one in random order.  "raw": each allocation one region, its segments
 * page-aligned and contiguous, first fit in one slab, as LLVM's
 * MapperJITLinkMemoryManager lays them out; "libjitmem": the library's
 * allocator over the module (its own zones).  Lines: the jitmem mappings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <jitmem.h>
#include <linux/jitmem.h>

#include "bench.h"

#define ALLOCS		300
#define ROUNDS		10
#define SLAB_PAGES	4096

static struct maps_result mrs[2];
static size_t nmrs;

static void run_raw(struct maps_result *m)
{
	static uint64_t keys[ALLOCS];
	static long base[ALLOCS], npages[ALLOCS];
	static int order[ALLOCS];
	uint64_t rng = 0x1234567ULL, tlb0, ops = 0;
	uint8_t *code = make_code(3 * 4096), *slab = NULL;
	size_t pg = page_size, len = SLAB_PAGES * pg;
	struct slots s = { 0 };
	struct jm_dev d;
	int r, i, j, t, err;

	m->name = "raw";
	err = jm_open(&d);
	if (err)
		goto out;
	err = slots_init(&s, SLAB_PAGES) ?: jm_reserve(&d, len, &slab);
	m->before = maps_lines((uintptr_t)slab, (uintptr_t)slab + len);
	tlb0 = tlb_shootdowns();
	for (r = 0; r < ROUNDS && !err; r++) {
		for (i = 0; i < ALLOCS && !err; i++) {
			long rx = 1 + rng_next(&rng) % 3;
			struct jm_seg seg[3];

			npages[i] = rx + 2;
			base[i] = slots_get_run(&s, npages[i]);
			if (base[i] < 0) {
				err = base[i];
				break;
			}
			seg[0] = (struct jm_seg){
				.addr = (uintptr_t)(slab + base[i] * pg),
				.length = rx * pg, .content = code,
				.content_size = 64 + rng_next(&rng) % (rx * pg - 64),
				.group = JITMEM_GROUP_R | JITMEM_GROUP_X,
			};
			seg[1] = (struct jm_seg){
				.addr = seg[0].addr + rx * pg, .length = pg,
				.content = code, .content_size = 256,
				.group = JITMEM_GROUP_R,
			};
			seg[2] = (struct jm_seg){
				.addr = seg[1].addr + pg, .length = pg,
				.content = code, .content_size = 128,
				.group = JITMEM_GROUP_R | JITMEM_GROUP_W,
			};
			err = jm_init(&d, seg, 3, &keys[i]);
			ops++;
		}
		m->peak[r] = maps_lines((uintptr_t)slab, (uintptr_t)slab + len);
		for (i = 0; i < ALLOCS; i++)
			order[i] = i;
		for (i = ALLOCS - 1; i > 0; i--) {
			j = rng_next(&rng) % (i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < ALLOCS && !err; i++) {
			err = jm_deinit(&d, &keys[order[i]], 1);
			for (j = 0; j < npages[order[i]]; j++)
				slots_put(&s, base[order[i]] + j);
			ops++;
		}
		m->after[r] = maps_lines((uintptr_t)slab, (uintptr_t)slab + len);
		m->rounds = r + 1;
	}
	m->tlb_per_op = ops ? (double)(tlb_shootdowns() - tlb0) / ops : 0;
	if (slab)
		munmap(slab, len);
	jm_close(&d);
out:
	slots_fini(&s);
	m->err = err;
	free(code);
}

static void run_lib(struct maps_result *m)
{
	static void *fin[ALLOCS];
	struct jitmem_open_opts o = { 0 };
	uint64_t rng = 0x1234567ULL, tlb0, ops = 0;
	uint8_t *code = make_code(3 * 4096);
	struct jitmem *jm;
	int r, i, err;

	m->name = "libjitmem";
	err = jitmem_open_opts(&jm, &o, NULL);
	if (err)
		goto out;
	if (!jitmem_backend_is_kernel(jm)) {
		err = -ENODEV;
		goto close;
	}
	m->before = maps_lines(1, UINTPTR_MAX);
	tlb0 = tlb_shootdowns();
	for (r = 0; r < ROUNDS && !err; r++) {
		for (i = 0; i < ALLOCS && !err; i++) {
			struct jitmem_seg_request req[3] = {
				{ .group = JITMEM_PROT_R | JITMEM_PROT_X,
				  .size = 64 + rng_next(&rng) % (3 * 4096 - 64),
				  .align = 16 },
				{ .group = JITMEM_PROT_R, .size = 256, .align = 16 },
				{ .group = JITMEM_PROT_R | JITMEM_PROT_W,
				  .size = 128, .align = 16 },
			};
			struct jitmem_alloc *a;

			err = jitmem_allocate(jm, req, 3, &a);
			if (err)
				break;
			memcpy(jitmem_alloc_working(a, 0), code, req[0].size);
			err = jitmem_alloc_finalize(a, NULL, 0, &fin[i], NULL);
			ops++;
		}
		m->peak[r] = maps_lines(1, UINTPTR_MAX);
		for (i = 0; i < ALLOCS && !err; i++) {
			/* every third first, then the rest: holes between */
			int k = i < ALLOCS / 3 ? i * 3 : i - ALLOCS / 3;

			if (!fin[k])
				continue;
			err = jitmem_deallocate(jm, &fin[k], 1, NULL);
			fin[k] = NULL;
			ops++;
		}
		m->after[r] = maps_lines(1, UINTPTR_MAX);
		m->rounds = r + 1;
	}
	m->tlb_per_op = ops ? (double)(tlb_shootdowns() - tlb0) / ops : 0;
close:
	jitmem_close(jm);
out:
	m->err = err;
	free(code);
}

void maps_run(void)
{
	run_raw(&mrs[nmrs++]);
	run_lib(&mrs[nmrs++]);
}

const struct maps_result *maps_find(const char *name)
{
	size_t i;

	for (i = 0; i < nmrs; i++)
		if (!strcmp(mrs[i].name, name))
			return &mrs[i];
	return NULL;
}

int maps_errors(void)
{
	size_t i;
	int n = 0;

	for (i = 0; i < nmrs; i++)
		n += mrs[i].err && !is_na(mrs[i].err);
	return n;
}

static void print_list(FILE *out, const long *v, int n, bool json)
{
	int i;

	for (i = 0; i < n; i++)
		fprintf(out, "%s%ld", i ? (json ? ", " : " ") : "",
			v[i]);
}

void maps_print(FILE *out, bool json)
{
	size_t i;

	if (json) {
		fprintf(out, "  \"maps\": [\n");
		for (i = 0; i < nmrs; i++) {
			const struct maps_result *m = &mrs[i];

			fprintf(out, "    {\"allocator\": \"%s\", \"error\": %d, \"allocations\": %d, \"rounds\": %d, \"before\": %ld, \"after\": [",
				m->name, m->err, ALLOCS, m->rounds, m->before);
			print_list(out, m->after, m->rounds, true);
			fprintf(out, "], \"peak\": [");
			print_list(out, m->peak, m->rounds, true);
			fprintf(out, "], \"tlb_per_op\": %.3f}%s\n", m->tlb_per_op,
				i + 1 < nmrs ? "," : "");
		}
		fprintf(out, "  ]");
		return;
	}
	fprintf(out, "\njitmem lines of /proc/self/maps, %d rounds of %d RX+R+RW allocations made and freed\n",
		ROUNDS, ALLOCS);
	for (i = 0; i < nmrs; i++) {
		const struct maps_result *m = &mrs[i];

		if (m->err) {
			fprintf(out, "%-9s %s: %s (after %d rounds)\n", m->name,
				is_na(m->err) ? "n/a" : "failed",
				strerror(-m->err), m->rounds);
			continue;
		}
		fprintf(out, "%-9s before %ld; all live:", m->name, m->before);
		print_list(out, m->peak, m->rounds, false);
		fprintf(out, "; all freed:");
		print_list(out, m->after, m->rounds, false);
		fprintf(out, "; tlb/op %.3f\n", m->tlb_per_op);
	}
}
