// SPDX-License-Identifier: GPL-2.0-only
/*
 * INITIALIZE: content copied and zero-filled, protection exactly as asked,
 * code runs, the key is the lowest Standard segment; every invalid field is
 * refused with its errno and changes nothing (all-or-nothing).
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

#define SLAB_PAGES	16

FIXTURE(init) {
	int fd;
	size_t pg;
	__u64 slab;
};

FIXTURE_SETUP(init)
{
	self->pg = jm_pg();
	self->fd = jm_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", JM_DEV, strerror(errno));
	ASSERT_EQ(0, jm_reserve(self->fd, SLAB_PAGES * self->pg, 0, 0,
				&self->slab));
}

FIXTURE_TEARDOWN(init)
{
	close(self->fd);
}

TEST_F(init, exec_returns_value)
{
	unsigned char code[JM_CODE_LEN];
	__u64 key = 0;
	int v = 0;

	jm_code(code, 0x1234abcd);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, self->pg, code,
			      sizeof(code), JM_RX, &key));
	EXPECT_EQ(self->slab, key);
	ASSERT_EQ(0, jm_exec(self->slab, &v));
	EXPECT_EQ(0x1234abcd, v);
}

static void expect_copied(struct __test_metadata *_metadata, __u64 addr,
			  const unsigned char *content, size_t csize,
			  size_t len)
{
	const unsigned char *p = JM_PTR(addr);
	size_t i;

	EXPECT_EQ(0, memcmp(p, content, csize));
	for (i = csize; i < len; i++)
		if (p[i])
			break;
	EXPECT_EQ(len, i) TH_LOG("non-zero byte at offset %zu", i);
}

TEST_F(init, content_copied_rest_zero)
{
	static const __u8 groups[] = { JM_R, JM_RW, JM_RX };
	size_t pg = self->pg, len = 2 * pg, csize = pg + 100;
	unsigned char *content = malloc(csize);
	unsigned int i;
	size_t j;

	ASSERT_NE(NULL, content);
	for (j = 0; j < csize; j++)
		content[j] = (unsigned char)(j * 7 + 1);
	/* RX content only needs to be readable: it is never executed here. */
	for (i = 0; i < sizeof(groups); i++) {
		__u64 addr = self->slab + i * 4 * pg;

		ASSERT_EQ(0, jm_init1(self->fd, addr, len, content, csize,
				      groups[i], NULL));
		expect_copied(_metadata, addr, content, csize, len);
	}
	free(content);
}

TEST_F(init, content_size_zero_all_zero)
{
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, self->pg, NULL, 0, JM_R,
			      NULL));
	expect_copied(_metadata, self->slab, NULL, 0, self->pg);
}

TEST_F(init, content_size_equals_length)
{
	unsigned char *content = malloc(self->pg);

	ASSERT_NE(NULL, content);
	memset(content, 0xa5, self->pg);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, self->pg, content,
			      self->pg, JM_R, NULL));
	expect_copied(_metadata, self->slab, content, self->pg, self->pg);
	free(content);
}

/* Content may come from memory that is not writable, e.g. other JIT code. */
TEST_F(init, content_from_readonly_memory)
{
	unsigned char code[JM_CODE_LEN];
	__u64 second = self->slab + 2 * self->pg;
	int v = 0;

	jm_code(code, 77);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, self->pg, code,
			      sizeof(code), JM_RX, NULL));
	ASSERT_EQ(0, jm_init1(self->fd, second, self->pg, JM_PTR(self->slab),
			      sizeof(code), JM_RX, NULL));
	ASSERT_EQ(0, jm_exec(second, &v));
	EXPECT_EQ(77, v);
}

