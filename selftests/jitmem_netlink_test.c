// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic netlink family "jitmem": the counters move exactly with the
 * operations, the context dump shows the caller and resumes across parts
 * while contexts come and go, an unprivileged user sees only its own
 * contexts and cannot subscribe to the events, the events describe a
 * workload (with the SHA-256 of its code), the segment dump lists the live
 * segments (with the SHA-256 of the code as mapped) and resumes across
 * parts while regions and contexts go, and malformed requests are refused
 * with an extended ACK.  Raw sockets throughout (jitmem_nl.h).
 */
#include "kselftest_harness.h"

#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "jitmem_util.h"
#include "jitmem_nl.h"
#include "jitmem_sha256.h"

#define NOBODY		65534
#define STAT_FIRST	JITMEM_A_CONTEXTS
#define STAT_LAST	JITMEM_A_REFUSED_FOREIGN_MM
/* The counters of a context, in a dump and in stats-get. */
#define IS_CNT(t)	(((t) >= JITMEM_A_SLABS && \
			  (t) <= JITMEM_A_RETIRED_BYTES) || \
			 (t) == JITMEM_A_HELD_BYTES || \
			 (t) == JITMEM_A_EMPTY_BYTES)
/* The attributes of a stats-get reply. */
#define IS_STAT(t)	(((t) >= STAT_FIRST && (t) <= STAT_LAST) || \
			 (t) == JITMEM_A_REFUSED_MREMAP || IS_CNT(t))
/* Where the first attribute of a request starts. */
#define ATTR_OFFS	(NLMSG_HDRLEN + GENL_HDRLEN)

static const char *const attr_name[JITMEM_A_MAX + 1] = {
	[JITMEM_A_CONTEXTS] = "contexts", [JITMEM_A_SLABS] = "slabs",
	[JITMEM_A_RESERVED_BYTES] = "reserved-bytes",
	[JITMEM_A_REGIONS] = "regions", [JITMEM_A_SEGMENTS] = "segments",
	[JITMEM_A_BYTES_R] = "bytes-r", [JITMEM_A_BYTES_RW] = "bytes-rw",
	[JITMEM_A_BYTES_RX] = "bytes-rx",
	[JITMEM_A_RETIRED_BYTES] = "retired-bytes",
	[JITMEM_A_REFUSED_WX] = "refused-wx",
	[JITMEM_A_REFUSED_MPROTECT] = "refused-mprotect",
	[JITMEM_A_REFUSED_INVAL] = "refused-inval",
	[JITMEM_A_REFUSED_LIMIT] = "refused-limit",
	[JITMEM_A_REFUSED_FOREIGN_MM] = "refused-foreign-mm",
	[JITMEM_A_REFUSED_MREMAP] = "refused-mremap",
	[JITMEM_A_HELD_BYTES] = "held-bytes",
	[JITMEM_A_EMPTY_BYTES] = "empty-bytes",
};

/* Values by attribute type; got counts the replies. */
struct stats {
	int got;
	uint64_t v[JITMEM_A_MAX + 1];
};

static int stats_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct stats *s = arg;
	struct jm_msg m;
	int t;

	if (jm_msg_parse(nlh, &m) || m.cmd != JITMEM_NL_CMD_STATS_GET)
		return -EPROTO;
	for (t = 0; t <= JITMEM_A_MAX; t++) {
		if (!IS_STAT(t))
			continue;
		if (!m.tb[t] || jm_nla_len(m.tb[t]) != 8)
			return -EPROTO;
		s->v[t] = jm_nla_u64(m.tb[t]);
	}
	s->got++;
	return 0;
}

static int get_stats(struct jm_nl *nl, struct stats *s)
{
	struct jm_req r;
	int ret;

	memset(s, 0, sizeof(*s));
	jm_req_init(&r, nl->family, JITMEM_NL_CMD_STATS_GET, 0);
	ret = jm_nl_talk(nl, &r, stats_cb, s);
	if (!ret && s->got != 1)
		ret = -ENODATA;
	return ret;
}

/* Every counter moved by exactly d[type] since *before, which is updated. */
static void expect_delta(struct __test_metadata *_metadata, struct jm_nl *nl,
			 const char *step, struct stats *before,
			 const int64_t *d)
{
	struct stats now;
	int t;

	ASSERT_EQ(0, get_stats(nl, &now)) TH_LOG("%s: stats-get", step);
	for (t = 0; t <= JITMEM_A_MAX; t++) {
		int64_t got = (int64_t)(now.v[t] - before->v[t]);

		if (!IS_STAT(t))
			continue;

		EXPECT_EQ(d[t], got) TH_LOG("%s: %s moved by %lld, not %lld",
					    step, attr_name[t], (long long)got,
					    (long long)d[t]);
	}
	*before = now;
}

#define STEP(name, ...) do {						\
	const int64_t d_[JITMEM_A_MAX + 1] = { __VA_ARGS__ };		\
	expect_delta(_metadata, &nl, name, &s, d_);			\
} while (0)

static long param(const char *name)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), JM_PARAMS "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (buf[0] == 'Y' || buf[0] == 'N')
		return buf[0] == 'Y';
	return strtol(buf, NULL, 0);
}

