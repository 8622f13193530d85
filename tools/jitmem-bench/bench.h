/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jitmem-bench: what publishing and freeing code costs with jitmem against
 * the peers a JIT could use instead, all measured in one run.  Sections:
 *
 *   roundtrip.c  initialize, then deinitialize, of one region (backend_*.c)
 *   publish.c    per-function publish and free, many live (fn_*.c)
 *   batch.c      1000 regions deinitialized by one call or by 1000
 *   maps.c       /proc/self/maps under JITLink-shaped churn
 *   targets.c    issue 14's targets, read from the figures above
 *
 * jitmem_dev.c has the raw ioctls, counters.c the kernel's counts (TLB
 * shootdowns, mappings, module parameters), slots.c a first-fit allocator.
 */
#ifndef JITMEM_BENCH_H
#define JITMEM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CODE_RET	42

/*
 * Region backends: one region at a chosen offset of a slab.
 */
struct backend_ops;

struct backend {
	const struct backend_ops *ops;
	size_t slab_size;
	size_t granule;		/* of region offsets and lengths, from setup */
	uint8_t *slab;		/* where code runs */
	uint8_t *rw;		/* memfd: the writable view */
	int fd;
};

struct backend_ops {
	const char *name;
	int (*setup)(struct backend *b);
	/* Initialize @len bytes of code at slab + @off, @maplen mapped. */
	int (*init)(struct backend *b, size_t off, const void *code,
		    size_t len, size_t maplen, uint64_t *key);
	int (*deinit)(struct backend *b, uint64_t key, size_t off,
		      size_t maplen);
	/* One call for @n regions; NULL: the backend has no batch. */
	int (*deinit_many)(struct backend *b, const uint64_t *keys,
			   const size_t *offs, size_t n, size_t maplen);
	void (*teardown)(struct backend *b);
};

extern const struct backend_ops kernel_backend;
extern const struct backend_ops user_backend;
extern const struct backend_ops memfd_backend;

/*
 * Function backends: a JIT's view.  publish() allocates room for @len
 * bytes, writes them and makes them executable; free() gives it back.
 * The backend places functions itself, as a JIT's allocator does.
 */
struct fn_backend {
	const struct fn_ops *ops;
	size_t size;		/* bytes of each function */
	size_t cap;		/* functions live at most */
	void *priv;
};

struct fn_ops {
	const char *name;
	bool callable;		/* false: the bytes cannot run (memcpy) */
	int (*setup)(struct fn_backend *fb);
	int (*publish)(struct fn_backend *fb, const void *code, size_t len,
		       void **entry, uintptr_t *handle);
	int (*free)(struct fn_backend *fb, uintptr_t handle);
	/* Bytes of memory held for the functions, live or kept for reuse. */
	int (*held)(struct fn_backend *fb, uint64_t *bytes);
	void (*teardown)(struct fn_backend *fb);
};

extern const struct fn_ops fn_kernel;		/* fn_kernel.c */
extern const struct fn_ops fn_user;		/* fn_user.c */
extern const struct fn_ops fn_libkmod;		/* fn_user.c */
extern const struct fn_ops fn_memcpy;		/* fn_memcpy.c */
extern const struct fn_ops fn_asmjit_dual;	/* fn_asmjit.cc */
extern const struct fn_ops fn_asmjit_rwx;	/* fn_asmjit.cc */

/* slots.c: first fit over equal slots, lowest free first. */
struct slots {
	uint64_t *bits;		/* set: in use */
	size_t n;
};

int slots_init(struct slots *s, size_t n);
long slots_get(struct slots *s);
long slots_get_run(struct slots *s, size_t len);
void slots_put(struct slots *s, size_t i);
void slots_fini(struct slots *s);

/* jitmem_dev.c: the raw ioctls. */
struct jm_dev {
	int fd;
	uint64_t features;
	size_t page;
	size_t granule;		/* page size without JITMEM_FEATURE_SUBPAGE */
};

struct jm_seg {
	uint64_t addr, length;
	const void *content;
	size_t content_size;
	uint8_t group;
};

int jm_open(struct jm_dev *d);
int jm_reserve(struct jm_dev *d, size_t length, uint8_t **addr);
int jm_init(struct jm_dev *d, const struct jm_seg *segs, unsigned int n,
	    uint64_t *key);
int jm_deinit(struct jm_dev *d, const uint64_t *keys, size_t n);
int jm_held(struct jm_dev *d, uint64_t *held, uint64_t *empty);
void jm_close(struct jm_dev *d);

/* counters.c: what the kernel counts around a phase. */
uint64_t tlb_shootdowns(void);
long maps_lines(uintptr_t start, uintptr_t end);
long module_param(const char *name);

/* stats.c */
uint64_t now_ns(void);
void sort_u64(uint64_t *v, size_t n);
uint64_t percentile(const uint64_t *sorted, size_t n, unsigned int pct);
double median_d(double *v, size_t n);
int pin_cpu(int cpu);
int busy_start(int cpu);
void busy_stop(void);
uint64_t rng_next(uint64_t *state);
uint8_t *make_code(size_t size);
void set_code_ret(uint8_t *code, int ret);
const char *size_name(size_t size);
size_t round_up(size_t v, size_t to);
/* Errors that mean: this module or library lacks the feature. */
bool is_na(int err);

/* Sections: run, then print as text or as a JSON member list. */
extern long page_size;
extern double budget_s;		/* seconds per figure and repetition */
extern int reps;		/* repetitions of each figure */
extern int ncpu;

void roundtrip_run(void);
void roundtrip_print(FILE *out, bool json);
int roundtrip_errors(void);

void publish_run(void);
void publish_print(FILE *out, bool json);
int publish_errors(void);

void batch_run(void);
void batch_print(FILE *out, bool json);
int batch_errors(void);

void maps_run(void);
void maps_print(FILE *out, bool json);
int maps_errors(void);

void targets_print(FILE *out, bool json, bool subpage);

/* What targets.c reads from the sections; < 0: not measured. */
struct fn_figure {
	const char *name;
	size_t size;
	size_t live;
	int threads;
	int err;
	int rounds;
	double fill_ns, publish_ns, free_ns;	/* per function, medians */
	double call_ns;		/* of publish_ns: the first call, mean */
	double fill_tlb, publish_tlb, free_tlb;	/* per function */
	uint64_t held, asked;
	uint64_t rss;		/* RSS growth over the fill */
};

const struct fn_figure *publish_find(const char *name, size_t size,
				     size_t live, int threads);

struct rt_figure {
	const char *name;
	size_t size;
	int threads;
	int err;
	uint64_t n;
	double init_mean_ns, deinit_mean_ns;
	uint64_t init_p50_ns, init_p99_ns, deinit_p50_ns;
	double tlb_per_op;	/* shootdowns per initialize + deinitialize */
};

const struct rt_figure *roundtrip_find(const char *name, size_t size,
				       int threads);

struct batch_figure {
	const char *name;
	size_t size;		/* of each region */
	int threads;
	bool batch;
	int err;
	uint64_t p50_ns;	/* all 1000 regions */
	double tlb;		/* shootdowns per round */
};

const struct batch_figure *batch_find(const char *name, size_t size,
				      int threads, bool batch);

struct maps_result {
	const char *name;
	int err;
	int rounds;
	long before;
	long after[16];		/* lines after each round, all freed */
	long peak[16];		/* lines with the round's last allocation live */
	double tlb_per_op;
};

const struct maps_result *maps_find(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* JITMEM_BENCH_H */