TEST_F(init, protections_exact)
{
	size_t pg = self->pg;
	struct jitmem_init_segment s[3];
	unsigned int i;
	char perms[4];
	int v = 0;

	s[0] = jm_seg(self->slab, pg, NULL, 0, JM_R);
	s[1] = jm_seg(self->slab + 2 * pg, pg, NULL, 0, JM_RW);
	s[2] = jm_seg(self->slab + 4 * pg, pg, NULL, 0, JM_RX);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 3, NULL));
	jm_maps_perms(s[0].addr, perms);
	EXPECT_STREQ("r--", perms);
	jm_maps_perms(s[1].addr, perms);
	EXPECT_STREQ("rw-", perms);
	jm_maps_perms(s[2].addr, perms);
	EXPECT_STREQ("r-x", perms);
	EXPECT_EQ(0, jm_maps_wx());
	/*
	 * The gaps may share a mapping with a neighbour (free runs take
	 * its protection) but hold no page: every access faults.
	 */
	for (i = 1; i < SLAB_PAGES; i += i < 5 ? 2 : 1) {
		EXPECT_EQ(SIGSEGV, jm_read(self->slab + i * pg, &v));
		EXPECT_EQ(SIGSEGV, jm_write(self->slab + i * pg, 1));
		EXPECT_EQ(SIGSEGV, jm_exec(self->slab + i * pg, &v));
	}
}

TEST_F(init, r_segment_access)
{
	int v = 0;

	ASSERT_EQ(0, jm_init1(self->fd, self->slab, self->pg, "\x42", 1, JM_R,
			      NULL));
	ASSERT_EQ(0, jm_read(self->slab, &v));
	EXPECT_EQ(0x42, v);
	EXPECT_EQ(SIGSEGV, jm_write(self->slab, 1));
	EXPECT_EQ(SIGSEGV, jm_exec(self->slab, &v));
	ASSERT_EQ(0, jm_read(self->slab, &v));
	EXPECT_EQ(0x42, v);
}

TEST_F(init, rw_segment_access)
{
	unsigned char code[JM_CODE_LEN];
	int v = 0;

	jm_code(code, 5);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, self->pg, code,
			      sizeof(code), JM_RW, NULL));
	ASSERT_EQ(0, jm_write(self->slab + 100, 0x99));
	ASSERT_EQ(0, jm_read(self->slab + 100, &v));
	EXPECT_EQ(0x99, v);
	EXPECT_EQ(SIGSEGV, jm_exec(self->slab, &v));
}

TEST_F(init, rx_segment_not_writable)
{
	unsigned char code[JM_CODE_LEN];
	int v = 0;

	jm_code(code, 6);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, self->pg, code,
			      sizeof(code), JM_RX, NULL));
	EXPECT_EQ(SIGSEGV, jm_write(self->slab, 0xc3));
	EXPECT_EQ(SIGSEGV, jm_write(self->slab + self->pg - 1, 0xc3));
	ASSERT_EQ(0, jm_exec(self->slab, &v));
	EXPECT_EQ(6, v);
}

/* Key: lowest Standard segment, whatever the order or Finalize ones below. */
TEST_F(init, key_lowest_standard)
{
	size_t pg = self->pg;
	struct jitmem_init_segment s[3];
	__u64 key = 0;

	s[0] = jm_seg(self->slab + 6 * pg, pg, NULL, 0, JM_R);
	s[1] = jm_seg(self->slab, pg, NULL, 0, JM_RW | JM_FIN);
	s[2] = jm_seg(self->slab + 3 * pg, pg, NULL, 0, JM_RX);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 3, &key));
	EXPECT_EQ(self->slab + 3 * pg, key);
}

TEST_F(init, finalize_segment_live)
{
	size_t pg = self->pg;
	struct jitmem_init_segment s[2];
	struct jitmem_query q;
	int v = 0;

	s[0] = jm_seg(self->slab, pg, NULL, 0, JM_RX);
	s[1] = jm_seg(self->slab + pg, pg, "\x17", 1, JM_R | JM_FIN);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 2, NULL));
	ASSERT_EQ(0, jm_read(self->slab + pg, &v));
	EXPECT_EQ(0x17, v);
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(1ULL, q.regions);
	EXPECT_EQ(2ULL, q.segments);
	EXPECT_EQ(pg, q.bytes_r);
	EXPECT_EQ(pg, q.bytes_rx);
}