TEST(stats_follow_operations)
{
	const int64_t pg = (int64_t)jm_pg(), len = 16 * pg;
	struct jitmem_init_segment segs[3], wx;
	struct jitmem_initialize big;
	struct jitmem_query tiny = { 0 };
	__s32 res;
	void *dst;
	long reuse = param("exec_reuse"), maxseg = param("max_segments");
	__u64 slab, key;
	struct jm_nl nl;
	struct stats s;
	int fd, status;
	pid_t pid;

	ASSERT_LE(0, reuse);
	ASSERT_LT(0, maxseg);
	/* The four pages deinitialized below are kept, empty. */
	ASSERT_LE(4 * pg, param("max_empty_bytes"));
	ASSERT_EQ(0, jm_nl_open(&nl));
	ASSERT_EQ(0, get_stats(&nl, &s));

	fd = jm_open();
	ASSERT_LE(0, fd);
	STEP("open", [JITMEM_A_CONTEXTS] = 1);

	ASSERT_EQ(0, jm_reserve(fd, len, 0, 0, &slab));
	STEP("reserve", [JITMEM_A_SLABS] = 1, [JITMEM_A_RESERVED_BYTES] = len);

	segs[0] = jm_seg(slab, pg, NULL, 0, JM_RX);
	segs[1] = jm_seg(slab + 2 * pg, 2 * pg, NULL, 0, JM_RW);
	segs[2] = jm_seg(slab + 5 * pg, pg, NULL, 0, JM_R | JM_FIN);
	ASSERT_EQ(0, jm_initialize(fd, segs, 3, &key));
	STEP("initialize", [JITMEM_A_REGIONS] = 1, [JITMEM_A_SEGMENTS] = 3,
	     [JITMEM_A_BYTES_RX] = pg, [JITMEM_A_BYTES_RW] = 2 * pg,
	     [JITMEM_A_BYTES_R] = pg, [JITMEM_A_HELD_BYTES] = 4 * pg);

	wx = jm_seg(slab + 8 * pg, pg, NULL, 0, JITMEM_GROUP_R |
		    JITMEM_GROUP_W | JITMEM_GROUP_X);
	ASSERT_EQ(-EPERM, jm_initialize(fd, &wx, 1, NULL));
	STEP("W+X initialize", [JITMEM_A_REFUSED_WX] = 1);

	wx = jm_seg(slab + 8 * pg, pg, NULL, 0, JM_R | JM_FIN);
	ASSERT_EQ(-EINVAL, jm_initialize(fd, &wx, 1, NULL));
	STEP("initialize without a Standard segment",
	     [JITMEM_A_REFUSED_INVAL] = 1);

	big = (struct jitmem_initialize){
		.size = sizeof(big), .segments = JM_U64(segs),
		.nsegments = (__u32)maxseg + 1, .segment_size = sizeof(segs[0]),
	};
	ASSERT_EQ(-E2BIG, jm_ioctl(fd, JITMEM_IOC_INITIALIZE, &big));
	STEP("initialize above max_segments", [JITMEM_A_REFUSED_LIMIT] = 1);

	ASSERT_EQ(-1, mprotect(JM_PTR(slab + 5 * pg), pg, PROT_NONE));
	ASSERT_EQ(EACCES, errno);
	STEP("mprotect", [JITMEM_A_REFUSED_MPROTECT] = 1);

	dst = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_EQ(MAP_FAILED, mremap(JM_PTR(slab + 5 * pg), pg, pg,
				     MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	ASSERT_EQ(EPERM, errno);
	STEP("mremap", [JITMEM_A_REFUSED_MREMAP] = 1);
	munmap(dst, pg);

	/* Every EINVAL is an invalid request, whichever ioctl and check. */
	ASSERT_EQ(-EINVAL, jm_reserve(fd, 0, 0, 0, NULL));
	STEP("reserve of length 0", [JITMEM_A_REFUSED_INVAL] = 1);
	tiny.size = 4;
	ASSERT_EQ(-EINVAL, jm_ioctl(fd, JITMEM_IOC_QUERY, &tiny));
	STEP("query below its first size", [JITMEM_A_REFUSED_INVAL] = 1);
	ASSERT_EQ(-EINVAL, jm_batch(fd, JITMEM_IOC_RELEASE, 1, &slab, &res, 1,
				    NULL));
	STEP("release with a flag", [JITMEM_A_REFUSED_INVAL] = 1);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct jitmem_query q;

		_exit(jm_query(fd, &q) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	STEP("ioctl from another process", [JITMEM_A_REFUSED_FOREIGN_MM] = 1);

	ASSERT_EQ(0, jm_deinit1(fd, key));
	STEP("deinitialize", [JITMEM_A_REGIONS] = -1, [JITMEM_A_SEGMENTS] = -3,
	     [JITMEM_A_BYTES_RX] = -pg, [JITMEM_A_BYTES_RW] = -2 * pg,
	     [JITMEM_A_BYTES_R] = -pg,
	     [JITMEM_A_RETIRED_BYTES] = reuse ? 0 : pg,
	     [JITMEM_A_EMPTY_BYTES] = 4 * pg);

	ASSERT_EQ(0, jm_release1(fd, slab));
	/* Retired code stays retired in the context, slab or not. */
	STEP("release", [JITMEM_A_SLABS] = -1, [JITMEM_A_RESERVED_BYTES] = -len,
	     [JITMEM_A_HELD_BYTES] = -4 * pg, [JITMEM_A_EMPTY_BYTES] = -4 * pg);

	close(fd);
	STEP("close", [JITMEM_A_CONTEXTS] = -1,
	     [JITMEM_A_RETIRED_BYTES] = reuse ? 0 : -pg);
	jm_nl_close(&nl);
}

/* What the process unmaps leaves every counter exactly. */
TEST(stats_follow_unmap)
{
	const int64_t pg = (int64_t)jm_pg(), len = 16 * pg;
	struct jitmem_init_segment segs[2];
	long reuse = param("exec_reuse");
	struct jm_nl nl;
	struct stats s;
	__u64 slab, k1;
	int fd;

	ASSERT_LE(0, reuse);
	ASSERT_LE(2 * pg, param("max_empty_bytes"));
	ASSERT_EQ(0, jm_nl_open(&nl));
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, len, 0, 0, &slab));
	segs[0] = jm_seg(slab, pg, NULL, 0, JM_RX);
	segs[1] = jm_seg(slab + pg, 2 * pg, NULL, 0, JM_RW);
	ASSERT_EQ(0, jm_initialize(fd, segs, 2, &k1));
	ASSERT_EQ(0, jm_init1(fd, slab + 8 * pg, pg, NULL, 0, JM_R, NULL));
	ASSERT_EQ(0, get_stats(&nl, &s));

	ASSERT_EQ(0, munmap(JM_PTR(slab + 2 * pg), pg));
	/* The page unmapped is freed; the region's two others kept, empty. */
	STEP("munmap of a page of a region", [JITMEM_A_REGIONS] = -1,
	     [JITMEM_A_SEGMENTS] = -2, [JITMEM_A_BYTES_RX] = -pg,
	     [JITMEM_A_BYTES_RW] = -2 * pg,
	     [JITMEM_A_RETIRED_BYTES] = reuse ? 0 : pg,
	     [JITMEM_A_HELD_BYTES] = -pg, [JITMEM_A_EMPTY_BYTES] = 2 * pg);

	ASSERT_EQ(0, munmap(JM_PTR(slab), len));
	STEP("munmap of the rest", [JITMEM_A_SLABS] = -1,
	     [JITMEM_A_RESERVED_BYTES] = -len, [JITMEM_A_REGIONS] = -1,
	     [JITMEM_A_SEGMENTS] = -1, [JITMEM_A_BYTES_R] = -pg,
	     [JITMEM_A_HELD_BYTES] = -3 * pg, [JITMEM_A_EMPTY_BYTES] = -2 * pg);
	EXPECT_EQ(-ENOENT, jm_release1(fd, slab));

	close(fd);
	STEP("close", [JITMEM_A_CONTEXTS] = -1,
	     [JITMEM_A_RETIRED_BYTES] = reuse ? 0 : -pg);
	jm_nl_close(&nl);
}

/* One context of a dump. */
struct ctx_ent {
	uint64_t id;
	uint32_t pid, uid;
	char comm[32];
	uint64_t cnt[JITMEM_A_MAX + 1];
};

struct ctx_list {
	struct ctx_ent *v;
	int n, cap;
	int parts;	/* datagrams received */
};

static int ctx_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ctx_list *l = arg;
	struct ctx_ent *e;
	struct jm_msg m;
	int t;

	if (jm_msg_parse(nlh, &m) || m.cmd != JITMEM_NL_CMD_CONTEXT_GET ||
	    !(nlh->nlmsg_flags & NLM_F_MULTI) || !m.tb[JITMEM_A_CTX_ID] ||
	    !m.tb[JITMEM_A_PID] || !m.tb[JITMEM_A_UID] || !m.tb[JITMEM_A_COMM])
		return -EPROTO;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			return -ENOMEM;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->id = jm_nla_u64(m.tb[JITMEM_A_CTX_ID]);
	e->pid = jm_nla_u32(m.tb[JITMEM_A_PID]);
	e->uid = jm_nla_u32(m.tb[JITMEM_A_UID]);
	snprintf(e->comm, sizeof(e->comm), "%.*s",
		 (int)jm_nla_len(m.tb[JITMEM_A_COMM]),
		 (const char *)jm_nla_data(m.tb[JITMEM_A_COMM]));
	for (t = 0; t <= JITMEM_A_MAX; t++) {
		if (!IS_CNT(t))
			continue;
		if (!m.tb[t] || jm_nla_len(m.tb[t]) != 8)
			return -EPROTO;
		e->cnt[t] = jm_nla_u64(m.tb[t]);
	}
	return 0;
}

