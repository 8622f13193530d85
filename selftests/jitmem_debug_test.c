// SPDX-License-Identifier: GPL-2.0-only
/*
 * debug_writes: off, a tracer's PTRACE_POKETEXT into code fails; on (the
 * admin's choice), the module writes it, the mapping stays r-x and the
 * process itself still cannot write its code.  Writes into read-only data
 * stay refused either way.
 */
#include <sys/ptrace.h>

#include "kselftest_harness.h"
#include "jitmem_util.h"

struct shared {
	__u64 rx, r;
	int err;
};

static __u64 features(void)
{
	struct jitmem_version v = { .size = sizeof(v) };
	int fd = jm_open();
	__u64 f = 0;

	if (fd >= 0 && !jm_ioctl(fd, JITMEM_IOC_VERSION, &v))
		f = v.features;
	if (fd >= 0)
		close(fd);
	return f;
}

/* The child: code returning 42 and read-only data, then stop traced. */
static void child(struct shared *sh)
{
	unsigned char code[JM_CODE_LEN];
	size_t pg = jm_pg();
	char perms[4];
	__u64 slab = 0;
	int fd = jm_open(), v = 0;

	jm_code(code, 42);
	sh->err = fd < 0 ? -errno : jm_reserve(fd, 4 * pg, 0, 0, &slab);
	if (!sh->err)
		sh->err = jm_init1(fd, slab, pg, code, sizeof(code), JM_RX,
				   &sh->rx);
	if (!sh->err)
		sh->err = jm_init1(fd, slab + 2 * pg, pg, "ro-data", 8, JM_R,
				   &sh->r);
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		_exit(2);
	raise(SIGSTOP);
	/* Resumed: the code is what the tracer left, still not writable. */
	jm_maps_perms(sh->rx, perms);
	if (strcmp(perms, "r-x"))
		_exit(3);
	if (jm_write(sh->rx, 0xc3) != SIGSEGV)
		_exit(4);
	if (jm_exec(sh->rx, &v))
		_exit(5);
	_exit(v);
}

/* Poke "mov eax, @val" into the traced child's code; the child's exit code. */
static int poke_and_run(struct __test_metadata *_metadata, int val,
			int *poke_errno)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char word[8];
	int status;
	long w;
	pid_t pid;

	if (sh == MAP_FAILED)
		return -1;
	pid = fork();
	if (pid == 0)
		child(sh);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
	    sh->err)
		return -1;
	errno = 0;
	w = ptrace(PTRACE_PEEKTEXT, pid, JM_PTR(sh->rx), NULL);
	memcpy(word, &w, sizeof(word));
	jm_code(word, val);
	memcpy(&w, word, sizeof(word));
	errno = 0;
	ptrace(PTRACE_POKETEXT, pid, JM_PTR(sh->rx), (void *)w);
	*poke_errno = errno;
	/* Read-only data is never a debugger's to write. */
	errno = 0;
	EXPECT_EQ(-1, ptrace(PTRACE_POKEDATA, pid, JM_PTR(sh->r),
			     (void *)0x4141414141414141UL));
	EXPECT_TRUE(errno == EIO || errno == EFAULT) TH_LOG("errno %d", errno);
	/* The child's own fault probes stop it: pass their signals on. */
	status = W_STOPCODE(0);
	while (WIFSTOPPED(status)) {
		int sig = WSTOPSIG(status);

		if (ptrace(PTRACE_CONT, pid, NULL,
			   (void *)(long)(sig == SIGSTOP ? 0 : sig)) ||
		    waitpid(pid, &status, 0) != pid)
			return -1;
	}
	if (!WIFEXITED(status))
		return -1;
	munmap(sh, sizeof(*sh));
	return WEXITSTATUS(status);
}

TEST(off_by_default_refused)
{
	unsigned long long old;
	int err = 0;

	ASSERT_EQ(0, jm_param_get("debug_writes", &old));
	ASSERT_EQ(0, jm_param_set("debug_writes", 0));
	EXPECT_FALSE(features() & JITMEM_FEATURE_DEBUG_WRITES);
	EXPECT_EQ(42, poke_and_run(_metadata, 43, &err));
	EXPECT_TRUE(err == EIO || err == EFAULT) TH_LOG("errno %d", err);
	EXPECT_EQ(0, jm_param_set("debug_writes", old));
}

TEST(on_the_module_writes_code)
{
	unsigned long long old;
	int err = -1;

	ASSERT_EQ(0, jm_param_get("debug_writes", &old));
	ASSERT_EQ(0, jm_param_set("debug_writes", 1));
	EXPECT_TRUE(features() & JITMEM_FEATURE_DEBUG_WRITES);
	EXPECT_EQ(43, poke_and_run(_metadata, 43, &err));
	EXPECT_EQ(0, err);
	EXPECT_EQ(0, jm_param_set("debug_writes", old));
}

TEST_HARNESS_MAIN
