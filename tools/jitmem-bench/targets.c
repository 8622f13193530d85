// SPDX-License-Identifier: GPL-2.0-only
/* Issue 14's targets, each read from the figures of this run. */
#include <stdio.h>
#include <string.h>

#include "bench.h"

struct target {
	const char *what;
	double value;
	const char *unit;
	int state;		/* 1 met, 0 not met, -1 not measured */
	char why[320];
};

#define NTARGETS	7
static struct target tg[NTARGETS];

static int judge(bool ok)
{
	return ok ? 1 : 0;
}

/* How many times faster one call was than 1000 calls; 0 if not measured. */
static double batch_ratio(const struct batch_figure *one,
			  const struct batch_figure *many)
{
	if (!one || !many || one->err || many->err || !one->p50_ns)
		return 0;
	return (double)many->p50_ns / one->p50_ns;
}

static void targets_eval(bool subpage)
{
	const struct fn_figure *k = publish_find("jitmem", 64, 3000, 2);
	const struct fn_figure *dual = publish_find("asmjit-dual", 64, 3000, 2);
	const struct fn_figure *rwx = publish_find("asmjit-rwx", 64, 3000, 2);
	const struct fn_figure *k1 = publish_find("jitmem", 64, 3000, 1);
	const struct fn_figure *k16 = publish_find("jitmem", 16384, 3000, 2);
	const struct fn_figure *k300 = publish_find("jitmem", 64, 300, 1);
	const struct batch_figure *bb = batch_find("jitmem", page_size, 1, true);
	const struct batch_figure *bc = batch_find("jitmem", page_size, 1, false);
	const struct batch_figure *bb2 = batch_find("jitmem", page_size, 2, true);
	const struct batch_figure *bc2 = batch_find("jitmem", page_size, 2, false);
	const struct batch_figure *sb = batch_find("jitmem", 64, 1, true);
	const struct batch_figure *sc = batch_find("jitmem", 64, 1, false);
	const struct rt_figure *ri = roundtrip_find("kernel", 1UL << 20, 1);
	const struct rt_figure *rm = roundtrip_find("memcpy", 1UL << 20, 1);
	const struct maps_result *m = maps_find("raw");
	struct target *t;
	int i;

	for (i = 0; i < NTARGETS; i++)
		tg[i].state = -1;

	t = &tg[0];
	t->what = "64 B publish, busy thread: at most asmjit dual-mapping's time";
	t->unit = "x";
	if (k && dual && !k->err && !dual->err && dual->publish_ns > 0) {
		t->value = k->publish_ns / dual->publish_ns;
		t->state = judge(t->value <= 1.0);
		snprintf(t->why, sizeof(t->why),
			 "jitmem %.0f ns (call %.0f), asmjit-dual %.0f ns per publish+call (churn); fill %.0f vs %.0f ns; jitmem alone: %.0f ns with 3000 live, %.0f with 300",
			 k->publish_ns, k->call_ns, dual->publish_ns,
			 k->fill_ns, dual->fill_ns,
			 k1 && !k1->err ? k1->publish_ns : 0,
			 k300 && !k300->err ? k300->publish_ns : 0);
	}
	t = &tg[1];
	t->what = "64 B publish, busy thread: within 2x asmjit RWX";
	t->unit = "x";
	if (k && rwx && !k->err && !rwx->err && rwx->publish_ns > 0) {
		t->value = k->publish_ns / rwx->publish_ns;
		t->state = judge(t->value <= 2.0);
		snprintf(t->why, sizeof(t->why),
			 "jitmem %.0f ns, asmjit-rwx %.0f ns per publish+call (churn)",
			 k->publish_ns, rwx->publish_ns);
	}
	t = &tg[2];
	t->what = "3000 live 64 B functions hold at most 2x the bytes asked";
	t->unit = "x";
	if (k1 && !k1->err && k1->held) {
		t->value = (double)k1->held / k1->asked;
		t->state = judge(t->value <= 2.0);
		snprintf(t->why, sizeof(t->why),
			 "%s %llu for %llu asked",
			 subpage ? "QUERY held_bytes" :
			 "no held_bytes in this module's QUERY; initialized bytes (whole pages)",
			 (unsigned long long)k1->held,
			 (unsigned long long)k1->asked);
	}
	t = &tg[3];
	t->what = "0 TLB shootdowns per publish into a range already mapped";
	t->unit = "per publish+free";
	if (k && !k->err) {
		/* A free that unmaps leaves no mapped range to publish into. */
		t->value = k->publish_tlb + k->free_tlb;
		t->state = judge(t->value == 0);
		snprintf(t->why, sizeof(t->why),
			 "64 B, busy thread, %d rounds of %d freed and republished in the same slots: %.3f per publish, %.3f per free; fill %.3f; 16 KiB: %.3f per publish, %.3f per free",
			 k->rounds, (int)(k->live / 4), k->publish_tlb,
			 k->free_tlb, k->fill_tlb,
			 k16 && !k16->err ? k16->publish_tlb : -1,
			 k16 && !k16->err ? k16->free_tlb : -1);
	}
	t = &tg[4];
	t->what = "batched DEINITIALIZE of 1000 regions at least 5x faster than 1000 calls";
	t->unit = "x faster";
	if (bb && bc && !bb->err && !bc->err && bb->p50_ns) {
		t->value = batch_ratio(bb, bc);
		t->state = judge(t->value >= 5.0);
		snprintf(t->why, sizeof(t->why),
			 "one-page regions, alone: %llu vs %llu ns, shootdowns per round %.1f vs %.1f; busy thread: %.2fx; 64 B regions, alone: %.2fx",
			 (unsigned long long)bb->p50_ns,
			 (unsigned long long)bc->p50_ns, bb->tlb, bc->tlb,
			 batch_ratio(bb2, bc2), batch_ratio(sb, sc));
	}
	t = &tg[5];
	t->what = "1 MiB INITIALIZE into a reused range at most 1.5x memcpy";
	t->unit = "x memcpy";
	if (ri && rm && !ri->err && !rm->err && rm->init_mean_ns > 0) {
		t->value = ri->init_mean_ns / rm->init_mean_ns;
		t->state = judge(t->value <= 1.5);
		snprintf(t->why, sizeof(t->why),
			 "initialize %.0f ns, memcpy %.0f ns (means), %.3f shootdowns per initialize+deinitialize",
			 ri->init_mean_ns, rm->init_mean_ns, ri->tlb_per_op);
	}
	t = &tg[6];
	t->what = "jitmem maps lines after 10 rounds of 300 RX+R+RW: at most first round's + 5";
	t->unit = "lines";
	if (m && !m->err && m->rounds >= 2) {
		t->value = m->after[m->rounds - 1];
		t->state = judge(t->value <= m->after[0] + 5);
		snprintf(t->why, sizeof(t->why),
			 "after round 1: %ld, after round %d: %ld (all live: %ld, then %ld; before: %ld)",
			 m->after[0], m->rounds, m->after[m->rounds - 1],
			 m->peak[0], m->peak[m->rounds - 1], m->before);
	}
}

static const char *state_str(int s)
{
	return s > 0 ? "met" : s == 0 ? "NOT MET" : "n/a";
}

void targets_print(FILE *out, bool json, bool subpage)
{
	int i;

	targets_eval(subpage);
	if (json) {
		fprintf(out, "  \"targets\": [\n");
		for (i = 0; i < NTARGETS; i++)
			fprintf(out, "    {\"target\": \"%s\", \"value\": %.3f, \"unit\": \"%s\", \"state\": \"%s\", \"why\": \"%s\"}%s\n",
				tg[i].what, tg[i].state < 0 ? 0 : tg[i].value,
				tg[i].unit, state_str(tg[i].state), tg[i].why,
				i + 1 < NTARGETS ? "," : "");
		fprintf(out, "  ]");
		return;
	}
	fprintf(out, "\nissue 14 targets\n");
	for (i = 0; i < NTARGETS; i++) {
		fprintf(out, "%-7s %s\n", state_str(tg[i].state), tg[i].what);
		if (tg[i].state >= 0)
			fprintf(out, "        %.3f %s: %s\n", tg[i].value,
				tg[i].unit, tg[i].why);
	}
}