static void dump_send(struct jm_nl *nl, uint32_t pid)
{
	struct jm_req r;

	jm_req_init(&r, nl->family, JITMEM_NL_CMD_CONTEXT_GET, NLM_F_DUMP);
	if (pid)
		jm_req_put_u32(&r, JITMEM_A_PID, pid);
	if (jm_nl_send(nl, &r))
		abort();
}

/* Receive the rest of a dump into @l. */
static int dump_recv(struct jm_nl *nl, struct ctx_list *l)
{
	int ret;

	do {
		ret = jm_nl_recv(nl, nl->seq, ctx_cb, l);
		l->parts++;
	} while (ret == 1);
	return ret;
}

static int dump(struct jm_nl *nl, uint32_t pid, struct ctx_list *l)
{
	memset(l, 0, sizeof(*l));
	dump_send(nl, pid);
	return dump_recv(nl, l);
}

static int count_id(const struct ctx_list *l, uint64_t id)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i].id == id;
	return n;
}

static int exiting_owner(int sock, int go)
{
	const size_t pg = jm_pg();
	int fd = jm_open();
	__u64 slab;
	char c;

	if (fd < 0 || jm_reserve(fd, 16 * pg, 0, 0, &slab) ||
	    jm_init1(fd, slab, 2 * pg, NULL, 0, JM_RX, NULL) ||
	    jm_send_fd(sock, fd))
		return 1;
	return read(go, &c, 1) == 1 ? 0 : 2;
}

/*
 * The owner exits while another process holds its file: the context stays,
 * with nothing in it, since the mappings went with the owner's mm.
 */
TEST(owner_exit_drops_everything)
{
	const uint64_t pg = jm_pg();
	long reuse = param("exec_reuse");
	int sv[2], go[2], fd, status, t;
	struct ctx_list l;
	struct jm_nl nl;
	pid_t pid;

	ASSERT_LE(0, reuse);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(exiting_owner(sv[1], go[0]));
	fd = jm_recv_fd(sv[0]);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_nl_open(&nl));
	ASSERT_EQ(0, dump(&nl, pid, &l));
	ASSERT_EQ(1, l.n);
	EXPECT_EQ(1, l.v[0].cnt[JITMEM_A_SLABS]);
	EXPECT_EQ(1, l.v[0].cnt[JITMEM_A_REGIONS]);
	EXPECT_EQ(2 * pg, l.v[0].cnt[JITMEM_A_BYTES_RX]);
	free(l.v);

	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, dump(&nl, pid, &l));
	ASSERT_EQ(1, l.n);
	for (t = 0; t <= JITMEM_A_MAX; t++)
		if (IS_CNT(t))
			EXPECT_EQ(t == JITMEM_A_RETIRED_BYTES && !reuse ?
				  2 * pg : 0, l.v[0].cnt[t])
				TH_LOG("%s after exit", attr_name[t]);
	free(l.v);
	close(fd);
	jm_nl_close(&nl);
}

TEST(dump_shows_the_caller)
{
	const __u64 pg = jm_pg(), len = 8 * pg;
	char comm[16] = "";
	struct jitmem_query q;
	struct ctx_list l, all;
	struct jm_nl nl;
	__u64 slab;
	int fd, fd2, t;

	ASSERT_EQ(0, prctl(PR_GET_NAME, comm));
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, len, 0, 0, &slab));
	ASSERT_EQ(0, jm_init1(fd, slab + pg, 2 * pg, NULL, 0, JM_RX, NULL));
	ASSERT_EQ(0, jm_init1(fd, slab + 4 * pg, pg, NULL, 0, JM_RW, NULL));
	ASSERT_EQ(0, jm_query(fd, &q));
	ASSERT_EQ(0, jm_nl_open(&nl));

	ASSERT_EQ(0, dump(&nl, getpid(), &l));
	ASSERT_EQ(1, l.n);
	EXPECT_EQ((uint32_t)getpid(), l.v[0].pid);
	EXPECT_EQ(getuid(), l.v[0].uid);
	EXPECT_STREQ(comm, l.v[0].comm);
	EXPECT_EQ(q.slabs, l.v[0].cnt[JITMEM_A_SLABS]);
	EXPECT_EQ(q.reserved_bytes, l.v[0].cnt[JITMEM_A_RESERVED_BYTES]);
	EXPECT_EQ(q.regions, l.v[0].cnt[JITMEM_A_REGIONS]);
	EXPECT_EQ(q.segments, l.v[0].cnt[JITMEM_A_SEGMENTS]);
	EXPECT_EQ(q.bytes_r, l.v[0].cnt[JITMEM_A_BYTES_R]);
	EXPECT_EQ(q.bytes_rw, l.v[0].cnt[JITMEM_A_BYTES_RW]);
	EXPECT_EQ(q.bytes_rx, l.v[0].cnt[JITMEM_A_BYTES_RX]);
	EXPECT_EQ(q.retired_bytes, l.v[0].cnt[JITMEM_A_RETIRED_BYTES]);
	EXPECT_EQ(q.held_bytes, l.v[0].cnt[JITMEM_A_HELD_BYTES]);
	EXPECT_EQ(q.empty_bytes, l.v[0].cnt[JITMEM_A_EMPTY_BYTES]);
	/* And the values themselves, not only their agreement. */
	EXPECT_EQ(3 * pg, l.v[0].cnt[JITMEM_A_HELD_BYTES]);
	EXPECT_EQ(0, l.v[0].cnt[JITMEM_A_EMPTY_BYTES]);
	EXPECT_EQ(1, l.v[0].cnt[JITMEM_A_SLABS]);
	EXPECT_EQ(len, l.v[0].cnt[JITMEM_A_RESERVED_BYTES]);
	EXPECT_EQ(2, l.v[0].cnt[JITMEM_A_REGIONS]);
	EXPECT_EQ(2 * pg, l.v[0].cnt[JITMEM_A_BYTES_RX]);
	EXPECT_EQ(pg, l.v[0].cnt[JITMEM_A_BYTES_RW]);

	/* The unfiltered dump has it once, ids rising. */
	ASSERT_EQ(0, dump(&nl, 0, &all));
	EXPECT_EQ(1, count_id(&all, l.v[0].id));
	for (t = 1; t < all.n; t++)
		EXPECT_LT(all.v[t - 1].id, all.v[t].id);
	free(all.v);

	/* A second open file is a second context, with a later id. */
	fd2 = jm_open();
	ASSERT_LE(0, fd2);
	free(l.v);
	ASSERT_EQ(0, dump(&nl, getpid(), &l));
	ASSERT_EQ(2, l.n);
	EXPECT_LT(l.v[0].id, l.v[1].id);
	EXPECT_EQ(0, l.v[1].cnt[JITMEM_A_SLABS]);
	free(l.v);

	/* A pid no process has (pids stay below pid_max): an empty dump. */
	ASSERT_EQ(0, dump(&nl, 4194304, &l));
	EXPECT_EQ(0, l.n);
	free(l.v);

	close(fd2);
	close(fd);
	jm_nl_close(&nl);
}

