// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Profiling: describe code to perf(1).
 *
 * perf takes a mapping of /dev/jitmem for a mapping of that file: it never
 * reads /tmp/perf-PID.map for it (perf 6.1 reads the map for anonymous
 * memory only) and cannot read symbols from a device.  What works is
 * jitdump: records of code (address, size, name, bytes) in a file
 * jit-PID.dump that the process maps executable once, so that perf record
 * sees the mapping; perf inject --jit then makes an ELF file of each record
 * and an mmap event over the code's range.  The perf-PID.map writer is for
 * the userspace backend (anonymous memory) and other tools.
 *
 * Off, m->perf is NULL and costs one load: no system call, no allocation.
 * On, every record is built whole and written with one write(2) to a file
 * opened O_APPEND, so threads need no lock (regular-file writes do not
 * interleave); a short write leaves the dump truncated and the writer off.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define JM_PERF_MODES	(JITMEM_PERF_JITDUMP | JITMEM_PERF_MAP)
#define JM_PERF_FLAGS	(JM_PERF_MODES | JITMEM_PERF_SEGMENTS)
#define JM_PERF_NAME_MAX 4096

#if defined(__x86_64__)
#define JM_ELF_MACH EM_X86_64
#elif defined(__aarch64__)
#define JM_ELF_MACH EM_AARCH64
#elif defined(__riscv)
#define JM_ELF_MACH EM_RISCV
#elif defined(__powerpc64__)
#define JM_ELF_MACH EM_PPC64
#elif defined(__s390x__)
#define JM_ELF_MACH EM_S390
#elif defined(__i386__)
#define JM_ELF_MACH EM_386
#elif defined(__arm__)
#define JM_ELF_MACH EM_ARM
#endif

/* tools/perf/Documentation/jitdump-specification.txt, version 1 */
#define JM_JITDUMP_MAGIC	0x4A695444	/* "JiTD" */
#define JM_JITDUMP_VERSION	1
#define JM_JIT_CODE_LOAD	0
#define JM_JIT_CODE_CLOSE	3

struct jm_jitheader {
	uint32_t magic;
	uint32_t version;
	uint32_t total_size;
	uint32_t elf_mach;
	uint32_t pad1;
	uint32_t pid;
	uint64_t timestamp;
	uint64_t flags;
};

struct jm_jr_prefix {
	uint32_t id;
	uint32_t total_size;
	uint64_t timestamp;
};

/* Followed by the name (with its NUL) and the code bytes. */
struct jm_jr_code_load {
	struct jm_jr_prefix p;
	uint32_t pid;
	uint32_t tid;
	uint64_t vma;
	uint64_t code_addr;
	uint64_t code_size;
	uint64_t code_index;
};

_Static_assert(sizeof(struct jm_jitheader) == 40, "jitdump header layout");
_Static_assert(sizeof(struct jm_jr_code_load) == 56, "jitdump load record layout");

struct jm_perf {
	unsigned int flags;
	pid_t pid;		/* the process that enabled it */
	int dump_fd;		/* -1: no jitdump */
	int map_fd;		/* -1: no perf map */
	void *marker;		/* the executable mapping of the dump perf sees */
	size_t marker_len;
	uint64_t next_index;	/* code_index of the next record (atomic) */
	int dump_broken;	/* a write was short: no more records (atomic) */
	char dump_path[PATH_MAX];
};

static inline struct jm_perf *jm_perf_get(const struct jitmem *m)
{
	return __atomic_load_n(&m->perf, __ATOMIC_ACQUIRE);
}

