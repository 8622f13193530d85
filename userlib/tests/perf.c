// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Profiling: jitmem_perf_enable(), jitmem_perf_code(), JITMEM_PERF.  The
 * jitdump and the perf map are read back and checked field by field; off,
 * the calls make no system call (a seccomp filter kills the process at the
 * first one) and allocate nothing (malloc and friends are wrapped at link
 * time: -Wl,--wrap, see the Makefile).  The VM test examples/check-jittools
 * runs perf itself on them.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "helpers.h"

/* Allocations by the library (and this test) since the last reset. */
static unsigned long allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);

void *__wrap_malloc(size_t n)
{
	__atomic_add_fetch(&allocs, 1, __ATOMIC_RELAXED);
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	__atomic_add_fetch(&allocs, 1, __ATOMIC_RELAXED);
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	__atomic_add_fetch(&allocs, 1, __ATOMIC_RELAXED);
	return __real_realloc(p, n);
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
	__atomic_add_fetch(&allocs, 1, __ATOMIC_RELAXED);
	return __real_posix_memalign(p, align, n);
}

#define JD_MAGIC	0x4A695444
#define JD_LOAD		0
#define JD_CLOSE	3

struct jd_header {
	uint32_t magic, version, total_size, elf_mach, pad1, pid;
	uint64_t timestamp, flags;
};

struct jd_load {
	uint32_t id, total_size;
	uint64_t timestamp;
	uint32_t pid, tid;
	uint64_t vma, code_addr, code_size, code_index;
};

struct jd_rec {
	struct jd_load h;
	const char *name;
	const unsigned char *code;
};

struct jd {
	char *buf;
	size_t len;
	struct jd_header hdr;
	struct jd_rec recs[1024];
	size_t nrecs;
	int closed;		/* a JIT_CODE_CLOSE record ends it */
};

static char *slurp(const char *path, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((got = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)got;
		if (n == cap) {
			char *b = realloc(buf, cap *= 2);

			if (!b) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = b;
		}
	}
	close(fd);
	*len = n;
	return buf;
}

/* Parse a whole jitdump: 0, or the offset of the first bad byte + 1. */
static long jd_parse(struct jd *d, const char *path)
{
	size_t off;

	memset(d, 0, sizeof(*d));
	d->buf = slurp(path, &d->len);
	if (!d->buf || d->len < sizeof(d->hdr))
		return 1;
	memcpy(&d->hdr, d->buf, sizeof(d->hdr));
	for (off = d->hdr.total_size; off < d->len;) {
		struct jd_load h = { 0 };
		struct jd_rec *r;
		size_t name_len;

		if (d->closed || d->len - off < 16)
			return (long)off + 1;
		memcpy(&h, d->buf + off, 16);
		if (h.total_size < 16 || h.total_size > d->len - off)
			return (long)off + 1;
		if (h.id == JD_CLOSE && h.total_size == 16) {
			d->closed = 1;
			off += 16;
			continue;
		}
		if (h.id != JD_LOAD || h.total_size < sizeof(h) || d->nrecs == 1024)
			return (long)off + 1;
		memcpy(&h, d->buf + off, sizeof(h));
		r = &d->recs[d->nrecs++];
		r->h = h;
		r->name = d->buf + off + sizeof(h);
		name_len = strnlen(r->name, h.total_size - sizeof(h));
		if (sizeof(h) + name_len + 1 + h.code_size != h.total_size)
			return (long)off + 1;
		r->code = (const unsigned char *)r->name + name_len + 1;
		off += h.total_size;
	}
	return 0;
}

/* The one jit-PID.dump under DIR/.debug/jit/jitmem.* */
static int jd_find(const char *dir, char *out, size_t len)
{
	char cmd[512];
	FILE *f;
	int ret;

	snprintf(cmd, sizeof(cmd), "ls -d %s/.debug/jit/jitmem.*/jit-%d.dump 2>/dev/null", dir,
		 (int)getpid());
	f = popen(cmd, "r");
	if (!f)
		return -1;
	ret = fgets(out, (int)len, f) ? 0 : -1;
	if (pclose(f) || ret)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	/* Exactly one. */
	return strchr(out, ' ') ? -1 : 0;
}

static int t_dumpdir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/jitmem-perf-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return setenv("JITDUMPDIR", dir, 1);
}

static void t_rmdir(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
}

