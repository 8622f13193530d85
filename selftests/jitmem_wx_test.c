// SPDX-License-Identifier: GPL-2.0-only
/*
 * W^X guarantees: once initialized, no slab range can change protection or
 * move, no path writes code or read-only data (mprotect, mremap,
 * /proc/self/mem, process_vm_writev, ptrace, syscalls), no mapping of the
 * device is ever W and X, the device cannot be mmap()ed directly, code runs
 * under a MemoryDenyWriteExecute policy and not from a noexec mount.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "jitmem_util.h"

#include <sched.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE			65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN	1
#endif
#ifndef PR_GET_MDWE
#define PR_GET_MDWE			66
#endif
#ifndef SHM_EXEC
#define SHM_EXEC			0100000
#endif

#define SLAB_PAGES	16
#define RX_VAL		0x5151

/* Slab layout, in pages: RX code at 0, R data at 2, RW data at 4. */
#define RX_PG		0
#define R_PG		2
#define RW_PG		4
#define NONE_PG		8

FIXTURE(wx) {
	int fd;
	size_t pg;
	__u64 slab, rx, r, rw;
};

static void slab_setup(struct __test_metadata *_metadata,
		     FIXTURE_DATA(wx) *self)
{
	unsigned char code[JM_CODE_LEN];
	struct jitmem_init_segment s[3];

	self->pg = jm_pg();
	self->fd = jm_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", JM_DEV, strerror(errno));
	ASSERT_EQ(0, jm_reserve(self->fd, SLAB_PAGES * self->pg, 0, 0,
				&self->slab));
	self->rx = self->slab + RX_PG * self->pg;
	self->r = self->slab + R_PG * self->pg;
	self->rw = self->slab + RW_PG * self->pg;
	jm_code(code, RX_VAL);
	s[0] = jm_seg(self->rx, self->pg, code, sizeof(code), JM_RX);
	s[1] = jm_seg(self->r, self->pg, "ro-data", 8, JM_R);
	s[2] = jm_seg(self->rw, self->pg, "rw-data", 8, JM_RW);
	ASSERT_EQ(0, jm_initialize(self->fd, s, 3, NULL));
}

/* The fixture's regions are intact: same perms, same bytes, code runs. */
static void expect_intact(struct __test_metadata *_metadata,
			  FIXTURE_DATA(wx) *self)
{
	__u64 none = self->slab + NONE_PG * self->pg;
	char perms[4];
	int v = 0;

	jm_maps_perms(self->rx, perms);
	EXPECT_STREQ("r-x", perms);
	jm_maps_perms(self->r, perms);
	EXPECT_STREQ("r--", perms);
	jm_maps_perms(self->rw, perms);
	EXPECT_STREQ("rw-", perms);
	/* A free page may share its neighbour's mapping, never a page. */
	EXPECT_EQ(SIGSEGV, jm_read(none, &v));
	EXPECT_EQ(SIGSEGV, jm_write(none, 1));
	EXPECT_EQ(SIGSEGV, jm_exec(none, &v));
	ASSERT_EQ(0, jm_exec(self->rx, &v));
	EXPECT_EQ(RX_VAL, v);
	EXPECT_EQ(0, memcmp(JM_PTR(self->r), "ro-data", 8));
	EXPECT_EQ(0, jm_maps_wx());
}

FIXTURE_SETUP(wx)
{
	slab_setup(_metadata, self);
}

FIXTURE_TEARDOWN(wx)
{
	close(self->fd);
}

/* mprotect of any slab range fails, whatever the target protection. */
FIXTURE(mprot) {
	FIXTURE_DATA(wx) w;
};

FIXTURE_VARIANT(mprot) {
	unsigned int first, npages;	/* range in pages of the slab */
	int prot;
};

FIXTURE_SETUP(mprot)
{
	slab_setup(_metadata, &self->w);
}

FIXTURE_TEARDOWN(mprot)
{
	close(self->w.fd);
}

#define RWX	(PROT_READ | PROT_WRITE | PROT_EXEC)
#define RW	(PROT_READ | PROT_WRITE)
#define RX	(PROT_READ | PROT_EXEC)

