// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory probes that survive SIGSEGV, SIGBUS and SIGTRAP, and checks of
 * what the model says each address holds: a live segment's content and
 * zero fill, the scrub fill of free bytes in a page the context holds (0xcc
 * in code, which traps when called, zeros elsewhere), a fault where it
 * holds no page; protections, W^X.
 */
#define _GNU_SOURCE
#include <errno.h>
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

	if (probing) {
		probing = 0;
		siglongjmp(probe_jb, sig);
	}
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
	sigaction(SIGTRAP, &sa, NULL);
}

/*
 * Each probe returns 0, or the signal the access raised.  The handler runs
 * with SA_NODEFER, so no signal mask needs saving: a probe is no syscall.
 */
int probe_read(const volatile uint8_t *p, uint8_t *val)
{
	int sig = sigsetjmp(probe_jb, 0);

	if (sig)
		return sig;
	probing = 1;
	*val = *p;
	probing = 0;
	return 0;
}

int probe_write(volatile uint8_t *p, uint8_t val)
{
	int sig = sigsetjmp(probe_jb, 0);

	if (sig)
		return sig;
	probing = 1;
	*p = val;
	probing = 0;
	return 0;
}

int probe_call(const void *fn, int *ret)
{
	int (*call)(void) = (int (*)(void))(uintptr_t)fn;
	int sig = sigsetjmp(probe_jb, 0);

	if (sig)
		return sig;
	probing = 1;
	*ret = call();
	probing = 0;
	return 0;
}

bool probe_mem_equal(const uint8_t *p, const uint8_t *want, size_t n)
{
	volatile bool eq = false;

	if (sigsetjmp(probe_jb, 0))
		return false;
	probing = 1;
	eq = !memcmp(p, want, n);
	probing = 0;
	return eq;
}

bool probe_mem_fill(const uint8_t *p, uint8_t fill, size_t n)
{
	volatile bool same = false;
	size_t i;

	if (sigsetjmp(probe_jb, 0))
		return false;
	probing = 1;
	for (i = 0; i < n && p[i] == fill; i++)
		;
	same = i == n;
	probing = 0;
	return same;
}

/* Read /proc/self/maps into the scratch buffer without allocating. */
size_t read_maps(struct fuzz *f)
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

static bool is_stub(const struct fuzz *f, const struct mseg *s)
{
	return (s->group & JITMEM_GROUP_X) && s->content_size >= FUNC_STRIDE &&
	       s->content >= f->s.pool &&
	       s->content < f->s.pool + NFUNCS * FUNC_STRIDE &&
	       !((s->content - f->s.pool) % FUNC_STRIDE);
}

/* Content, zero fill, execution and write protection of one segment. */
static void check_seg(struct fuzz *f, const struct mseg *s, bool deep)
{
	uint8_t *p = (uint8_t *)(uintptr_t)s->addr;
	size_t n = s->content_size, off;
	uint8_t v;
	int ret, sig;

	if (!deep && n > 64)
		n = 64;
	if (n && !probe_mem_equal(p, s->content, n))
		fuzz_fail(f, "segment %#llx (group %#x): content differs or faults",
			  (unsigned long long)s->addr, s->group);
	if (s->content_size < s->len) {
		off = s->content_size;
		n = deep ? s->len - off : 1;
		if (!probe_mem_fill(p + off, 0, n) ||
		    !probe_mem_fill(p + s->len - 1, 0, 1))
			fuzz_fail(f, "segment %#llx: zero fill differs or faults",
				  (unsigned long long)s->addr);
	}
	if (is_stub(f, s)) {
		sig = probe_call(p, &ret);
		if (sig)
			fuzz_fail(f, "segment %#llx: calling its code raised signal %d",
				  (unsigned long long)s->addr, sig);
		if (ret != (int)(s->content - f->s.pool))
			fuzz_fail(f, "segment %#llx: code returned %d, want %d",
				  (unsigned long long)s->addr, ret,
				  (int)(s->content - f->s.pool));
	}
	off = rnd_below(&f->rng, s->len);
	if (probe_read(p + off, &v))
		fuzz_fail(f, "segment %#llx: read at +%#zx faulted",
			  (unsigned long long)s->addr, off);
	if (!probe_write(p + off, v) != !!(s->group & JITMEM_GROUP_W))
		fuzz_fail(f, "segment %#llx (group %#x): write at +%#zx %s",
			  (unsigned long long)s->addr, s->group, off,
			  (s->group & JITMEM_GROUP_W) ? "faulted" : "succeeded");
}

void check_region(struct fuzz *f, struct ctx *c, const struct region *r,
		  bool deep)
{
	int j;

	(void)c;
	for (j = 0; j < r->nseg; j++)
		if (!(r->seg[j].group & JITMEM_GROUP_FINALIZE) || r->fin_live)
			check_seg(f, &r->seg[j],
				  deep && r->seg[j].len <= 16 * 4096);
}

