// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lifetime under abuse: processes SIGKILLed in the middle of ioctls and
 * page faults, a context passed to another process whose owner then dies,
 * fork storms while the parent churns code, threads using an fd that
 * another thread closes.  Bounded in rounds and time; the kernel log (KASAN,
 * lockdep, kmemleak on the debug kernel) and the module unload judge the
 * rest.
 */
#include "kselftest_harness.h"
#include "jitmem_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#define KILL_ROUNDS	60
#define PASS_ROUNDS	20
#define STORM_CHILDREN	300
#define STORM_PARALLEL	24
#define CLOSE_ITERS	1500
#define BUSY_THREADS	3
#define BOUND_SECONDS	60	/* each test stops starting rounds after this */

#define STABLE_RET	0x1234
#define GEN_TAG		0x51000000
#define GEN_MASK	0xff000000

/* Child exit codes: what went wrong, for the parent's report. */
enum {
	BAD_ERRNO = 10,		/* an ioctl returned an undocumented result */
	BAD_CODE,		/* initialized code ran wrong or faulted */
	BAD_EPERM,		/* a foreign process was not refused */
	BAD_SETUP,
};

static const char *bad_name(int code)
{
	switch (code) {
	case BAD_ERRNO: return "undocumented ioctl result";
	case BAD_CODE: return "initialized code ran wrong";
	case BAD_EPERM: return "foreign process not refused";
	case BAD_SETUP: return "setup failed";
	}
	return "unexpected exit";
}

static bool deadline(time_t start)
{
	return time(NULL) - start >= BOUND_SECONDS;
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return *s >> 8;
}

/*
 * One round of ordinary use in a slab of 16 pages: a code page returning
 * @tag, a data page, run the code, deinitialize, sometimes release or
 * unmap.  Returns 0, or a BAD_* code.
 */
static int churn_once(int fd, size_t pg, unsigned int *seed, int tag)
{
	unsigned char *buf = alloca(4 * pg);
	struct jitmem_init_segment segs[2];
	__u64 slab, key;
	size_t big;
	int ret, v = 0;

	ret = jm_reserve(fd, 16 * pg, 0, 0, &slab);
	if (ret)
		return ret == -ENOSPC || ret == -ENOMEM ? 0 : BAD_ERRNO;
	memset(buf, 0xcc, 4 * pg);
	jm_code(buf, tag);
	big = (1 + rnd(seed) % 4) * pg;
	segs[0] = jm_seg(slab + pg * (rnd(seed) % 4), pg, buf, JM_CODE_LEN, JM_RX);
	segs[1] = jm_seg(slab + 8 * pg, big, buf, big, JM_RW);
	ret = jm_initialize(fd, segs, 2, &key);
	if (ret && ret != -ENOMEM && ret != -ENOSPC)
		return BAD_ERRNO;
	if (!ret && (jm_exec(segs[0].addr, &v) || v != tag))
		return BAD_CODE;
	switch (rnd(seed) % 4) {
	case 0:
		munmap(JM_PTR(slab), 16 * pg);	/* the user's own business */
		return 0;
	case 1:
		if (!ret && jm_deinit1(fd, key))
			return BAD_ERRNO;
		break;
	}
	return jm_release1(fd, slab) ? BAD_ERRNO : 0;
}

struct busy {
	int fd;
	size_t pg;
	unsigned int seed;
	atomic_int *bad;
};

static void *busy_fn(void *arg)
{
	struct busy *b = arg;
	int r;

	for (;;) {
		r = churn_once(b->fd, b->pg, &b->seed, STABLE_RET);
		if (r)
			atomic_store(b->bad, r);
	}
	return NULL;
}

/*
 * The victim: threads and itself busy in ioctls on @fd (a new context if
 * -1) until SIGKILL arrives.
 */
static void victim(int fd, int ready, unsigned int seed)
{
	struct busy b[BUSY_THREADS + 1];
	atomic_int bad = 0;
	pthread_t t;
	int i, r;

	if (fd < 0)
		fd = jm_open();
	if (fd < 0)
		_exit(BAD_SETUP);
	for (i = 0; i <= BUSY_THREADS; i++) {
		b[i].fd = fd;
		b[i].pg = jm_pg();
		b[i].seed = seed + i;
		b[i].bad = &bad;
		if (i < BUSY_THREADS && pthread_create(&t, NULL, busy_fn, &b[i]))
			_exit(BAD_SETUP);
	}
	if (write(ready, "r", 1) != 1)
		_exit(BAD_SETUP);
	for (;;) {
		r = churn_once(fd, b[i - 1].pg, &b[i - 1].seed, STABLE_RET);
		if (r || (r = atomic_load(&bad)))
			_exit(r);
	}
}