static int t_init_code(struct jitmem *m, void *slab, const void *code, size_t len,
		       unsigned int group, void **key)
{
	struct jitmem_segment seg = {
		.addr = slab, .size = pg, .content = code, .content_size = len,
		.group = group,
	};
	struct jitmem_init_request req = { .segments = &seg, .nsegments = 1 };

	return jitmem_initialize(m, &req, key);
}

static int marker_mapped(const char *path)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, path) && strstr(line, " r-xp "))
			found = 1;
	fclose(f);
	return found;
}

static int jitdump_records(void)
{
	unsigned char code[16], code2[16];
	char dir[64], path[512];
	struct jitmem *m;
	void *slab, *key;
	struct jd d;
	size_t n, n2;

	T_OK(t_dumpdir(dir, sizeof(dir)));
	T_CHECK((m = t_setup(&slab)));
	n = t_code(code, 42);
	n2 = t_code(code2, 7);
	T_OK(t_init_code(m, slab, code, n, RX, &key));
	T_EQ(jitmem_perf_flags(m), 0);
	T_OK(jitmem_perf_enable(m, JITMEM_PERF_JITDUMP));
	T_EQ(jitmem_perf_flags(m), JITMEM_PERF_JITDUMP);
	T_OK(jd_find(dir, path, sizeof(path)));
	/* perf record learns of the dump from this mapping. */
	T_EQ(marker_mapped(path), 1);
	/* Bytes read from the code itself, then given by the caller. */
	T_OK(jitmem_perf_code(m, "forty_two", slab, n, NULL));
	T_OK(jitmem_perf_code(m, "seven", (char *)slab + 64, n2, code2));
	T_EQ(t_call(slab), 42);
	jitmem_close(m);
	T_EQ(marker_mapped(path), 0);

	T_EQ(jd_parse(&d, path), 0);
	T_EQ(d.hdr.magic, JD_MAGIC);
	T_EQ(d.hdr.version, 1);
	T_EQ(d.hdr.total_size, sizeof(d.hdr));
	T_EQ(d.hdr.pid, getpid());
	T_EQ(d.hdr.flags, 0);
#ifdef __x86_64__
	T_EQ(d.hdr.elf_mach, 62);	/* EM_X86_64 */
#endif
	T_EQ(d.nrecs, 2);
	T_CHECK(d.closed);
	T_CHECK(!strcmp(d.recs[0].name, "forty_two"));
	T_EQ(d.recs[0].h.vma, (uintptr_t)slab);
	T_EQ(d.recs[0].h.code_addr, (uintptr_t)slab);
	T_EQ(d.recs[0].h.code_size, n);
	T_EQ(d.recs[0].h.pid, getpid());
	T_EQ(d.recs[0].h.tid, gettid());
	T_EQ(d.recs[0].h.code_index, 0);
	T_OK(memcmp(d.recs[0].code, code, n));
	T_CHECK(!strcmp(d.recs[1].name, "seven"));
	T_EQ(d.recs[1].h.vma, (uintptr_t)slab + 64);
	T_EQ(d.recs[1].h.code_index, 1);
	T_OK(memcmp(d.recs[1].code, code2, n2));
	/* One clock, rising: perf inject orders the records by it. */
	T_CHECK(d.hdr.timestamp <= d.recs[0].h.timestamp);
	T_CHECK(d.recs[0].h.timestamp <= d.recs[1].h.timestamp);
	free(d.buf);
	t_rmdir(dir);
	return 0;
}

static int map_lines(void)
{
	char path[64], want[256];
	unsigned char code[16];
	struct jitmem *m;
	void *slab, *key;
	size_t n, len;
	char *buf;

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	unlink(path);
	T_CHECK((m = t_setup(&slab)));
	n = t_code(code, 1);
	T_OK(t_init_code(m, slab, code, n, RX, &key));
	T_OK(jitmem_perf_enable(m, JITMEM_PERF_MAP));
	T_OK(jitmem_perf_code(m, "one", slab, n, NULL));
	T_OK(jitmem_perf_code(m, "two words", (char *)slab + 16, 0x20, NULL));
	jitmem_close(m);
	T_CHECK((buf = slurp(path, &len)));
	snprintf(want, sizeof(want), "%lx %zx one\n%lx 20 two words\n", (unsigned long)slab, n,
		 (unsigned long)slab + 16);
	T_EQ(len, strlen(want));
	T_OK(memcmp(buf, want, len));
	free(buf);
	unlink(path);
	return 0;
}

