/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the jitmem memory-map selftests.
 *
 * ioctl wrappers return 0 or -errno so tests read as
 * ASSERT_EQ(-EINVAL, jm_reserve(...)).  Include after kselftest_harness.h.
 */
#ifndef JITMEM_UTIL_H
#define JITMEM_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/jitmem.h>

#define JM_DEV		"/dev/jitmem"
#define JM_PARAMS	"/sys/module/jitmem/parameters/"

#define JM_R		JITMEM_GROUP_R
#define JM_RW		(JITMEM_GROUP_R | JITMEM_GROUP_W)
#define JM_RX		(JITMEM_GROUP_R | JITMEM_GROUP_X)
#define JM_FIN		JITMEM_GROUP_FINALIZE

#define JM_PTR(x)	((void *)(uintptr_t)(x))
#define JM_U64(p)	((__u64)(uintptr_t)(p))

/* A positive number from the environment variable @name, else @def. */
static inline unsigned long jm_env_ulong(const char *name, unsigned long def)
{
	const char *v = getenv(name);
	unsigned long n = v ? strtoul(v, NULL, 0) : 0;

	return n ? n : def;
}

static inline size_t jm_pg(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static inline int jm_open(void)
{
	return open(JM_DEV, O_RDWR | O_CLOEXEC);
}

static inline int jm_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline int jm_reserve(int fd, __u64 length, __u64 hint, __u32 flags,
			     __u64 *addr)
{
	struct jitmem_reserve r = {
		.size = sizeof(r), .flags = flags, .length = length, .addr = hint,
	};
	int ret = jm_ioctl(fd, JITMEM_IOC_RESERVE, &r);

	if (!ret && addr)
		*addr = r.addr;
	return ret;
}

static inline struct jitmem_init_segment jm_seg(__u64 addr, __u64 length,
					   const void *content,
					   __u64 content_size, __u8 group)
{
	struct jitmem_init_segment s = {
		.addr = addr, .length = length, .content = JM_U64(content),
		.content_size = content_size, .group = group,
	};
	return s;
}

static inline int jm_initialize(int fd, const struct jitmem_init_segment *segs,
				__u32 n, __u64 *key)
{
	struct jitmem_initialize in = {
		.size = sizeof(in), .segments = JM_U64(segs), .nsegments = n,
		.segment_size = sizeof(*segs),
	};
	int ret = jm_ioctl(fd, JITMEM_IOC_INITIALIZE, &in);

	if (!ret && key)
		*key = in.key;
	return ret;
}

static inline int jm_init1(int fd, __u64 addr, __u64 length,
			   const void *content, __u64 content_size, __u8 group,
			   __u64 *key)
{
	struct jitmem_init_segment s = jm_seg(addr, length, content, content_size,
					 group);

	return jm_initialize(fd, &s, 1, key);
}

/* DEINITIALIZE or RELEASE; *failed (if given) receives the out field. */
static inline int jm_batch(int fd, unsigned long cmd, __u32 flags,
			   const __u64 *items, __s32 *results, __u32 count,
			   __u32 *failed)
{
	struct jitmem_batch b = {
		.size = sizeof(b), .flags = flags, .items = JM_U64(items),
		.results = JM_U64(results), .count = count, .failed = ~0U,
	};
	int ret = jm_ioctl(fd, cmd, &b);

	if (!ret && failed)
		*failed = b.failed;
	return ret;
}

/* One item: the ioctl's error if any, else the item's result. */
static inline int jm_batch1(int fd, unsigned long cmd, __u32 flags, __u64 item)
{
	__s32 res = 1;
	__u32 failed;
	int ret = jm_batch(fd, cmd, flags, &item, &res, 1, &failed);

	if (ret)
		return ret;
	if (failed != (res != 0))
		return -EPROTO;	/* failed must count the bad item */
	return res;
}

static inline int jm_deinit1(int fd, __u64 key)
{
	return jm_batch1(fd, JITMEM_IOC_DEINITIALIZE, 0, key);
}

static inline int jm_release1(int fd, __u64 slab)
{
	return jm_batch1(fd, JITMEM_IOC_RELEASE, 0, slab);
}

static inline int jm_query(int fd, struct jitmem_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	return jm_ioctl(fd, JITMEM_IOC_QUERY, q);
}

#ifdef __KSELFTEST_HARNESS_H
/* Harness check: the context holds no slab, region or initialized byte. */
static inline void jm_expect_empty(struct __test_metadata *_metadata, int fd)
{
	struct jitmem_query q;

	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(0ULL, q.slabs);
	EXPECT_EQ(0ULL, q.reserved_bytes);
	EXPECT_EQ(0ULL, q.regions);
	EXPECT_EQ(0ULL, q.segments);
	EXPECT_EQ(0ULL, q.bytes_r);
	EXPECT_EQ(0ULL, q.bytes_rw);
	EXPECT_EQ(0ULL, q.bytes_rx);
	EXPECT_EQ(0ULL, q.held_bytes);
	EXPECT_EQ(0ULL, q.empty_bytes);
}

/* Harness check: the context holds exactly these pages. */
static inline void jm_expect_pages(struct __test_metadata *_metadata, int fd,
				   __u64 held, __u64 empty)
{
	struct jitmem_query q;

	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(held, q.held_bytes);
	EXPECT_EQ(empty, q.empty_bytes);
}

/*
 * Harness check: no region or initialized byte (slabs may remain, and
 * empty pages in them, but no page a segment uses).
 */
static inline void jm_expect_empty_regions(struct __test_metadata *_metadata,
					   int fd)
{
	struct jitmem_query q;

	ASSERT_EQ(0, jm_query(fd, &q));
	EXPECT_EQ(0ULL, q.regions);
	EXPECT_EQ(0ULL, q.segments);
	EXPECT_EQ(0ULL, q.bytes_r);
	EXPECT_EQ(0ULL, q.bytes_rw);
	EXPECT_EQ(0ULL, q.bytes_rx);
	EXPECT_EQ(q.empty_bytes, q.held_bytes);
}
#endif

/* x86-64 "mov eax, imm32; ret" at @buf: calling it returns @val. */
static inline void jm_code(void *buf, int val)
{
	unsigned char *p = buf;

	p[0] = 0xb8;
	memcpy(p + 1, &val, 4);
	p[5] = 0xc3;
}

#define JM_CODE_LEN 6

/*
 * Fault probes.  Each returns 0 when the access completed, else the signal
 * it raised (SIGSEGV, SIGBUS, or SIGTRAP for code that ran into an int3).
 * The jump buffer is per thread so threads may probe at once; a fault
 * outside a probe still kills the process.
 */
enum jm_access { JM_READ, JM_WRITE, JM_EXEC };

struct jm_probe_state {
	sigjmp_buf env;
	volatile sig_atomic_t armed;
};

static inline struct jm_probe_state *jm_probe_state(void)
{
	static __thread struct jm_probe_state s;

	return &s;
}

static inline void jm_probe_handler(int sig)
{
	struct jm_probe_state *s = jm_probe_state();

	if (!s->armed) {
		signal(sig, SIG_DFL);	/* re-executes the access and dies */
		if (sig == SIGTRAP)	/* a trap does not re-execute */
			raise(sig);
		return;
	}
	s->armed = 0;
	siglongjmp(s->env, sig);
}

static inline int jm_probe(const void *addr, enum jm_access how, int *val)
{
	struct jm_probe_state *s = jm_probe_state();
	struct sigaction sa = { .sa_handler = jm_probe_handler };
	volatile int v = val ? *val : 0;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	sig = sigsetjmp(s->env, 1);
	if (sig)
		return sig;
	s->armed = 1;
	switch (how) {
	case JM_READ:
		v = *(const volatile unsigned char *)addr;
		break;
	case JM_WRITE:
		*(volatile unsigned char *)addr = (unsigned char)v;
		break;
	case JM_EXEC:
		v = ((int (*)(void))addr)();
		break;
	}
	s->armed = 0;
	if (val)
		*val = v;
	return 0;
}

static inline int jm_read(__u64 addr, int *byte)
{
	return jm_probe(JM_PTR(addr), JM_READ, byte);
}

static inline int jm_write(__u64 addr, int byte)
{
	return jm_probe(JM_PTR(addr), JM_WRITE, &byte);
}

static inline int jm_exec(__u64 addr, int *ret)
{
	return jm_probe(JM_PTR(addr), JM_EXEC, ret);
}

/*
 * What a range of a slab holds once no live segment uses it (after
 * DEINITIALIZE, or a region dropped with one of its mappings).  Its pages
 * are either kept, still mapped, holding the scrub fill (int3, 0xcc, in
 * code pages: a call there is SIGTRAP; zeros in data pages, which never
 * execute), or freed: every access is SIGSEGV (userspace-api/jitmem.rst,
 * "Pages").  Anything else (old bytes, another signal, pages of a range
 * that disagree) is JM_FREED_BAD.
 */
enum jm_freed {
	JM_FREED_BAD,
	JM_FREED_KEPT,
	JM_FREED_GONE,
};

static inline enum jm_freed jm_freed(__u64 addr, __u64 len, bool code)
{
	const __u64 pg = jm_pg(), end = addr + len;
	const unsigned char fill = code ? 0xcc : 0;
	enum jm_freed st = JM_FREED_BAD, page;
	__u64 a, next, i;
	int v = 0, sig;

	for (a = addr; a < end; a = next) {
		next = (a & ~(pg - 1)) + pg;
		if (next > end)
			next = end;
		sig = jm_read(a, &v);
		if (sig && sig != SIGSEGV)
			return JM_FREED_BAD;
		page = sig ? JM_FREED_GONE : JM_FREED_KEPT;
		for (i = a; !sig && i < next; i++)
			if (*(const volatile unsigned char *)JM_PTR(i) != fill)
				return JM_FREED_BAD;
		if (a != addr && page != st)
			return JM_FREED_BAD;
		st = page;
	}
	sig = jm_exec(addr, &v);
	if (sig != (code && st == JM_FREED_KEPT ? SIGTRAP : SIGSEGV))
		return JM_FREED_BAD;
	if (code && jm_write(addr, 0xc3) != SIGSEGV)
		return JM_FREED_BAD;
	return st;
}

static inline enum jm_freed jm_freed_code(__u64 addr, __u64 len)
{
	return jm_freed(addr, len, true);
}

static inline enum jm_freed jm_freed_data(__u64 addr, __u64 len)
{
	return jm_freed(addr, len, false);
}

/* The granule of segments VERSION reports, or 0. */
static inline __u64 jm_granule(int fd)
{
	struct jitmem_version v = { .size = sizeof(v) };

	if (jm_ioctl(fd, JITMEM_IOC_VERSION, &v) ||
	    !(v.features & JITMEM_FEATURE_SUBPAGE))
		return 0;
	return v.granule;
}

#ifndef RUSAGE_THREAD
#define RUSAGE_THREAD 1		/* <linux/resource.h>; glibc wants _GNU_SOURCE */
#endif

/* Minor faults of the calling thread so far, or -1. */
static inline long jm_minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? -1 : ru.ru_minflt;
}