/* Neighbouring regions are independent even if they share a mapping. */
TEST_F(init, adjacent_regions_independent)
{
	unsigned char a[JM_CODE_LEN], b[JM_CODE_LEN];
	__u64 ka, kb;
	int v = 0;

	jm_code(a, 1);
	jm_code(b, 2);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, self->pg, a, sizeof(a),
			      JM_RX, &ka));
	ASSERT_EQ(0, jm_init1(self->fd, self->slab + self->pg, self->pg, b,
			      sizeof(b), JM_RX, &kb));
	ASSERT_EQ(0, jm_exec(ka, &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, jm_exec(kb, &v));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, jm_deinit1(self->fd, ka));
	/* Its page is scrubbed and kept (max_empty_bytes): a call traps. */
	EXPECT_EQ(JM_FREED_KEPT, jm_freed_code(ka, self->pg));
	ASSERT_EQ(0, jm_exec(kb, &v));
	EXPECT_EQ(2, v);
}

/* Live neighbours keep their protection when a new one lands next to them. */
TEST_F(init, neighbours_keep_protection)
{
	unsigned char code[JM_CODE_LEN];
	size_t pg = self->pg;
	char perms[4];
	int v = 0;

	jm_code(code, 41);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, pg, code, sizeof(code),
			      JM_RX, NULL));
	ASSERT_EQ(0, jm_init1(self->fd, self->slab + 2 * pg, pg, "w", 1, JM_RW,
			      NULL));
	/* Squeezed in between, touching both. */
	ASSERT_EQ(0, jm_init1(self->fd, self->slab + pg, pg, "r", 1, JM_R,
			      NULL));
	jm_maps_perms(self->slab, perms);
	EXPECT_STREQ("r-x", perms);
	jm_maps_perms(self->slab + pg, perms);
	EXPECT_STREQ("r--", perms);
	jm_maps_perms(self->slab + 2 * pg, perms);
	EXPECT_STREQ("rw-", perms);
	ASSERT_EQ(0, jm_exec(self->slab, &v));
	EXPECT_EQ(41, v);
	EXPECT_EQ(SIGSEGV, jm_write(self->slab + pg, 0));
	EXPECT_EQ(0, jm_write(self->slab + 2 * pg, 'x'));
	EXPECT_EQ(0, jm_maps_wx());
}

/* A freed page that shared its neighbour's mapping can take another prot. */
TEST_F(init, reuse_with_other_protection_beside_live)
{
	unsigned char a[JM_CODE_LEN], b[JM_CODE_LEN];
	size_t pg = self->pg;
	char perms[4];
	__u64 ka;
	int v = 0;

	jm_code(a, 1);
	jm_code(b, 2);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, pg, a, sizeof(a), JM_RX,
			      &ka));
	ASSERT_EQ(0, jm_init1(self->fd, self->slab + pg, pg, b, sizeof(b),
			      JM_RX, NULL));
	ASSERT_EQ(0, jm_deinit1(self->fd, ka));
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, pg, "d", 1, JM_RW, NULL));
	jm_maps_perms(self->slab, perms);
	EXPECT_STREQ("rw-", perms);
	EXPECT_EQ(0, jm_write(self->slab, 'e'));
	EXPECT_EQ(SIGSEGV, jm_exec(self->slab, &v));
	ASSERT_EQ(0, jm_exec(self->slab + pg, &v));
	EXPECT_EQ(2, v);
	EXPECT_EQ(SIGSEGV, jm_write(self->slab + pg, 0xc3));
}

/* One segment over free pages whose mappings have different protections. */
TEST_F(init, segment_over_mixed_free_mappings)
{
	struct jitmem_init_segment s[2];
	size_t pg = self->pg, i;
	unsigned char *content = malloc(6 * pg);
	char perms[4];
	__u64 key;

	ASSERT_NE(NULL, content);
	s[0] = jm_seg(self->slab + pg, pg, NULL, 0, JM_RX);
	s[1] = jm_seg(self->slab + 4 * pg, pg, NULL, 0, JM_RW);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 2, &key));
	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	for (i = 0; i < 6 * pg; i++)
		content[i] = (unsigned char)(i / pg + 1);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, 6 * pg, content, 6 * pg,
			      JM_R, NULL));
	for (i = 0; i < 6; i++) {
		jm_maps_perms(self->slab + i * pg, perms);
		EXPECT_STREQ("r--", perms);
	}
	expect_copied(_metadata, self->slab, content, 6 * pg, 6 * pg);
	free(content);
}

