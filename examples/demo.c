// SPDX-License-Identifier: MIT
/*
 * jitmem-demo: the expression JIT on the kernel backend, step by step.
 * Every line is a check: a tick when jitmem behaved as documented.
 *
 * Environment: JITMEMCTL, a jitmemctl binary to show `jitmemctl stats`
 * (without it the handle's own QUERY counters are shown).
 * --tap prints the checks as TAP ("ok - ...") and the rest as comments.
 * Exit status: 0 when every check passed, 1 otherwise, 2 on setup errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expr.h"
#include "jit.h"
#include "mdwe.h"
#include "rawctx.h"

#define NFUNCS 3

static const char *const sources[NFUNCS] = {
	"(x*x + 3*x - 7) / 2",
	"x % 7 - 100 / (x + 1)",
	"-(x - 1000000007) * x",
};

static struct jitmem *m;
static const char *device;	/* m's node: /dev/jitmem or $JITMEM_DEVICE */
static struct jit_fn fns[NFUNCS];
static struct expr exprs[NFUNCS];
static int nok, nfail, nstep;
static int rawfd = -1;		/* a context of the parent, for the fork step */

static int tap;		/* --tap: "ok - ..." lines, the rest as comments */

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	if (tap)
		printf("%s - ", ok ? "ok" : "not ok");
	else
		printf("   %s ", ok ? "\u2713" : "\u2717");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("%s\n", ok || tap ? "" : "   <-- FAIL");
	if (ok)
		nok++;
	else
		nfail++;
}

static void note(const char *fmt, ...)
{
	va_list ap;

	printf(tap ? "# " : "     ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void step(const char *title)
{
	printf(tap ? "# %d. %s\n" : "\n%d. %s\n", ++nstep, title);
}

static const char *errname(int err)
{
	switch (err) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EIO: return "EIO";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	default: return strerror(err);
	}
}

/* Run all x in [-2, 4] through f and the interpreter. */
static int run_range(const struct jit_fn *f, const struct expr *e, char *out, size_t len)
{
	int64_t x;
	int same = 1, n = 0;

	for (x = -2; x <= 4; x++) {
		int64_t got = f->call(x);

		same &= got == expr_eval(e, x);
		n += snprintf(out + n, len - (size_t)n, " %" PRId64, got);
	}
	return same;
}

/* ---- counters ---------------------------------------------------------- */

static void show_query(void)
{
	struct jitmem_stats st;
	int ret = jitmem_get_stats(m, &st);

	if (ret) {
		check(0, "jitmem_stats (QUERY ioctl): %s", errname(-ret));
		return;
	}
	note("this handle (QUERY ioctl): %" PRIu64 " slab(s), %" PRIu64 " MiB reserved, %"
	     PRIu64 " region(s), %" PRIu64 " segment(s); R %" PRIu64 " B, RW %" PRIu64
	     " B, RX %" PRIu64 " B", st.slabs, st.reserved_bytes >> 20, st.regions,
	     st.segments, st.bytes_r, st.bytes_rw, st.bytes_rx);
}

/* `jitmemctl stats`, indented; 0 when it is not there. */
static int show_jitmemctl(void)
{
	const char *ctl = getenv("JITMEMCTL");
	char line[256];
	int fds[2], status;
	FILE *in;
	pid_t pid;

	if (!ctl || !*ctl || access(ctl, X_OK)) {
		note("(jitmemctl is not built: showing the QUERY counters only)");
		return 0;
	}
	fflush(stdout);
	if (pipe(fds))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execl(ctl, "jitmemctl", "stats", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	note("$ jitmemctl stats");
	while (in && fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = 0;
		note("%s", line);
	}
	if (in)
		fclose(in);
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && !WEXITSTATUS(status), "jitmemctl stats exited with %d",
	      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

/* ---- faults ------------------------------------------------------------ */

static sigjmp_buf fault_env;
static volatile sig_atomic_t fault_sig, fault_code;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	siglongjmp(fault_env, 1);
}

/* Store one byte at @p; the signal it raised, 0 if none. */
static int try_store(void *p)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO }, old;
	volatile uint8_t *q = p;

	fault_sig = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	if (!sigsetjmp(fault_env, 1))
		*q = 0xcc;		/* int3 */
	sigaction(SIGSEGV, &old, NULL);
	return fault_sig;
}

static const char *segv_code(int code)
{
	return code == SEGV_ACCERR ? "SEGV_ACCERR" : code == SEGV_MAPERR ? "SEGV_MAPERR" : "?";
}

/* ---- the steps ---------------------------------------------------------- */