static uint64_t jm_perf_now(void)
{
	struct timespec ts;

	/* perf record -k mono: the clock perf inject compares with. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One write(2) of all of it, or an error; a short write counts as -EIO. */
static int jm_perf_write_all(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int jm_perf_mkdir(const char *path)
{
	return mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
}

/*
 * $JITDUMPDIR/.debug/jit/jitmem.XXXXXX/jit-PID.dump, or under $HOME (or the
 * working directory), as perf's own JVMTI agent does: perf inject writes its
 * ELF files next to the dump, and the directory keeps handles apart.
 */
static int jm_perf_dump_path(struct jm_perf *p)
{
	const char *base = secure_getenv("JITDUMPDIR");
	char dir[PATH_MAX];
	int n, ret;

	if (!base || !*base)
		base = secure_getenv("HOME");
	if (!base || !*base)
		base = ".";
	n = snprintf(dir, sizeof(dir), "%s/.debug", base);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	ret = jm_perf_mkdir(dir);
	if (ret)
		return ret;
	n = snprintf(dir, sizeof(dir), "%s/.debug/jit", base);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	ret = jm_perf_mkdir(dir);
	if (ret)
		return ret;
	n = snprintf(dir, sizeof(dir), "%s/.debug/jit/jitmem.XXXXXX", base);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	if (!mkdtemp(dir))
		return -errno;
	n = snprintf(p->dump_path, sizeof(p->dump_path), "%s/jit-%d.dump", dir, (int)p->pid);
	if (n < 0 || (size_t)n >= sizeof(p->dump_path)) {
		rmdir(dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

static void jm_perf_dump_remove(struct jm_perf *p)
{
	char *slash = strrchr(p->dump_path, '/');

	unlink(p->dump_path);
	if (slash) {
		*slash = '\0';
		rmdir(p->dump_path);
	}
}

static int jm_perf_dump_open(struct jm_perf *p, size_t page_size)
{
#ifdef JM_ELF_MACH
	struct jm_jitheader h = {
		.magic = JM_JITDUMP_MAGIC,
		.version = JM_JITDUMP_VERSION,
		.total_size = sizeof(h),
		.elf_mach = JM_ELF_MACH,
		.pid = (uint32_t)p->pid,
	};
	int ret = jm_perf_dump_path(p);

	if (ret)
		return ret;
	p->dump_fd = open(p->dump_path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (p->dump_fd < 0) {
		ret = -errno;
		jm_perf_dump_remove(p);
		return ret;
	}
	h.timestamp = jm_perf_now();
	ret = jm_perf_write_all(p->dump_fd, &h, sizeof(h));
	if (!ret) {
		/* Executable, or perf record (without -d) would not see it. */
		p->marker = mmap(NULL, page_size, PROT_READ | PROT_EXEC, MAP_PRIVATE,
				 p->dump_fd, 0);
		if (p->marker == MAP_FAILED) {
			p->marker = NULL;
			ret = -errno;
		}
	}
	if (ret) {
		close(p->dump_fd);
		p->dump_fd = -1;
		jm_perf_dump_remove(p);
		return ret;
	}
	p->marker_len = page_size;
	return 0;
#else
	(void)p;
	(void)page_size;
	return -EOPNOTSUPP;
#endif
}

/* /tmp/perf-PID.map, where perf looks (not $TMPDIR); ours, not a link. */
static int jm_perf_map_open(struct jm_perf *p)
{
	char path[64];
	struct stat st;
	int ret;

	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)p->pid);
	p->map_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (p->map_fd < 0)
		return -errno;
	if (fstat(p->map_fd, &st))
		ret = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		ret = -EACCES;	/* perf would not read it either */
	else
		return 0;
	close(p->map_fd);
	p->map_fd = -1;
	return ret;
}

static void jm_perf_free(struct jm_perf *p, bool remove)
{
	if (p->marker)
		munmap(p->marker, p->marker_len);
	if (p->dump_fd >= 0) {
		close(p->dump_fd);
		if (remove)
			jm_perf_dump_remove(p);
	}
	if (p->map_fd >= 0)
		close(p->map_fd);
	free(p);
}

int jitmem_perf_enable(struct jitmem *m, unsigned int flags)
{
	struct jm_perf *p, *none = NULL;
	int ret;

	if (!m || (flags & ~JM_PERF_FLAGS) || !(flags & JM_PERF_MODES))
		return -EINVAL;
	ret = m->ops->check(m);
	if (ret)
		return ret;
	if (jm_perf_get(m))
		return -EBUSY;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->flags = flags;
	p->pid = getpid();
	p->dump_fd = -1;
	p->map_fd = -1;
	if (flags & JITMEM_PERF_JITDUMP)
		ret = jm_perf_dump_open(p, m->page_size);
	if (!ret && (flags & JITMEM_PERF_MAP))
		ret = jm_perf_map_open(p);
	if (!ret && !__atomic_compare_exchange_n(&m->perf, &none, p, false, __ATOMIC_RELEASE,
						 __ATOMIC_RELAXED))
		ret = -EBUSY;
	if (ret)
		jm_perf_free(p, true);
	return ret;
}

unsigned int jitmem_perf_flags(const struct jitmem *m)
{
	const struct jm_perf *p = m ? jm_perf_get(m) : NULL;

	return p ? p->flags : 0;
}

static int jm_perf_dump_code(struct jm_perf *p, const char *name, size_t name_len,
			     uintptr_t addr, size_t size, const void *code)
{
	size_t total = sizeof(struct jm_jr_code_load) + name_len + 1 + size;
	struct jm_jr_code_load *r;
	int ret;

	if (__atomic_load_n(&p->dump_broken, __ATOMIC_RELAXED))
		return -EIO;
	if (size > UINT32_MAX || total > UINT32_MAX)
		return -E2BIG;	/* total_size is 32 bits */
	r = malloc(total);
	if (!r)
		return -ENOMEM;
	*r = (struct jm_jr_code_load){
		.p = { .id = JM_JIT_CODE_LOAD, .total_size = (uint32_t)total,
		       .timestamp = jm_perf_now() },
		.pid = (uint32_t)p->pid,
		.tid = (uint32_t)gettid(),
		.vma = addr,
		.code_addr = addr,
		.code_size = size,
		.code_index = __atomic_fetch_add(&p->next_index, 1, __ATOMIC_RELAXED),
	};
	memcpy(r + 1, name, name_len + 1);
	memcpy((char *)(r + 1) + name_len + 1, code, size);
	ret = jm_perf_write_all(p->dump_fd, r, total);
	free(r);
	if (ret)
		__atomic_store_n(&p->dump_broken, 1, __ATOMIC_RELAXED);
	return ret;
}

static int jm_perf_map_code(struct jm_perf *p, const char *name, size_t name_len,
			    uintptr_t addr, size_t size)
{
	size_t cap = name_len + 2 * 16 + 4;
	char *line = malloc(cap);
	int n, ret;

	if (!line)
		return -ENOMEM;
	n = snprintf(line, cap, "%" PRIxPTR " %zx %s\n", addr, size, name);
	ret = n < 0 || (size_t)n >= cap ? -EIO : jm_perf_write_all(p->map_fd, line, (size_t)n);
	free(line);
	return ret;
}

static int jm_perf_code(struct jm_perf *p, const char *name, uintptr_t addr, size_t size,
			const void *code)
{
	size_t len = strnlen(name, JM_PERF_NAME_MAX + 1);
	int ret = 0, ret2 = 0;

	if (len > JM_PERF_NAME_MAX)
		return -ENAMETOOLONG;
	if (!len || memchr(name, '\n', len))
		return -EINVAL;
	if (addr + size < addr)
		return -EINVAL;
	/* The writer is the process's that enabled it, not a fork child's. */
	if (getpid() != p->pid)
		return -EPERM;
	if (p->dump_fd >= 0)
		ret = jm_perf_dump_code(p, name, len, addr, size, code);
	if (p->map_fd >= 0)
		ret2 = jm_perf_map_code(p, name, len, addr, size);
	return ret ?: ret2;
}

int jitmem_perf_code(struct jitmem *m, const char *name, const void *addr, size_t size,
		     const void *code)
{
	struct jm_perf *p;

	if (!m || !name || !addr || !size)
		return -EINVAL;
	p = jm_perf_get(m);
	if (!p)
		return 0;
	return jm_perf_code(p, name, (uintptr_t)addr, size, code ? code : addr);
}

/* JITMEM_PERF_SEGMENTS: each executable segment's content, named by address. */
void jm_perf_segs(struct jitmem *m, const struct jm_seg *segs, size_t n)
{
	struct jm_perf *p = jm_perf_get(m);
	char name[40];
	size_t i;

	if (!p || !(p->flags & JITMEM_PERF_SEGMENTS))
		return;
	for (i = 0; i < n; i++) {
		if (!(segs[i].group & JITMEM_PROT_X) || (segs[i].group & JITMEM_LIFETIME_FINALIZE) ||
		    !segs[i].content_size)
			continue;
		snprintf(name, sizeof(name), "jitmem:0x%" PRIxPTR, segs[i].addr);
		jm_perf_code(p, name, segs[i].addr, segs[i].content_size, segs[i].content);
	}
}

/*
 * JITMEM_PERF=jitdump, map or jitdump,map: for programs that do not call
 * jitmem_perf_enable().  Never fails jitmem_open(); a problem is said once
 * on stderr, since nobody else would learn of it.
 */
void jm_perf_open_env(struct jitmem *m)
{
	const char *v = secure_getenv("JITMEM_PERF"), *s, *e;
	unsigned int flags = JITMEM_PERF_SEGMENTS;
	int ret = -EINVAL;

	if (!v || !*v)
		return;
	for (s = v; *s; s = *e ? e + 1 : e) {
		e = strchrnul(s, ',');
		if (e - s == 7 && !strncmp(s, "jitdump", 7))
			flags |= JITMEM_PERF_JITDUMP;
		else if (e - s == 3 && !strncmp(s, "map", 3))
			flags |= JITMEM_PERF_MAP;
		else
			goto bad;
	}
	ret = jitmem_perf_enable(m, flags);
	if (!ret)
		return;
bad:
	fprintf(stderr, "libjitmem: JITMEM_PERF=%s: %s\n", v,
		ret == -EINVAL ? "expected jitdump, map or jitdump,map" : strerror(-ret));
}

void jm_perf_close(struct jitmem *m)
{
	struct jm_perf *p = jm_perf_get(m);
	struct jm_jr_prefix close_rec = { .id = JM_JIT_CODE_CLOSE, .total_size = sizeof(close_rec) };

	if (!p)
		return;
	if (p->dump_fd >= 0 && getpid() == p->pid &&
	    !__atomic_load_n(&p->dump_broken, __ATOMIC_RELAXED)) {
		close_rec.timestamp = jm_perf_now();
		jm_perf_write_all(p->dump_fd, &close_rec, sizeof(close_rec));
	}
	m->perf = NULL;
	jm_perf_free(p, false);
}