FIXTURE(kill) {
	size_t pg;
	unsigned int seed;
	time_t start;
};

FIXTURE_SETUP(kill)
{
	const char *s = getenv("JITMEM_STRESS_SEED");

	self->pg = jm_pg();
	self->seed = s ? strtoul(s, NULL, 0) : (unsigned int)time(NULL);
	self->start = time(NULL);
	TH_LOG("seed %u (JITMEM_STRESS_SEED replays the delays)", self->seed);
}

FIXTURE_TEARDOWN(kill)
{
}

/* Wait for a child; 0 when it ended the way @want_sig (or exit 0) says. */
static int reap(struct __test_metadata *_metadata, pid_t pid, int want_sig)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (want_sig && WIFSIGNALED(status) && WTERMSIG(status) == want_sig)
		return 0;
	if (!want_sig && WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (WIFEXITED(status))
		TH_LOG("child %d exited %d: %s", pid, WEXITSTATUS(status),
		       bad_name(WEXITSTATUS(status)));
	else
		TH_LOG("child %d died of signal %d", pid, WTERMSIG(status));
	return -1;
}

TEST_F_TIMEOUT(kill, sigkill_mid_operation, 300)
{
	unsigned int seed = self->seed, round;
	char c;

	for (round = 0; round < KILL_ROUNDS && !deadline(self->start); round++) {
		int p[2];
		pid_t pid;

		ASSERT_EQ(0, pipe(p));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			close(p[0]);
			victim(-1, p[1], seed + round);
		}
		close(p[1]);
		ASSERT_EQ(1, read(p[0], &c, 1));
		close(p[0]);
		usleep(rnd(&seed) % 20000);
		kill(pid, SIGKILL);
		ASSERT_EQ(0, reap(_metadata, pid, SIGKILL))
			TH_LOG("round %u", round);
	}
	TH_LOG("%u rounds", round);
}

/* The owner: a live region, the fd sent away, then busy until killed. */
static void owner(int sock, int ready, unsigned int seed)
{
	unsigned char code[16];
	__u64 slab, key;
	int fd = jm_open();

	if (fd < 0 || jm_reserve(fd, 16 * jm_pg(), 0, 0, &slab))
		_exit(BAD_SETUP);
	jm_code(code, STABLE_RET);
	if (jm_init1(fd, slab, jm_pg(), code, sizeof(code), JM_RX, &key) ||
	    write(sock, &slab, sizeof(slab)) != sizeof(slab) ||
	    jm_send_fd(sock, fd) || write(ready, "r", 1) != 1)
		_exit(BAD_SETUP);
	victim(fd, ready, seed);
}

/* Everything but VERSION is refused to a process that is not the owner. */
static int foreign_calls(int fd, __u64 slab, size_t pg)
{
	struct jitmem_version v = { .size = sizeof(v) };
	struct jitmem_query q;
	unsigned char code[16];
	__u64 addr;
	void *p;

	jm_code(code, 1);
	if (jm_ioctl(fd, JITMEM_IOC_VERSION, &v))
		return BAD_ERRNO;
	if (jm_query(fd, &q) != -EPERM ||
	    jm_reserve(fd, pg, 0, 0, &addr) != -EPERM ||
	    jm_init1(fd, slab + pg, pg, code, sizeof(code), JM_RX,
		     &addr) != -EPERM ||
	    jm_deinit1(fd, slab) != -EPERM || jm_release1(fd, slab) != -EPERM)
		return BAD_EPERM;
	p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p != MAP_FAILED)
		return BAD_EPERM;	/* only the module maps the device */
	return 0;
}