/*
 * A dump of many contexts comes in several parts, and the kernel makes each
 * part when the previous one is read.  Contexts closed between two parts
 * must not make the dump repeat or skip any other: it has every context up
 * to the last one of the parts made before the closes, then exactly the
 * later contexts still open.
 */
TEST(dump_resumes_while_contexts_close)
{
	enum { N = 600 };
	struct rlimit rl = { .rlim_cur = 2048, .rlim_max = 2048 };
	struct ctx_list before, l;
	uint64_t made;
	int fds[N], i;
	bool open_[N];
	struct jm_nl nl;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < N; i++) {
		fds[i] = jm_open();
		ASSERT_LE(0, fds[i]);
		open_[i] = true;
	}
	ASSERT_EQ(0, jm_nl_open(&nl));
	/* Opened one after the other: ids rise with i. */
	ASSERT_EQ(0, dump(&nl, getpid(), &before));
	ASSERT_EQ(N, before.n);

	/* Part 1 was made by the request; reading it makes part 2. */
	memset(&l, 0, sizeof(l));
	dump_send(&nl, getpid());
	ASSERT_EQ(1, jm_nl_recv(&nl, nl.seq, ctx_cb, &l));
	ASSERT_GT(N, l.n) TH_LOG("the dump fit in one part");
	for (i = 0; i < N; i += 2) {
		close(fds[i]);
		open_[i] = false;
	}
	/* Part 2 is as it was made; reading it makes part 3, after the closes. */
	ASSERT_EQ(1, jm_nl_recv(&nl, nl.seq, ctx_cb, &l));
	made = l.v[l.n - 1].id;
	ASSERT_LT(made, before.v[N - 1].id) TH_LOG("no part after the closes");
	ASSERT_EQ(0, dump_recv(&nl, &l));

	for (i = 1; i < l.n; i++)
		ASSERT_LT(l.v[i - 1].id, l.v[i].id) TH_LOG("entry %d", i);
	for (i = 0; i < N; i++) {
		uint64_t id = before.v[i].id;
		int want = id <= made || open_[i];

		EXPECT_EQ(want, count_id(&l, id)) TH_LOG("context %d", i);
	}
	for (i = 0; i < N; i++)
		if (open_[i])
			close(fds[i]);
	free(before.v);
	free(l.v);
	jm_nl_close(&nl);
}

/* One segment of a segment dump. */
struct seg_ent {
	uint64_t ctx_id, addr, size, key;
	uint32_t pid, uid, group;
	char comm[32];
	bool has_sha;
	uint8_t sha[32];
};

struct seg_list {
	struct seg_ent *v;
	int n, cap;
};

static int seg_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct seg_list *l = arg;
	struct seg_ent *e;
	struct jm_msg m;

	if (jm_msg_parse(nlh, &m) || m.cmd != JITMEM_NL_CMD_SEGMENT_GET ||
	    !(nlh->nlmsg_flags & NLM_F_MULTI) || !m.tb[JITMEM_A_CTX_ID] ||
	    !m.tb[JITMEM_A_PID] || !m.tb[JITMEM_A_UID] ||
	    !m.tb[JITMEM_A_COMM] || !m.tb[JITMEM_A_ADDR] ||
	    !m.tb[JITMEM_A_SIZE] || !m.tb[JITMEM_A_GROUP] || !m.tb[JITMEM_A_KEY])
		return -EPROTO;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			return -ENOMEM;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->ctx_id = jm_nla_u64(m.tb[JITMEM_A_CTX_ID]);
	e->pid = jm_nla_u32(m.tb[JITMEM_A_PID]);
	e->uid = jm_nla_u32(m.tb[JITMEM_A_UID]);
	snprintf(e->comm, sizeof(e->comm), "%.*s",
		 (int)jm_nla_len(m.tb[JITMEM_A_COMM]),
		 (const char *)jm_nla_data(m.tb[JITMEM_A_COMM]));
	e->addr = jm_nla_u64(m.tb[JITMEM_A_ADDR]);
	e->size = jm_nla_u64(m.tb[JITMEM_A_SIZE]);
	e->group = jm_nla_u32(m.tb[JITMEM_A_GROUP]);
	e->key = jm_nla_u64(m.tb[JITMEM_A_KEY]);
	if (m.tb[JITMEM_A_SHA256]) {
		if (jm_nla_len(m.tb[JITMEM_A_SHA256]) != 32)
			return -EPROTO;
		e->has_sha = true;
		memcpy(e->sha, jm_nla_data(m.tb[JITMEM_A_SHA256]), 32);
	}
	return 0;
}

static void seg_dump_send(struct jm_nl *nl, uint32_t pid)
{
	struct jm_req r;

	jm_req_init(&r, nl->family, JITMEM_NL_CMD_SEGMENT_GET, NLM_F_DUMP);
	if (pid)
		jm_req_put_u32(&r, JITMEM_A_PID, pid);
	if (jm_nl_send(nl, &r))
		abort();
}

static int seg_dump_recv(struct jm_nl *nl, struct seg_list *l)
{
	int ret;

	do {
		ret = jm_nl_recv(nl, nl->seq, seg_cb, l);
	} while (ret == 1);
	return ret;
}

static int seg_dump(struct jm_nl *nl, uint32_t pid, struct seg_list *l)
{
	memset(l, 0, sizeof(*l));
	seg_dump_send(nl, pid);
	return seg_dump_recv(nl, l);
}

static void sha256(const void *p, size_t len, uint8_t out[32]);