void check_regions(struct fuzz *f, struct ctx *c, bool deep)
{
	int i;

	for (i = 0; i < c->nregions; i++)
		check_region(f, c, &c->regions[c->rlist[i]], deep);
}

/*
 * What the model says @addr holds: false if an access faults there;
 * else the byte, the protection of its page and whether a live segment
 * holds it.
 */
static bool model_byte(struct fuzz *f, uint64_t addr, uint8_t *byte,
		       int *pi, bool *live)
{
	const struct mseg *s;
	struct mpage *p;
	struct ctx *c;
	int n, v;

	if (!mm_any_vma(f, addr, &n, &v))
		return false;
	c = &f->ctx[n];
	if (!c->vmas[v].perms)
		return false;
	p = pg_find(f, c, addr);
	if (!p)
		return false;
	if (pi_perms(p->pi) != c->vmas[v].perms)
		fuzz_fail(f, "model: page %#llx of protection %d in a %s mapping",
			  (unsigned long long)addr, p->pi,
			  maps_perms(c->vmas[v].perms));
	*pi = p->pi;
	s = model_seg_at(c, addr, NULL);
	*live = s;
	if (!s)
		*byte = pi_fill(p->pi);
	else if (addr - s->addr < s->content_size)
		*byte = s->content[addr - s->addr];
	else
		*byte = 0;
	return true;
}

bool addr_faults(struct fuzz *f, uint64_t addr)
{
	uint8_t b;
	bool live;
	int pi;

	return !model_byte(f, addr, &b, &pi, &live);
}

/*
 * Any address: where the model holds a page, the byte it says, writable
 * in R|W pages only, and a free byte of code traps; elsewhere a fault.
 */
void check_addr(struct fuzz *f, uint64_t addr)
{
	uint8_t *p = (uint8_t *)(uintptr_t)addr, want, v;
	bool live;
	int pi, sig, ret;

	if (!model_byte(f, addr, &want, &pi, &live)) {
		sig = probe_read(p, &v);
		if (!sig)
			fuzz_fail(f, "read at %#llx succeeded (%#x), the model holds no page there",
				  (unsigned long long)addr, v);
		if (sig != SIGSEGV)
			fuzz_fail(f, "read at %#llx raised signal %d, want SIGSEGV",
				  (unsigned long long)addr, sig);
		if (chance(&f->rng, 250) && !probe_write(p, 0))
			fuzz_fail(f, "write at %#llx succeeded, the model holds no page there",
				  (unsigned long long)addr);
		return;
	}
	if (probe_read(p, &v))
		fuzz_fail(f, "read at %#llx faulted (%s byte of a page of protection %d)",
			  (unsigned long long)addr, live ? "live" : "free", pi);
	if (v != want)
		fuzz_fail(f, "%#llx reads %#x, want %#x (%s byte, protection %d)",
			  (unsigned long long)addr, v, want,
			  live ? "live" : "free", pi);
	if (!probe_write(p, v) != (pi == PI_RW))
		fuzz_fail(f, "write at %#llx (protection %d) %s",
			  (unsigned long long)addr, pi,
			  pi == PI_RW ? "faulted" : "succeeded");
	if (pi == PI_RX && !live && chance(&f->rng, 300)) {
		sig = probe_call(p, &ret);
		if (sig != SIGTRAP)
			fuzz_fail(f, "calling free code at %#llx: signal %d, want SIGTRAP",
				  (unsigned long long)addr, sig);
		f->stat[ST_TRAP]++;
	}
}

/*
 * A write forced through /proc/self/mem (FOLL_FORCE, as ptrace does)
 * reaches R|W pages only: R and code mappings have no VM_MAYWRITE.
 */
void check_forced_write(struct fuzz *f, uint64_t addr)
{
	uint8_t want;
	ssize_t n;
	bool live;
	int pi;

	if (f->memfd < 0 || !model_byte(f, addr, &want, &pi, &live))
		return;
	n = pwrite(f->memfd, &want, 1, (off_t)addr);
	if ((n == 1) != (pi == PI_RW))
		fuzz_fail(f, "write through /proc/self/mem at %#llx (protection %d): %s",
			  (unsigned long long)addr, pi,
			  n == 1 ? "succeeded" : strerror(errno));
	if (n != 1 && errno != EIO && errno != EFAULT)
		fuzz_fail(f, "write through /proc/self/mem at %#llx: %s, want EIO or EFAULT",
			  (unsigned long long)addr, strerror(errno));
}

/* The ends and a few addresses of a range. */
void check_range(struct fuzz *f, uint64_t addr, uint64_t len)
{
	int i;

	if (!len)
		return;
	check_addr(f, addr);
	check_addr(f, addr + len - 1);
	for (i = 0; i < 2; i++)
		check_addr(f, addr + rnd_below(&f->rng, len));
}