#define MPROT(name, first_, n_, prot_)					\
	FIXTURE_VARIANT_ADD(mprot, name) {				\
		.first = first_, .npages = n_, .prot = prot_,		\
	}

MPROT(rx_to_rwx, RX_PG, 1, RWX);
MPROT(rx_to_rw, RX_PG, 1, RW);
MPROT(rx_to_wx, RX_PG, 1, PROT_WRITE | PROT_EXEC);
MPROT(rx_same_prot, RX_PG, 1, RX);
MPROT(rx_to_r, RX_PG, 1, PROT_READ);
MPROT(rx_to_none, RX_PG, 1, PROT_NONE);
MPROT(r_to_rw, R_PG, 1, RW);
MPROT(r_to_rx, R_PG, 1, RX);
MPROT(r_same_prot, R_PG, 1, PROT_READ);
MPROT(rw_to_rwx, RW_PG, 1, RWX);
MPROT(rw_to_rx, RW_PG, 1, RX);
MPROT(rw_same_prot, RW_PG, 1, RW);
MPROT(none_to_rw, NONE_PG, 1, RW);
MPROT(none_to_rx, NONE_PG, 1, RX);
MPROT(none_to_rwx, NONE_PG, 2, RWX);
MPROT(none_same_prot, NONE_PG, 1, PROT_NONE);
MPROT(whole_slab_rwx, 0, SLAB_PAGES, RWX);
MPROT(whole_slab_rx, 0, SLAB_PAGES, RX);

TEST_F(mprot, refused)
{
	size_t pg = self->w.pg, len = variant->npages * pg;
	void *p = JM_PTR(self->w.slab + variant->first * pg);

	EXPECT_EQ(-1, mprotect(p, len, variant->prot));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, syscall(SYS_pkey_mprotect, p, len, variant->prot, -1));
	EXPECT_EQ(EACCES, errno);
	expect_intact(_metadata, &self->w);
}

/* Before any INITIALIZE too: nothing in a slab is user-accessible. */
TEST(mprotect_fresh_slab)
{
	size_t pg = jm_pg();
	int fd = jm_open();
	__u64 slab = 0;
	int v = 0;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, jm_reserve(fd, 4 * pg, 0, 0, &slab));
	EXPECT_EQ(-1, mprotect(JM_PTR(slab), pg, RW));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(JM_PTR(slab), 4 * pg, RX));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(SIGSEGV, jm_read(slab, &v));
	close(fd);
}