TEST(segment_dump_shows_segments)
{
	const __u64 pg = jm_pg(), len = 16 * pg;
	struct jitmem_init_segment segs[3];
	uint8_t *code = calloc(1, 2 * pg), sha[32];
	__u64 slab, slab2, key, key2;
	struct seg_list l, all;
	struct ctx_list c;
	char comm[16] = "";
	struct jm_nl nl;
	int fd, fd2, i, mine;

	ASSERT_NE(NULL, code);
	ASSERT_EQ(0, prctl(PR_GET_NAME, comm));
	srand(getpid());
	for (i = 0; i < (int)pg + 300; i++)
		code[i] = (uint8_t)rand();
	sha256(code, 2 * pg, sha);
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, len, 0, 0, &slab));
	/* Given out of order: the dump is in address order. */
	segs[0] = jm_seg(slab + 6 * pg, pg, code, 8, JM_RW);
	segs[1] = jm_seg(slab + 2 * pg, 2 * pg, code, pg + 300, JM_RX);
	segs[2] = jm_seg(slab + 9 * pg, pg, NULL, 0, JM_R | JM_FIN);
	ASSERT_EQ(0, jm_initialize(fd, segs, 3, &key));
	ASSERT_EQ(slab + 2 * pg, key);
	/* A second context of the same process, opened later. */
	fd2 = jm_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, jm_reserve(fd2, len, 0, 0, &slab2));
	ASSERT_EQ(0, jm_init1(fd2, slab2, pg, NULL, 0, JM_RX, &key2));
	ASSERT_EQ(0, jm_nl_open(&nl));
	ASSERT_EQ(0, dump(&nl, getpid(), &c));
	ASSERT_EQ(2, c.n);

	ASSERT_EQ(0, seg_dump(&nl, getpid(), &l));
	ASSERT_EQ(4, l.n);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(i < 3 ? c.v[0].id : c.v[1].id, l.v[i].ctx_id);
		EXPECT_EQ((uint32_t)getpid(), l.v[i].pid);
		EXPECT_EQ(getuid(), l.v[i].uid);
		EXPECT_STREQ(comm, l.v[i].comm);
	}
	EXPECT_EQ(slab + 2 * pg, l.v[0].addr);
	EXPECT_EQ(2 * pg, l.v[0].size);
	EXPECT_EQ(JM_RX, l.v[0].group);
	EXPECT_EQ(key, l.v[0].key);
	ASSERT_TRUE(l.v[0].has_sha);
	EXPECT_EQ(0, memcmp(sha, l.v[0].sha, 32));
	EXPECT_EQ(slab + 6 * pg, l.v[1].addr);
	EXPECT_EQ(pg, l.v[1].size);
	EXPECT_EQ(JM_RW, l.v[1].group);
	EXPECT_EQ(key, l.v[1].key);
	EXPECT_FALSE(l.v[1].has_sha);
	EXPECT_EQ(slab + 9 * pg, l.v[2].addr);
	EXPECT_EQ(JM_R | JM_FIN, l.v[2].group);
	EXPECT_FALSE(l.v[2].has_sha);
	EXPECT_EQ(slab2, l.v[3].addr);
	EXPECT_EQ(key2, l.v[3].key);
	/* A page of zeros: what the kernel mapped, hashed now. */
	memset(code, 0, pg);
	sha256(code, pg, sha);
	ASSERT_TRUE(l.v[3].has_sha);
	EXPECT_EQ(0, memcmp(sha, l.v[3].sha, 32));
	sha256(JM_PTR(slab2), pg, sha);
	EXPECT_EQ(0, memcmp(sha, l.v[3].sha, 32));
	free(l.v);

	/* The unfiltered dump has them too, each once. */
	ASSERT_EQ(0, seg_dump(&nl, 0, &all));
	for (i = 0, mine = 0; i < all.n; i++)
		mine += all.v[i].pid == (uint32_t)getpid();
	EXPECT_EQ(4, mine);
	free(all.v);

	/* Deinitialized, released, closed: gone from the dump. */
	ASSERT_EQ(0, jm_deinit1(fd, key));
	ASSERT_EQ(0, jm_release1(fd2, slab2));
	ASSERT_EQ(0, seg_dump(&nl, getpid(), &l));
	EXPECT_EQ(0, l.n);
	free(l.v);
	ASSERT_EQ(0, jm_init1(fd, slab, pg, NULL, 0, JM_RW, &key));
	close(fd2);
	ASSERT_EQ(0, seg_dump(&nl, getpid(), &l));
	ASSERT_EQ(1, l.n);
	EXPECT_EQ(c.v[0].id, l.v[0].ctx_id);
	EXPECT_EQ(slab, l.v[0].addr);
	free(l.v);
	/* The mappings hold the context open: release, then close. */
	ASSERT_EQ(0, jm_release1(fd, slab));
	close(fd);
	ASSERT_EQ(0, seg_dump(&nl, getpid(), &l));
	EXPECT_EQ(0, l.n);
	free(l.v);
	free(c.v);
	free(code);
	jm_nl_close(&nl);
}

/*
 * Many segments come in several parts.  Between two parts, half the regions
 * of the context the dump is in are deinitialized: the dump has every
 * segment up to the last one sent before, then exactly the survivors, each
 * once, in address order.
 */
TEST(segment_dump_resumes_while_regions_go)
{
	enum { N = 600 };
	const __u64 pg = jm_pg();
	struct seg_list before, l;
	__u64 slab, keys[N], made;
	bool live[N];
	struct jm_nl nl;
	int fd, i, k;

	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, 2 * N * pg, 0, 0, &slab));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(0, jm_init1(fd, slab + 2 * i * pg, pg, NULL, 0,
				      i % 3 ? JM_RW : JM_RX, &keys[i]));
		live[i] = true;
	}
	ASSERT_EQ(0, jm_nl_open(&nl));
	ASSERT_EQ(0, seg_dump(&nl, getpid(), &before));
	ASSERT_EQ(N, before.n);
	for (i = 0; i < N; i++)
		ASSERT_EQ(slab + 2 * i * pg, before.v[i].addr);

	memset(&l, 0, sizeof(l));
	seg_dump_send(&nl, getpid());
	ASSERT_EQ(1, jm_nl_recv(&nl, nl.seq, seg_cb, &l));
	ASSERT_GT(N, l.n) TH_LOG("the dump fit in one part");
	for (i = 0; i < N; i += 2) {
		ASSERT_EQ(0, jm_deinit1(fd, keys[i]));
		live[i] = false;
	}
	/* The second part was made before; the third is made after. */
	ASSERT_EQ(1, jm_nl_recv(&nl, nl.seq, seg_cb, &l));
	made = l.v[l.n - 1].addr;
	ASSERT_LT(made, before.v[N - 1].addr) TH_LOG("no part after the deinits");
	ASSERT_EQ(0, seg_dump_recv(&nl, &l));

	for (i = 1; i < l.n; i++)
		ASSERT_LT(l.v[i - 1].addr, l.v[i].addr) TH_LOG("entry %d", i);
	for (i = 0; i < N; i++) {
		__u64 a = slab + 2 * i * pg;
		int want = a <= made || live[i], got = 0;

		for (k = 0; k < l.n; k++)
			got += l.v[k].addr == a;
		EXPECT_EQ(want, got) TH_LOG("segment %d", i);
	}
	close(fd);
	free(before.v);
	free(l.v);
	jm_nl_close(&nl);
}

/*
 * The context a part ended in is gone before the next part (its slab
 * released, its file closed): the dump goes on with the next context, from
 * its first segment, and skips none of it.
 */
TEST(segment_dump_resumes_after_a_close)
{
	enum { N = 1000 };
	const __u64 pg = jm_pg();
	__u64 slab[2], key;
	struct seg_list l;
	struct ctx_list c;
	struct jm_nl nl;
	int fd[2], i, k, in_b = 0;

	for (k = 0; k < 2; k++) {
		fd[k] = jm_open();
		ASSERT_LE(0, fd[k]);
		ASSERT_EQ(0, jm_reserve(fd[k], N * pg, 0, 0, &slab[k]));
		for (i = 0; i < N; i++)
			ASSERT_EQ(0, jm_init1(fd[k], slab[k] + i * pg, pg, NULL,
					      0, JM_RW, &key));
	}
	ASSERT_EQ(0, jm_nl_open(&nl));
	ASSERT_EQ(0, dump(&nl, getpid(), &c));
	ASSERT_EQ(2, c.n);

	memset(&l, 0, sizeof(l));
	seg_dump_send(&nl, getpid());
	ASSERT_EQ(1, jm_nl_recv(&nl, nl.seq, seg_cb, &l));
	ASSERT_EQ(1, jm_nl_recv(&nl, nl.seq, seg_cb, &l));
	ASSERT_EQ(c.v[0].id, l.v[l.n - 1].ctx_id) TH_LOG("parts too large");
	ASSERT_EQ(0, jm_release1(fd[0], slab[0]));
	close(fd[0]);
	ASSERT_EQ(0, seg_dump_recv(&nl, &l));
	for (i = 0; i < l.n; i++) {
		if (l.v[i].ctx_id != c.v[1].id)
			continue;
		EXPECT_EQ(slab[1] + in_b * pg, l.v[i].addr) TH_LOG("entry %d", i);
		in_b++;
	}
	EXPECT_EQ(N, in_b);
	close(fd[1]);
	free(l.v);
	free(c.v);
	jm_nl_close(&nl);
}

