// SPDX-License-Identifier: MIT OR LGPL-2.1
/* One handle, many threads: every call at once, results still exact. */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "helpers.h"

#define THREADS 4
#define ITERS 500

struct t_shared {
	struct jitmem *m;
	atomic_int finalized, deallocated, errors;
};

struct t_arg {
	struct t_shared *sh;
	int id;
};

static int t_fin(void *arg, struct jitmem_result *res)
{
	(void)res;
	atomic_fetch_add(&((struct t_shared *)arg)->finalized, 1);
	return 0;
}

static int t_dealloc(void *arg, struct jitmem_result *res)
{
	(void)res;
	atomic_fetch_add(&((struct t_shared *)arg)->deallocated, 1);
	return 0;
}

static void *t_allocator(void *p)
{
	struct t_arg *arg = p;
	struct t_shared *sh = arg->sh;
	struct jitmem_seg_request reqs[3] = {
		T_REQ(JITMEM_PROT_R | JITMEM_PROT_X, 16, 0),
		T_REQ(JITMEM_PROT_R | JITMEM_PROT_W, 100, 0),
		T_REQ(JITMEM_PROT_R | JITMEM_LIFETIME_FINALIZE, 10, 0),
	};
	struct jitmem_action_pair pair = { { t_fin, sh }, { t_dealloc, sh } };
	void *keep[8] = { 0 };
	int i;

	for (i = 0; i < ITERS; i++) {
		struct jitmem_alloc *a;
		int value = arg->id * 100000 + i;
		void *fin, *code;

		if (jitmem_allocate(sh->m, reqs, 3, &a)) {
			atomic_fetch_add(&sh->errors, 1);
			continue;
		}
		t_code(jitmem_alloc_working(a, 0), value);
		code = jitmem_alloc_target(a, 0);
		if (i % 7 == 3) {
			jitmem_alloc_abandon(a);
			continue;
		}
		if (jitmem_alloc_finalize(a, &pair, 1, &fin, NULL) || t_call(code) != value) {
			atomic_fetch_add(&sh->errors, 1);
			continue;
		}
		/* Keep a few alive for a while, so frees interleave. */
		if (keep[i % 8] && jitmem_deallocate(sh->m, &keep[i % 8], 1, NULL))
			atomic_fetch_add(&sh->errors, 1);
		keep[i % 8] = fin;
	}
	for (i = 0; i < 8; i++)
		if (keep[i] && jitmem_deallocate(sh->m, &keep[i], 1, NULL))
			atomic_fetch_add(&sh->errors, 1);
	return NULL;
}

/* SimpleNativeMemoryMap calls on a slab of its own, plus release. */
static void *t_mapper(void *p)
{
	struct t_arg *arg = p;
	struct t_shared *sh = arg->sh;
	size_t pg = jitmem_page_size(sh->m);
	struct jitmem_action_pair pair = { { t_fin, sh }, { t_dealloc, sh } };
	int i, j;

	for (i = 0; i < ITERS / 10; i++) {
		void *slab, *keys[4];
		char c = (char)i;

		if (jitmem_reserve(sh->m, 16 * pg, &slab)) {
			atomic_fetch_add(&sh->errors, 1);
			continue;
		}
		for (j = 0; j < 4; j++) {
			struct jitmem_segment seg = T_SEG((char *)slab + 2 * j * pg, pg, &c, 1,
						      JITMEM_PROT_R);
			struct jitmem_init_request req = T_INIT(&seg, 1, &pair, 1);

			if (jitmem_initialize(sh->m, &req, &keys[j]) || *(char *)keys[j] != c)
				atomic_fetch_add(&sh->errors, 1);
		}
		if (jitmem_deinitialize_multiple(sh->m, keys, 2, NULL))
			atomic_fetch_add(&sh->errors, 1);
		if (jitmem_release(sh->m, slab))	/* runs the last two deallocs */
			atomic_fetch_add(&sh->errors, 1);
	}
	return NULL;
}

static void *t_reader(void *p)
{
	struct t_arg *arg = p;
	struct jitmem_stats st;
	int i;

	for (i = 0; i < ITERS * 4; i++)
		if (jitmem_get_stats(arg->sh->m, &st))
			atomic_fetch_add(&arg->sh->errors, 1);
	return NULL;
}

