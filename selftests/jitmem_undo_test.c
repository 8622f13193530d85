// SPDX-License-Identifier: GPL-2.0-only
/*
 * A request that fails changes nothing, whatever fails under it: a key the
 * kernel cannot write back, a personality that would turn PROT_READ into
 * PROT_READ|PROT_EXEC.  And no lock is held across a user access: the key
 * is written before any lock is taken, content is read before.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "jitmem_util.h"

#define SLAB_PAGES	16
#define MAX_MAPS	64

/* The /dev/jitmem mappings, as /proc/self/maps shows them. */
struct maps {
	int n;
	struct jm_map m[MAX_MAPS];
};

static void maps_fn(const struct jm_map *m, void *arg)
{
	struct maps *s = arg;

	if (s->n < MAX_MAPS)
		s->m[s->n] = *m;
	s->n++;
}

static void maps_read(struct maps *s)
{
	memset(s, 0, sizeof(*s));
	jm_maps_scan(0, ~0ULL, maps_fn, s);
}

static bool maps_equal(const struct maps *a, const struct maps *b)
{
	return a->n == b->n && a->n <= MAX_MAPS &&
	       !memcmp(a->m, b->m, a->n * sizeof(a->m[0]));
}

FIXTURE(undo) {
	int fd;
	size_t pg;
	__u64 slab;
};

FIXTURE_SETUP(undo)
{
	self->pg = jm_pg();
	self->fd = jm_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, jm_reserve(self->fd, SLAB_PAGES * self->pg, 0, 0,
				&self->slab));
}

FIXTURE_TEARDOWN(undo)
{
	close(self->fd);
}

static struct jitmem_initialize init_req(const struct jitmem_init_segment *s)
{
	struct jitmem_initialize in = {
		.size = sizeof(in), .segments = JM_U64(s), .nsegments = 1,
		.segment_size = sizeof(*s),
	};

	return in;
}

/* The key cannot be written: EFAULT, nothing initialized, no mapping changed. */
TEST_F(undo, key_in_readonly_page)
{
	struct jitmem_init_segment seg = jm_seg(self->slab, self->pg, "x", 1,
						JM_R);
	struct jitmem_initialize *in;
	struct maps before, after;

	in = mmap(NULL, self->pg, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, in);
	*in = init_req(&seg);
	ASSERT_EQ(0, mprotect(in, self->pg, PROT_READ));
	maps_read(&before);
	EXPECT_EQ(-EFAULT, jm_ioctl(self->fd, JITMEM_IOC_INITIALIZE, in));
	maps_read(&after);
	EXPECT_TRUE(maps_equal(&before, &after));
	jm_expect_empty_regions(_metadata, self->fd);
	EXPECT_EQ(SIGSEGV, jm_read(self->slab, NULL));
	munmap(in, self->pg);
}

struct blocked {
	int fd;
	struct jitmem_initialize *in;
	int ret;
};

static void *initialize_thread(void *arg)
{
	struct blocked *b = arg;

	b->ret = jm_ioctl(b->fd, JITMEM_IOC_INITIALIZE, b->in);
	return NULL;
}

static int uffd_open_wp(void *area, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = {
		.range = { .start = JM_U64(area), .len = len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = JM_U64(area), .len = len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC);

	if (uffd < 0)
		return -errno;
	if (ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) {
		int err = -errno;

		close(uffd);
		return err;
	}
	return uffd;
}

/*
 * The key page faults to a userfaultfd: the ioctl waits in the write-back,
 * holding no lock of the context (another thread's QUERY and INITIALIZE go
 * on) and having changed nothing yet; once the fault is resolved it
 * completes.
 */
TEST_F(undo, key_page_faults_late)
{
	struct jitmem_init_segment seg = jm_seg(self->slab, self->pg, "x", 1,
						JM_R);
	struct uffdio_writeprotect wp = { .mode = 0 };
	struct blocked b = { .fd = self->fd, .ret = 1 };
	struct pollfd pfd = { .events = POLLIN };
	struct uffd_msg msg;
	struct jitmem_query q;
	pthread_t t;
	int uffd;

	b.in = mmap(NULL, self->pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b.in);
	*b.in = init_req(&seg);
	uffd = uffd_open_wp(b.in, self->pg);
	if (uffd == -ENOSYS || uffd == -EINVAL)
		SKIP(return, "no userfaultfd write-protect on anonymous memory (%d)",
		     uffd);
	ASSERT_LE(0, uffd) TH_LOG("userfaultfd: %s", strerror(-uffd));
	ASSERT_EQ(0, pthread_create(&t, NULL, initialize_thread, &b));

	pfd.fd = uffd;
	ASSERT_EQ(1, poll(&pfd, 1, 10000)) TH_LOG("no write fault on the key");
	ASSERT_EQ((ssize_t)sizeof(msg), read(uffd, &msg, sizeof(msg)));
	EXPECT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	EXPECT_TRUE(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP);

	/* Waiting on the key: nothing initialized, nothing locked. */
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(0ULL, q.regions);
	EXPECT_EQ(SIGSEGV, jm_read(self->slab, NULL));
	EXPECT_EQ(0, jm_init1(self->fd, self->slab + 4 * self->pg, self->pg,
			      "y", 1, JM_R, NULL));
	EXPECT_EQ(1, b.ret);

	wp.range.start = JM_U64(b.in);
	wp.range.len = self->pg;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, b.ret);
	EXPECT_EQ(self->slab, b.in->key);
	ASSERT_EQ(0, jm_query(self->fd, &q));
	EXPECT_EQ(2ULL, q.regions);
	EXPECT_EQ(0, memcmp(JM_PTR(self->slab), "x", 1));
	close(uffd);
	munmap(b.in, self->pg);
}

