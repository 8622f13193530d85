// SPDX-License-Identifier: GPL-2.0-only
/*
 * fork: the child may not use the parent's contexts (EPERM), and keeps a
 * snapshot of every page the parent's contexts held at fork()
 * (JITMEM_FEATURE_FORK) whatever the parent does next.  The child's copy
 * of the model is that snapshot: the parent sends the addresses it changed
 * after fork() and the child finds each as the model says it was, and
 * everything it inherited still there.  The child's munmap() is its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

static void child_checks_foreign(struct fuzz *f)
{
	struct jitmem_query q = { .size = sizeof(q) };
	struct jitmem_reserve r = { .size = sizeof(r), .length = f->page };
	struct jitmem_version v = { .size = sizeof(v) };
	struct jitmem_initialize in = { .size = sizeof(in) };
	struct jitmem_batch b = { .size = sizeof(b) };
	int n;

	for (n = 0; n < NCTX; n++) {
		int fd = f->ctx[n].fd;

		expect(f, "QUERY from a fork child",
		       fuzz_ioctl(f, fd, JITMEM_IOC_QUERY, &q), E(EPERM), false);
		expect(f, "RESERVE from a fork child",
		       fuzz_ioctl(f, fd, JITMEM_IOC_RESERVE, &r), E(EPERM),
		       false);
		expect(f, "INITIALIZE from a fork child",
		       fuzz_ioctl(f, fd, JITMEM_IOC_INITIALIZE, &in), E(EPERM),
		       false);
		expect(f, "DEINITIALIZE from a fork child",
		       fuzz_ioctl(f, fd, JITMEM_IOC_DEINITIALIZE, &b), E(EPERM),
		       false);
		expect(f, "RELEASE from a fork child",
		       fuzz_ioctl(f, fd, JITMEM_IOC_RELEASE, &b), E(EPERM),
		       false);
		expect(f, "VERSION from a fork child",
		       fuzz_ioctl(f, fd, JITMEM_IOC_VERSION, &v), 0, true);
	}
}

/* Every page of the region's live segments came to the child. */
static bool inherited(struct fuzz *f, const struct region *r)
{
	uint64_t a;
	int j;

	for (j = 0; j < r->nseg; j++) {
		if ((r->seg[j].group & JITMEM_GROUP_FINALIZE) && !r->fin_live)
			continue;
		for (a = r->seg[j].addr & ~(uint64_t)(f->page - 1);
		     a < r->seg[j].addr + r->seg[j].len; a += f->page)
			if (!mm_any_vma(f, a, NULL, NULL))
				return false;
	}
	return true;
}

/* Regions live at fork(), and a few addresses of each mapping. */
static void child_checks_snapshot(struct fuzz *f)
{
	bool inherit = f->lim.features & JITMEM_FEATURE_FORK;
	int n, i;

	for (n = 0; n < NCTX; n++) {
		struct ctx *c = &f->ctx[n];

		for (i = 0; i < c->nregions; i++) {
			const struct region *r = &c->regions[c->rlist[i]];

			if (!inherit) {
				if (!addr_faults(f, r->key))
					fuzz_fail(f, "child reads %#llx without JITMEM_FEATURE_FORK",
						  (unsigned long long)r->key);
				continue;
			}
			if (chance(&f->rng, 300) && inherited(f, r))
				check_region(f, c, r, false);
		}
		for (i = 0; inherit && i < c->nvmas; i++)
			if (chance(&f->rng, 100))
				check_range(f, c->vmas[i].start,
					    c->vmas[i].end - c->vmas[i].start);
	}
}

static void child(struct fuzz *f, int rfd)
{
	uint64_t addrs[MAX_TOUCH];
	struct ctx *c;
	ssize_t got;
	void *p;
	int i;

	f->in_child = true;
	f->logging_touch = false;
	child_checks_foreign(f);
	got = read(rfd, addrs, sizeof(addrs));	/* parent done changing */
	if (!(f->lim.features & JITMEM_FEATURE_FORK))
		got = 0;
	for (i = 0; i < got / (ssize_t)sizeof(addrs[0]); i++) {
		fuzz_log(f, " child checks %#llx", (unsigned long long)addrs[i]);
		check_addr(f, addrs[i]);
	}
	child_checks_snapshot(f);
	/*
	 * The child's copy is its own: this changes nothing in the parent,
	 * and leaves the child's mm sane (its data accounting, which a copy
	 * made private after fork() once wrapped: no more private mmap()).
	 */
	c = &f->ctx[rnd_below(&f->rng, NCTX)];
	if (c->nslabs) {
		i = rnd_below(&f->rng, c->nslabs);
		if (munmap((void *)(uintptr_t)c->slabs[i].addr, c->slabs[i].len))
			fuzz_fail(f, "child: munmap: %s", strerror(errno));
		p = mmap(NULL, f->page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			fuzz_fail(f, "child: after munmap of its copy of slab %#llx, mmap() fails: %s",
				  (unsigned long long)c->slabs[i].addr,
				  strerror(errno));
	}
	_exit(0);
}

void op_fork(struct fuzz *f, struct ctx *c)
{
	int pfd[2], status, n;
	pid_t pid;

	if (pipe(pfd))
		fuzz_fail(f, "pipe: %s", strerror(errno));
	f->call++;
	f->stat[ST_FORK]++;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fuzz_fail(f, "fork: %s", strerror(errno));
	if (!pid) {
		close(pfd[1]);
		f->rng.s ^= 0x5eed;
		child(f, pfd[0]);
	}
	close(pfd[0]);
	/* Change things under the child: it must not notice. */
	f->ntouch = 0;
	f->logging_touch = true;
	op_deinitialize(f, c);
	op_initialize(f, c);
	op_initialize(f, c);
	op_munmap(f, c);
	op_release(f, c);
	f->logging_touch = false;
	if (write(pfd[1], f->touch, f->ntouch * sizeof(f->touch[0])) < 0)
		fuzz_fail(f, "write: %s", strerror(errno));
	close(pfd[1]);
	if (waitpid(pid, &status, 0) != pid)
		fuzz_fail(f, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fuzz_fail(f, "fork child failed (status %#x)", status);
	for (n = 0; n < NCTX; n++)
		query_check(f, &f->ctx[n]);
}