static void show_maps(void)
{
	unsigned long lo, hi;
	char line[512], perms[8];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return;
	note("mappings of %s in /proc/self/maps (neighbours share one):", device);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, device) &&
		    sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3)
			note("  %012lx-%012lx %s %6lu KiB", lo, hi, perms, (hi - lo) >> 10);
	fclose(f);
}

static void step_compile(void)
{
	uint64_t calls = 0;
	char out[256];
	int i, ret;

	step("Compile expressions to x86-64 and install them with jitmem_allocate()");
	for (i = 0; i < NFUNCS; i++) {
		char err[128];

		if (expr_parse(&exprs[i], sources[i], err, sizeof(err), NULL)) {
			check(0, "parse %s: %s", sources[i], err);
			continue;
		}
		ret = jit_compile(m, &exprs[i], sources[i], &fns[i]);
		if (ret) {
			check(0, "compile %s: %s", sources[i], errname(-ret));
			continue;
		}
		ret = run_range(&fns[i], &exprs[i], out, sizeof(out));
		check(ret, "f(x) = %-24s f(-2..4) =%s  (%zu bytes at %p)", fns[i].source, out,
		      fns[i].code_size, (const void *)fns[i].code);
		calls += 7;
	}
	if (!fns[0].call)
		return;
	note("segments of the first: code %p r-x, constants %p r--, counter %p rw-",
	     (const void *)fns[0].code, (const void *)fns[0].consts,
	     (const void *)fns[0].calls);
	for (i = 0; i < NFUNCS; i++)
		calls -= fns[i].call ? *fns[i].calls : 0;
	check(!calls, "results equal the interpreter's; each function counted its calls "
	      "in its RW segment");
	show_maps();
}

static void step_write(void)
{
	const struct jit_fn *f = &fns[0];
	uint8_t before[16];
	char out[256];
	int sig, fd;

	step("The code cannot be written");
	memcpy(before, f->code, sizeof(before));
	sig = try_store((void *)f->code);
	check(sig == SIGSEGV, "store to the code at %p: %s (%s)", (const void *)f->code,
	      sig ? strsignal(sig) : "no fault", segv_code(fault_code));
	sig = try_store((void *)f->consts);
	check(sig == SIGSEGV, "store to the constants:   %s (%s)",
	      sig ? strsignal(sig) : "no fault", segv_code(fault_code));
	fd = open("/proc/self/mem", O_RDWR);
	if (fd >= 0) {
		ssize_t n = pwrite(fd, "\xcc", 1, (off_t)(uintptr_t)f->code);
		int err = n < 0 ? errno : 0;

		check(n < 0, "write through /proc/self/mem (what ptrace and debuggers use): %s",
		      n < 0 ? errname(err) : "written");
		close(fd);
	}
	check(!memcmp(before, f->code, sizeof(before)) &&
	      run_range(f, &exprs[0], out, sizeof(out)),
	      "the code is unchanged and still returns the same results");
}

static void try_mprotect(const char *what, const void *p, int prot, const char *pname)
{
	size_t page = jitmem_page_size(m);
	void *pg = (void *)((uintptr_t)p & ~(uintptr_t)(page - 1));
	int ret = mprotect(pg, page, prot), err = errno;

	check(ret && err == EACCES, "mprotect(%s, %s): %s", what, pname,
	      ret ? errname(err) : "allowed");
}

static void step_mprotect(void)
{
	step("mprotect() cannot add a permission");
	try_mprotect("code", fns[0].code, PROT_READ | PROT_WRITE, "PROT_READ|PROT_WRITE");
	try_mprotect("code", fns[0].code, PROT_READ | PROT_WRITE | PROT_EXEC,
		     "PROT_READ|PROT_WRITE|PROT_EXEC");
	try_mprotect("constants", fns[0].consts, PROT_READ | PROT_EXEC, "PROT_READ|PROT_EXEC");
	try_mprotect("counter", fns[0].calls, PROT_READ | PROT_WRITE | PROT_EXEC,
		     "PROT_READ|PROT_WRITE|PROT_EXEC");
}

static void step_counters(void)
{
	struct jitmem_stats st;

	step("Counters with the functions live (before: see 1.)");
	show_jitmemctl();
	show_query();
	check(!jitmem_get_stats(m, &st) && st.regions == NFUNCS && st.segments == 3 * NFUNCS &&
	      st.bytes_rx >= NFUNCS * jitmem_granule(m),
	      "%d regions of 3 segments each are accounted", NFUNCS);
}