/* A newer program's longer segment: zero tail accepted, else E2BIG. */
TEST_F(init, segment_size_longer)
{
	struct wide {
		struct jitmem_init_segment s;
		__u64 future;
	} w[2];
	struct jitmem_initialize in = {
		.size = sizeof(in), .segments = JM_U64(w), .nsegments = 2,
		.segment_size = sizeof(w[0]),
	};
	unsigned char code[JM_CODE_LEN];
	struct jitmem_query q0, q1;
	int v = 0;

	jm_code(code, 31);
	memset(w, 0, sizeof(w));
	w[0].s = jm_seg(self->slab, self->pg, code, sizeof(code), JM_RX);
	w[1].s = jm_seg(self->slab + self->pg, self->pg, NULL, 0, JM_R);
	w[1].future = 1;
	ASSERT_EQ(0, jm_query(self->fd, &q0));
	EXPECT_EQ(-E2BIG, jm_ioctl(self->fd, JITMEM_IOC_INITIALIZE, &in));
	ASSERT_EQ(0, jm_query(self->fd, &q1));
	EXPECT_EQ(0, memcmp(&q0, &q1, sizeof(q0)));
	EXPECT_EQ(SIGSEGV, jm_exec(self->slab, &v));

	w[1].future = 0;
	ASSERT_EQ(0, jm_ioctl(self->fd, JITMEM_IOC_INITIALIZE, &in));
	EXPECT_EQ(self->slab, in.key);
	ASSERT_EQ(0, jm_exec(self->slab, &v));
	EXPECT_EQ(31, v);
	ASSERT_EQ(0, jm_query(self->fd, &q1));
	EXPECT_EQ(2ULL, q1.segments);
}

struct len_ctx {
	int fd;
	size_t pg;
	__u64 slab;
	struct jitmem_init_segment seg;
};

static void init_prep(void *ctx, void *cmd)
{
	struct len_ctx *c = ctx;
	struct jitmem_initialize *in = cmd;

	c->seg = jm_seg(c->slab, c->pg, NULL, 0, JM_R);
	in->segments = JM_U64(&c->seg);
	in->nsegments = 1;
	in->segment_size = sizeof(c->seg);
}

static void init_undo(void *ctx, void *cmd)
{
	struct len_ctx *c = ctx;
	struct jitmem_initialize *in = cmd;

	jm_deinit1(c->fd, in->key);
}

TEST_F(init, struct_length)
{
	struct len_ctx c = { .fd = self->fd, .pg = self->pg, .slab = self->slab };
	struct jitmem_query q;

	JM_TEST_LENGTH(self->fd, jitmem_initialize, JITMEM_IOC_INITIALIZE, key,
		       init_prep, init_undo, &c);
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(0ULL, q.regions);
}

/*
 * Validation failures.  A valid two-segment request (RX code at slab+0, RW
 * data at slab+2 pages) gets exactly one field changed; the call must fail
 * with the variant's errno and leave everything as it was.
 */
#define BIG_PAGES	256

struct bad {
	int fd, fd2;
	size_t pg;
	__u64 slab;		/* BIG_PAGES, followed directly by slab2 */
	__u64 slab2;		/* 4 pages, followed by a free page */
	__u64 live;		/* a live RX region at slab + 8 pages, pg/2 */
	__u64 other;		/* slab of another context */
	unsigned char *anon;	/* anonymous RW page holding 0x3c */
	unsigned char *hole;	/* PROT_NONE page */
	unsigned char *data;	/* two readable pages of content */
	struct jitmem_initialize in;
	struct jitmem_init_segment seg[2];
	struct jitmem_init_segment *many;
	unsigned char wide[2 * (sizeof(struct jitmem_init_segment) + 8)];
	unsigned char code[JM_CODE_LEN];
};

