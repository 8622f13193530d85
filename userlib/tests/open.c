// SPDX-License-Identifier: MIT OR LGPL-2.1
/* jitmem_open(), jitmem_close(), jitmem_backend_is_kernel(), page size, stats, fork. */
#include <sys/stat.h>
#include <sys/wait.h>

#include "helpers.h"

static int open_backend(void)
{
	struct jitmem *m;

	T_OK(t_open(&m));
	T_EQ(jitmem_backend_is_kernel(m), JM_TEST_KERNEL);
	T_EQ(jitmem_page_size(m), sysconf(_SC_PAGESIZE));
	/* This tree's module packs at 64 B; the userspace backend is page-granular. */
	T_EQ(jitmem_granule(m), JM_TEST_KERNEL ? 64 : sysconf(_SC_PAGESIZE));
	jitmem_close(m);
	return 0;
}

static int open_userspace(void)
{
	struct jitmem *m;

	T_OK(jitmem_open(&m, JITMEM_OPEN_USERSPACE));
	T_EQ(jitmem_backend_is_kernel(m), 0);
	T_EQ(jitmem_page_size(m), sysconf(_SC_PAGESIZE));
	T_EQ(jitmem_granule(m), sysconf(_SC_PAGESIZE));
	jitmem_close(m);
	return 0;
}

/* The kernel backend or nothing: without the device, the open fails. */
static int open_kernel_only(void)
{
	struct stat st;
	struct jitmem *m;
	int ret = jitmem_open(&m, 0);

	if (JM_TEST_KERNEL) {
		T_OK(ret);
		T_EQ(jitmem_backend_is_kernel(m), 1);
		jitmem_close(m);
	} else if (stat("/dev/jitmem", &st)) {
		T_EQ(ret, -ENOENT);
	} else if (!ret) {
		T_EQ(jitmem_backend_is_kernel(m), 1);
		jitmem_close(m);
	}
	return 0;
}

static int open_fallback(void)
{
	struct stat st;
	struct jitmem *m;

	T_OK(jitmem_open(&m, JITMEM_OPEN_FALLBACK));
	if (JM_TEST_KERNEL)
		T_EQ(jitmem_backend_is_kernel(m), 1);
	else if (stat("/dev/jitmem", &st))
		T_EQ(jitmem_backend_is_kernel(m), 0);
	jitmem_close(m);
	return 0;
}

static int open_bad_args(void)
{
	struct jitmem *m = NULL;

	T_EQ(jitmem_open(NULL, JITMEM_OPEN_USERSPACE), -EINVAL);
	T_EQ(jitmem_open(&m, 4), -EINVAL);
	T_EQ(jitmem_open(&m, ~0U), -EINVAL);
	T_EQ(jitmem_open(&m, JITMEM_OPEN_USERSPACE | JITMEM_OPEN_FALLBACK), -EINVAL);
	T_CHECK(m == NULL);
	jitmem_close(NULL);
	T_EQ(jitmem_backend_is_kernel(NULL), 0);
	T_EQ(jitmem_page_size(NULL), 0);
	T_EQ(jitmem_granule(NULL), 0);
	return 0;
}

static int stats_empty(void)
{
	struct jitmem_stats st;
	struct jitmem *m;
	size_t i;

	T_OK(t_open(&m));
	memset(&st, 0xff, sizeof(st));
	T_OK(jitmem_get_stats(m, &st));
	T_EQ(st.slabs, 0);
	T_EQ(st.reserved_bytes, 0);
	T_EQ(st.regions, 0);
	T_EQ(st.segments, 0);
	T_EQ(st.bytes_r + st.bytes_rw + st.bytes_rx, 0);
	T_EQ(st.retired_bytes, 0);
	for (i = 0; i < sizeof(st.reserved) / sizeof(st.reserved[0]); i++)
		T_EQ(st.reserved[i], 0);
	T_EQ(jitmem_get_stats(m, NULL), -EINVAL);
	T_EQ(jitmem_get_stats(NULL, &st), -EINVAL);
	jitmem_close(m);
	return 0;
}