/* JITMEM_PERF: at jitmem_open(); every executable Standard segment, named. */
static int env_describes_segments(void)
{
	struct jitmem_seg_request reqs[3] = {
		{ .group = RX, .size = 100, .align = 16 },
		{ .group = RO, .size = 8, .align = 8 },
		{ .group = RX | JITMEM_LIFETIME_FINALIZE, .size = 32, .align = 16 },
	};
	unsigned char code[16], data[8] = "rodata";
	char dir[64], path[512], name[64];
	struct jitmem_segment segs[2];
	struct jitmem_init_request req = { .segments = segs, .nsegments = 2 };
	struct jitmem_alloc *a;
	struct jitmem *m;
	void *slab, *key, *fin;
	struct jd d;
	size_t n, i, k;

	T_OK(t_dumpdir(dir, sizeof(dir)));
	T_OK(setenv("JITMEM_PERF", "jitdump", 1));
	T_CHECK((m = t_setup(&slab)));
	T_EQ(jitmem_perf_flags(m), JITMEM_PERF_JITDUMP | JITMEM_PERF_SEGMENTS);
	/* Set once: the program cannot enable it a second time. */
	T_EQ(jitmem_perf_enable(m, JITMEM_PERF_MAP), -EBUSY);
	n = t_code(code, 9);
	segs[0] = (struct jitmem_segment){
		.addr = slab, .size = pg, .content = code, .content_size = n,
		.group = RX };
	segs[1] = (struct jitmem_segment){
		.addr = (char *)slab + pg, .size = pg, .content = data, .content_size = sizeof(data),
		.group = RO };
	T_OK(jitmem_initialize(m, &req, &key));
	T_EQ(t_call(slab), 9);

	T_OK(jitmem_allocate(m, reqs, 3, &a));
	memset(jitmem_alloc_working(a, 0), 0xc3, 100);
	memset(jitmem_alloc_working(a, 2), 0x90, 32);
	T_OK(jitmem_alloc_finalize(a, NULL, 0, &fin, NULL));
	T_OK(jitmem_perf_code(m, "mine", slab, n, NULL));
	jitmem_close(m);

	T_OK(jd_find(dir, path, sizeof(path)));
	T_EQ(jd_parse(&d, path), 0);
	/*
	 * The code segment, the allocator's code (not its Finalize code), mine.
	 * The module maps the allocator's new slab r-x (a remap): the code
	 * segment is named again before the allocator's (renamed_after_remaps).
	 */
	k = JM_TEST_KERNEL;
	T_EQ(d.nrecs, 3 + k);
	snprintf(name, sizeof(name), "jitmem:0x%lx", (unsigned long)slab);
	for (i = 0; i <= k; i++) {
		T_CHECK(!strcmp(d.recs[i].name, name));
		T_EQ(d.recs[i].h.code_size, n);
		T_OK(memcmp(d.recs[i].code, code, n));
	}
	T_CHECK(!strncmp(d.recs[1 + k].name, "jitmem:0x", 9));
	T_EQ(d.recs[1 + k].h.code_size, 100);
	T_EQ(d.recs[1 + k].code[0], 0xc3);
	T_EQ(d.recs[1 + k].code[99], 0xc3);
	T_CHECK(!strcmp(d.recs[2 + k].name, "mine"));
	free(d.buf);
	unsetenv("JITMEM_PERF");
	t_rmdir(dir);
	return 0;
}