/* Run @fn in a child; its checks are counted here.  Exit status: ok << 4 | fail. */
static void in_child(void (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		check(0, "fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		nok = nfail = 0;
		fn();
		fflush(stdout);
		_exit((nok > 15 ? 15 : nok) << 4 | (nfail > 15 ? 15 : nfail));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		check(0, "the child died: %s", WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "?");
		return;
	}
	nok += WEXITSTATUS(status) >> 4;
	nfail += WEXITSTATUS(status) & 15;
}

static void child_fork(void)
{
	struct jit_fn f;
	char out[256];
	int ret;

	check(run_range(&fns[0], &exprs[0], out, sizeof(out)),
	      "the child runs the code it inherited: f(-2..4) =%s", out);
	ret = jit_compile(m, &exprs[0], sources[0], &f);
	check(ret == -EPERM, "the child cannot use the parent's handle: %s",
	      ret ? errname(-ret) : "compiled");
	if (rawfd >= 0) {
		ret = -rawctx_query(rawfd);
		check(ret == EPERM, "nor the parent's context, fd inherited (QUERY ioctl): %s",
		      errname(ret));
	}
}

static void step_fork(void)
{
	step("fork(): the child keeps the code, not the handle");
	rawfd = open("/dev/jitmem", O_RDWR | O_CLOEXEC);
	in_child(child_fork);
	if (rawfd >= 0)
		close(rawfd);
}

static void child_mdwe(void)
{
	struct jitmem *um, *km;
	enum mdwe_how how;
	struct jit_fn f;
	char out[256];
	void *p;
	int ret;

	ret = mdwe_enable(&how);
	if (ret) {
		check(0, "enable MemoryDenyWriteExecute: %s", strerror(-ret));
		return;
	}
	if (how == MDWE_PRCTL)
		note("mechanism: prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN)");
	else
		note("mechanism: no PR_SET_MDWE on this kernel (EINVAL), so a seccomp filter with\n%s",
		     tap ? "# the rules of systemd's MemoryDenyWriteExecute=yes: mmap(W|X), mprotect(X)\n"
			   "# and shmat(SHM_EXEC) fail with EPERM" :
			   "     the rules of systemd's MemoryDenyWriteExecute=yes: mmap(W|X), mprotect(X)\n"
			   "     and shmat(SHM_EXEC) fail with EPERM");

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ret = p == MAP_FAILED ? errno : 0;
	check(p == MAP_FAILED, "plain JIT: mmap(PROT_READ|PROT_WRITE|PROT_EXEC): %s",
	      ret ? errname(ret) : "mapped");

	ret = jitmem_open(&um, JITMEM_OPEN_USERSPACE);
	if (!ret) {
		ret = jit_compile(um, &exprs[0], sources[0], &f);
		check(ret, "plain JIT: the same compiler on mmap(RW) + mprotect(RX): %s",
		      ret ? errname(-ret) : "compiled");
		if (!ret)
			jit_free(um, &f);
		jitmem_close(um);
	}

	ret = jitmem_open(&km, 0);
	if (ret) {
		check(0, "jitmem_open: %s", errname(-ret));
		return;
	}
	ret = jit_compile(km, &exprs[0], sources[0], &f);
	if (ret) {
		check(0, "jitmem JIT: %s", errname(-ret));
	} else {
		check(run_range(&f, &exprs[0], out, sizeof(out)),
		      "jitmem JIT: compiled and ran, f(-2..4) =%s", out);
		jit_free(km, &f);
	}
	jitmem_close(km);
}

static void step_mdwe(void)
{
	step("The same JIT under MemoryDenyWriteExecute (in a child process)");
	in_child(child_mdwe);
}

int main(int argc, char **argv)
{
	struct jitmem_backend_info info;
	struct stat stb;
	int i, ret;

	tap = argc > 1 && !strcmp(argv[1], "--tap");
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = jitmem_open_opts(&m, NULL, &info);
	if (ret) {
		fprintf(stderr, "jitmem-demo: cannot use %s: %s (%s)\n",
			info.device ? info.device : JITMEM_DEVICE_DEFAULT,
			jitmem_cause_str(info.cause), strerror(-ret));
		return 2;
	}
	device = info.device;
	printf("%sjitmem demo: an expression JIT on libjitmem, kernel backend", tap ? "# " : "");
	if (!stat(device, &stb))
		printf(" (%s mode %04o, uid %u gid %u)", device, stb.st_mode & 07777,
		       stb.st_uid, stb.st_gid);
	printf("\n");

	step("Counters before");
	show_jitmemctl();
	show_query();
	step_compile();
	if (fns[0].call) {
		step_write();
		step_mprotect();
		step_counters();
		step_fork();
	}
	step_mdwe();

	for (i = 0; i < NFUNCS; i++)
		if (fns[i].call && (ret = jit_free(m, &fns[i])))
			check(0, "jitmem_deallocate: %s", errname(-ret));
	jitmem_close(m);
	printf(tap ? "# jitmem demo: %d ok, %d failed\n" : "\njitmem demo: %d ok, %d failed\n",
	       nok, nfail);
	return nfail ? 1 : 0;
}