/* The module's exec_reuse parameter, "Y" or "N"; 0, or -1 when it cannot be set. */
static int t_exec_reuse(const char *value)
{
	FILE *f = fopen("/sys/module/jitmem/parameters/exec_reuse", "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(value, f) < 0;
	return fclose(f) || ret ? -1 : 0;
}

/*
 * retired_bytes: code the module will never map again.  Only the kernel
 * backend retires code, with exec_reuse=0; the userspace backend never does.
 */
static int stats_retired_bytes(void)
{
	struct jitmem_stats st;
	struct jitmem *m;
	unsigned char code[16];
	void *slab, *key;
	int ret = 0;

	T_CHECK((m = t_setup(&slab)));
	if (JM_TEST_KERNEL)
		T_OK(t_exec_reuse("N"));
	{
		struct jitmem_segment seg = T_SEG(slab, pg, code, t_code(code, 1), RX);
		struct jitmem_init_request req = T_INIT(&seg, 1, NULL, 0);

		ret = jitmem_initialize(m, &req, &key);
		if (!ret)
			ret = jitmem_deinitialize(m, key);
		if (!ret)
			ret = jitmem_get_stats(m, &st);
	}
	if (JM_TEST_KERNEL)
		T_OK(t_exec_reuse("Y"));
	T_OK(ret);
	T_EQ(st.retired_bytes, JM_TEST_KERNEL ? pg : 0);
	T_EQ(st.bytes_rx, 0);
	jitmem_close(m);
	return 0;
}

/* The version of the library that runs: the header's, in this build. */
static int version(void)
{
	T_EQ(jitmem_version(), JITMEM_VERSION);
	T_EQ(JITMEM_VERSION >> 16, JITMEM_VERSION_MAJOR);
	T_EQ((JITMEM_VERSION >> 8) & 0xff, JITMEM_VERSION_MINOR);
	T_EQ(JITMEM_VERSION & 0xff, JITMEM_VERSION_PATCH);
	T_CHECK(JITMEM_VERSION_CODE(1, 2, 3) < JITMEM_VERSION_CODE(1, 3, 0));
	T_CHECK(JITMEM_VERSION_CODE(1, 255, 255) < JITMEM_VERSION_CODE(2, 0, 0));
	return 0;
}

/* Two handles are independent: one's slabs are not the other's. */
static int open_two_handles(void)
{
	struct jitmem *a, *b;
	struct jitmem_stats st;
	void *slab;

	T_OK(t_open(&a));
	T_OK(t_open(&b));
	T_OK(jitmem_reserve(a, 1 << 20, &slab));
	T_OK(jitmem_get_stats(b, &st));
	T_EQ(st.slabs, 0);
	T_EQ(jitmem_release(b, slab), -ENOENT);
	jitmem_close(b);
	T_OK(jitmem_get_stats(a, &st));
	T_EQ(st.slabs, 1);
	jitmem_close(a);
	return 0;
}

/*
 * A kernel context belongs to the process that opened it: in a child every
 * call fails with EPERM.  A userspace handle is copied with the memory.
 */
static int fork_child(void)
{
	struct jitmem *m;
	void *slab, *other;
	int status;
	pid_t pid;

	T_OK(t_open(&m));
	T_OK(jitmem_reserve(m, 1 << 20, &slab));
	pid = fork();
	T_CHECK(pid >= 0);
	if (pid == 0) {
		int ret = jitmem_reserve(m, 1 << 20, &other);

		if (JM_TEST_KERNEL)
			_exit(ret == -EPERM ? 0 : 1);
		_exit(ret == 0 && jitmem_release(m, other) == 0 ? 0 : 1);
	}
	T_EQ(waitpid(pid, &status, 0), pid);
	T_EQ(status, 0);
	T_OK(jitmem_release(m, slab));
	jitmem_close(m);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(open_backend),
	T_CASE(open_userspace),
	T_CASE(open_kernel_only),
	T_CASE(open_fallback),
	T_CASE(open_bad_args),
	T_CASE(stats_empty),
	T_CASE(stats_retired_bytes),
	T_CASE(version),
	T_CASE(open_two_handles),
	T_CASE(fork_child),
};

T_MAIN("open_" T_BACKEND, cases)
