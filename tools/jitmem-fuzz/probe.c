// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory probes that survive SIGSEGV/SIGBUS, and checks of what the model
 * says is mapped: content, zero fill, protections, W^X.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

static sigjmp_buf probe_jb;
static volatile sig_atomic_t probing;

static void probe_handler(int sig, siginfo_t *si, void *uc)
{
	const ucontext_t *u = uc;

	if (probing)
		siglongjmp(probe_jb, 1);
	dprintf(STDOUT_FILENO, "# unexpected signal %d (code %d) at %p, ip %#llx\n",
		sig, si->si_code, si->si_addr,
		(unsigned long long)u->uc_mcontext.gregs[REG_RIP]);
	if (getenv("JITMEM_FUZZ_MAPS")) {
		char buf[4096];
		ssize_t n;
		int fd = open("/proc/self/maps", O_RDONLY);

		while ((n = read(fd, buf, sizeof(buf))) > 0)
			write(STDOUT_FILENO, buf, n);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void probe_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = probe_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* Each probe returns false if the access faulted. */
bool probe_read(const volatile uint8_t *p, uint8_t *val)
{
	if (sigsetjmp(probe_jb, 1)) {
		probing = 0;
		return false;
	}
	probing = 1;
	*val = *p;
	probing = 0;
	return true;
}

bool probe_write(volatile uint8_t *p, uint8_t val)
{
	if (sigsetjmp(probe_jb, 1)) {
		probing = 0;
		return false;
	}
	probing = 1;
	*p = val;
	probing = 0;
	return true;
}

bool probe_call(const void *fn, int *ret)
{
	int (*call)(void) = (int (*)(void))(uintptr_t)fn;

	if (sigsetjmp(probe_jb, 1)) {
		probing = 0;
		return false;
	}
	probing = 1;
	*ret = call();
	probing = 0;
	return true;
}

bool probe_mem_equal(const uint8_t *p, const uint8_t *want, size_t n)
{
	volatile bool eq = false;

	if (sigsetjmp(probe_jb, 1)) {
		probing = 0;
		return false;
	}
	probing = 1;
	eq = !memcmp(p, want, n);
	probing = 0;
	return eq;
}

bool probe_mem_zero(const uint8_t *p, size_t n)
{
	volatile bool zero = false;
	size_t i;

	if (sigsetjmp(probe_jb, 1)) {
		probing = 0;
		return false;
	}
	probing = 1;
	for (i = 0; i < n && !p[i]; i++)
		;
	zero = i == n;
	probing = 0;
	return zero;
}

/* Read /proc/self/maps into the scratch buffer without allocating. */
static size_t read_maps(struct fuzz *f)
{
	size_t n = 0;
	ssize_t r;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fuzz_fail(f, "open /proc/self/maps failed");
	while (n < f->s.maps_size - 1 &&
	       (r = read(fd, f->s.maps + n, f->s.maps_size - 1 - n)) > 0)
		n += r;
	close(fd);
	f->s.maps[n] = 0;
	return n;
}

/* No mapping of the process may ever be writable and executable. */
void check_no_wx(struct fuzz *f)
{
	char *line, *perms, *save = NULL;

	read_maps(f);
	for (line = strtok_r(f->s.maps, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		perms = strchr(line, ' ');
		if (perms && perms[2] == 'w' && perms[3] == 'x')
			fuzz_fail(f, "W+X mapping: %s", line);
	}
}

/* Count the mappings of the device in the process. */
int maps_jitmem_count(struct fuzz *f)
{
	char *p;
	int n = 0;

	read_maps(f);
	for (p = f->s.maps; (p = strstr(p, "/dev/jitmem")); p++)
		n++;
	return n;
}

/* Print and count the mappings of the device left in the process. */
int maps_jitmem(struct fuzz *f)
{
	char *line, *save = NULL;
	int n = 0;

	read_maps(f);
	for (line = strtok_r(f->s.maps, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, "/dev/jitmem"))
			continue;
		dprintf(STDOUT_FILENO, "# left: %s\n", line);
		n++;
	}
	return n;
}

static bool slab_checkable(const struct ctx *c, int slab)
{
	return slab >= 0 && !c->slabs[slab].damaged && !c->slabs[slab].tampered;
}

/* Content, zero fill, execution and write protection of one segment. */
static void check_seg(struct fuzz *f, const struct mseg *s, bool deep)
{
	uint8_t *p = (uint8_t *)(uintptr_t)s->addr;
	size_t n = s->content_size, off;
	uint8_t v;
	int ret;

	if (!deep && n > 64)
		n = 64;
	if (n && !probe_mem_equal(p, s->content, n))
		fuzz_fail(f, "segment %#llx (group %#x): content differs or faults",
			  (unsigned long long)s->addr, s->group);
	if (s->content_size < s->len) {
		off = s->content_size;
		n = deep ? s->len - off : 1;
		if (!probe_mem_zero(p + off, n) ||
		    !probe_mem_zero(p + s->len - 1, 1))
			fuzz_fail(f, "segment %#llx: zero fill differs or faults",
				  (unsigned long long)s->addr);
	}
	if ((s->group & JITMEM_GROUP_X) && s->content_size >= FUNC_STRIDE &&
	    s->content >= f->s.pool &&
	    s->content < f->s.pool + NFUNCS * FUNC_STRIDE &&
	    !((s->content - f->s.pool) % FUNC_STRIDE)) {
		if (!probe_call(p, &ret))
			fuzz_fail(f, "segment %#llx: calling its code faulted",
				  (unsigned long long)s->addr);
		if (ret != (int)(s->content - f->s.pool))
			fuzz_fail(f, "segment %#llx: code returned %d, want %d",
				  (unsigned long long)s->addr, ret,
				  (int)(s->content - f->s.pool));
	}
	off = rnd_below(&f->rng, s->len);
	if (!probe_read(p + off, &v))
		fuzz_fail(f, "segment %#llx: read at +%#zx faulted",
			  (unsigned long long)s->addr, off);
	if (probe_write(p + off, v) != !!(s->group & JITMEM_GROUP_W))
		fuzz_fail(f, "segment %#llx (group %#x): write at +%#zx %s",
			  (unsigned long long)s->addr, s->group, off,
			  (s->group & JITMEM_GROUP_W) ? "faulted" : "succeeded");
}

void check_region(struct fuzz *f, struct ctx *c, const struct region *r,
		  bool deep)
{
	int j;

	if (r->unknown || !slab_checkable(c, r->slab))
		return;
	for (j = 0; j < r->nseg; j++)
		if (!(r->seg[j].group & JITMEM_GROUP_FINALIZE) || r->fin_live)
			check_seg(f, &r->seg[j],
				  deep && r->seg[j].len <= 16 * 4096);
}

void check_regions(struct fuzz *f, struct ctx *c, bool deep)
{
	int i;

	for (i = 0; i < c->nregions; i++)
		check_region(f, c, &c->regions[i], deep);
}

/* Any address of an intact slab: live segment -> accessible, else faults. */
void check_addr(struct fuzz *f, struct ctx *c, uint64_t addr)
{
	const struct region *r = NULL;
	const struct mseg *s;
	int slab = model_find_slab(c, addr, 1);
	uint8_t v;

	if (!slab_checkable(c, slab))
		return;
	s = model_seg_at(c, addr, &r);
	if (s && r->unknown)
		return;
	if (s) {
		if (!probe_read((uint8_t *)(uintptr_t)addr, &v))
			fuzz_fail(f, "read of live segment at %#llx faulted",
				  (unsigned long long)addr);
		if (probe_write((uint8_t *)(uintptr_t)addr, v) !=
		    !!(s->group & JITMEM_GROUP_W))
			fuzz_fail(f, "write at %#llx (group %#x) %s",
				  (unsigned long long)addr, s->group,
				  (s->group & JITMEM_GROUP_W) ? "faulted" :
				  "succeeded");
		return;
	}
	if (probe_read((uint8_t *)(uintptr_t)addr, &v))
		fuzz_fail(f, "read of uninitialized slab address %#llx succeeded",
			  (unsigned long long)addr);
	if (probe_write((uint8_t *)(uintptr_t)addr, 0))
		fuzz_fail(f, "write of uninitialized slab address %#llx succeeded",
			  (unsigned long long)addr);
}
