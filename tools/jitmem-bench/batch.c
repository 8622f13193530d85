// SPDX-License-Identifier: GPL-2.0-only
/*
 * 1000 regions deinitialized by one DEINITIALIZE call or by 1000 calls:
 * one-page regions (each empties its page), and with a sub-page granule
 * also 64 B regions, 64 to a page.  Every round initializes the 1000 again
 * first; the p50 of the rounds is reported, the two ways taking turns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/jitmem.h>

#include "bench.h"

#define BATCH_N		1000
#define BATCH_ROUNDS	20

static struct batch_figure bfs[8];
static size_t nbfs;

static void figure_init(struct batch_figure *f, size_t size, int threads,
			bool batch)
{
	memset(f, 0, sizeof(*f));
	f->name = "jitmem";
	f->size = size;
	f->threads = threads;
	f->batch = batch;
}

/* Initialize the 1000 regions, then time their DEINITIALIZE one way. */
static int batch_round(struct jm_dev *d, uint8_t *slab, size_t size,
		       const uint8_t *code, bool batch, uint64_t *ns,
		       uint64_t *tlb)
{
	static uint64_t keys[BATCH_N];
	uint64_t tlb0, t0;
	int i, err = 0;

	for (i = 0; i < BATCH_N && !err; i++) {
		struct jm_seg s = {
			.addr = (uintptr_t)(slab + i * size),
			.length = size, .content = code, .content_size = 64,
			.group = JITMEM_GROUP_R | JITMEM_GROUP_X,
		};

		err = jm_init(d, &s, 1, &keys[i]);
	}
	if (err)
		return err;
	tlb0 = tlb_shootdowns();
	t0 = now_ns();
	if (batch)
		err = jm_deinit(d, keys, BATCH_N);
	for (i = 0; !batch && i < BATCH_N && !err; i++)
		err = jm_deinit(d, &keys[i], 1);
	*ns = now_ns() - t0;
	*tlb += tlb_shootdowns() - tlb0;
	return err;
}

/*
 * One call and 1000 calls in alternate rounds, each first in every other
 * round, so that what the host does meanwhile weighs on both alike.
 */
static void run_batch(size_t size, int threads, struct batch_figure *fb,
		      struct batch_figure *fc)
{
	static uint64_t tb[BATCH_ROUNDS], tc[BATCH_ROUNDS];
	uint8_t *code = make_code(64), *slab = NULL;
	uint64_t tlb_b = 0, tlb_c = 0;
	struct jm_dev d;
	size_t len = 0;
	int r = 0, k, err;

	figure_init(fb, size, threads, true);
	figure_init(fc, size, threads, false);
	err = jm_open(&d);
	if (err)
		goto out;
	if (size < d.granule) {
		err = -EOPNOTSUPP;
		goto close;
	}
	len = round_up(BATCH_N * size, d.page);
	err = jm_reserve(&d, len, &slab);
	for (r = 0; r < BATCH_ROUNDS && !err; r++) {
		for (k = 0; k < 2 && !err; k++) {
			bool batch = (r + k) & 1;

			err = batch_round(&d, slab, size, code, batch,
					  batch ? &tb[r] : &tc[r],
					  batch ? &tlb_b : &tlb_c);
		}
	}
	if (slab)
		munmap(slab, len);
close:
	jm_close(&d);
out:
	fb->err = fc->err = err;
	sort_u64(tb, r);
	sort_u64(tc, r);
	fb->p50_ns = percentile(tb, r, 50);
	fc->p50_ns = percentile(tc, r, 50);
	fb->tlb = r ? (double)tlb_b / r : 0;
	fc->tlb = r ? (double)tlb_c / r : 0;
	free(code);
}

void batch_run(void)
{
	static const size_t sizes[] = { 64, 0 };
	int threads;
	size_t s;

	for (threads = 1; threads <= 2; threads++) {
		if (threads == 2 && (ncpu < 2 || busy_start(1)))
			break;
		for (s = 0; s < 2; s++) {
			run_batch(sizes[s] ?: (size_t)page_size, threads,
				  &bfs[nbfs], &bfs[nbfs + 1]);
			nbfs += 2;
		}
		if (threads == 2)
			busy_stop();
	}
}

const struct batch_figure *batch_find(const char *name, size_t size,
				      int threads, bool batch)
{
	size_t i;

	for (i = 0; i < nbfs; i++)
		if (!strcmp(bfs[i].name, name) && bfs[i].size == size &&
		    bfs[i].threads == threads && bfs[i].batch == batch)
			return &bfs[i];
	return NULL;
}

int batch_errors(void)
{
	size_t i;
	int n = 0;

	for (i = 0; i < nbfs; i++)
		n += bfs[i].err && !is_na(bfs[i].err);
	return n;
}

void batch_print(FILE *out, bool json)
{
	size_t i;

	if (json) {
		fprintf(out, "  \"deinitialize_1000\": [\n");
		for (i = 0; i < nbfs; i++)
			fprintf(out, "    {\"backend\": \"%s\", \"bytes\": %zu, \"threads\": %d, \"how\": \"%s\", \"error\": %d, \"p50_ns\": %llu, \"per_region_ns\": %llu, \"tlb_per_round\": %.1f}%s\n",
				bfs[i].name, bfs[i].size, bfs[i].threads,
				bfs[i].batch ? "one call" : "1000 calls",
				bfs[i].err, (unsigned long long)bfs[i].p50_ns,
				(unsigned long long)bfs[i].p50_ns / BATCH_N,
				bfs[i].tlb, i + 1 < nbfs ? "," : "");
		fprintf(out, "  ]");
		return;
	}
	fprintf(out, "\ndeinitialize %d regions (p50 of %d rounds; tlb: shootdowns per round)\n",
		BATCH_N, BATCH_ROUNDS);
	for (i = 0; i < nbfs; i++) {
		const struct batch_figure *f = &bfs[i];

		if (f->err)
			fprintf(out, "%-7s %-6s th %d %-10s %s: %s\n", f->name,
				size_name(f->size), f->threads,
				f->batch ? "one call" : "1000 calls",
				is_na(f->err) ? "n/a" : "failed",
				strerror(-f->err));
		else
			fprintf(out, "%-7s %-6s th %d %-10s %10llu ns, %6llu ns per region, tlb %7.1f\n",
				f->name, size_name(f->size), f->threads,
				f->batch ? "one call" : "1000 calls",
				(unsigned long long)f->p50_ns,
				(unsigned long long)f->p50_ns / BATCH_N, f->tlb);
	}
}
