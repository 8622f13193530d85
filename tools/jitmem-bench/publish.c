// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-function publish and free, as a JIT does them: 3000 functions of one
 * size live at once, each published (allocated, written, made executable
 * and called once, its return value checked) and freed by the backend's
 * own allocator.  Fill: the first 3000 publishes, into fresh memory.
 * Churn: rounds that free a random quarter of the live functions and
 * publish as many again, into the ranges just freed; its medians are the
 * steady state a long-running JIT sees.  jitmem and asmjit-dual are run
 * with 300 live too, to show what of a publish grows with the live count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define LIVE		3000
#define MAX_ROUNDS	64

static const size_t fn_sizes[] = { 64, 1024, 16384 };
#define NSIZES	(sizeof(fn_sizes) / sizeof(fn_sizes[0]))

static const struct fn_ops *const fns[] = {
	&fn_kernel, &fn_libkmod, &fn_user, &fn_asmjit_dual, &fn_asmjit_rwx,
	&fn_memcpy,
};
#define NFNS	(sizeof(fns) / sizeof(fns[0]))

static struct fn_figure figs[2 * NSIZES * NFNS + 4];
static size_t nfigs;
static uint64_t call_total;	/* ns in the first calls of new functions */

static uint64_t rss_bytes(void)
{
	unsigned long size, res = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (uint64_t)res * page_size;
}

/* Publish function @i (returning @i) and call it. */
static int publish_one(struct fn_backend *fb, uint8_t *code, int i,
		       uintptr_t *handle)
{
	uint64_t t0;
	void *entry;
	int err, ret;

	set_code_ret(code, i);
	err = fb->ops->publish(fb, code, fb->size, &entry, handle);
	if (err || !fb->ops->callable)
		return err;
	t0 = now_ns();
	ret = ((int (*)(void))(uintptr_t)entry)();
	call_total += now_ns() - t0;
	return ret == i ? 0 : -EIO;
}

static void run_one(const struct fn_ops *ops, size_t size, int live,
		    int threads, struct fn_figure *f)
{
	static uintptr_t handle[LIVE];
	static int victim[LIVE];
	struct fn_backend fb = { .ops = ops, .size = size, .cap = live };
	int churn = live / 4;
	double pub[MAX_ROUNDS], fr[MAX_ROUNDS];
	uint64_t t0, tlb0, tlb_pub = 0, tlb_free = 0, rss0, start;
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	uint8_t *code = make_code(size);
	int i, j, err, r = 0;

	memset(f, 0, sizeof(*f));
	f->name = ops->name;
	f->size = size;
	f->live = live;
	f->threads = threads;
	f->asked = (uint64_t)live * size;
	rss0 = rss_bytes();
	err = ops->setup(&fb);
	if (err)
		goto out;

	tlb0 = tlb_shootdowns();
	t0 = now_ns();
	for (i = 0; i < live && !err; i++)
		err = publish_one(&fb, code, i, &handle[i]);
	f->fill_ns = (double)(now_ns() - t0) / live;
	f->fill_tlb = (double)(tlb_shootdowns() - tlb0) / live;
	if (err)
		goto teardown;
	f->rss = rss_bytes() - rss0;
	if (ops->held(&fb, &f->held))
		f->held = 0;

	for (i = 0; i < live; i++)
		victim[i] = i;
	call_total = 0;
	start = now_ns();
	while (!err && r < MAX_ROUNDS &&
	       (r < 3 || now_ns() - start < budget_s * 1e9)) {
		/* A random quarter: the first @churn of a partial shuffle. */
		for (i = 0; i < churn; i++) {
			j = i + rng_next(&rng) % (live - i);
			int t = victim[i];

			victim[i] = victim[j];
			victim[j] = t;
		}
		tlb0 = tlb_shootdowns();
		t0 = now_ns();
		for (i = 0; i < churn && !err; i++)
			err = ops->free(&fb, handle[victim[i]]);
		fr[r] = (double)(now_ns() - t0) / churn;
		tlb_free += tlb_shootdowns() - tlb0;
		tlb0 = tlb_shootdowns();
		t0 = now_ns();
		for (i = 0; i < churn && !err; i++)
			err = publish_one(&fb, code, victim[i] + r + 1,
					  &handle[victim[i]]);
		pub[r] = (double)(now_ns() - t0) / churn;
		tlb_pub += tlb_shootdowns() - tlb0;
		r++;
	}
	f->rounds = r;
	f->call_ns = r ? (double)call_total / (r * churn) : 0;
	f->publish_ns = median_d(pub, r);
	f->free_ns = median_d(fr, r);
	f->publish_tlb = r ? (double)tlb_pub / (r * churn) : 0;
	f->free_tlb = r ? (double)tlb_free / (r * churn) : 0;
	for (i = 0; i < live && !err; i++)
		err = ops->free(&fb, handle[i]);
teardown:
	ops->teardown(&fb);
out:
	f->err = err;
	free(code);
}