FIXTURE(init_bad) {
	struct bad b;
};

FIXTURE_VARIANT(init_bad) {
	int err;	/* 0: the request is valid and must succeed */
	int alt;	/* another acceptable errno where the ABI is loose */
	void (*mutate)(struct bad *b);
};

FIXTURE_SETUP(init_bad)
{
	struct bad *b = &self->b;
	size_t pg = jm_pg();
	unsigned char live_code[JM_CODE_LEN];
	void *p;

	memset(b, 0, sizeof(*b));
	b->pg = pg;
	b->fd = jm_open();
	ASSERT_LE(0, b->fd) TH_LOG("open %s: %s", JM_DEV, strerror(errno));
	b->fd2 = jm_open();
	ASSERT_LE(0, b->fd2);

	/* Two adjacent slabs and a free page after them. */
	p = mmap(NULL, (BIG_PAGES + 5) * pg, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, (BIG_PAGES + 5) * pg);
	ASSERT_EQ(0, jm_reserve(b->fd, BIG_PAGES * pg, JM_U64(p),
				JITMEM_RESERVE_FIXED_NOREPLACE, &b->slab));
	ASSERT_EQ(0, jm_reserve(b->fd, 4 * pg, b->slab + BIG_PAGES * pg,
				JITMEM_RESERVE_FIXED_NOREPLACE, &b->slab2));
	ASSERT_EQ(0, jm_reserve(b->fd2, 4 * pg, 0, 0, &b->other));

	/* Half a page: the rest of its page is free, but code. */
	jm_code(live_code, 0x1111);
	b->live = b->slab + 8 * pg;
	ASSERT_EQ(0, jm_init1(b->fd, b->live, pg / 2, live_code,
			      sizeof(live_code), JM_RX, NULL));

	b->anon = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b->anon);
	b->anon[0] = 0x3c;
	b->hole = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b->hole);
	/* Two readable pages then a PROT_NONE one, for partial content. */
	b->data = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b->data);
	memset(b->data, 0x5e, 2 * pg);
	ASSERT_EQ(0, mprotect(b->data + 2 * pg, pg, PROT_NONE));

	jm_code(b->code, 0x2222);
	b->seg[0] = jm_seg(b->slab, pg, b->code, sizeof(b->code), JM_RX);
	b->seg[1] = jm_seg(b->slab + 2 * pg, pg, b->data, 64, JM_RW);
	b->in.size = sizeof(b->in);
	b->in.segments = JM_U64(b->seg);
	b->in.nsegments = 2;
	b->in.segment_size = sizeof(b->seg[0]);
}

FIXTURE_TEARDOWN(init_bad)
{
	free(self->b.many);
	close(self->b.fd2);
	close(self->b.fd);
}

static void mut_none(struct bad *b)
{
	(void)b;
}

static bool errno_ok(const FIXTURE_VARIANT(init_bad) *v, int ret)
{
	return ret == -v->err || (v->alt && ret == -v->alt);
}

TEST_F(init_bad, fails_and_changes_nothing)
{
	struct bad *b = &self->b;
	struct jitmem_query q0, q1;
	int ret, v = 0;

	ASSERT_EQ(0, jm_query(b->fd, &q0));
	variant->mutate(b);
	ret = jm_ioctl(b->fd, JITMEM_IOC_INITIALIZE, &b->in);
	if (!variant->err) {
		/* The unchanged request is valid. */
		ASSERT_EQ(0, ret);
		EXPECT_EQ(b->slab, b->in.key);
		ASSERT_EQ(0, jm_exec(b->slab, &v));
		EXPECT_EQ(0x2222, v);
		ASSERT_EQ(0, jm_read(b->slab + 2 * b->pg + 63, &v));
		EXPECT_EQ(0x5e, v);
		return;
	}
	EXPECT_TRUE(errno_ok(variant, ret))
		TH_LOG("got %d (%s), want -%d%s", ret, strerror(-ret),
		       variant->err, variant->alt ? " or alternative" : "");
	ASSERT_EQ(0, jm_query(b->fd, &q1));
	EXPECT_EQ(0, memcmp(&q0, &q1, sizeof(q0)))
		TH_LOG("counters changed: regions %llu -> %llu, segments %llu -> %llu",
		       (unsigned long long)q0.regions,
		       (unsigned long long)q1.regions,
		       (unsigned long long)q0.segments,
		       (unsigned long long)q1.segments);
	/* Neither target page became accessible. */
	EXPECT_EQ(SIGSEGV, jm_read(b->slab, &v));
	EXPECT_EQ(SIGSEGV, jm_read(b->slab + 2 * b->pg, &v));
	/* The live region and foreign memory are untouched. */
	ASSERT_EQ(0, jm_exec(b->live, &v));
	EXPECT_EQ(0x1111, v);
	EXPECT_EQ(0x3c, b->anon[0]);
	EXPECT_EQ(0, jm_maps_wx());
}