static int read_implies_exec(void *arg)
{
	const size_t pg = jm_pg();
	struct jitmem_init_segment segs[2];
	struct maps before, after;
	struct jitmem_query q;
	unsigned char code[16];
	__u64 slab;
	int fd, v = 0;

	(void)arg;
	if (personality(PER_LINUX | READ_IMPLIES_EXEC) < 0)
		return 10;
	fd = jm_open();
	if (fd < 0 || jm_reserve(fd, 8 * pg, 0, 0, &slab))
		return 11;
	maps_read(&before);
	if (jm_init1(fd, slab, pg, "x", 1, JM_R, NULL) != -ENOEXEC)
		return 12;
	if (jm_init1(fd, slab, pg, "x", 1, JM_RW, NULL) != -ENOEXEC)
		return 13;
	/* A code segment with it: refused before its own mapping is made. */
	jm_code(code, 7);
	segs[0] = jm_seg(slab, pg, code, JM_CODE_LEN, JM_RX);
	segs[1] = jm_seg(slab + pg, pg, "x", 1, JM_R);
	if (jm_initialize(fd, segs, 2, NULL) != -ENOEXEC)
		return 14;
	maps_read(&after);
	if (!maps_equal(&before, &after))
		return 15;
	if (jm_query(fd, &q) || q.regions || q.segments)
		return 16;
	/* Code alone needs no readable-only mapping: it works. */
	if (jm_initialize(fd, segs, 1, NULL) || jm_exec(slab, &v) || v != 7)
		return 17;
	return 0;
}

/*
 * Mappings made before the personality changed: a publish into a range
 * already mapped with the segment's protection needs no mmap(), so it
 * works under READ_IMPLIES_EXEC, sub-page, into empty pages and live
 * ones; only a change of protection is refused.
 */
static int read_implies_exec_mapped(void *arg)
{
	const size_t pg = jm_pg();
	struct jitmem_init_segment segs[2];
	struct maps before, after;
	__u64 slab, kr, kw;
	int fd, v = 0;

	(void)arg;
	fd = jm_open();
	if (fd < 0 || jm_reserve(fd, 8 * pg, 0, 0, &slab))
		return 20;
	segs[0] = jm_seg(slab, 64, "r0", 3, JM_R);
	segs[1] = jm_seg(slab + 2 * pg, 64, "w0", 3, JM_RW);
	if (jm_initialize(fd, segs, 2, &kr) || jm_init1(fd, slab + 4 * pg, pg,
							NULL, 0, JM_RX, NULL))
		return 21;
	/* An empty read-only page, kept mapped. */
	if (jm_init1(fd, slab + pg, pg, "e", 1, JM_R, &kw) ||
	    jm_deinit1(fd, kw))
		return 22;
	if (personality(PER_LINUX | READ_IMPLIES_EXEC) < 0)
		return 23;
	maps_read(&before);
	if (jm_init1(fd, slab + 64, 64, "r1", 3, JM_R, NULL))
		return 24;		/* next to a live read-only segment */
	if (jm_init1(fd, slab + pg, 128, "r2", 3, JM_R, NULL))
		return 25;		/* into the empty page */
	if (jm_init1(fd, slab + 2 * pg + 64, 64, "w1", 3, JM_RW, &kw))
		return 26;		/* next to live data */
	maps_read(&after);
	if (!maps_equal(&before, &after))
		return 27;
	if (memcmp(JM_PTR(slab + 64), "r1", 3) ||
	    memcmp(JM_PTR(slab + pg), "r2", 3) ||
	    memcmp(JM_PTR(kw), "w1", 3))
		return 28;
	/* Still not executable, still what it was. */
	if (jm_exec(slab + 64, &v) != SIGSEGV || jm_exec(kw, &v) != SIGSEGV)
		return 29;
	/* A change of protection is still refused, before anything. */
	if (jm_init1(fd, slab + 5 * pg + 64, 64, NULL, 0, JM_RX, NULL))
		return 30;		/* code into code's mapping: fine */
	if (jm_init1(fd, slab + 6 * pg, 64, "x", 1, JM_R, NULL) != -ENOEXEC)
		return 31;		/* page 6 is code's free run */
	maps_read(&after);
	if (!maps_equal(&before, &after))
		return 32;
	return 0;
}

TEST(read_implies_exec_publish_into_mapped)
{
	int status = jm_in_child(read_implies_exec_mapped, NULL);

	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* READ_IMPLIES_EXEC: refused with its own errno, before anything changes. */
TEST(read_implies_exec_refused)
{
	int status = jm_in_child(read_implies_exec, NULL);

	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * Content read from a jitmem mapping of the same context, one whose PTEs
 * are gone: the copy faults into .fault, which must not find a lock of the
 * context held.
 */
TEST_F(undo, content_from_own_mapping)
{
	unsigned char code[16];
	__u64 k2;
	int v = 0;

	jm_code(code, 0x77);
	ASSERT_EQ(0, jm_init1(self->fd, self->slab, self->pg, code,
			      JM_CODE_LEN, JM_RX, NULL));
	ASSERT_EQ(0, madvise(JM_PTR(self->slab), self->pg, MADV_DONTNEED));
	ASSERT_EQ(0, jm_init1(self->fd, self->slab + 8 * self->pg, self->pg,
			      JM_PTR(self->slab), self->pg, JM_RX, &k2));
	ASSERT_EQ(0, jm_exec(k2, &v));
	EXPECT_EQ(0x77, v);
}

TEST_HARNESS_MAIN