static int wait_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

/* In the child: 0, or the number of the step that failed. */
static int unprivileged_child(int ready, int go)
{
	struct seg_list segs;
	struct ctx_list l;
	struct stats s;
	struct jm_nl nl;
	int i, own = 0, fd;
	__u64 slab;

	/* Open as real uid nobody, still effective root: the context's uid. */
	if (setresuid(NOBODY, -1, -1))
		return 1;
	fd = jm_open();
	if (fd < 0)
		return 2;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return 3;
	if (write(ready, "r", 1) != 1 || wait_byte(go))
		return 4;
	if (jm_nl_open(&nl))
		return 5;
	if (dump(&nl, 0, &l))
		return 6;
	for (i = 0; i < l.n; i++) {
		if (l.v[i].uid != NOBODY)
			return 7;	/* saw another user's context */
		own += l.v[i].pid == (uint32_t)getpid();
	}
	if (own != 1)
		return 8;
	if (dump(&nl, getppid(), &l) || l.n)
		return 9;
	if (get_stats(&nl, &s))
		return 10;	/* the totals are for everyone */
	if (jm_nl_join(&nl) != -EPERM)
		return 11;
	/* Segments: its own only, none of root's. */
	if (jm_reserve(fd, 4 * jm_pg(), 0, 0, &slab) ||
	    jm_init1(fd, slab, jm_pg(), NULL, 0, JM_RX, NULL))
		return 12;
	if (seg_dump(&nl, 0, &segs))
		return 13;
	for (i = 0; i < segs.n; i++)
		if (segs.v[i].uid != NOBODY)
			return 14;
	if (segs.n != 1 || segs.v[0].addr != slab || !segs.v[0].has_sha)
		return 15;
	if (seg_dump(&nl, getppid(), &segs) || segs.n)
		return 16;
	close(fd);
	return 0;
}

TEST(unprivileged_sees_its_own_only)
{
	int ready[2], go[2], fd, status, i, child = 0, mine = 0;
	struct ctx_list l;
	__u64 slab;
	struct jm_nl nl;
	pid_t pid;

	ASSERT_EQ(0, getuid()) TH_LOG("needs root to become nobody");
	fd = jm_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, 4 * jm_pg(), 0, 0, &slab));
	ASSERT_EQ(0, jm_init1(fd, slab, jm_pg(), NULL, 0, JM_RX, NULL));
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(unprivileged_child(ready[1], go[0]));
	close(ready[1]);
	close(go[0]);
	ASSERT_EQ(0, wait_byte(ready[0]));

	/* The administrator sees both users' contexts. */
	ASSERT_EQ(0, jm_nl_open(&nl));
	ASSERT_EQ(0, dump(&nl, 0, &l));
	for (i = 0; i < l.n; i++) {
		if (l.v[i].pid == (uint32_t)pid) {
			child++;
			EXPECT_EQ(NOBODY, l.v[i].uid);
		}
		if (l.v[i].pid == (uint32_t)getpid()) {
			mine++;
			EXPECT_EQ(0, l.v[i].uid);
		}
	}
	EXPECT_EQ(1, child);
	EXPECT_EQ(1, mine);
	free(l.v);

	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the unprivileged child failed at step %d",
		       WEXITSTATUS(status));
	close(fd);
	jm_nl_close(&nl);
}

/* The next event for the family, parsed into @m. */
static int next_event(struct jm_nl *nl, struct jm_msg *m)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)nl->rbuf;
	ssize_t n;

	for (;;) {
		n = recv(nl->fd, nl->rbuf, JM_NL_RBUF, 0);
		if (n < 0)
			return -errno;
		if (!NLMSG_OK(nlh, (int)n))
			return -EPROTO;
		if (nlh->nlmsg_type == nl->family && !nlh->nlmsg_pid &&
		    !nlh->nlmsg_seq)
			return jm_msg_parse(nlh, m);
	}
}

FIXTURE(events) {
	struct jm_nl nl;
	size_t pg;
	int fd;
	uint64_t ctx_id;
	char comm[16];
	__u64 slab;
};

FIXTURE_SETUP(events)
{
	struct ctx_list l;

	self->pg = jm_pg();
	ASSERT_EQ(0, prctl(PR_GET_NAME, self->comm));
	ASSERT_EQ(0, jm_nl_open(&self->nl));
	ASSERT_EQ(0, jm_nl_join(&self->nl));
	ASSERT_EQ(0, jm_nl_timeout(&self->nl, 5000));
	self->fd = jm_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, dump(&self->nl, getpid(), &l));
	ASSERT_EQ(1, l.n);
	self->ctx_id = l.v[0].id;
	free(l.v);
	ASSERT_EQ(0, jm_reserve(self->fd, 16 * self->pg, 0, 0, &self->slab));
}

FIXTURE_TEARDOWN(events)
{
	close(self->fd);
	jm_nl_close(&self->nl);
}

struct want {
	uint8_t cmd;
	__u64 addr, size;
	int group;		/* -1: no group and key attributes */
	__u64 key;
	const uint8_t *sha;	/* NULL: no hash attribute */
};