#define MUT2(name, errno_, alt_, body)					\
	static void mut_##name(struct bad *b)				\
	{								\
		body;							\
	}								\
	FIXTURE_VARIANT_ADD(init_bad, name) {				\
		.err = errno_, .alt = alt_, .mutate = mut_##name,	\
	}
#define MUT(name, errno_, body) MUT2(name, errno_, 0, body)

FIXTURE_VARIANT_ADD(init_bad, valid) { .err = 0, .mutate = mut_none };

MUT(flags_nonzero, EINVAL, b->in.flags = 1);
MUT(flags_high_bit, EINVAL, b->in.flags = 1U << 31);
MUT(nsegments_zero, EINVAL, b->in.nsegments = 0);
MUT(segments_null, EFAULT, b->in.segments = 0);
MUT(segments_unmapped, EFAULT, b->in.segments = JM_U64(b->hole));
/* seg[0] ends a readable page, seg[1] lies in the PROT_NONE one. */
MUT(segments_partly_unmapped, EFAULT,
	b->in.segments = JM_U64(b->data + 2 * b->pg - sizeof(b->seg[0]));
	memcpy(b->data + 2 * b->pg - sizeof(b->seg[0]), &b->seg[0],
	   sizeof(b->seg[0])));
MUT(segment_size_zero, EINVAL, b->in.segment_size = 0);
MUT(segment_size_short, EINVAL,
	b->in.segment_size = sizeof(struct jitmem_init_segment) - 1);
MUT(segment_size_long_nonzero_tail, E2BIG,
	size_t st = sizeof(b->seg[0]) + 8;
	memset(b->wide, 0, sizeof(b->wide));
	memcpy(b->wide, &b->seg[0], sizeof(b->seg[0]));
	memcpy(b->wide + st, &b->seg[1], sizeof(b->seg[1]));
	b->wide[st + sizeof(b->seg[1]) + 3] = 1;
	b->in.segments = JM_U64(b->wide);
	b->in.segment_size = st);
/* Segments are granule-aligned (64 bytes), not page-aligned. */
MUT(addr_unaligned, EINVAL, b->seg[1].addr += 1);
MUT(addr_unaligned_half_granule, EINVAL, b->seg[1].addr += 32);
MUT(addr_unaligned_granule_and_half, EINVAL,
	b->seg[1].addr += b->pg / 2 + 96);
MUT(length_not_page_multiple, EINVAL, b->seg[1].length = b->pg + 1);
MUT(length_not_granule_multiple, EINVAL, b->seg[1].length = b->pg + 32);
MUT(length_below_granule, EINVAL,
	b->seg[1].length = 8; b->seg[1].content_size = 8);
/* Two segments of other protections in one page: EINVAL. */
MUT(shares_page_with_other_protection, EINVAL,
	b->seg[0].length = b->pg / 2;
	b->seg[1].addr = b->slab + b->pg / 2; b->seg[1].length = b->pg / 2);
/* A page with a live segment of another protection: EBUSY. */
MUT(shares_page_with_live_other_protection, EBUSY,
	b->seg[1].addr = b->live + b->pg / 2; b->seg[1].length = b->pg / 2);
