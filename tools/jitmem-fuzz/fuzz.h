/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jitmem-fuzz: a seeded random ioctl fuzzer for /dev/jitmem.
 *
 * Each epoch runs in its own process: it opens contexts, issues random
 * ioctls and memory operations for a number of calls, checks every result
 * against a model of what the context holds, then releases everything and
 * checks that the counters are back to zero.  Everything random derives from
 * (seed, epoch), so "-s SEED -e EPOCH" replays a failure.
 */
#ifndef JITMEM_FUZZ_H
#define JITMEM_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <linux/jitmem.h>

#define NCTX		2	/* contexts open at once in an epoch */
#define MAX_SLABS	48	/* per context, in the model */
#define MAX_REGIONS	512	/* per context, in the model */
#define MAX_SEGS	6	/* per region in the model */
#define MAX_ITEMS	96	/* per batch the fuzzer builds */
#define POOL_SIZE	(256 * 1024)	/* content pool */
#define NFUNCS		64	/* "mov eax, imm32; ret" stubs in the pool */
#define FUNC_STRIDE	64

/* splitmix64: small, fast and good enough to drive a fuzzer. */
struct rng {
	uint64_t s;
};

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rnd(struct rng *r)
{
	return mix64(r->s += 0x9e3779b97f4a7c15ULL);
}

static inline uint64_t rnd_below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

/* True with probability pm/1000. */
static inline bool chance(struct rng *r, unsigned int pm)
{
	return rnd_below(r, 1000) < pm;
}

struct mseg {
	uint64_t addr;
	uint64_t len;
	uint64_t content_size;
	const uint8_t *content;	/* NULL when content_size is 0 */
	uint8_t group;
};

struct region {
	uint64_t key;
	int slab;		/* index in ctx->slabs */
	int nseg;
	bool unknown;		/* may or may not be live any more */
	bool fin_live;		/* Finalize segments still live */
	struct mseg seg[MAX_SEGS];
};

struct slab {
	uint64_t addr;
	uint64_t len;
	bool damaged;		/* partly unmapped: its regions are unknown */
	bool tampered;		/* protection or contents changed by us */
	bool dontfork;		/* MADV_DONTFORK was applied */
	bool zapped;		/* MADV_DONTNEED dropped page table entries */
};

struct ctx {
	int fd;
	bool exact;		/* counters predictable: no unknown outcome */
	int nslabs;
	int nregions;
	int norphans;		/* ranges to unmap at the end (mremap) */
	uint64_t orphan_addr[MAX_SLABS];
	uint64_t orphan_len[MAX_SLABS];
	struct slab slabs[MAX_SLABS];
	struct region regions[MAX_REGIONS];
};

/* Module limits, read from /sys/module/jitmem/parameters when present. */
struct limits {
	uint64_t max_reserved_bytes;
	uint64_t max_initialized_bytes;
	uint32_t max_segments;
	uint32_t max_batch;
	bool exec_reuse;
	bool known;		/* parameters were readable */
	bool dev_noexec;	/* /dev/jitmem on a noexec mount: X -> EACCES */
	uint64_t features;
};

/* Scratch memory, mapped once before fuzzing so nothing mmaps later. */
struct scratch {
	uint8_t *arg;		/* one RW page, followed by a PROT_NONE page */
	uint8_t *guard;
	uint8_t *ro;		/* a read-only zero page */
	uint8_t *pool;		/* content pool, followed by a guard page */
	uint8_t *segbuf;	/* segment arrays */
	size_t segbuf_size;
	uint64_t *items;
	int32_t *results;
	char *maps;		/* /proc/self/maps buffer */
	size_t maps_size;
};

struct fuzz {
	struct rng rng;
	uint64_t seed;
	unsigned int epoch;
	uint64_t call;		/* calls issued in this epoch */
	uint64_t ncalls;
	uint64_t verbose_from;	/* log every call from this index */
	unsigned long budget;	/* seconds per epoch, 0: no limit */
	time_t deadline;
	long page;
	struct limits lim;
	struct scratch s;
	struct ctx ctx[NCTX];
	uint64_t ok, errs;	/* successful and failed ioctls */
};

/* errno sets, as bitmasks over a small enumeration (expect.c). */
typedef uint32_t errset;
errset eset(int err);
#define E(x)	eset(x)
#define E_COMMON (E(ENOTTY) | E(EFAULT) | E(EINVAL) | E(E2BIG) | E(EPERM) | \
		  E(EINTR))