static int bad_input(void)
{
	char dir[64], longname[4200], missing[128];
	unsigned char code[16];
	struct jitmem *m;
	void *slab, *key;
	size_t n;
	int saved, devnull;

	T_OK(t_dumpdir(dir, sizeof(dir)));
	T_CHECK((m = t_setup(&slab)));
	n = t_code(code, 3);
	T_OK(t_init_code(m, slab, code, n, RX, &key));
	T_EQ(jitmem_perf_enable(NULL, JITMEM_PERF_JITDUMP), -EINVAL);
	T_EQ(jitmem_perf_enable(m, 0), -EINVAL);
	T_EQ(jitmem_perf_enable(m, JITMEM_PERF_SEGMENTS), -EINVAL);
	T_EQ(jitmem_perf_enable(m, JITMEM_PERF_JITDUMP | 8), -EINVAL);
	T_EQ(jitmem_perf_flags(NULL), 0);
	/* A JITDUMPDIR that does not exist: nothing is enabled. */
	snprintf(missing, sizeof(missing), "%s/none", dir);
	T_OK(setenv("JITDUMPDIR", missing, 1));
	T_EQ(jitmem_perf_enable(m, JITMEM_PERF_JITDUMP), -ENOENT);
	T_EQ(jitmem_perf_flags(m), 0);
	T_OK(setenv("JITDUMPDIR", dir, 1));

	/* Off: the arguments, nothing else. */
	T_EQ(jitmem_perf_code(NULL, "f", slab, n, NULL), -EINVAL);
	T_EQ(jitmem_perf_code(m, NULL, slab, n, NULL), -EINVAL);
	T_EQ(jitmem_perf_code(m, "f", NULL, n, NULL), -EINVAL);
	T_EQ(jitmem_perf_code(m, "f", slab, 0, NULL), -EINVAL);
	T_OK(jitmem_perf_code(m, "f", slab, n, NULL));

	T_OK(jitmem_perf_enable(m, JITMEM_PERF_JITDUMP | JITMEM_PERF_MAP));
	T_EQ(jitmem_perf_enable(m, JITMEM_PERF_JITDUMP), -EBUSY);
	T_EQ(jitmem_perf_code(m, "", slab, n, NULL), -EINVAL);
	T_EQ(jitmem_perf_code(m, "two\nlines", slab, n, NULL), -EINVAL);
	T_EQ(jitmem_perf_code(m, "f", (void *)(UINTPTR_MAX - 4), 16, code), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	T_EQ(jitmem_perf_code(m, longname, slab, n, NULL), -ENAMETOOLONG);
	longname[4096] = '\0';
	T_OK(jitmem_perf_code(m, longname, slab, n, NULL));
	jitmem_close(m);

	/* A bad JITMEM_PERF: said on stderr, the handle opens, profiling off. */
	T_OK(setenv("JITMEM_PERF", "perf", 1));
	fflush(stderr);
	saved = dup(2);
	devnull = open("/dev/null", O_WRONLY);
	T_CHECK(saved >= 0 && devnull >= 0 && dup2(devnull, 2) == 2);
	n = (size_t)t_open(&m);
	dup2(saved, 2);
	close(saved);
	close(devnull);
	T_EQ(n, 0);
	T_EQ(jitmem_perf_flags(m), 0);
	jitmem_close(m);
	unsetenv("JITMEM_PERF");
	snprintf(missing, sizeof(missing), "/tmp/perf-%d.map", (int)getpid());
	unlink(missing);
	t_rmdir(dir);
	return 0;
}

/*
 * In a child: the perf calls under a seccomp filter that kills the process
 * at any system call but exit_group; exits 0 if no allocation happened.
 */
static void calls_under_seccomp(struct jitmem *m, void *code, size_t n)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	unsigned long before;
	int i, bad = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		_exit(3);
	/* From here the first system call but exit_group() ends the process. */
	before = __atomic_load_n(&allocs, __ATOMIC_RELAXED);
	for (i = 0; i < 1000; i++) {
		bad |= jitmem_perf_flags(m) != 0;
		bad |= jitmem_perf_code(m, "f", code, n, NULL) != 0;
	}
	/* Not _exit(): a sanitizer's interceptor of it may make system calls. */
	syscall(SYS_exit_group, bad ? 2 : __atomic_load_n(&allocs, __ATOMIC_RELAXED) != before);
	_exit(4);
}

static int seccomp_run(struct jitmem *m, void *code, size_t n)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		calls_under_seccomp(m, code, n);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static int off_costs_nothing(void)
{
	unsigned char code[16];
	char dir[64], path[64];
	struct jitmem *m;
	void *slab, *key;
	int status;
	size_t n;

	unsetenv("JITMEM_PERF");
	T_CHECK((m = t_setup(&slab)));
	n = t_code(code, 5);
	T_OK(t_init_code(m, slab, code, n, RX, &key));
	status = seccomp_run(m, slab, n);
	T_CHECK(WIFEXITED(status));
	T_EQ(WEXITSTATUS(status), 0);
	jitmem_close(m);

	/* The check can fail: on, the same calls write, and the filter kills. */
	T_OK(t_dumpdir(dir, sizeof(dir)));
	T_CHECK((m = t_setup(&slab)));
	T_OK(t_init_code(m, slab, code, n, RX, &key));
	T_OK(jitmem_perf_enable(m, JITMEM_PERF_MAP));
	status = seccomp_run(m, slab, n);
	T_CHECK(WIFSIGNALED(status));
	T_EQ(WTERMSIG(status), SIGSYS);
	jitmem_close(m);
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	unlink(path);
	t_rmdir(dir);
	return 0;
}

