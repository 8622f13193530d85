// SPDX-License-Identifier: GPL-2.0-only
/*
 * fork: the child may not use the parent's contexts (EPERM), keeps the code
 * it inherited (JITMEM_FEATURE_FORK) whatever the parent does next, and
 * never sees regions the parent initializes after the fork.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define MAX_NEW	32

static void child_checks_foreign(struct fuzz *f)
{
	struct jitmem_query q = { .size = sizeof(q) };
	struct jitmem_reserve r = { .size = sizeof(r), .length = f->page };
	struct jitmem_version v = { .size = sizeof(v) };
	int n;

	for (n = 0; n < NCTX; n++) {
		expect(f, "QUERY from a fork child",
		       fuzz_ioctl(f, f->ctx[n].fd, JITMEM_IOC_QUERY, &q),
		       E(EPERM), false);
		expect(f, "RESERVE from a fork child",
		       fuzz_ioctl(f, f->ctx[n].fd, JITMEM_IOC_RESERVE, &r),
		       E(EPERM), false);
		expect(f, "VERSION from a fork child",
		       fuzz_ioctl(f, f->ctx[n].fd, JITMEM_IOC_VERSION, &v),
		       0, true);
	}
}

/* Name the known way to lose inherited pages before checking contents. */
static void check_zapped(struct fuzz *f, const struct region *r)
{
	uint64_t a;
	uint8_t v;
	int j;

	for (j = 0; j < r->nseg; j++) {
		if ((r->seg[j].group & JITMEM_GROUP_FINALIZE) && !r->fin_live)
			continue;
		for (a = r->seg[j].addr; a < r->seg[j].addr + r->seg[j].len;
		     a += f->page)
			if (!probe_read((uint8_t *)(uintptr_t)a, &v))
				fuzz_fail(f, "child lost inherited page %#llx: MADV_DONTNEED before fork dropped its PTEs",
					  (unsigned long long)a);
	}
}

static void child_checks_snapshot(struct fuzz *f)
{
	bool inherit = f->lim.features & JITMEM_FEATURE_FORK;
	uint8_t v;
	int n, i;

	for (n = 0; n < NCTX; n++) {
		struct ctx *c = &f->ctx[n];

		for (i = 0; i < c->nregions; i++) {
			const struct region *r = &c->regions[i];

			if (r->unknown || r->slab < 0 ||
			    c->slabs[r->slab].dontfork ||
			    c->slabs[r->slab].damaged ||
			    c->slabs[r->slab].tampered)
				continue;
			if (inherit && c->slabs[r->slab].zapped)
				check_zapped(f, r);
			if (inherit)
				check_region(f, c, r, false);
			else if (probe_read((uint8_t *)(uintptr_t)r->key, &v))
				fuzz_fail(f, "child reads %#llx without JITMEM_FEATURE_FORK",
					  (unsigned long long)r->key);
		}
	}
}

static void child(struct fuzz *f, struct ctx *c, int rfd)
{
	const struct region *r;
	uint64_t addrs[MAX_NEW];
	ssize_t got;
	uint8_t v;
	int i;

	child_checks_foreign(f);
	got = read(rfd, addrs, sizeof(addrs));	/* parent done changing */
	child_checks_snapshot(f);
	for (i = 0; i < got / (ssize_t)sizeof(addrs[0]); i++)
		if (!model_seg_at(c, addrs[i], &r) &&	/* free at fork time */
		    probe_read((uint8_t *)(uintptr_t)addrs[i], &v))
			fuzz_fail(f, "child sees %#llx, initialized after fork",
				  (unsigned long long)addrs[i]);
	if (f->ctx[0].nslabs)
		op_munmap(f, &f->ctx[0]);
	_exit(0);
}

static bool had_key(const uint64_t *keys, int n, uint64_t key)
{
	while (n--)
		if (keys[n] == key)
			return true;
	return false;
}

void op_fork(struct fuzz *f, struct ctx *c)
{
	uint64_t before[MAX_REGIONS], addrs[MAX_NEW];
	int pfd[2], status, i, nb = c->nregions, nn = 0;
	pid_t pid;

	for (i = 0; i < nb; i++)
		before[i] = c->regions[i].key;
	if (pipe(pfd))
		fuzz_fail(f, "pipe: %s", strerror(errno));
	f->call++;
	pid = fork();
	if (pid < 0)
		fuzz_fail(f, "fork: %s", strerror(errno));
	if (!pid) {
		close(pfd[1]);
		f->rng.s ^= 0x5eed;
		child(f, c, pfd[0]);
	}
	close(pfd[0]);
	/* Change things under the child: it must not notice. */
	op_deinitialize(f, c);
	op_initialize(f, c);
	op_initialize(f, c);
	op_release(f, c);
	for (i = 0; i < c->nregions && nn < MAX_NEW; i++) {
		const struct region *r = &c->regions[i];

		if (!r->unknown && r->slab >= 0 &&
		    !had_key(before, nb, r->key) &&
		    !c->slabs[r->slab].tampered)
			addrs[nn++] = r->key;
	}
	if (write(pfd[1], addrs, nn * sizeof(addrs[0])) < 0)
		fuzz_fail(f, "write: %s", strerror(errno));
	close(pfd[1]);
	if (waitpid(pid, &status, 0) != pid)
		fuzz_fail(f, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fuzz_fail(f, "fork child failed (status %#x)", status);
}