static void expect_event(struct __test_metadata *_metadata,
			 FIXTURE_DATA(events) *self, const struct want *w)
{
	struct jm_msg m;

	ASSERT_EQ(0, next_event(&self->nl, &m));
	ASSERT_EQ(w->cmd, m.cmd);
	ASSERT_NE(NULL, m.tb[JITMEM_A_CTX_ID]);
	EXPECT_EQ(self->ctx_id, jm_nla_u64(m.tb[JITMEM_A_CTX_ID]));
	ASSERT_NE(NULL, m.tb[JITMEM_A_PID]);
	EXPECT_EQ((uint32_t)getpid(), jm_nla_u32(m.tb[JITMEM_A_PID]));
	ASSERT_NE(NULL, m.tb[JITMEM_A_UID]);
	EXPECT_EQ(getuid(), jm_nla_u32(m.tb[JITMEM_A_UID]));
	ASSERT_NE(NULL, m.tb[JITMEM_A_COMM]);
	EXPECT_STREQ(self->comm, (const char *)jm_nla_data(m.tb[JITMEM_A_COMM]));
	ASSERT_NE(NULL, m.tb[JITMEM_A_ADDR]);
	EXPECT_EQ(w->addr, jm_nla_u64(m.tb[JITMEM_A_ADDR]));
	ASSERT_NE(NULL, m.tb[JITMEM_A_SIZE]);
	EXPECT_EQ(w->size, jm_nla_u64(m.tb[JITMEM_A_SIZE]));
	if (w->group < 0) {
		EXPECT_EQ(NULL, m.tb[JITMEM_A_GROUP]);
		EXPECT_EQ(NULL, m.tb[JITMEM_A_KEY]);
	} else {
		ASSERT_NE(NULL, m.tb[JITMEM_A_GROUP]);
		EXPECT_EQ((uint32_t)w->group, jm_nla_u32(m.tb[JITMEM_A_GROUP]));
		ASSERT_NE(NULL, m.tb[JITMEM_A_KEY]);
		EXPECT_EQ(w->key, jm_nla_u64(m.tb[JITMEM_A_KEY]));
	}
	if (!w->sha) {
		EXPECT_EQ(NULL, m.tb[JITMEM_A_SHA256]);
		return;
	}
	ASSERT_NE(NULL, m.tb[JITMEM_A_SHA256]);
	ASSERT_EQ(JITMEM_SHA256_LEN, jm_nla_len(m.tb[JITMEM_A_SHA256]));
	EXPECT_EQ(0, memcmp(w->sha, jm_nla_data(m.tb[JITMEM_A_SHA256]),
			    JITMEM_SHA256_LEN));
}

static void expect_no_event(struct __test_metadata *_metadata,
			    FIXTURE_DATA(events) *self)
{
	struct jm_msg m;

	ASSERT_EQ(0, jm_nl_timeout(&self->nl, 300));
	EXPECT_EQ(-EAGAIN, next_event(&self->nl, &m))
		TH_LOG("unexpected event, command %u", m.cmd);
}

static void sha256(const void *p, size_t len, uint8_t out[32])
{
	struct jm_sha256 s;

	jm_sha256_init(&s);
	jm_sha256_update(&s, p, len);
	jm_sha256_final(&s, out);
}

TEST(sha256_known_answer)
{
	static const uint8_t abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	uint8_t out[32];

	sha256("abc", 3, out);
	EXPECT_EQ(0, memcmp(abc, out, 32));
}

TEST_F(events, initialize_deinitialize_release)
{
	const size_t pg = self->pg;
	struct jitmem_init_segment segs[3];
	uint8_t *code = calloc(1, 2 * pg), rx_sha[32], mapped_sha[32];
	struct want w;
	__u64 key, s = self->slab;
	size_t i;

	/* Content past one page, then the kernel's zero fill. */
	ASSERT_NE(NULL, code);
	srand(getpid());
	for (i = 0; i < pg + 100; i++)
		code[i] = (uint8_t)rand();
	sha256(code, 2 * pg, rx_sha);

	segs[0] = jm_seg(s, 2 * pg, code, pg + 100, JM_RX);
	segs[1] = jm_seg(s + 3 * pg, pg, code, 10, JM_RW);
	segs[2] = jm_seg(s + 5 * pg, pg, NULL, 0, JM_R | JM_FIN);
	ASSERT_EQ(0, jm_initialize(self->fd, segs, 3, &key));
	ASSERT_EQ(s, key);
	/* The hash is of what is mapped. */
	sha256(JM_PTR(s), 2 * pg, mapped_sha);
	ASSERT_EQ(0, memcmp(rx_sha, mapped_sha, 32));

	w = (struct want){ JITMEM_NL_CMD_SEGMENT_INIT_NTF, s, 2 * pg, JM_RX,
			   key, rx_sha };
	expect_event(_metadata, self, &w);
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_INIT_NTF, s + 3 * pg, pg,
			   JM_RW, key, NULL };
	expect_event(_metadata, self, &w);
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_INIT_NTF, s + 5 * pg, pg,
			   JM_R | JM_FIN, key, NULL };
	expect_event(_metadata, self, &w);

	ASSERT_EQ(0, jm_deinit1(self->fd, key));
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_DEINIT_NTF, s, 2 * pg, JM_RX,
			   key, NULL };
	expect_event(_metadata, self, &w);
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_DEINIT_NTF, s + 3 * pg, pg,
			   JM_RW, key, NULL };
	expect_event(_metadata, self, &w);
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_DEINIT_NTF, s + 5 * pg, pg,
			   JM_R | JM_FIN, key, NULL };
	expect_event(_metadata, self, &w);

	ASSERT_EQ(0, jm_release1(self->fd, s));
	w = (struct want){ JITMEM_NL_CMD_SLAB_RELEASE_NTF, s, 16 * pg, -1, 0,
			   NULL };
	expect_event(_metadata, self, &w);
	expect_no_event(_metadata, self);
	free(code);
}

/* Releasing a slab with live code: its segments go first, then the slab. */
TEST_F(events, release_with_live_code)
{
	const size_t pg = self->pg;
	uint8_t code[JM_CODE_LEN + 2], *page = calloc(1, pg), sha[32];
	__u64 key, s = self->slab + 4 * pg;
	struct want w;
	int ret = 0;

	ASSERT_NE(NULL, page);
	jm_code(code, 42);
	memcpy(page, code, JM_CODE_LEN);
	sha256(page, pg, sha);
	ASSERT_EQ(0, jm_init1(self->fd, s, pg, code, JM_CODE_LEN, JM_RX, &key));
	ASSERT_EQ(0, jm_exec(s, &ret));
	ASSERT_EQ(42, ret);
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_INIT_NTF, s, pg, JM_RX, key,
			   sha };
	expect_event(_metadata, self, &w);

	ASSERT_EQ(0, jm_release1(self->fd, self->slab));
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_DEINIT_NTF, s, pg, JM_RX, key,
			   NULL };
	expect_event(_metadata, self, &w);
	w = (struct want){ JITMEM_NL_CMD_SLAB_RELEASE_NTF, self->slab, 16 * pg,
			   -1, 0, NULL };
	expect_event(_metadata, self, &w);
	expect_no_event(_metadata, self);
	free(page);
}

/*
 * Segments at the granule: two regions of 64 and 128 bytes in one page,
 * each event with its own address, size and the SHA-256 of exactly its
 * bytes (content, then zeros), not of the page.
 */
TEST_F(events, subpage_segments)
{
	uint8_t code[128] = { 0 }, sha_a[32], sha_b[32];
	__u64 ka, kb, a = self->slab + 2 * self->pg + 64, b = a + 64;
	struct want w;
	int ret = 0;

	jm_code(code, 0x64);
	sha256(code, 64, sha_a);
	ASSERT_EQ(0, jm_init1(self->fd, a, 64, code, JM_CODE_LEN, JM_RX, &ka));
	jm_code(code, 0x128);
	memset(code + JM_CODE_LEN, 0x90, 100);
	sha256(code, 128, sha_b);
	ASSERT_EQ(0, jm_init1(self->fd, b, 128, code, JM_CODE_LEN + 100,
			      JM_RX, &kb));
	ASSERT_EQ(0, jm_exec(a, &ret));
	EXPECT_EQ(0x64, ret);
	ASSERT_EQ(0, jm_exec(b, &ret));
	EXPECT_EQ(0x128, ret);
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_INIT_NTF, a, 64, JM_RX, ka,
			   sha_a };
	expect_event(_metadata, self, &w);
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_INIT_NTF, b, 128, JM_RX, kb,
			   sha_b };
	expect_event(_metadata, self, &w);

	ASSERT_EQ(0, jm_deinit1(self->fd, ka));
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_DEINIT_NTF, a, 64, JM_RX, ka,
			   NULL };
	expect_event(_metadata, self, &w);
	ASSERT_EQ(0, jm_deinit1(self->fd, kb));
	w = (struct want){ JITMEM_NL_CMD_SEGMENT_DEINIT_NTF, b, 128, JM_RX, kb,
			   NULL };
	expect_event(_metadata, self, &w);
	expect_no_event(_metadata, self);
}