MUT(length_zero, EINVAL, b->seg[1].length = 0; b->seg[1].content_size = 0);
/*
 * addr + length wraps, or ends past the user address space (2^60 is past
 * it with 4- and 5-level page tables): the ABI does not say whether that
 * is EINVAL (like RESERVE's overflow) or ENXIO.
 */
MUT2(length_overflow, EINVAL, ENXIO, b->seg[1].length = -(__u64)b->pg);
MUT2(length_past_address_space, EINVAL, ENXIO,
	b->seg[1].length = 1ULL << 60);
MUT(content_size_above_length, EINVAL, b->seg[1].content_size = b->pg + 1);
MUT(group_zero, EINVAL, b->seg[1].group = 0);
MUT(group_w, EINVAL, b->seg[1].group = JITMEM_GROUP_W);
MUT(group_x, EINVAL, b->seg[1].group = JITMEM_GROUP_X);
MUT(group_finalize_only, EINVAL, b->seg[1].group = JM_FIN);
MUT(group_w_finalize, EINVAL, b->seg[1].group = JITMEM_GROUP_W | JM_FIN);
MUT(group_wx, EPERM, b->seg[1].group = JITMEM_GROUP_W | JITMEM_GROUP_X);
MUT(group_rwx, EPERM, b->seg[1].group = JM_RW | JITMEM_GROUP_X);
MUT(group_rwx_finalize, EPERM,
	b->seg[1].group = JM_RW | JITMEM_GROUP_X | JM_FIN);
MUT(group_bit_0x10, EINVAL, b->seg[1].group = JM_R | 0x10);
MUT(group_bit_0x80, EINVAL, b->seg[1].group = JM_R | 0x80);
MUT(reserved_first_byte, EINVAL, b->seg[1].__reserved[0] = 1);
MUT(reserved_last_byte, EINVAL, b->seg[1].__reserved[6] = 0x80);
MUT(no_standard_segment, EINVAL,
	b->seg[0].group |= JM_FIN; b->seg[1].group |= JM_FIN);
MUT(segments_same_range, EINVAL, b->seg[1].addr = b->seg[0].addr);
MUT(segments_overlap_partly, EINVAL,
	b->seg[0].length = 3 * b->pg);
MUT(outside_any_slab, ENXIO, b->seg[1].addr = JM_U64(b->hole));
MUT(in_anon_mapping, ENXIO, b->seg[1].addr = JM_U64(b->anon));
MUT(in_other_context_slab, ENXIO, b->seg[1].addr = b->other);
MUT(straddles_two_slabs, ENXIO,
	b->seg[1].addr = b->slab2 - b->pg; b->seg[1].length = 2 * b->pg);
MUT(past_slab_end, ENXIO,
	b->seg[1].addr = b->slab2 + 3 * b->pg; b->seg[1].length = 2 * b->pg);
MUT(overlaps_live_region, EBUSY, b->seg[1].addr = b->live);
MUT(overlaps_live_region_partly, EBUSY,
	b->seg[1].addr = b->live - b->pg; b->seg[1].length = 2 * b->pg);
MUT(content_null, EFAULT, b->seg[1].content = 0);
MUT(content_unmapped, EFAULT, b->seg[1].content = JM_U64(b->hole));
MUT(content_partly_unmapped, EFAULT,
	b->seg[1].length = 2 * b->pg;
	b->seg[1].content = JM_U64(b->data + b->pg);
	b->seg[1].content_size = b->pg + 16);
MUT(content_kernel_address, EFAULT,
	b->seg[1].content = 0xffffffff81000000ULL);
MUT(too_many_segments, E2BIG,
	unsigned long long max = 64;
	unsigned int i;
	jm_param_get("max_segments", &max);
	b->many = calloc(max + 1, sizeof(*b->many));
	for (i = 0; i < max + 1; i++)
	b->many[i] = jm_seg(b->slab + (16 + i % (BIG_PAGES - 16)) * b->pg,
			    b->pg, NULL, 0, JM_R);
	b->in.segments = JM_U64(b->many);
	b->in.nsegments = max + 1);

TEST_HARNESS_MAIN