errset eset_of_cmd(unsigned int nr);
const char *errname(int err);

/* Report a violated expectation with everything needed to replay it. */
__attribute__((format(printf, 2, 3), noreturn))
void fuzz_fail(struct fuzz *f, const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
void fuzz_log(struct fuzz *f, const char *fmt, ...);
/* ioctl returning 0 or -errno, counted and logged. */
int fuzz_ioctl(struct fuzz *f, int fd, unsigned long cmd, void *arg);
/* Check ret is 0 (if allowed) or -e with e in want. */
void expect(struct fuzz *f, const char *what, int ret, errset want, bool may_succeed);

/* model.c */
void model_reset(struct ctx *c, int fd);
int model_add_slab(struct fuzz *f, struct ctx *c, uint64_t addr, uint64_t len);
void model_drop_slab(struct ctx *c, int i, bool released);
int model_find_slab(const struct ctx *c, uint64_t addr, uint64_t len);
bool model_any_slab_overlaps(struct fuzz *f, uint64_t addr, uint64_t len);
int model_find_region(const struct ctx *c, uint64_t key);
void model_drop_region(struct ctx *c, int i);
bool model_overlaps_live(const struct ctx *c, uint64_t addr, uint64_t len);
void model_damage(struct fuzz *f, struct ctx *c, int slab);
void model_damage_range(struct fuzz *f, uint64_t addr, uint64_t len);
void model_counters(const struct ctx *c, struct jitmem_query *q);
uint64_t model_init_bytes(const struct ctx *c);
const struct mseg *model_seg_at(const struct ctx *c, uint64_t addr,
				const struct region **rp);

/* gen.c */
uint64_t gen_bad_ptr(struct fuzz *f);
uint64_t gen_length(struct fuzz *f);
const uint8_t *gen_content(struct fuzz *f, uint64_t size);
uint8_t gen_group(struct fuzz *f);
void *gen_arg(struct fuzz *f, const void *req, uint32_t len, uint32_t size,
	      bool *tail_dirty, bool *faults);
errset gen_req(struct fuzz *f, void *req, uint32_t len, void **argp);
void *gen_req_ro(struct fuzz *f, const void *req, uint32_t len);

/* probe.c */
void probe_init(void);
bool probe_read(const volatile uint8_t *p, uint8_t *val);
bool probe_write(volatile uint8_t *p, uint8_t val);
bool probe_call(const void *fn, int *ret);
bool probe_mem_equal(const uint8_t *p, const uint8_t *want, size_t n);
bool probe_mem_zero(const uint8_t *p, size_t n);
void check_no_wx(struct fuzz *f);
int maps_jitmem(struct fuzz *f);
int maps_jitmem_count(struct fuzz *f);
void check_region(struct fuzz *f, struct ctx *c, const struct region *r,
		  bool deep);
void check_regions(struct fuzz *f, struct ctx *c, bool deep);
void check_addr(struct fuzz *f, struct ctx *c, uint64_t addr);

/* Operations (op_*.c): each issues one call and checks it. */
void op_version(struct fuzz *f, struct ctx *c);
void op_query(struct fuzz *f, struct ctx *c);
void op_bad_cmd(struct fuzz *f, struct ctx *c);
void op_reserve(struct fuzz *f, struct ctx *c);
void op_initialize(struct fuzz *f, struct ctx *c);
void op_deinitialize(struct fuzz *f, struct ctx *c);
void op_release(struct fuzz *f, struct ctx *c);
void op_munmap(struct fuzz *f, struct ctx *c);
void op_mprotect(struct fuzz *f, struct ctx *c);
void op_madvise(struct fuzz *f, struct ctx *c);
void op_mremap(struct fuzz *f, struct ctx *c);
void op_access(struct fuzz *f, struct ctx *c);
void op_fork(struct fuzz *f, struct ctx *c);

/* Query a context and compare with the model when exact. */
void query_check(struct fuzz *f, struct ctx *c, bool must_be_zero);
/* munmap a range except where a slab of the model lives. */
void unmap_free(struct fuzz *f, uint64_t addr, uint64_t len);
/* RELEASE every slab of the model in one batch. */
void release_all(struct fuzz *f, struct ctx *c);

#endif /* JITMEM_FUZZ_H */