TEST_F(wx, mremap_move)
{
	void *dst = mmap(NULL, 4 * self->pg, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *ret;

	ASSERT_NE(MAP_FAILED, dst);
	ret = mremap(JM_PTR(self->rx), self->pg, self->pg,
		     MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	EXPECT_EQ(MAP_FAILED, ret) TH_LOG("code moved to %p", ret);
	ret = mremap(JM_PTR(self->rw), self->pg, self->pg,
		     MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	EXPECT_EQ(MAP_FAILED, ret) TH_LOG("data moved to %p", ret);
	/* The whole slab: its first mapping, at least, must stay. */
	ret = mremap(JM_PTR(self->slab), 2 * self->pg, 2 * self->pg,
		     MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	EXPECT_EQ(MAP_FAILED, ret) TH_LOG("slab start moved to %p", ret);
	expect_intact(_metadata, self);
}

TEST_F(wx, mremap_grow)
{
	void *ret;

	ret = mremap(JM_PTR(self->rx), self->pg, 2 * self->pg, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, ret);
	ret = mremap(JM_PTR(self->slab), SLAB_PAGES * self->pg,
		     (SLAB_PAGES + 1) * self->pg, 0);
	EXPECT_EQ(MAP_FAILED, ret);
	/* The slab's last mapping, in place past the slab's end. */
	ret = mremap(JM_PTR(self->rw), (SLAB_PAGES - RW_PG) * self->pg,
		     (SLAB_PAGES - RW_PG + 1) * self->pg, 0);
	EXPECT_EQ(MAP_FAILED, ret);
	ret = mremap(JM_PTR(self->slab), SLAB_PAGES * self->pg,
		     2 * SLAB_PAGES * self->pg, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, ret);
	expect_intact(_metadata, self);
}

/* old_size 0 would duplicate a shared mapping outside the driver's view. */
TEST_F(wx, mremap_duplicate)
{
	void *ret = mremap(JM_PTR(self->rx), 0, self->pg, MREMAP_MAYMOVE);

	EXPECT_EQ(MAP_FAILED, ret) TH_LOG("code duplicated at %p", ret);
	expect_intact(_metadata, self);
}

static int proc_mem(int flags)
{
	return open("/proc/self/mem", flags | O_CLOEXEC);
}

TEST_F(wx, proc_mem_write_refused)
{
	static const char junk[] = "\xcc\xcc\xcc\xcc";
	int fd = proc_mem(O_RDWR);
	ssize_t n;

	ASSERT_LE(0, fd);
	n = pwrite(fd, junk, sizeof(junk), (off_t)self->rx);
	EXPECT_EQ(-1, n);
	EXPECT_TRUE(errno == EFAULT || errno == EIO) TH_LOG("errno %d", errno);
	n = pwrite(fd, junk, sizeof(junk), (off_t)self->r);
	EXPECT_EQ(-1, n);
	EXPECT_TRUE(errno == EFAULT || errno == EIO) TH_LOG("errno %d", errno);
	n = pwrite(fd, junk, sizeof(junk), (off_t)(self->slab + NONE_PG * self->pg));
	EXPECT_EQ(-1, n);
	close(fd);
	expect_intact(_metadata, self);
}

/* Debuggers must still read code. */
TEST_F(wx, proc_mem_read_code)
{
	unsigned char want[JM_CODE_LEN], got[8] = { 0 };
	int fd = proc_mem(O_RDONLY);

	ASSERT_LE(0, fd);
	jm_code(want, RX_VAL);
	ASSERT_EQ((ssize_t)sizeof(want),
		  pread(fd, got, sizeof(want), (off_t)self->rx));
	EXPECT_EQ(0, memcmp(want, got, sizeof(want)));
	ASSERT_EQ(8, pread(fd, got, 8, (off_t)self->r));
	EXPECT_EQ(0, memcmp("ro-data", got, 8));
	close(fd);
}

TEST_F(wx, process_vm_writev_refused)
{
	char junk[8] = "\xcc\xcc\xcc\xcc";
	struct iovec local = { junk, sizeof(junk) };
	struct iovec remote = { JM_PTR(self->rx), sizeof(junk) };

	EXPECT_EQ(-1, process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	remote.iov_base = JM_PTR(self->r);
	EXPECT_EQ(-1, process_vm_writev(getpid(), &local, 1, &remote, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	expect_intact(_metadata, self);
}

/* The kernel's own user copies honour the protection too. */
TEST_F(wx, syscall_write_into_code_refused)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(4, write(p[1], "\xcc\xcc\xcc\xcc", 4));
	EXPECT_EQ(-1, read(p[0], JM_PTR(self->rx), 4));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, read(p[0], JM_PTR(self->r), 4));
	EXPECT_EQ(EFAULT, errno);
	close(p[0]);
	close(p[1]);
	expect_intact(_metadata, self);
}

/*
 * ptrace: a traced child sets up its own code and data and stops; the
 * parent (its tracer) may peek but not poke.
 */
struct trace_shared {
	__u64 rx, r;
	int err;
};

TEST(ptrace_poke_refused)
{
	struct trace_shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char want[8] = { 0 };
	long word;
	int status, v = 0;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, sh);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unsigned char code[JM_CODE_LEN];
		size_t pg = jm_pg();
		__u64 slab = 0;
		int fd = jm_open();

		jm_code(code, 42);
		sh->err = fd < 0 ? -errno : jm_reserve(fd, 4 * pg, 0, 0, &slab);
		if (!sh->err)
			sh->err = jm_init1(fd, slab, pg, code, sizeof(code),
					   JM_RX, &sh->rx);
		if (!sh->err)
			sh->err = jm_init1(fd, slab + 2 * pg, pg, "ro-data", 8,
					   JM_R, &sh->r);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(2);
		raise(SIGSTOP);
		/* Resumed: the code must be unchanged. */
		if (jm_exec(sh->rx, &v) || v != 42)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(0, sh->err);

	errno = 0;
	EXPECT_EQ(-1, ptrace(PTRACE_POKETEXT, pid, JM_PTR(sh->rx),
			     (void *)0xccccccccccccccccUL));
	EXPECT_TRUE(errno == EIO || errno == EFAULT) TH_LOG("errno %d", errno);
	errno = 0;
	EXPECT_EQ(-1, ptrace(PTRACE_POKEDATA, pid, JM_PTR(sh->r),
			     (void *)0x4141414141414141UL));
	EXPECT_TRUE(errno == EIO || errno == EFAULT) TH_LOG("errno %d", errno);

	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, JM_PTR(sh->rx), NULL);
	EXPECT_EQ(0, errno);
	jm_code(want, 42);
	EXPECT_EQ(0, memcmp(&word, want, JM_CODE_LEN));
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, pid, JM_PTR(sh->r), NULL);
	EXPECT_EQ(0, errno);
	EXPECT_EQ(0, memcmp(&word, "ro-data", 8));

	ASSERT_EQ(0, ptrace(PTRACE_CONT, pid, NULL, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x", status);
	(void)v;
}

/* Many protection mixes, reuse included: never a W+X device mapping. */
TEST_F(wx, maps_never_wx)
{
	static const __u8 groups[] = { JM_RX, JM_RW, JM_R, JM_RX | JM_FIN,
				       JM_RW | JM_FIN };
	size_t pg = self->pg;
	unsigned int i, j;
	__u64 key;

	EXPECT_EQ(0, jm_maps_wx());
	for (i = 0; i < sizeof(groups); i++) {
		for (j = 0; j < sizeof(groups); j++) {
			struct jitmem_init_segment s[2];

			s[0] = jm_seg(self->slab + 10 * pg, pg, NULL, 0,
				      groups[i] & ~JM_FIN);
			s[1] = jm_seg(self->slab + 11 * pg, pg, NULL, 0,
				      groups[j]);
			ASSERT_EQ(0, jm_initialize(self->fd, s, 2, &key));
			EXPECT_EQ(0, jm_maps_wx()) TH_LOG("%#x then %#x",
							  groups[i], groups[j]);
			ASSERT_EQ(0, jm_deinit1(self->fd, key));
			EXPECT_EQ(0, jm_maps_wx());
		}
	}
	expect_intact(_metadata, self);
}

/* Executable memory is a mapping of the device file, never anonymous. */
TEST_F(wx, exec_mapping_is_device)
{
	char perms[4];

	jm_maps_perms(self->rx, perms);
	EXPECT_STREQ("r-x", perms);
	EXPECT_EQ(0, jm_maps_other(self->slab,
				   self->slab + SLAB_PAGES * self->pg));
	EXPECT_LE(1, jm_maps_count(self->rx, self->rx + self->pg));
}

/* Users cannot mmap the device themselves, with any protection. */
TEST_F(wx, direct_mmap_refused)
{
	static const int prots[] = { PROT_NONE, PROT_READ, RW, RX, RWX,
				     PROT_EXEC };
	static const int flags[] = { MAP_SHARED, MAP_PRIVATE };
	unsigned int i, j;
	int fd2 = jm_open();

	ASSERT_LE(0, fd2);
	for (i = 0; i < ARRAY_SIZE(prots); i++) {
		for (j = 0; j < 2; j++) {
			void *p = mmap(NULL, self->pg, prots[i], flags[j],
				       self->fd, 0);

			EXPECT_EQ(MAP_FAILED, p)
				TH_LOG("prot %#x flags %#x mapped", prots[i],
				       flags[j]);
			EXPECT_EQ(EPERM, errno);
			/* Offsets and other files: same answer. */
			p = mmap(NULL, self->pg, prots[i], flags[j], fd2,
				 self->slab);
			EXPECT_EQ(MAP_FAILED, p);
			EXPECT_EQ(EPERM, errno);
		}
	}
	close(fd2);
	expect_intact(_metadata, self);
}

/*
 * MemoryDenyWriteExecute.  Linux 6.3+ has PR_SET_MDWE; on older kernels
 * systemd installs a seccomp filter instead: mmap with both PROT_WRITE and
 * PROT_EXEC, mprotect/pkey_mprotect with PROT_EXEC and shmat with SHM_EXEC
 * fail with EPERM.  Either way an anonymous JIT must fail and jitmem work.
 */
#define LD_ARG2_LO	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,		\
				 offsetof(struct seccomp_data, args[2]))
#define JEQ(k, pc, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k),	\
				  (t) - (pc) - 1, (f) - (pc) - 1)
#define JSET(k, pc, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k),	\
				   (t) - (pc) - 1, (f) - (pc) - 1)

static int install_mdwe_seccomp(void)
{
	enum { ALLOW = 14, DENY = 15 };
	struct sock_filter f[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
				 offsetof(struct seccomp_data, arch)),
		/* 1 */ JEQ(AUDIT_ARCH_X86_64, 1, 2, ALLOW),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
				 offsetof(struct seccomp_data, nr)),
		/* 3 */ JEQ(__NR_mmap, 3, 4, 7),
		/* 4 */ LD_ARG2_LO,
		/* 5 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K,
				 PROT_WRITE | PROT_EXEC),
		/* 6 */ JEQ(PROT_WRITE | PROT_EXEC, 6, DENY, ALLOW),
		/* 7 */ JEQ(__NR_mprotect, 7, 10, 8),
		/* 8 */ JEQ(__NR_pkey_mprotect, 8, 10, 9),
		/* 9 */ JEQ(__NR_shmat, 9, 12, ALLOW),
		/* 10 */ LD_ARG2_LO,
		/* 11 */ JSET(PROT_EXEC, 11, DENY, ALLOW),
		/* 12 */ LD_ARG2_LO,
		/* 13 */ JSET(SHM_EXEC, 13, DENY, ALLOW),
		/* 14 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 15 */ BPF_STMT(BPF_RET | BPF_K,
				  SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
	};
	struct sock_fprog prog = {
		.len = ARRAY_SIZE(f), .filter = f,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return -errno;
	return 0;
}

/* What a process under MDWE sees. */
struct mdwe_probe {
	int mmap_wx_err;	/* errno of mmap(RWX), 0 if it succeeded */
	int mprotect_x_err;	/* errno of mprotect(RW -> RX) */
	int get_mdwe;		/* PR_GET_MDWE, or -errno */
	int jit_err;		/* jitmem reserve/initialize result */
	int exec_sig;
	int val;
};

struct mdwe_result {
	int mechanism;		/* 1: PR_SET_MDWE, 2: seccomp filter */
	int setup_err;
	struct mdwe_probe self;	/* the process that enabled it */
	struct mdwe_probe fork;	/* a child it forked afterwards */
	int fork_status;
};

static void mdwe_probe(struct mdwe_probe *r, int code_val)
{
	unsigned char code[JM_CODE_LEN];
	size_t pg = jm_pg();
	unsigned char *p;
	__u64 slab = 0;
	int fd;

	p = mmap(NULL, pg, RWX, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r->mmap_wx_err = p == MAP_FAILED ? errno : 0;
	p = mmap(NULL, pg, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r->mprotect_x_err = -1;
	if (p != MAP_FAILED) {
		jm_code(p, 1);
		r->mprotect_x_err = mprotect(p, pg, RX) ? errno : 0;
	}
	r->get_mdwe = prctl(PR_GET_MDWE, 0, 0, 0, 0);
	if (r->get_mdwe < 0)
		r->get_mdwe = -errno;

	jm_code(code, code_val);
	fd = jm_open();
	r->jit_err = fd < 0 ? -errno : jm_reserve(fd, 2 * pg, 0, 0, &slab);
	if (!r->jit_err)
		r->jit_err = jm_init1(fd, slab, pg, code, sizeof(code), JM_RX,
				      NULL);
	if (!r->jit_err)
		r->exec_sig = jm_exec(slab, &r->val);
	if (fd >= 0)
		close(fd);
}

static int mdwe_fork_child(void *arg)
{
	mdwe_probe(arg, 0x666f726b);
	return 0;
}

static int mdwe_child(void *arg)
{
	struct mdwe_result *r = arg;

	if (!prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0)) {
		r->mechanism = 1;
	} else if (errno == EINVAL) {
		r->mechanism = 2;
		r->setup_err = install_mdwe_seccomp();
		if (r->setup_err)
			return 1;
	} else {
		r->setup_err = -errno;
		return 1;
	}
	mdwe_probe(&r->self, 0x6d647765);
	r->fork_status = jm_in_child(mdwe_fork_child, &r->fork);
	return 0;
}

/* Linux 6.3+ has PR_SET_MDWE: the test must use it there, not seccomp. */
static bool kernel_has_mdwe(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 3);
}

static void expect_mdwe(struct __test_metadata *_metadata,
			const struct mdwe_result *r, const struct mdwe_probe *p,
			int val)
{
	int want = r->mechanism == 1 ? EACCES : EPERM;

	EXPECT_EQ(want, p->mmap_wx_err);
	EXPECT_EQ(want, p->mprotect_x_err);
	/* PR_GET_MDWE is as old as PR_SET_MDWE. */
	EXPECT_EQ(r->mechanism == 1 ? PR_MDWE_REFUSE_EXEC_GAIN : -EINVAL,
		  p->get_mdwe);
	EXPECT_EQ(0, p->jit_err);
	EXPECT_EQ(0, p->exec_sig);
	EXPECT_EQ(val, p->val);
}

static struct mdwe_result *mdwe_run(struct __test_metadata *_metadata)
{
	struct mdwe_result *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;

	if (r == MAP_FAILED)
		return NULL;
	status = jm_in_child(mdwe_child, r);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x, setup %d", status, r->setup_err);
	TH_LOG("W^X policy: %s", r->mechanism == 1 ?
	       "prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN)" :
	       "seccomp filter (systemd MemoryDenyWriteExecute, PR_SET_MDWE gave EINVAL)");
	EXPECT_EQ(kernel_has_mdwe() ? 1 : 2, r->mechanism);
	return r;
}

TEST(mdwe_jit_works)
{
	struct mdwe_result *r = mdwe_run(_metadata);

	ASSERT_NE(NULL, r);
	expect_mdwe(_metadata, r, &r->self, 0x6d647765);
}

/* The policy holds in a child forked afterwards, and jitmem works there. */
TEST(mdwe_inherited_by_fork)
{
	struct mdwe_result *r = mdwe_run(_metadata);

	ASSERT_NE(NULL, r);
	ASSERT_TRUE(WIFEXITED(r->fork_status) && WEXITSTATUS(r->fork_status) == 0)
		TH_LOG("forked child status %#x", r->fork_status);
	expect_mdwe(_metadata, r, &r->fork, 0x666f726b);
}

/*
 * A device node on a noexec mount: R and RW work, RX fails with EACCES.
 * Done in a private mount namespace so nothing leaks.
 */
static int noexec_child(void *arg)
{
	int *res = arg;		/* [0] R result, [1] RX result, [2] setup */
	size_t pg = jm_pg();
	struct stat st;
	__u64 slab = 0;
	int fd;

	/* A private mount namespace: the tmpfs over /tmp is ours alone. */
	res[2] = -1;
	if (stat(JM_DEV, &st) || unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("jitmem-noexec", "/tmp", "tmpfs", MS_NOEXEC, "mode=0700"))
		return 0;
	res[2] = -2;
	if (mknod("/tmp/jitmem", S_IFCHR | 0600, st.st_rdev))
		return 0;
	fd = open("/tmp/jitmem", O_RDWR | O_CLOEXEC);
	res[2] = fd < 0 ? -errno : jm_reserve(fd, 4 * pg, 0, 0, &slab);
	if (res[2])
		return 0;
	res[0] = jm_init1(fd, slab, pg, NULL, 0, JM_R, NULL);
	res[1] = jm_init1(fd, slab + 2 * pg, pg, NULL, 0, JM_RX, NULL);
	return 0;
}

TEST(noexec_mount_rx_refused)
{
	int *res = mmap(NULL, 3 * sizeof(int), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;

	ASSERT_NE(MAP_FAILED, res);
	status = jm_in_child(noexec_child, res);
	ASSERT_TRUE(WIFEXITED(status));
	if (res[2] == -1)
		SKIP(return, "cannot mount a private tmpfs (needs root)");
	ASSERT_EQ(0, res[2]) TH_LOG("mknod/open/reserve: %d", res[2]);
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(-EACCES, res[1]);
}

TEST_HARNESS_MAIN
