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
 * opened O_APPEND (regular-file writes do not interleave); a short write
 * leaves the dump truncated and the writer off.
 *
 * When the module changes the protection of a range it replaces the
 * mappings there, neighbours with live code included; perf sees a new mmap
 * of /dev/jitmem over them, later than the ones perf inject makes of the
 * load records, and the code there loses its names.  So with jitdump on the
 * kernel backend the writer keeps what it named (name, range, bytes) until
 * that code is freed, and after each INITIALIZE asks the module how many
 * mappings it replaced (QUERY's remaps); when the count moved, it names
 * every live function again, with a later timestamp.  All of them, not
 * those of one range: QUERY does not say which, and remaps are rare (a
 * protection a slab's free pages did not have).  p->lock guards the names
 * and orders the timestamps against that count; no system call that can
 * block is made under it.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
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

/*
 * A load record kept to be written again, in p->names by address (a chain
 * of other sizes at the same address) and in p->order as named.
 */
struct jm_perf_name {
	struct jm_node node;
	struct jm_list link;
	struct jm_perf_name *same;	/* at the same address, another size */
	struct jm_jr_code_load rec;	/* followed by the name and the bytes */
};

struct jm_perf {
	unsigned int flags;
	pid_t pid;		/* the process that enabled it */
	int dump_fd;		/* -1: no jitdump */
	int map_fd;		/* -1: no perf map */
	void *marker;		/* the executable mapping of the dump perf sees */
	size_t marker_len;
	uint64_t next_index;	/* code_index of the next record (atomic) */
	int dump_broken;	/* a write was short: no more records (atomic) */
	bool renames;		/* names again after remaps (jitdump, kernel) */
	pthread_mutex_t lock;	/* what follows, when renames */
	struct jm_tree names;	/* struct jm_perf_name by address */
	struct jm_list order;	/* the same, as named */
	size_t names_bytes;	/* their records' bytes */
	uint64_t remaps;	/* the backend's count when last named */
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

static void jm_perf_name_free(struct jm_node *n, void *arg)
{
	struct jm_perf_name *e = jm_entry(n, struct jm_perf_name, node), *next;

	(void)arg;
	for (; e; e = next) {
		next = e->same;
		free(e);
	}
}

static void jm_perf_free(struct jm_perf *p, bool remove)
{
	if (p->renames) {
		jm_tree_clear(&p->names, jm_perf_name_free, NULL);
		pthread_mutex_destroy(&p->lock);
	}
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
	if (!ret && p->dump_fd >= 0 && m->ops->remaps) {
		/* Code named later is in mappings made after this count. */
		ret = m->ops->remaps(m, &p->remaps);
		if (!ret)
			ret = -pthread_mutex_init(&p->lock, NULL);
		p->renames = !ret;
		jm_list_init(&p->order);
	}
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

static void jm_perf_stamp(struct jm_perf *p, struct jm_jr_code_load *r, uint64_t now)
{
	r->p.timestamp = now;
	r->code_index = __atomic_fetch_add(&p->next_index, 1, __ATOMIC_RELAXED);
}

/* Under p->lock: e replaces a name of the same range; returns what to free. */
static struct jm_perf_name *jm_perf_name_add(struct jm_perf *p, struct jm_perf_name *e)
{
	struct jm_node *n = jm_tree_find(&p->names, e->rec.code_addr);
	struct jm_perf_name *head, *old, **pp;

	jm_list_add_tail(&p->order, &e->link);
	p->names_bytes += e->rec.p.total_size;
	e->node.key = e->rec.code_addr;
	e->same = NULL;
	if (!n) {
		jm_tree_insert(&p->names, &e->node);
		return NULL;
	}
	head = jm_entry(n, struct jm_perf_name, node);
	if (head->rec.code_size == e->rec.code_size) {
		old = head;
		e->same = old->same;
		jm_tree_remove(&p->names, &old->node);
		jm_tree_insert(&p->names, &e->node);
	} else {
		for (pp = &head->same; *pp; pp = &(*pp)->same)
			if ((*pp)->rec.code_size == e->rec.code_size)
				break;
		old = *pp;
		e->same = old ? old->same : NULL;
		*pp = e;
		if (!old)
			return NULL;
	}
	jm_list_del(&old->link);
	p->names_bytes -= old->rec.p.total_size;
	return old;
}

static int jm_perf_dump_code(struct jm_perf *p, const char *name, size_t name_len,
			     uintptr_t addr, size_t size, const void *code)
{
	size_t total = sizeof(struct jm_jr_code_load) + name_len + 1 + size;
	struct jm_perf_name *e = NULL, *old = NULL;
	struct jm_jr_code_load *r;
	int ret;

	if (__atomic_load_n(&p->dump_broken, __ATOMIC_RELAXED))
		return -EIO;
	if (size > UINT32_MAX || total > UINT32_MAX)
		return -E2BIG;	/* total_size is 32 bits */
	r = malloc(total);
	if (!r)
		return -ENOMEM;
	if (p->renames) {
		e = malloc(offsetof(struct jm_perf_name, rec) + total);
		if (!e) {
			free(r);
			return -ENOMEM;
		}
	}
	*r = (struct jm_jr_code_load){
		.p = { .id = JM_JIT_CODE_LOAD, .total_size = (uint32_t)total },
		.pid = (uint32_t)p->pid,
		.tid = (uint32_t)gettid(),
		.vma = addr,
		.code_addr = addr,
		.code_size = size,
	};
	memcpy(r + 1, name, name_len + 1);
	memcpy((char *)(r + 1) + name_len + 1, code, size);
	if (e) {
		memcpy(&e->rec + 1, r + 1, total - sizeof(*r));
		/*
		 * Stamped under the lock: a rename that did not see this name
		 * comes before it, so this record is later than the remap.
		 */
		pthread_mutex_lock(&p->lock);
		jm_perf_stamp(p, r, jm_perf_now());
		e->rec = *r;
		old = jm_perf_name_add(p, e);
		pthread_mutex_unlock(&p->lock);
		free(old);
	} else {
		jm_perf_stamp(p, r, jm_perf_now());
	}
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

/* Under p->lock: the names at n's address that reach [addr, end) go to *dead. */
static void jm_perf_take(struct jm_perf *p, struct jm_node *n, uintptr_t addr, uintptr_t end,
			 struct jm_perf_name **dead)
{
	struct jm_perf_name *e, *next, *keep = NULL, **tail = &keep;

	jm_tree_remove(&p->names, n);
	for (e = jm_entry(n, struct jm_perf_name, node); e; e = next) {
		next = e->same;
		e->same = NULL;
		if (e->rec.code_addr < end && e->rec.code_addr + e->rec.code_size > addr) {
			jm_list_del(&e->link);
			p->names_bytes -= e->rec.p.total_size;
			e->same = *dead;
			*dead = e;
		} else {
			*tail = e;
			tail = &e->same;
		}
	}
	if (keep)
		jm_tree_insert(&p->names, &keep->node);
}

/*
 * The code of [addr, addr + len) is freed: its names are not written again.
 * A name that starts below addr is found if it is the nearest one below.
 */
void jm_perf_forget(struct jitmem *m, uintptr_t addr, size_t len)
{
	struct jm_perf *p = jm_perf_get(m);
	struct jm_perf_name *dead = NULL, *next;
	uintptr_t end = addr + len;
	struct jm_node *n;

	if (!p || !p->renames)
		return;
	pthread_mutex_lock(&p->lock);
	n = jm_tree_floor(&p->names, addr);
	if (n && n->key < addr)
		jm_perf_take(p, n, addr, end, &dead);
	while ((n = jm_tree_ceil(&p->names, addr)) && n->key < end)
		jm_perf_take(p, n, addr, end, &dead);
	pthread_mutex_unlock(&p->lock);
	for (; dead; dead = next) {
		next = dead->same;
		free(dead);
	}
}

/*
 * After an INITIALIZE (it may have failed: its undo remaps too): if the
 * backend replaced mappings since we last looked, every live name again,
 * in the order named, in one write.
 */
static void jm_perf_rename(struct jitmem *m, struct jm_perf *p)
{
	uint32_t tid = (uint32_t)gettid();
	size_t cap = 0, len = 0;
	uint64_t remaps, now;
	struct jm_list *l;
	char *buf = NULL;

	if (getpid() != p->pid || __atomic_load_n(&p->dump_broken, __ATOMIC_RELAXED) ||
	    m->ops->remaps(m, &remaps))
		return;
	now = jm_perf_now();	/* later than every remap counted */
	pthread_mutex_lock(&p->lock);
	while (remaps > p->remaps && p->names_bytes > cap) {
		/* No allocation under the lock (malloc may mmap). */
		cap = p->names_bytes;
		pthread_mutex_unlock(&p->lock);
		free(buf);
		buf = malloc(cap);
		if (!buf)
			return;	/* the next INITIALIZE tries again */
		pthread_mutex_lock(&p->lock);
	}
	if (remaps > p->remaps) {
		p->remaps = remaps;
		jm_list_for_each(l, &p->order) {
			const struct jm_perf_name *e = jm_entry(l, struct jm_perf_name, link);
			struct jm_jr_code_load h = e->rec;

			h.tid = tid;
			jm_perf_stamp(p, &h, now);
			memcpy(buf + len, &h, sizeof(h));
			memcpy(buf + len + sizeof(h), &e->rec + 1, h.p.total_size - sizeof(h));
			len += h.p.total_size;
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (len && jm_perf_write_all(p->dump_fd, buf, len))
		__atomic_store_n(&p->dump_broken, 1, __ATOMIC_RELAXED);
	free(buf);
}

/*
 * After INITIALIZE, with profiling on: names again what remaps hid, then,
 * with JITMEM_PERF_SEGMENTS, each executable segment of segs[] (n is 0 when
 * the call failed) named by address.
 */
void jm_perf_installed(struct jitmem *m, const struct jm_seg *segs, size_t n)
{
	struct jm_perf *p = jm_perf_get(m);
	char name[40];
	size_t i;

	if (!p)
		return;
	if (p->renames)
		jm_perf_rename(m, p);
	if (!(p->flags & JITMEM_PERF_SEGMENTS))
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