/* ... and the allocation counter sees the allocations of a call that is on. */
static int on_allocates(void)
{
	unsigned char code[16];
	char dir[64];
	struct jitmem *m;
	void *slab, *key;
	unsigned long before;
	size_t n;

	T_OK(t_dumpdir(dir, sizeof(dir)));
	T_CHECK((m = t_setup(&slab)));
	n = t_code(code, 5);
	T_OK(t_init_code(m, slab, code, n, RX, &key));
	T_OK(jitmem_perf_enable(m, JITMEM_PERF_JITDUMP));
	before = allocs;
	T_OK(jitmem_perf_code(m, "f", slab, n, NULL));
	T_CHECK(allocs > before);
	jitmem_close(m);
	t_rmdir(dir);
	return 0;
}

#define NTHREADS 4
#define PER_THREAD 200

struct writer {
	struct jitmem *m;
	void *code;
	size_t n;
	int id, ret;
};

static void *writer(void *arg)
{
	struct writer *w = arg;
	char name[32];
	int i;

	for (i = 0; i < PER_THREAD && !w->ret; i++) {
		snprintf(name, sizeof(name), "t%d_%d", w->id, i);
		w->ret = jitmem_perf_code(w->m, name, w->code, w->n, NULL);
	}
	return NULL;
}

/* Threads write at once: every record whole, every index once. */
static int threads_write_whole_records(void)
{
	struct writer w[NTHREADS];
	pthread_t th[NTHREADS];
	char dir[64], path[512];
	unsigned char code[16];
	static char seen[NTHREADS * PER_THREAD];
	struct jitmem *m;
	void *slab, *key;
	static struct jd d;
	size_t n, i;

	T_OK(t_dumpdir(dir, sizeof(dir)));
	T_CHECK((m = t_setup(&slab)));
	n = t_code(code, 5);
	T_OK(t_init_code(m, slab, code, n, RX, &key));
	T_OK(jitmem_perf_enable(m, JITMEM_PERF_JITDUMP));
	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct writer){ m, slab, n, (int)i, 0 };
		T_OK(pthread_create(&th[i], NULL, writer, &w[i]));
	}
	for (i = 0; i < NTHREADS; i++) {
		T_OK(pthread_join(th[i], NULL));
		T_OK(w[i].ret);
	}
	jitmem_close(m);
	T_OK(jd_find(dir, path, sizeof(path)));
	T_EQ(jd_parse(&d, path), 0);
	T_EQ(d.nrecs, NTHREADS * PER_THREAD);
	for (i = 0; i < d.nrecs; i++) {
		T_CHECK(d.recs[i].h.code_index < NTHREADS * PER_THREAD);
		T_EQ(seen[d.recs[i].h.code_index]++, 0);
		T_EQ(d.recs[i].name[0], 't');
		T_OK(memcmp(d.recs[i].code, code, n));
	}
	free(d.buf);
	t_rmdir(dir);
	return 0;
}

/* A fork child's calls are refused: the dump belongs to the parent. */
static int fork_child_refused(void)
{
	unsigned char code[16];
	char dir[64];
	struct jitmem *m;
	void *slab, *key;
	int status;
	pid_t pid;
	size_t n;

	T_OK(t_dumpdir(dir, sizeof(dir)));
	T_CHECK((m = t_setup(&slab)));
	n = t_code(code, 5);
	T_OK(t_init_code(m, slab, code, n, RX, &key));
	T_OK(jitmem_perf_enable(m, JITMEM_PERF_JITDUMP));
	fflush(stdout);
	pid = fork();
	T_CHECK(pid >= 0);
	if (!pid)
		_exit(jitmem_perf_code(m, "f", slab, n, NULL) == -EPERM ? 0 : 1);
	T_EQ(waitpid(pid, &status, 0), pid);
	T_CHECK(WIFEXITED(status));
	T_EQ(WEXITSTATUS(status), 0);
	T_OK(jitmem_perf_code(m, "f", slab, n, NULL));
	jitmem_close(m);
	t_rmdir(dir);
	return 0;
}