/*
 * The page frame number mapped at @addr (root only: others read 0), 0 if
 * no page is mapped there, or -errno.
 */
static inline long long jm_pfn(__u64 addr)
{
	__u64 e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, &e, sizeof(e), (off_t)(addr / jm_pg()) * sizeof(e));
	close(fd);
	if (n != sizeof(e))
		return n < 0 ? -errno : -EIO;
	if (!(e >> 63))
		return 0;
	return (long long)(e & ((1ULL << 55) - 1));
}

/*
 * /proc/self/maps.  jm_maps_walk() visits every mapping that overlaps
 * [lo, hi) and is (@dev) or is not (!@dev) a mapping of /dev/jitmem; it
 * returns how many it saw, or -errno.
 */
struct jm_map {
	unsigned long start, end;
	char perms[5];
};

static inline bool jm_maps_is_dev(const char *path)
{
	size_t n = strlen(path), m = strlen(JM_DEV);

	while (n && (path[n - 1] == '\n' || path[n - 1] == ' '))
		n--;
	return n == m && !strncmp(path, JM_DEV, m);
}

static inline int jm_maps_walk(__u64 lo, __u64 hi, bool dev,
			       void (*fn)(const struct jm_map *, void *),
			       void *arg)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		struct jm_map m;
		int off = 0;

		memset(&m, 0, sizeof(m));	/* padding too: maps compare */
		if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &m.start,
			   &m.end, m.perms, &off) < 3 || !off)
			continue;
		if (jm_maps_is_dev(line + off) != dev || m.end <= lo ||
		    m.start >= hi)
			continue;
		n++;
		if (fn)
			fn(&m, arg);
	}
	free(line);
	fclose(f);
	return n;
}

