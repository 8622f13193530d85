/* SPDX-License-Identifier: MIT */
/*
 * MemoryDenyWriteExecute for the calling process: PR_SET_MDWE where the
 * kernel has it (6.3+), else a seccomp filter with the rules of systemd's
 * MemoryDenyWriteExecute=yes.
 */
#ifndef MDWE_H
#define MDWE_H

enum mdwe_how { MDWE_PRCTL, MDWE_SECCOMP };

/* 0 and the mechanism used, or a negative errno. */
int mdwe_enable(enum mdwe_how *how);

#endif