TEST_F_TIMEOUT(kill, fd_passed_then_owner_killed, 300)
{
	unsigned int seed = self->seed, round;
	int i, r;

	for (round = 0; round < PASS_ROUNDS && !deadline(self->start); round++) {
		int sv[2], p[2], dead[2], fd;
		__u64 slab;
		pid_t a, b;
		char c;

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
		ASSERT_EQ(0, pipe(p));
		ASSERT_EQ(0, pipe(dead));
		a = fork();
		ASSERT_LE(0, a);
		if (!a) {
			close(sv[1]);
			close(p[0]);
			owner(sv[0], p[1], seed + round);
		}
		close(sv[0]);
		close(p[1]);
		b = fork();
		ASSERT_LE(0, b);
		if (!b) {
			/* The receiver: refused before and after the owner dies. */
			if (read(sv[1], &slab, sizeof(slab)) != sizeof(slab))
				_exit(BAD_SETUP);
			fd = jm_recv_fd(sv[1]);
			if (fd < 0)
				_exit(BAD_SETUP);
			for (i = 0; i < 400; i++) {
				r = foreign_calls(fd, slab, self->pg);
				if (r)
					_exit(r);
				if (i == 200 && read(dead[0], &c, 1) != 1)
					_exit(BAD_SETUP);	/* owner dead */
			}
			_exit(close(fd) ? BAD_SETUP : 0);
		}
		ASSERT_EQ(2, read(p[0], &c, 1) + read(p[0], &c, 1));
		usleep(rnd(&seed) % 10000);
		kill(a, SIGKILL);
		ASSERT_EQ(0, reap(_metadata, a, SIGKILL));
		ASSERT_EQ(1, write(dead[1], "d", 1));
		close(sv[1]);
		close(p[0]);
		close(dead[0]);
		close(dead[1]);
		ASSERT_EQ(0, reap(_metadata, b, 0)) TH_LOG("round %u", round);
	}
	TH_LOG("%u rounds", round);
}

/*
 * fork storm: children (and some grandchildren) run inherited code while
 * the parent keeps replacing a region under them.  A child sees the stable
 * code, and for the churned slot either a fault or code of some generation,
 * never anything else.
 */
struct storm {
	int fd;
	size_t pg;
	__u64 slab;
	atomic_int stop;
	atomic_int bad;
	unsigned long gens;
};

static void *storm_churn(void *arg)
{
	struct storm *st = arg;
	unsigned char code[16];
	__u64 key;
	int r;

	while (!atomic_load(&st->stop)) {
		jm_code(code, GEN_TAG | (int)(st->gens & 0xffffff));
		r = jm_init1(st->fd, st->slab + st->pg, st->pg, code,
			     sizeof(code), JM_RX, &key);
		if (r) {
			atomic_store(&st->bad, r);
			break;
		}
		st->gens++;
		r = jm_deinit1(st->fd, key);
		if (r) {
			atomic_store(&st->bad, r);
			break;
		}
	}
	return NULL;
}

static int storm_child(struct storm *st, bool inherit, int depth)
{
	int v = 0, sig;
	pid_t pid;

	sig = jm_exec(st->slab, &v);
	if (inherit ? sig || v != STABLE_RET : !sig)
		return BAD_CODE;
	/*
	 * A generation, or the int3 fill of the page between two (it stays
	 * mapped), or nothing when the fork came before the first one.
	 */
	sig = jm_exec(st->slab + st->pg, &v);
	if (!sig && (v & GEN_MASK) != GEN_TAG)
		return BAD_CODE;
	if (sig && sig != SIGTRAP && sig != SIGSEGV)
		return BAD_CODE;
	if (depth || getpid() % 4)
		return 0;
	pid = fork();
	if (pid < 0)
		return BAD_SETUP;
	if (!pid)
		_exit(storm_child(st, inherit, depth + 1));
	return waitpid(pid, &v, 0) == pid && WIFEXITED(v) ?
	       WEXITSTATUS(v) : BAD_CODE;
}