static inline int jm_maps_scan(__u64 lo, __u64 hi,
			       void (*fn)(const struct jm_map *, void *),
			       void *arg)
{
	return jm_maps_walk(lo, hi, true, fn, arg);
}

/* Number of mappings overlapping [lo, hi) that are not of the device. */
static inline int jm_maps_other(__u64 lo, __u64 hi)
{
	return jm_maps_walk(lo, hi, false, NULL, NULL);
}

/* Number of /dev/jitmem mappings overlapping [lo, hi). */
static inline int jm_maps_count(__u64 lo, __u64 hi)
{
	return jm_maps_scan(lo, hi, NULL, NULL);
}

static inline void jm_maps_wx_fn(const struct jm_map *m, void *arg)
{
	if (strchr(m->perms, 'w') && strchr(m->perms, 'x'))
		(*(int *)arg)++;
}

/* Number of /dev/jitmem mappings, anywhere, that are both w and x. */
static inline int jm_maps_wx(void)
{
	int wx = 0;
	int n = jm_maps_scan(0, ~0ULL, jm_maps_wx_fn, &wx);

	return n < 0 ? n : wx;
}

static inline void jm_maps_perms_fn(const struct jm_map *m, void *arg)
{
	memcpy(arg, m->perms, 4);
}

/*
 * "rwx" letters (e.g. "r-x") of the /dev/jitmem mapping holding @addr in
 * @perms; "" when no mapping of the device holds it.
 */
