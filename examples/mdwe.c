// SPDX-License-Identifier: MIT
/*
 * The seccomp filter refuses with EPERM, as systemd's does:
 *   mmap() with PROT_WRITE and PROT_EXEC,
 *   mprotect() and pkey_mprotect() with PROT_EXEC,
 *   shmat() with SHM_EXEC,
 * and every system call of another ABI (i386, x32), which would otherwise
 * go around the rules.
 */
#include <errno.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mdwe.h"

#ifndef PR_SET_MDWE
#define PR_SET_MDWE			65
#define PR_MDWE_REFUSE_EXEC_GAIN	1
#endif

#define X32_SYSCALL_BIT 0x40000000U
/* The low 32 bits of an argument (little endian). */
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64))

#define LD(off)		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JGE(k, t, f)	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f))
#define JSET(k, t, f)	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define AND(k)		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, (k))
#define RET(k)		BPF_STMT(BPF_RET | BPF_K, (k))

static const struct sock_filter mdwe_filter[] = {
	/* 0 */ LD(offsetof(struct seccomp_data, arch)),
	/* 1 */ JEQ(AUDIT_ARCH_X86_64, 0, 16),			/* -> 18 deny */
	/* 2 */ LD(offsetof(struct seccomp_data, nr)),
	/* 3 */ JGE(X32_SYSCALL_BIT, 14, 0),			/* -> 18 deny */
	/* 4 */ JEQ(__NR_mmap, 4, 0),				/* -> 9 */
	/* 5 */ JEQ(__NR_mprotect, 6, 0),			/* -> 12 */
	/* 6 */ JEQ(__NR_pkey_mprotect, 5, 0),			/* -> 12 */
	/* 7 */ JEQ(__NR_shmat, 7, 0),				/* -> 15 */
	/* 8 */ RET(SECCOMP_RET_ALLOW),
	/* 9 */ LD(ARG_LO(2)),					/* mmap prot */
	/* 10 */ AND(PROT_WRITE | PROT_EXEC),
	/* 11 */ JEQ(PROT_WRITE | PROT_EXEC, 6, 2),		/* 18 : 14 */
	/* 12 */ LD(ARG_LO(2)),					/* mprotect prot */
	/* 13 */ JSET(PROT_EXEC, 4, 0),				/* 18 : 14 */
	/* 14 */ RET(SECCOMP_RET_ALLOW),
	/* 15 */ LD(ARG_LO(2)),					/* shmat shmflg */
	/* 16 */ JSET(SHM_EXEC, 1, 0),				/* 18 : 17 */
	/* 17 */ RET(SECCOMP_RET_ALLOW),
	/* 18 */ RET(SECCOMP_RET_ERRNO | EPERM),
};

int mdwe_enable(enum mdwe_how *how)
{
	struct sock_fprog prog = {
		.len = sizeof(mdwe_filter) / sizeof(mdwe_filter[0]),
		.filter = (struct sock_filter *)mdwe_filter,
	};

	if (!prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0L, 0L, 0L)) {
		*how = MDWE_PRCTL;
		return 0;
	}
	if (errno != EINVAL)
		return -errno;
	/* Unprivileged processes may install a filter once they cannot gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) ||
	    syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return -errno;
	*how = MDWE_SECCOMP;
	return 0;
}
