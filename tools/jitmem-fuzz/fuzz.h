/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jitmem-fuzz: a seeded random ioctl fuzzer for /dev/jitmem.
 *
 * Each epoch runs in its own process: it opens contexts, issues random
 * ioctls and memory operations for a number of calls, checks every result
 * against a model of what the context holds, then releases everything and
 * checks that the counters are back to zero.  Everything random derives from
 * (seed, epoch), so "-s SEED -e EPOCH" replays a failure.
 *
 * The model is exact: every outcome the module documents is determined by
 * what came before, so the model predicts each errno, each QUERY counter
 * (held and empty bytes included), each mapping of /proc/self/maps and
 * each byte a probe reads.  It has four parts per context: the slabs; the
 * regions and their live segments (an index by address); the mappings
 * (VMAs: the module's own calls make and split them, nothing merges them);
 * and the pages the context holds (users, protection, empty order).
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
#define MAX_LIVE	(MAX_REGIONS * MAX_SEGS)
#define MAX_VMAS	2048	/* per context */
#define VMA_ROOM	64	/* kept free: one operation adds fewer */
#define MAX_RETIRED	2048	/* retired code ranges (exec_reuse=0) */
#define MAX_ITEMS	96	/* per batch the fuzzer builds */
#define MAX_TOUCH	64	/* addresses a fork child checks */
#define POOL_SIZE	(256 * 1024)	/* content pool */
#define NFUNCS		64	/* "mov eax, imm32; ret" stubs in the pool */
#define FUNC_STRIDE	64
#define CHUNK_ORDER	6
#define CHUNK_PAGES	(1 << CHUNK_ORDER)	/* pages per chunk of the page model */
#define NCHUNKS		32768	/* chunks for all contexts */
#define CHASH		32768	/* chunk hash slots per context */
#define ERING		(1 << 15)	/* empty-page order, per context */
#define MSCRATCH_PAGES	64	/* mremap(MREMAP_FIXED) target */
#define TIDY_MAX	8	/* JITMEM_TIDY_MAX: mappings noted for a tidy */

/* Protection indices, as the module counts them. */
enum { PI_R, PI_RW, PI_RX, PI_NR };

/* Madvise flags a VMA may carry (they split VMAs). */
#define MF_DONTCOPY	0x1
#define MF_RAND		0x2
#define MF_HUGE		0x4

#define PERMS_RW	(JITMEM_GROUP_R | JITMEM_GROUP_W)
#define PERMS_RX	(JITMEM_GROUP_R | JITMEM_GROUP_X)
#define GROUP_PROT	(JITMEM_GROUP_R | JITMEM_GROUP_W | JITMEM_GROUP_X)

/* What an epoch exercised, reported with its result. */
enum {
	ST_SUBPAGE,	/* regions with a segment not page-aligned */
	ST_SHARED,	/* regions written into pages held already */
	ST_REMAP,	/* protection changes */
	ST_PAGE_BUSY,	/* EBUSY: a page of a live segment of another protection */
	ST_REQ_SHARE,	/* EINVAL: a page shared in a request across protections */
	ST_UNDO,	/* ENXIO after remaps, undone */
	ST_ENOEXEC,	/* ENOEXEC under READ_IMPLIES_EXEC */
	ST_RECLAIM,	/* reclaim passes */
	ST_TIDY,	/* mappings without a page remapped PROT_NONE */
	ST_UNMAP_DROP,	/* regions dropped by a mapping that went */
	ST_HOLE_FILL,	/* holes given back to their slab by RESERVE */
	ST_TRAP,	/* free code called: SIGTRAP */
	ST_MOVE,	/* mremap() moves refused */
	ST_FORK,
	ST_NR
};

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

static inline bool overlaps(uint64_t a, uint64_t alen, uint64_t b,
			    uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static inline int group_pi(uint8_t group)
{
	if (group & JITMEM_GROUP_X)
		return PI_RX;
	if (group & JITMEM_GROUP_W)
		return PI_RW;
	return PI_R;
}

static inline uint8_t pi_perms(int pi)
{
	return pi == PI_RX ? PERMS_RX : pi == PI_RW ? PERMS_RW : JITMEM_GROUP_R;
}

/* What free bytes of a page of protection @pi hold: int3 in code. */
static inline uint8_t pi_fill(int pi)
{
	return pi == PI_RX ? 0xcc : 0;
}

struct mseg {
	uint64_t addr;
	uint64_t len;
	uint64_t content_size;
	const uint8_t *content;	/* NULL when content_size is 0 */
	uint8_t group;
};

/* A region: its segments sorted by address, as the module keeps them. */
struct region {
	uint64_t key;
	int nseg;
	bool used;
	bool fin_live;		/* Finalize segments still live */
	struct mseg seg[MAX_SEGS];
};

/* A live segment, in the context's index by address. */
struct lseg {
	uint64_t start;
	uint64_t end;
	int16_t slot;		/* region slot */
	uint8_t seg;		/* segment index in the region */
	uint8_t pi;
};

struct slab {
	uint64_t addr;
	uint64_t len;
	uint32_t id;		/* what its VMAs point to */
	int nvmas;
};

struct vma {
	uint64_t start;
	uint64_t end;
	uint32_t slab;		/* slab id */
	uint8_t perms;		/* JITMEM_GROUP_R/W/X bits, 0 for PROT_NONE */
	uint8_t mflags;		/* MF_* */
};

/* A page the context holds; users are bytes of live segments in it. */
struct mpage {
	uint16_t users;
	uint8_t pi;
	uint8_t held;
	uint32_t eseq;		/* when it became empty, 0 if not empty */
};

struct chunk {
	uint64_t key;		/* address >> chunk shift */
	uint32_t nheld;
	struct mpage p[CHUNK_PAGES];
};

struct eref {
	uint64_t addr;
	uint32_t seq;
};

struct ctx {
	int fd;
	int nslabs;
	uint32_t next_slab_id;
	struct slab slabs[MAX_SLABS];
	int nregions;
	int rlist[MAX_REGIONS];	/* used region slots */
	int rpos[MAX_REGIONS];	/* slot -> index in rlist */
	struct region regions[MAX_REGIONS];
	int nlive;
	struct lseg live[MAX_LIVE];
	int nvmas;
	struct vma vmas[MAX_VMAS];
	int nretired;
	bool retired_full;	/* too many to track: EADDRNOTAVAIL maybe */
	uint64_t retired_start[MAX_RETIRED];
	uint64_t retired_end[MAX_RETIRED];
	uint64_t retired_bytes;
	uint64_t bytes[PI_NR];
	uint64_t segments;
	/* pages */
	int32_t chash[CHASH];	/* chunk index + 1, 0 for none */
	int nchunks;
	uint64_t held;
	uint64_t nempty;
	uint32_t eseq;
	uint32_t ehead, etail;
	struct eref ering[ERING];
	/* mappings a reclaim may have left without a page (jitmem_tidy()) */
	int ntidy;
	uint64_t tidy[TIDY_MAX];
};

/* Module limits, read from /sys/module/jitmem/parameters when present. */
struct limits {
	uint64_t max_reserved_bytes;
	uint64_t max_initialized_bytes;
	uint64_t max_empty_bytes;
	uint32_t max_segments;
	uint32_t max_batch;
	bool exec_reuse;
	bool known;		/* parameters were readable */
	bool dev_noexec;	/* /dev/jitmem on a noexec mount: X -> EACCES */
	uint64_t features;
	uint64_t granule;	/* of segments: 64, or the page without SUBPAGE */
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
	uint8_t *mdst;		/* MSCRATCH_PAGES of PROT_NONE anonymous memory */
	struct chunk *chunks;	/* NCHUNKS */
	int32_t *chunk_free;	/* free chunk indexes */
	int nfree;
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
	int pshift;
	struct limits lim;
	struct scratch s;
	struct ctx ctx[NCTX];
	uint64_t ok, errs;	/* successful and failed ioctls */
	uint64_t stat[ST_NR];
	bool in_child;		/* a fork child checking its snapshot */
	bool paranoid;		/* check everything after every step */
	int memfd;		/* /proc/self/mem */
	bool logging_touch;	/* record what the parent changes after fork */
	int ntouch;
	uint64_t touch[MAX_TOUCH];
};

/* errno sets, as bitmasks over a small enumeration (expect.c). */
typedef uint32_t errset;
errset eset(int err);
#define E(x)	eset(x)
const char *errname(int err);

/* Report a violated expectation with everything needed to replay it. */
__attribute__((format(printf, 2, 3), noreturn))
void fuzz_fail(struct fuzz *f, const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
void fuzz_log(struct fuzz *f, const char *fmt, ...);
static inline bool fuzz_verbose(const struct fuzz *f)
{
	return f->call + 1 >= f->verbose_from;
}
/* ioctl returning 0 or -errno, counted and logged. */
int fuzz_ioctl(struct fuzz *f, int fd, unsigned long cmd, void *arg);
/* Check ret is 0 (if allowed) or -e with e in want. */
void expect(struct fuzz *f, const char *what, int ret, errset want, bool may_succeed);
/* Check ret is exactly -want (0: success). */
void expect_exact(struct fuzz *f, const char *what, int ret, int want);
void touch(struct fuzz *f, uint64_t addr);

/* model.c: slabs, regions, live segments, counters */
void model_reset(struct fuzz *f, struct ctx *c, int fd);
int model_add_slab(struct fuzz *f, struct ctx *c, uint64_t addr, uint64_t len);
int model_slab_by_id(const struct ctx *c, uint32_t id);
int model_slab_holding(const struct ctx *c, uint64_t start, uint64_t end);
int model_slab_at(const struct ctx *c, uint64_t addr);
void model_forget_slab(struct fuzz *f, struct ctx *c, int i);
int model_find_region(const struct ctx *c, uint64_t key);
struct region *model_new_region(struct ctx *c);
void model_publish(struct fuzz *f, struct ctx *c, struct region *r);
unsigned int model_drop_region(struct fuzz *f, struct ctx *c, int slot,
			       bool fin_only);
void model_drop_range(struct fuzz *f, struct ctx *c, uint64_t start,
		      uint64_t end);
int model_live_first(const struct ctx *c, uint64_t start, uint64_t end);
int model_live_at(const struct ctx *c, uint64_t addr);
int model_live_before(const struct ctx *c, uint64_t addr);
const struct mseg *model_seg_at(const struct ctx *c, uint64_t addr,
				const struct region **rp);
bool model_retired_overlaps(const struct ctx *c, uint64_t start,
			    uint64_t end);
void model_counters(const struct ctx *c, struct jitmem_query *q, long page);
uint64_t model_live_bytes(const struct ctx *c);
void model_unmapped(struct fuzz *f, struct ctx *c, uint32_t slab_id,
		    uint64_t start, uint64_t end, int pending);
void model_release_slab(struct fuzz *f, struct ctx *c, int i);

/* vmas.c: the mappings of each context */
int vma_at(const struct ctx *c, uint64_t addr);
int vma_first(const struct ctx *c, uint64_t start, uint64_t end);
int vma_of_slab_at(const struct ctx *c, uint32_t slab, uint64_t addr);
bool vma_range_mapped(const struct ctx *c, uint64_t start, uint64_t end,
		      uint8_t perms);
bool vma_slab_covers(const struct ctx *c, uint32_t slab, uint64_t start,
		     uint64_t end);
void vma_insert(struct fuzz *f, struct ctx *c, uint64_t start, uint64_t end,
		uint32_t slab, uint8_t perms, uint8_t mflags);
void vma_replace(struct fuzz *f, struct ctx *c, uint64_t start, uint64_t end,
		 uint32_t slab, uint8_t perms);
bool vma_room(const struct fuzz *f, int n);
bool mm_any_vma(const struct fuzz *f, uint64_t addr, int *ctxp, int *vmap);
bool mm_range_has_hole(const struct fuzz *f, uint64_t start, uint64_t end);
void mm_munmap(struct fuzz *f, uint64_t start, uint64_t end);
void mm_madvise_flags(struct fuzz *f, uint64_t start, uint64_t end,
		      uint8_t set, uint8_t clear);
const char *maps_perms(uint8_t perms);
void check_maps(struct fuzz *f);
void vma_tidy(struct fuzz *f, struct ctx *c);
void adopt_hole_fills(struct fuzz *f, struct ctx *c);
bool ctx_has_holes(const struct ctx *c);

/* pages.c: the pages each context holds */
void pages_reset(struct fuzz *f, struct ctx *c);
struct mpage *pg_find(struct fuzz *f, struct ctx *c, uint64_t addr);
struct mpage *pg_hold(struct fuzz *f, struct ctx *c, uint64_t addr, int pi);
void pg_use(struct fuzz *f, struct ctx *c, uint64_t addr, unsigned int bytes);
void pg_unuse(struct fuzz *f, struct ctx *c, uint64_t addr,
	      unsigned int bytes);
uint64_t pg_next(struct fuzz *f, struct ctx *c, uint64_t addr, uint64_t end);
void pg_free_range(struct fuzz *f, struct ctx *c, uint64_t start,
		   uint64_t end);
void pg_free_empty(struct fuzz *f, struct ctx *c, uint64_t start,
		   uint64_t end);
void pg_free_mismatched(struct fuzz *f, struct ctx *c, uint64_t start,
			uint64_t end, int pi);
void pg_reclaim(struct fuzz *f, struct ctx *c);

/* gen.c */
uint64_t gen_bad_ptr(struct fuzz *f);
uint64_t gen_length(struct fuzz *f);
const uint8_t *gen_content(struct fuzz *f, uint64_t size);
uint8_t gen_group(struct fuzz *f);
void *gen_arg(struct fuzz *f, const void *req, uint32_t len, uint32_t size,
	      bool *tail_dirty, bool *faults);
errset gen_req(struct fuzz *f, void *req, uint32_t len, uint32_t min,
	       void **argp);
void *gen_req_ro(struct fuzz *f, const void *req, uint32_t len);

/* probe.c */
void probe_init(void);
int probe_read(const volatile uint8_t *p, uint8_t *val);
int probe_write(volatile uint8_t *p, uint8_t val);
int probe_call(const void *fn, int *ret);
bool probe_mem_equal(const uint8_t *p, const uint8_t *want, size_t n);
bool probe_mem_fill(const uint8_t *p, uint8_t fill, size_t n);
size_t read_maps(struct fuzz *f);
void check_no_wx(struct fuzz *f);
int maps_jitmem(struct fuzz *f);
int maps_jitmem_count(struct fuzz *f);
void check_region(struct fuzz *f, struct ctx *c, const struct region *r,
		  bool deep);
void check_regions(struct fuzz *f, struct ctx *c, bool deep);
void check_addr(struct fuzz *f, uint64_t addr);
void check_range(struct fuzz *f, uint64_t addr, uint64_t len);
void check_forced_write(struct fuzz *f, uint64_t addr);
bool addr_faults(struct fuzz *f, uint64_t addr);

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

/* Query a context and compare every counter with the model. */
void query_check(struct fuzz *f, struct ctx *c);
/* RELEASE every slab of the model in one batch. */
void release_all(struct fuzz *f, struct ctx *c);

#endif /* JITMEM_FUZZ_H */