static inline void jm_maps_perms(__u64 addr, char perms[4])
{
	char p[5] = "";

	jm_maps_scan(addr, addr + 1, jm_maps_perms_fn, p);
	memcpy(perms, p, 3);
	perms[3] = '\0';
}

/* Every /dev/jitmem mapping of the process, in address order. */
struct jm_maps {
	int n, cap;
	struct jm_map *m;
};

static inline void jm_maps_add_fn(const struct jm_map *m, void *arg)
{
	struct jm_maps *s = arg;

	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 64;
		struct jm_map *v = realloc(s->m, cap * sizeof(*v));

		if (!v)
			return;
		s->m = v;
		s->cap = cap;
	}
	s->m[s->n++] = *m;
}

/* Read them into @s (freed with jm_maps_free()); the count or -errno. */
static inline int jm_maps_read(struct jm_maps *s)
{
	int n;

	s->n = 0;
	n = jm_maps_scan(0, ~0ULL, jm_maps_add_fn, s);
	return n < 0 ? n : n == s->n ? n : -ENOMEM;
}

static inline bool jm_maps_equal(const struct jm_maps *a,
				 const struct jm_maps *b)
{
	return a->n == b->n &&
	       (!a->n || !memcmp(a->m, b->m, a->n * sizeof(a->m[0])));
}