/* Refused requests make no event. */
TEST_F(events, refused_request_is_silent)
{
	struct jitmem_init_segment segs[2];

	segs[0] = jm_seg(self->slab, self->pg, NULL, 0, JM_RX);
	segs[1] = jm_seg(self->slab, self->pg, NULL, 0, JM_RW);
	ASSERT_EQ(-EINVAL, jm_initialize(self->fd, segs, 2, NULL));
	ASSERT_EQ(-ENOENT, jm_deinit1(self->fd, self->slab));
	ASSERT_EQ(-ENOENT, jm_release1(self->fd, self->slab + self->pg));
	expect_no_event(_metadata, self);
}

/* Malformed requests: the error, the message, the offending attribute. */
FIXTURE(bad) {
	struct jm_nl nl;
};

FIXTURE_VARIANT(bad) {
	uint8_t cmd;
	uint16_t flags;
	uint8_t reserved;	/* genlmsghdr.reserved */
	uint16_t type;		/* attribute type, 0 for none */
	uint16_t len;		/* its payload length */
	uint32_t value;
	int error;
	const char *msg;	/* NULL: no message expected */
	bool offs;		/* NLMSGERR_ATTR_OFFS names the attribute */
};

FIXTURE_VARIANT_ADD(bad, stats_with_attribute) {
	.cmd = JITMEM_NL_CMD_STATS_GET, .type = JITMEM_A_PID, .len = 4,
	.value = 1, .error = -EINVAL, .msg = "Unknown attribute type",
	.offs = true,
};

FIXTURE_VARIANT_ADD(bad, dump_unknown_attribute) {
	.cmd = JITMEM_NL_CMD_CONTEXT_GET, .flags = NLM_F_DUMP,
	.type = JITMEM_A_MAX + 1, .len = 4, .error = -EINVAL,
	.msg = "Unknown attribute type", .offs = true,
};

FIXTURE_VARIANT_ADD(bad, dump_attribute_not_taken) {
	.cmd = JITMEM_NL_CMD_CONTEXT_GET, .flags = NLM_F_DUMP,
	.type = JITMEM_A_SLABS, .len = 4, .error = -EINVAL,
	.msg = "Unsupported attribute", .offs = true,
};

FIXTURE_VARIANT_ADD(bad, dump_pid_wrong_length) {
	.cmd = JITMEM_NL_CMD_CONTEXT_GET, .flags = NLM_F_DUMP,
	.type = JITMEM_A_PID, .len = 2, .value = 1, .error = -EINVAL,
	.msg = "invalid attribute length", .offs = true,
};

FIXTURE_VARIANT_ADD(bad, dump_pid_nested_flag) {
	.cmd = JITMEM_NL_CMD_CONTEXT_GET, .flags = NLM_F_DUMP,
	.type = JITMEM_A_PID | NLA_F_NESTED, .len = 4, .value = 1,
	.error = -EINVAL, .msg = "NLA_F_NESTED not expected", .offs = true,
};

FIXTURE_VARIANT_ADD(bad, dump_pid_zero) {
	.cmd = JITMEM_NL_CMD_CONTEXT_GET, .flags = NLM_F_DUMP,
	.type = JITMEM_A_PID, .len = 4, .value = 0, .error = -ERANGE,
	.msg = "integer out of range", .offs = true,
};

FIXTURE_VARIANT_ADD(bad, dump_pid_too_big) {
	.cmd = JITMEM_NL_CMD_CONTEXT_GET, .flags = NLM_F_DUMP,
	.type = JITMEM_A_PID, .len = 4, .value = 4194305, .error = -ERANGE,
	.msg = "integer out of range", .offs = true,
};

FIXTURE_VARIANT_ADD(bad, segments_attribute_not_taken) {
	.cmd = JITMEM_NL_CMD_SEGMENT_GET, .flags = NLM_F_DUMP,
	.type = JITMEM_A_SLABS, .len = 4, .error = -EINVAL,
	.msg = "Unsupported attribute", .offs = true,
};

FIXTURE_VARIANT_ADD(bad, segments_pid_too_big) {
	.cmd = JITMEM_NL_CMD_SEGMENT_GET, .flags = NLM_F_DUMP,
	.type = JITMEM_A_PID, .len = 4, .value = 4194305, .error = -ERANGE,
	.msg = "integer out of range", .offs = true,
};

FIXTURE_VARIANT_ADD(bad, segments_without_dump) {
	.cmd = JITMEM_NL_CMD_SEGMENT_GET, .error = -EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(bad, unknown_command) {
	.cmd = JITMEM_NL_CMD_MAX + 50, .error = -EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(bad, notification_as_request) {
	.cmd = JITMEM_NL_CMD_SEGMENT_INIT_NTF, .error = -EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(bad, stats_as_dump) {
	.cmd = JITMEM_NL_CMD_STATS_GET, .flags = NLM_F_DUMP,
	.error = -EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(bad, contexts_without_dump) {
	.cmd = JITMEM_NL_CMD_CONTEXT_GET, .error = -EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(bad, reserved_header_byte) {
	.cmd = JITMEM_NL_CMD_STATS_GET, .reserved = 1, .error = -EINVAL,
	.msg = "genlmsghdr.reserved field is not 0",
};

FIXTURE_VARIANT_ADD(bad, reserved_nlmsg_flag) {
	.cmd = JITMEM_NL_CMD_STATS_GET, .flags = NLM_F_EXCL,
	.error = -EINVAL, .msg = "ambiguous or reserved bits set in nlmsg_flags",
};

FIXTURE_SETUP(bad)
{
	ASSERT_EQ(0, jm_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(bad)
{
	jm_nl_close(&self->nl);
}

TEST_F(bad, refused_with_extack)
{
	struct jm_req r;
	struct stats s;
	int off = -1;

	jm_req_init(&r, self->nl.family, variant->cmd, variant->flags);
	jm_req_genl(&r)->reserved = variant->reserved;
	if (variant->type)
		off = jm_req_put(&r, variant->type, &variant->value,
				 variant->len);
	ASSERT_EQ(variant->error, jm_nl_talk(&self->nl, &r, NULL, NULL));
	if (variant->msg)
		EXPECT_STREQ(variant->msg, self->nl.msg);
	if (variant->offs) {
		EXPECT_EQ(ATTR_OFFS, off);
		EXPECT_EQ(off, self->nl.offs);
	}
	/* The socket stays usable. */
	EXPECT_EQ(0, get_stats(&self->nl, &s));
}

TEST_HARNESS_MAIN