static int threads_share_a_handle(void)
{
	struct t_shared sh = { 0 };
	struct t_arg args[THREADS + 2];
	pthread_t tids[THREADS + 2];
	struct jitmem_stats st;
	int i;

	T_OK(t_open(&sh.m));
	for (i = 0; i < THREADS + 2; i++) {
		args[i] = (struct t_arg){ &sh, i };
		T_OK(pthread_create(&tids[i], NULL,
				    i < THREADS ? t_allocator : i == THREADS ? t_mapper : t_reader,
				    &args[i]));
	}
	for (i = 0; i < THREADS + 2; i++)
		T_OK(pthread_join(tids[i], NULL));
	T_EQ(atomic_load(&sh.errors), 0);
	T_EQ(atomic_load(&sh.finalized), atomic_load(&sh.deallocated));
	T_CHECK(atomic_load(&sh.finalized) > THREADS * ITERS / 2);
	T_OK(jitmem_get_stats(sh.m, &st));
	T_EQ(st.regions, 0);
	T_EQ(st.segments, 0);
	jitmem_close(sh.m);
	return 0;
}

/* 4 threads finalize 64 B functions at the same moment, into shared pages. */
#define FIN_THREADS 4
#define FIN_EACH 400

struct t_fin_arg {
	struct jitmem *m;
	pthread_barrier_t *start;
	int id, errors;
	void *fin[FIN_EACH];
	void *code[FIN_EACH];
};

static void *t_finalizer(void *p)
{
	struct t_fin_arg *arg = p;
	struct jitmem_seg_request req = T_REQ(RX, 64, 0);
	struct jitmem_alloc *a[FIN_EACH];
	int i;

	for (i = 0; i < FIN_EACH; i++) {
		if (jitmem_allocate(arg->m, &req, 1, &a[i])) {
			arg->errors++;
			a[i] = NULL;
			continue;
		}
		t_code(jitmem_alloc_working(a[i], 0), arg->id * FIN_EACH + i);
		arg->code[i] = jitmem_alloc_target(a[i], 0);
	}
	/* Everything placed: the finalizes start together. */
	pthread_barrier_wait(arg->start);
	for (i = 0; i < FIN_EACH; i++)
		if (a[i] && jitmem_alloc_finalize(a[i], NULL, 0, &arg->fin[i], NULL))
			arg->errors++;
	for (i = 0; i < FIN_EACH; i++)
		if (a[i] && t_call(arg->code[i]) != arg->id * FIN_EACH + i)
			arg->errors++;
	return NULL;
}

static int t_ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

static int concurrent_finalizes(void)
{
	static struct t_fin_arg args[FIN_THREADS];
	static uintptr_t all[FIN_THREADS * FIN_EACH];
	pthread_t tids[FIN_THREADS];
	pthread_barrier_t start;
	struct jitmem_stats st;
	struct jitmem *m;
	int i, j;

	T_CHECK((m = t_setup(NULL)));
	T_OK(pthread_barrier_init(&start, NULL, FIN_THREADS));
	for (i = 0; i < FIN_THREADS; i++) {
		args[i] = (struct t_fin_arg){ .m = m, .start = &start, .id = i };
		T_OK(pthread_create(&tids[i], NULL, t_finalizer, &args[i]));
	}
	for (i = 0; i < FIN_THREADS; i++)
		T_OK(pthread_join(tids[i], NULL));
	pthread_barrier_destroy(&start);
	for (i = 0; i < FIN_THREADS; i++) {
		T_EQ(args[i].errors, 0);
		for (j = 0; j < FIN_EACH; j++)
			all[i * FIN_EACH + j] = (uintptr_t)args[i].code[j];
	}
	/* No two functions share a byte; they share pages (the kernel's granule). */
	qsort(all, FIN_THREADS * FIN_EACH, sizeof(all[0]), t_ptr_cmp);
	for (i = 1; i < FIN_THREADS * FIN_EACH; i++)
		T_CHECK(all[i] - all[i - 1] >= T_UP(64, gr));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, FIN_THREADS * FIN_EACH);
	T_EQ(st.bytes_rx, FIN_THREADS * FIN_EACH * T_UP(64, gr));
	if (gr < pg)
		T_CHECK(st.held_bytes <= 2 * FIN_THREADS * FIN_EACH * 64);
	for (i = 0; i < FIN_THREADS; i++)
		T_OK(jitmem_deallocate(m, args[i].fin, FIN_EACH, NULL));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.regions, 0);
	jitmem_close(m);
	return 0;
}

/*
 * A publish stalled inside the backend (its content on a userfaultfd page
 * nobody serves yet: the kernel's copy, or the userspace backend's memcpy,
 * waits) leaves the handle usable from another thread: libjitmem does not
 * hold its lock across the backend.  Held, the second thread would wait
 * forever; a watchdog (a deadlock detector, not a timing) then serves the
 * fault so that the test ends and fails.
 */
struct t_stall {
	struct jitmem *m;
	void *slab, *content, *key;
	int ret;
};