void publish_run(void)
{
	size_t s, k;
	int threads;

	for (threads = 1; threads <= 2; threads++) {
		if (threads == 2 && (ncpu < 2 || busy_start(1)))
			break;
		for (s = 0; s < NSIZES; s++)
			for (k = 0; k < NFNS; k++)
				run_one(fns[k], fn_sizes[s], LIVE, threads,
					&figs[nfigs++]);
		if (threads == 2)
			busy_stop();
	}
	for (s = 0; s < 2; s++) {
		run_one(&fn_kernel, fn_sizes[s], LIVE / 10, 1, &figs[nfigs++]);
		run_one(&fn_asmjit_dual, fn_sizes[s], LIVE / 10, 1,
			&figs[nfigs++]);
	}
}

const struct fn_figure *publish_find(const char *name, size_t size,
				     size_t live, int threads)
{
	size_t i;

	for (i = 0; i < nfigs; i++)
		if (!strcmp(figs[i].name, name) && figs[i].size == size &&
		    figs[i].live == live && figs[i].threads == threads)
			return &figs[i];
	return NULL;
}

/* Time over the same figure of @peer; 0: either is missing. */
static double x_of(const struct fn_figure *f, const char *peer, bool fill)
{
	const struct fn_figure *p = publish_find(peer, f->size, f->live,
						 f->threads);

	if (!p || p->err || f->err)
		return 0;
	if (fill)
		return p->fill_ns > 0 ? f->fill_ns / p->fill_ns : 0;
	return p->publish_ns > 0 ? f->publish_ns / p->publish_ns : 0;
}

int publish_errors(void)
{
	size_t i;
	int n = 0;

	for (i = 0; i < nfigs; i++)
		n += figs[i].err && !is_na(figs[i].err);
	return n;
}

void publish_print(FILE *out, bool json)
{
	size_t i;

	if (json) {
		fprintf(out, "  \"publish\": [\n");
		for (i = 0; i < nfigs; i++) {
			const struct fn_figure *f = &figs[i];

			fprintf(out, "    {\"backend\": \"%s\", \"bytes\": %zu, \"live\": %zu, \"threads\": %d, \"error\": %d, \"rounds\": %d, "
				"\"fill_ns\": %.0f, \"publish_ns\": %.0f, \"call_ns\": %.0f, \"free_ns\": %.0f, "
				"\"fill_tlb\": %.4f, \"publish_tlb\": %.4f, \"free_tlb\": %.4f, "
				"\"held_bytes\": %llu, \"rss_bytes\": %llu, \"asked_bytes\": %llu, "
				"\"x_asmjit_dual\": %.3f, \"x_asmjit_rwx\": %.3f, \"x_user\": %.3f}%s\n",
				f->name, f->size, f->live, f->threads, f->err,
				f->rounds, f->fill_ns, f->publish_ns,
				f->call_ns, f->free_ns, f->fill_tlb, f->publish_tlb,
				f->free_tlb, (unsigned long long)f->held,
				(unsigned long long)f->rss,
				(unsigned long long)f->asked,
				x_of(f, "asmjit-dual", false),
				x_of(f, "asmjit-rwx", false),
				x_of(f, "libjitmem-user", false),
				i + 1 < nfigs ? "," : "");
		}
		fprintf(out, "  ]");
		return;
	}
	fprintf(out, "\npublish(+call) and free per function, %d live (300 in the last rows)\n"
		"fill: the first publishes; pub, free: rounds freeing and republishing a\n"
		"quarter of them (medians); call: of pub, the first call of the function\n"
		"x: pub over the peer's; "
		"held/a, rss/a: bytes held per byte asked, as the backend\n"
		"says (jitmem: QUERY held_bytes; libjitmem: initialized bytes) and RSS growth\n"
		"(pages the module inserts are not in RSS)\n",
		LIVE);
	fprintf(out, "%-6s %-4s %-2s %-15s %8s %8s %7s %8s %7s %7s %7s %6s %6s %6s %6s %6s\n",
		"size", "live", "th", "backend", "fill ns", "pub ns", "call ns", "free ns",
		"fill tlb", "pub tlb", "freetlb", "held/a", "rss/a", "xdual",
		"xrwx", "xuser");
	for (i = 0; i < nfigs; i++) {
		const struct fn_figure *f = &figs[i];

		if (f->err) {
			fprintf(out, "%-6s %-4zu %-2d %-15s %s: %s\n",
				size_name(f->size), f->live, f->threads, f->name,
				is_na(f->err) ? "n/a" : "failed",
				strerror(-f->err));
			continue;
		}
		fprintf(out, "%-6s %-4zu %-2d %-15s %8.0f %8.0f %7.0f %8.0f %7.3f %7.3f %7.3f %6.2f %6.2f %6.2f %6.2f %6.2f\n",
			size_name(f->size), f->live, f->threads, f->name,
			f->fill_ns,
			f->publish_ns, f->call_ns, f->free_ns, f->fill_tlb, f->publish_tlb,
			f->free_tlb, (double)f->held / f->asked,
			(double)f->rss / f->asked,
			x_of(f, "asmjit-dual", false),
			x_of(f, "asmjit-rwx", false),
			x_of(f, "libjitmem-user", false));
	}
}