TEST_F_TIMEOUT(kill, fork_storm_while_churning, 300)
{
	struct jitmem_version ver = { .size = sizeof(ver) };
	struct storm st = { .pg = self->pg };
	unsigned char code[16];
	unsigned int started = 0, running = 0;
	struct jitmem_query q;
	pthread_t t;
	__u64 key;
	bool inherit;

	st.fd = jm_open();
	ASSERT_LE(0, st.fd);
	ASSERT_EQ(0, jm_ioctl(st.fd, JITMEM_IOC_VERSION, &ver));
	inherit = ver.features & JITMEM_FEATURE_FORK;
	ASSERT_EQ(0, jm_reserve(st.fd, 8 * self->pg, 0, 0, &st.slab));
	jm_code(code, STABLE_RET);
	ASSERT_EQ(0, jm_init1(st.fd, st.slab, self->pg, code, sizeof(code),
			      JM_RX, &key));
	ASSERT_EQ(0, pthread_create(&t, NULL, storm_churn, &st));
	while (started < STORM_CHILDREN && !deadline(self->start)) {
		pid_t pid;
		int status;

		if (running == STORM_PARALLEL) {
			ASSERT_LT(0, wait(&status));
			running--;
			EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
				TH_LOG("storm child: %s", WIFEXITED(status) ?
				       bad_name(WEXITSTATUS(status)) : "signal");
		}
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(storm_child(&st, inherit, 0));
		started++;
		running++;
	}
	while (running--) {
		int status;

		ASSERT_LT(0, wait(&status));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	atomic_store(&st.stop, 1);
	pthread_join(t, NULL);
	EXPECT_EQ(0, atomic_load(&st.bad));
	EXPECT_LT(0UL, st.gens);
	ASSERT_EQ(0, jm_release1(st.fd, st.slab));
	ASSERT_EQ(0, jm_query(st.fd, &q));
	EXPECT_EQ(0ULL, q.regions + q.slabs + q.segments);
	TH_LOG("%u children, %lu generations", started, st.gens);
	close(st.fd);
}

/*
 * Threads use whatever context sits at one fd number while another thread
 * closes it and opens a new one there.  Every call gets a documented result
 * or EBADF; what was mapped through a closed context is unmapped by hand.
 */
struct closer {
	atomic_int fd;
	atomic_int stop;
	atomic_int bad;
	size_t pg;
};

static bool documented(int r)
{
	switch (-r) {
	case 0: case EBADF: case EPERM: case ENOENT: case ENXIO: case EBUSY:
	case ENOSPC: case ENOMEM: case EINTR:
		return true;
	}
	return false;
}

static void *closer_user(void *arg)
{
	struct closer *cl = arg;
	unsigned char code[16];
	__u64 slab, key;
	int i, r, v;

	jm_code(code, STABLE_RET);
	for (i = 0; i < CLOSE_ITERS && !atomic_load(&cl->bad); i++) {
		int fd = atomic_load(&cl->fd);

		r = jm_reserve(fd, 4 * cl->pg, 0, 0, &slab);
		if (r) {
			if (!documented(r))
				atomic_store(&cl->bad, r);
			continue;
		}
		r = jm_init1(fd, slab, cl->pg, code, sizeof(code), JM_RX, &key);
		if (!r && (jm_exec(slab, &v) || v != STABLE_RET))
			atomic_store(&cl->bad, BAD_CODE);
		if (!documented(r))
			atomic_store(&cl->bad, r);
		if (!r && !documented(r = jm_deinit1(fd, key)))
			atomic_store(&cl->bad, r);
		r = jm_release1(fd, slab);
		if (!documented(r))
			atomic_store(&cl->bad, r);
		/* Another context sits at the fd now: unmap the old slab. */
		if (r)
			munmap(JM_PTR(slab), 4 * cl->pg);
	}
	return NULL;
}

static void *closer_fn(void *arg)
{
	struct closer *cl = arg;

	while (!atomic_load(&cl->stop)) {
		int nfd = jm_open(), old = atomic_load(&cl->fd);

		if (nfd < 0)
			break;
		/* Swap the context behind the number the users read. */
		dup2(nfd, old);
		close(nfd);
		usleep(200);
	}
	return NULL;
}

TEST_F_TIMEOUT(kill, threads_while_fd_closed, 300)
{
	struct closer cl = { .pg = self->pg };
	pthread_t users[4], c;
	int i;

	atomic_store(&cl.fd, jm_open());
	ASSERT_LE(0, atomic_load(&cl.fd));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&users[i], NULL, closer_user, &cl));
	ASSERT_EQ(0, pthread_create(&c, NULL, closer_fn, &cl));
	for (i = 0; i < 4; i++)
		pthread_join(users[i], NULL);
	atomic_store(&cl.stop, 1);
	pthread_join(c, NULL);
	EXPECT_EQ(0, atomic_load(&cl.bad));
	EXPECT_EQ(0, jm_maps_count(0, ~0ULL));
	close(atomic_load(&cl.fd));
}

TEST_HARNESS_MAIN