static void *t_stalled_publish(void *p)
{
	struct t_stall *st = p;
	struct jitmem_segment seg = T_SEG(st->slab, pg, st->content, 16, RO);
	struct jitmem_init_request req = T_INIT(&seg, 1, NULL, 0);

	st->ret = jitmem_initialize(st->m, &req, &st->key);
	return NULL;
}

struct t_other {
	struct jitmem *m;
	void *slab2;
	sem_t done;
	int ret;
};

/* What a second thread does meanwhile: allocator and memory-map calls that need no backend. */
static void *t_other_thread(void *p)
{
	struct t_other *o = p;
	struct jitmem_seg_request req = T_REQ(RX, 64, 0);
	struct jitmem_alloc *a;
	void *w;

	o->ret = jitmem_allocate(o->m, &req, 1, &a);
	if (!o->ret) {
		jitmem_alloc_abandon(a);
		o->ret = jitmem_prepare(o->m, o->slab2, pg, &w);
	}
	sem_post(&o->done);
	return NULL;
}

static int t_uffd_open(void)
{
	/* The kernel backend faults in the kernel's copy, the userspace one in user mode. */
	int flags = O_CLOEXEC | O_NONBLOCK | (JM_TEST_KERNEL ? 0 : UFFD_USER_MODE_ONLY);
	struct uffdio_api api = { .api = UFFD_API };
	int fd = (int)syscall(SYS_userfaultfd, flags);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int t_uffd_serve(int fd, void *page)
{
	static char src[65536] __attribute__((aligned(65536)));
	struct uffdio_copy copy = {
		.dst = (uintptr_t)page, .src = (uintptr_t)src, .len = pg,
	};

	memset(src, 'u', pg);
	return ioctl(fd, UFFDIO_COPY, &copy) ? -errno : 0;
}

static int publish_not_serialized(void)
{
	struct t_stall st = { 0 };
	struct t_other o = { 0 };
	struct jitmem_seg_request req = T_REQ(RX, 64, 0);
	struct uffdio_register reg = { 0 };
	struct pollfd pfd = { 0 };
	struct uffd_msg msg;
	struct jitmem_alloc *a;
	pthread_t stalled, other;
	struct timespec until;
	void *fin, *w;
	int fd, blocked;

	T_CHECK((st.m = o.m = t_setup(&st.slab)));
	T_CHECK(pg <= 65536);
	fd = t_uffd_open();
	/*
	 * Host runs may lack the right to it; a kernel built without
	 * CONFIG_USERFAULTFD (the debug tier's) has no system call at all.
	 */
	if ((fd < 0 && !JM_TEST_KERNEL) || fd == -ENOSYS) {
		printf("# userfaultfd: %s\n", strerror(-fd));
		return T_SKIP;
	}
	T_CHECK(fd >= 0);
	/* Warm up: the allocator has its slab, the second slab its working memory. */
	T_OK(jitmem_allocate(st.m, &req, 1, &a));
	T_OK(jitmem_alloc_finalize(a, NULL, 0, &fin, NULL));
	T_OK(jitmem_reserve(st.m, 16 * pg, &o.slab2));
	T_OK(jitmem_prepare(st.m, o.slab2, pg, &w));
	st.content = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_CHECK(st.content != MAP_FAILED);
	reg.range.start = (uintptr_t)st.content;
	reg.range.len = pg;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	T_OK(ioctl(fd, UFFDIO_REGISTER, &reg));

	T_OK(pthread_create(&stalled, NULL, t_stalled_publish, &st));
	/* Wait until the publish is inside the copy: its fault arrives. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	T_EQ(poll(&pfd, 1, -1), 1);
	T_EQ(read(fd, &msg, sizeof(msg)), sizeof(msg));
	T_EQ(msg.event, UFFD_EVENT_PAGEFAULT);

	T_OK(sem_init(&o.done, 0, 0));
	T_OK(pthread_create(&other, NULL, t_other_thread, &o));
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	blocked = sem_timedwait(&o.done, &until) != 0;
	if (blocked)
		printf("# a second thread waited on the handle while a publish was in the backend\n");
	T_OK(t_uffd_serve(fd, st.content));
	T_OK(pthread_join(stalled, NULL));
	T_OK(pthread_join(other, NULL));
	T_EQ(blocked, 0);
	T_OK(o.ret);
	T_OK(st.ret);
	T_CHECK(st.key == st.slab);
	T_EQ(*(char *)st.slab, 'u');
	T_OK(jitmem_deinitialize(st.m, st.key));
	T_OK(jitmem_deallocate(st.m, &fin, 1, NULL));
	close(fd);
	jitmem_close(st.m);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(threads_share_a_handle),
	T_CASE(concurrent_finalizes),
	T_CASE(publish_not_serialized),
};

T_MAIN("threads_" T_BACKEND, cases)