/* The first difference, for a test's log. */
static inline void jm_maps_diff(const struct jm_maps *a,
				const struct jm_maps *b, char *buf,
				size_t len)
{
	int i;

	snprintf(buf, len, "%d mappings, then %d", a->n, b->n);
	for (i = 0; i < a->n && i < b->n; i++) {
		if (!memcmp(&a->m[i], &b->m[i], sizeof(a->m[i])))
			continue;
		snprintf(buf, len, "#%d: %lx-%lx %s, then %lx-%lx %s", i,
			 a->m[i].start, a->m[i].end, a->m[i].perms,
			 b->m[i].start, b->m[i].end, b->m[i].perms);
		return;
	}
}

static inline void jm_maps_free(struct jm_maps *s)
{
	free(s->m);
	memset(s, 0, sizeof(*s));
}

/* Module parameters: 0 or -errno. */
static inline int jm_param_get(const char *name, unsigned long long *val)
{
	char path[128], buf[32] = "";
	int fd, n;

	snprintf(path, sizeof(path), JM_PARAMS "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n ? -errno : -ENODATA;
	/* bool parameters read as Y or N */
	if (buf[0] == 'Y' || buf[0] == 'N')
		*val = buf[0] == 'Y';
	else
		*val = strtoull(buf, NULL, 0);
	return 0;
}

static inline int jm_param_set(const char *name, unsigned long long val)
{
	char path[128], buf[32];
	int fd, n, len;

	snprintf(path, sizeof(path), JM_PARAMS "%s", name);
	len = snprintf(buf, sizeof(buf), "%llu\n", val);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	n = n == len ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	return n;
}

/* Run @fn in a child; return its wait status. */
static inline int jm_in_child(int (*fn)(void *), void *arg)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* Pass @fd over the unix socket @sock (SCM_RIGHTS): 0 or -1. */
static inline int jm_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { "x", 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* Receive a descriptor jm_send_fd() passed: the descriptor or -1. */
static inline int jm_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, b;
	struct iovec iov = { &b, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * iommufd's TEST_LENGTH: below the first version -> EINVAL, a longer struct
 * with a non-zero tail -> E2BIG, with a zero tail -> as the exact size.
 * @prep fills a valid command (its size is then overridden) that must
 * succeed at the exact size; @undo cleans up after a successful call.
 * @_first is the struct's last member in its first version.
 */
#define JM_TEST_LENGTH(_fd, _struct, _ioctl, _first, _prep, _undo, _ctx)	\
	do {								\
		struct {						\
			struct _struct cmd;				\
			__u8 extra;					\
		} __c;							\
		size_t __min = offsetof(struct _struct, _first) +	\
			       sizeof(__c.cmd._first);			\
		int __rc;						\
									\
		memset(&__c, 0, sizeof(__c));				\
		_prep(_ctx, &__c.cmd);					\
		__c.cmd.size = __min - 1;				\
		__c.extra = 0xff;					\
		EXPECT_EQ(-EINVAL, jm_ioctl(_fd, _ioctl, &__c));	\
		__c.cmd.size = 0;					\
		EXPECT_EQ(-EINVAL, jm_ioctl(_fd, _ioctl, &__c));	\
		__c.cmd.size = sizeof(struct _struct) + 1;		\
		EXPECT_EQ(-E2BIG, jm_ioctl(_fd, _ioctl, &__c));		\
		memset(&__c, 0, sizeof(__c));				\
		_prep(_ctx, &__c.cmd);					\
		__c.cmd.size = sizeof(struct _struct);			\
		__rc = jm_ioctl(_fd, _ioctl, &__c);			\
		EXPECT_EQ(0, __rc);					\
		if (!__rc)						\
			_undo(_ctx, &__c.cmd);				\
		memset(&__c, 0, sizeof(__c));				\
		_prep(_ctx, &__c.cmd);					\
		__c.cmd.size = sizeof(struct _struct) + 1;		\
		EXPECT_EQ(__rc, jm_ioctl(_fd, _ioctl, &__c));		\
		if (!__rc)						\
			_undo(_ctx, &__c.cmd);				\
		EXPECT_EQ(-EFAULT, jm_ioctl(_fd, _ioctl, NULL));	\
	} while (0)

#endif /* JITMEM_UTIL_H */
