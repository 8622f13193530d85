// SPDX-License-Identifier: MIT OR LGPL-2.1
/* No function changes errno, whatever its system calls and actions do. */
#include <sys/stat.h>

#include "helpers.h"

#define T_ERRNO 4242	/* no errno has this value */

static int t_set_errno(void *arg, struct jitmem_result *res)
{
	(void)res;
	errno = (int)(intptr_t)arg;
	return 0;
}

/* Every call of a full life cycle, successful or failing, keeps errno. */
static int errno_kept_on_success(void)
{
	struct jitmem_action_pair pair = { { t_set_errno, (void *)EIO },
					   { t_set_errno, (void *)EXDEV } };
	struct jitmem_seg_request sreq = T_REQ(RX, 10, 0);
	struct jitmem_stats st;
	struct jitmem_alloc *a;
	struct jitmem *m;
	void *slab, *key, *fin, *w;

	errno = T_ERRNO;
	T_OK(t_open(&m));
	pg = jitmem_page_size(m);
	T_EQ(errno, T_ERRNO);
	T_OK(jitmem_reserve(m, 1 << 20, &slab));
	T_EQ(errno, T_ERRNO);
	T_OK(jitmem_prepare(m, slab, pg, &w));	/* maps the working memory */
	T_EQ(errno, T_ERRNO);
	T_OK(jitmem_deinitialize_range(m, slab, pg, NULL));
	T_EQ(errno, T_ERRNO);
	{
		struct jitmem_segment seg = T_SEG(slab, pg, w, 1, RO);
		struct jitmem_init_request req = T_INIT(&seg, 1, &pair, 1);

		*(char *)w = 'x';
		T_OK(jitmem_initialize(m, &req, &key));	/* its action set errno */
		T_EQ(errno, T_ERRNO);
	}
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(errno, T_ERRNO);
	T_OK(jitmem_deinitialize(m, key));
	T_EQ(errno, T_ERRNO);
	T_OK(jitmem_allocate(m, &sreq, 1, &a));
	T_EQ(errno, T_ERRNO);
	T_OK(jitmem_alloc_finalize(a, &pair, 1, &fin, NULL));
	T_EQ(errno, T_ERRNO);
	T_OK(jitmem_deallocate(m, &fin, 1, NULL));
	T_EQ(errno, T_ERRNO);
	T_OK(jitmem_allocate(m, &sreq, 1, &a));
	jitmem_alloc_abandon(a);
	T_EQ(errno, T_ERRNO);
	T_OK(jitmem_release(m, slab));
	T_EQ(errno, T_ERRNO);
	jitmem_close(m);
	T_EQ(errno, T_ERRNO);
	return 0;
}

/* Calls whose system call fails: the error is returned, errno stays. */
static int errno_kept_on_failure(void)
{
	struct jitmem *m;
	struct stat st;
	void *slab;

	T_CHECK((m = t_setup(NULL)));
	errno = T_ERRNO;
	/* mmap() (userspace) or the RESERVE ioctl (kernel) refuses 128 TiB. */
	T_CHECK(jitmem_reserve(m, (size_t)1 << 47, &slab) < 0);
	T_EQ(errno, T_ERRNO);
	if (JM_TEST_KERNEL) {
		struct jitmem_segment seg;
		struct jitmem_init_request req = T_INIT(&seg, 1, NULL, 0);
		void *key;

		/* The kernel reads the content and says EFAULT. */
		T_OK(jitmem_reserve(m, 1 << 20, &slab));
		seg = T_SEGV(slab, pg, (void *)pg, 1, RO);
		T_EQ(jitmem_initialize(m, &req, &key), -EFAULT);
		T_EQ(errno, T_ERRNO);
	}
	jitmem_close(m);
	T_EQ(errno, T_ERRNO);
	/* open() of a missing /dev/jitmem fails; with fallback the open succeeds. */
	if (stat("/dev/jitmem", &st)) {
		errno = T_ERRNO;
		T_EQ(jitmem_open(&m, 0), -ENOENT);
		T_EQ(errno, T_ERRNO);
		T_OK(jitmem_open(&m, JITMEM_OPEN_FALLBACK));
		T_EQ(errno, T_ERRNO);
		jitmem_close(m);
	}
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(errno_kept_on_success),
	T_CASE(errno_kept_on_failure),
};

T_MAIN("errno_" T_BACKEND, cases)