/*
 * A protection change replaces the module's mappings, live code's included:
 * perf would take the range for /dev/jitmem again.  After an INITIALIZE that
 * remapped (QUERY's remaps moved), every live name is written again, in the
 * order named, later; freed code's names are not.  The module remaps when a
 * segment needs a protection its free run does not have (a read-only one in
 * the r-x run a code region leaves), not when the run has it already.  The
 * userspace backend has no such count: it never writes a name twice.
 */
static int page_init(struct jitmem *m, void *slab, size_t page, const void *content,
		     size_t len, unsigned int group, void **key)
{
	return t_init_code(m, (char *)slab + page * pg, content, len, group, key);
}

static int renamed_after_remaps(void)
{
	static const char *const want[] = {
		"f0", "f0", "f0", "f6_old", "f6", "f6_part", "f6", "f6_part",
	};
	unsigned char code[16], code6[16], data[8] = "ro";
	size_t n, n6, i, nrecs, k = JM_TEST_KERNEL;
	void *slab, *k0, *k2, *k4, *k6, *k8;
	char dir[64], path[512];
	struct jitmem *m;
	static struct jd d;
	char *page6;

	T_OK(t_dumpdir(dir, sizeof(dir)));
	T_CHECK((m = t_setup(&slab)));
	T_OK(jitmem_perf_enable(m, JITMEM_PERF_JITDUMP));
	T_OK(jd_find(dir, path, sizeof(path)));
	n = t_code(code, 10);
	n6 = t_code(code6, 16);
	page6 = (char *)slab + 6 * pg;

	T_OK(page_init(m, slab, 0, code, n, RX, &k0));
	T_OK(jitmem_perf_code(m, "f0", slab, n, NULL));
	/* Read-only data in the code's r-x run: remapped, f0 again. */
	T_OK(page_init(m, slab, 2, data, sizeof(data), RO, &k2));
	T_EQ(jd_parse(&d, path), 0);
	T_EQ(d.nrecs, 1 + k);
	free(d.buf);
	/* The run is r-- now: nothing remapped, nothing written. */
	T_OK(page_init(m, slab, 4, data, sizeof(data), RO, &k4));
	T_EQ(jd_parse(&d, path), 0);
	T_EQ(d.nrecs, 1 + k);
	free(d.buf);
	/* Code in the r-- run: f0 again; then names of one range, the last wins. */
	T_OK(page_init(m, slab, 6, code6, n6, RX, &k6));
	T_OK(jitmem_perf_code(m, "f6_old", page6, n6, NULL));
	T_OK(jitmem_perf_code(m, "f6", page6, n6, NULL));
	T_OK(jitmem_perf_code(m, "f6_part", page6, 2, NULL));
	/* f0's code is freed: a remap writes f6's names only. */
	T_OK(jitmem_deinitialize(m, k0));
	T_OK(page_init(m, slab, 8, data, sizeof(data), RW, &k8));
	T_EQ(t_call(page6), 16);

	T_EQ(jd_parse(&d, path), 0);
	nrecs = k ? 8 : 4;
	T_EQ(d.nrecs, nrecs);
	for (i = 0; i < nrecs; i++) {
		const struct jd_rec *r = &d.recs[i];
		const char *name = k ? want[i] : want[i ? i + 2 : 0];
		int f0 = !strcmp(name, "f0");

		T_CHECK(!strcmp(r->name, name));
		T_EQ(r->h.code_index, i);
		T_EQ(r->h.tid, gettid());
		T_EQ(r->h.code_addr, (uintptr_t)(f0 ? slab : page6));
		T_EQ(r->h.code_size, f0 ? n : !strcmp(name, "f6_part") ? 2 : n6);
		T_OK(memcmp(r->code, f0 ? code : code6, r->h.code_size));
		T_CHECK(!i || d.recs[i - 1].h.timestamp <= r->h.timestamp);
	}
	free(d.buf);
	jitmem_close(m);
	t_rmdir(dir);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(jitdump_records),
	T_CASE(map_lines),
	T_CASE(env_describes_segments),
	T_CASE(bad_input),
	T_CASE(off_costs_nothing),
	T_CASE(on_allocates),
	T_CASE(threads_write_whole_records),
	T_CASE(fork_child_refused),
	T_CASE(renamed_after_remaps),
};

T_MAIN("perf_" T_BACKEND, cases)
