// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmem-fuzz: seeded random ioctls and memory operations on /dev/jitmem,
 * checked against a model.  Prints TAP, one test point per epoch.
 *
 * usage: jitmem-fuzz [-s SEED] [-n CALLS] [-N] [-E EPOCHS] [-e EPOCH]
 *                    [-j JOBS] [-v FROM_CALL] [-t SECONDS] [-T SECONDS]
 *                    [-m MAX_EMPTY_BYTES]
 *
 * -n is the total number of calls, split over -E epochs (default 10); each
 * epoch is a child process, so a crash is reported with its seed, epoch
 * and call number, and "-s SEED -e EPOCH -n CALLS -v FROM" replays it with
 * a log of every call from FROM.  Address space randomization is turned
 * off (the program re-executes itself) so that a seed replays exactly.
 * -j runs that many epochs at once (one per CPU keeps a slow kernel busy).
 * -T bounds the whole run in time: each epoch stops early (and says how far
 * it got) when its share is spent; -t kills an epoch that hangs.  -N makes
 * the -n calls a requirement: one more test point fails when -T stopped
 * the run short of them (and -T is then one deadline for all epochs, not
 * a share each).  JITMEM_FUZZ_CALLS, JITMEM_FUZZ_SECONDS,
 * JITMEM_FUZZ_SEED, JITMEM_FUZZ_JOBS and JITMEM_FUZZ_REQUIRED=1 set the
 * defaults of -n, -T, -s, -j and -N (for runners that cannot pass
 * arguments).
 *
 * -m sets the module's max_empty_bytes for the run (and puts the old value
 * back after it): a small value makes reclaims of empty pages frequent.
 * Without -m, the last fifth of the epochs (rounded up) run
 * with SMALL_EMPTY once the others have ended, so that reclaims and the
 * tidies after them are part of every run; "-e" replays an epoch with the
 * value it ran with.
 *
 * The last comment lines say what the run exercised (sub-page regions,
 * shared pages, remaps, reclaims, ...; all predicted and checked) and how
 * many calls a second it made.  JITMEM_FUZZ_DUMP=1 prints the model of a
 * failing epoch.  JITMEM_FUZZ_PARANOID=1 checks every counter and mapping
 * after every step, to find the first call the model gets wrong.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define DEV		"/dev/jitmem"
#define PARAMS		"/sys/module/jitmem/parameters/"
#define SMALL_EMPTY	"16384"	/* max_empty_bytes of the last epochs */

/* Shared with the epoch processes, for reports after a crash. */
struct shared {
	uint64_t call;
	uint64_t ok;
	uint64_t errs;
	uint64_t inits;
	uint64_t stat[ST_NR];
};

static const char *const stat_names[ST_NR] = {
	[ST_SUBPAGE] = "sub-page regions",
	[ST_SHARED] = "into held pages",
	[ST_REMAP] = "remaps",
	[ST_PAGE_BUSY] = "page EBUSY",
	[ST_REQ_SHARE] = "page EINVAL",
	[ST_UNDO] = "remaps undone",
	[ST_ENOEXEC] = "ENOEXEC",
	[ST_RECLAIM] = "reclaims",
	[ST_TIDY] = "tidied",
	[ST_UNMAP_DROP] = "regions unmapped",
	[ST_HOLE_FILL] = "holes filled",
	[ST_TRAP] = "int3 traps",
	[ST_MOVE] = "moves refused",
	[ST_FORK] = "forks",
};

static void print_stats(const char *what, const uint64_t *st)
{
	char line[512];
	int i, n;

	n = snprintf(line, sizeof(line), "# %s:", what);
	for (i = 0; i < ST_NR && n < (int)sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, "%s %llu %s",
			      i ? "," : "", (unsigned long long)st[i],
			      stat_names[i]);
	printf("%s\n", line);
}

#define MAX_JOBS	16

static struct shared *shared;	/* one per epoch */
static time_t stop_at;		/* with -N and -T: when the whole run stops */

static bool read_param(const char *name, uint64_t *val)
{
	char path[128], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	if (buf[0] == 'Y' || buf[0] == 'N') {
		*val = buf[0] == 'Y';
		return true;
	}
	*val = strtoull(buf, NULL, 0);
	return true;
}

/* Set a module parameter; its old value goes to @old when asked. */
static int write_param(const char *name, const char *val, char *old,
		       size_t oldsz)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("# %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (old) {
		n = read(fd, old, oldsz - 1);
		old[n > 0 ? n : 0] = 0;
	}
	n = pwrite(fd, val, strlen(val), 0);
	close(fd);
	if (n < 0)
		printf("# %s: %s\n", path, strerror(errno));
	return n < 0 ? -1 : 0;
}

static int read_limits(struct fuzz *f)
{
	struct jitmem_version v = { .size = sizeof(v) };
	struct limits *l = &f->lim;
	struct statvfs st;
	uint64_t reuse = 1, segs = 64, batch = 4096;
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, JITMEM_IOC_VERSION, &v)) {
		printf("# %s: %s\n", DEV, strerror(errno));
		return -1;
	}
	close(fd);
	l->features = v.features;
	l->granule = v.features & JITMEM_FEATURE_SUBPAGE ? v.granule : v.page_size;
	/* the module's defaults, unless its parameters say otherwise */
	l->max_reserved_bytes = 64ULL << 30;
	l->max_initialized_bytes = 4ULL << 30;
	l->max_empty_bytes = 1 << 20;
	l->known = read_param("max_reserved_bytes", &l->max_reserved_bytes) &&
		   read_param("max_initialized_bytes",
			      &l->max_initialized_bytes) &&
		   read_param("max_segments", &segs) &&
		   read_param("max_batch", &batch) &&
		   read_param("max_empty_bytes", &l->max_empty_bytes);
	l->max_segments = segs;
	l->max_batch = batch;
	read_param("exec_reuse", &reuse);
	l->exec_reuse = reuse;
	l->dev_noexec = !statvfs(DEV, &st) && (st.f_flag & ST_ENOEXEC);
	return 0;
}

static void *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

/* All scratch memory, with guard pages after the arg page and the pool. */
static void map_scratch(struct fuzz *f)
{
	struct scratch *s = &f->s;
	long pg = f->page;
	int i;

	s->arg = map(2 * pg, PROT_READ | PROT_WRITE);
	s->guard = s->arg + pg;
	mprotect(s->guard, pg, PROT_NONE);
	s->ro = map(pg, PROT_READ);
	s->pool = map(POOL_SIZE + pg, PROT_READ | PROT_WRITE);
	for (i = 0; i < POOL_SIZE; i++)
		s->pool[i] = (uint8_t)(i * 131 + 7);
	/* mov eax, imm32 (the stub's offset); ret */
	for (i = 0; i < NFUNCS; i++) {
		uint8_t *p = s->pool + i * FUNC_STRIDE;
		uint32_t off = i * FUNC_STRIDE;

		p[0] = 0xb8;
		memcpy(p + 1, &off, 4);
		p[5] = 0xc3;
	}
	mprotect(s->pool + POOL_SIZE, pg, PROT_NONE);
	s->segbuf_size = 64 * 1024;
	s->segbuf = map(s->segbuf_size, PROT_READ | PROT_WRITE);
	s->items = map(4096 * sizeof(uint64_t), PROT_READ | PROT_WRITE);
	s->results = map(4096 * sizeof(int32_t), PROT_READ | PROT_WRITE);
	s->maps_size = 4 << 20;
	s->maps = map(s->maps_size, PROT_READ | PROT_WRITE);
	s->mdst = map(MSCRATCH_PAGES * pg, PROT_NONE);
	s->chunks = mmap(NULL, NCHUNKS * sizeof(struct chunk),
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s->chunks == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	s->chunk_free = map(NCHUNKS * sizeof(int32_t), PROT_READ | PROT_WRITE);
}

static int open_ctx(struct fuzz *f, struct ctx *c)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fuzz_fail(f, "open %s: %s", DEV, strerror(errno));
	model_reset(f, c, fd);
	return fd;
}

/* Close a context, releasing everything first or leaving it mapped. */
static void close_ctx(struct fuzz *f, struct ctx *c, bool release)
{
	int i;

	if (release) {
		release_all(f, c);
		query_check(f, c);
		close(c->fd);
		return;
	}
	/*
	 * Close with live regions: the mappings keep the context alive, and
	 * the regions usable, until they go (here, one munmap() each).
	 */
	close(c->fd);
	f->call++;
	if (c->nregions)
		check_region(f, c, &c->regions[c->rlist[0]], false);
	for (i = c->nvmas - 1; i >= 0; i--)
		if (munmap((void *)(uintptr_t)c->vmas[i].start,
			   c->vmas[i].end - c->vmas[i].start))
			fuzz_fail(f, "munmap: %s", strerror(errno));
	model_reset(f, c, -1);
}

/* Without JITMEM_FEATURE_MEMMAP every memory-map command is ENOTTY. */
static void step_skeleton(struct fuzz *f, struct ctx *c)
{
	static const unsigned long cmds[] = {
		JITMEM_IOC_RESERVE, JITMEM_IOC_INITIALIZE,
		JITMEM_IOC_DEINITIALIZE, JITMEM_IOC_RELEASE, JITMEM_IOC_QUERY,
	};

	switch (rnd_below(&f->rng, 3)) {
	case 0:
		op_version(f, c);
		break;
	case 1:
		op_bad_cmd(f, c);
		break;
	default:
		expect(f, "memory-map ioctl without the feature",
		       fuzz_ioctl(f, c->fd, cmds[rnd_below(&f->rng, 5)],
				  f->s.arg), E(ENOTTY), false);
	}
}

static void step(struct fuzz *f, struct ctx *c)
{
	unsigned int w = rnd_below(&f->rng, 1000);

	if (w < 60)
		c->nslabs < MAX_SLABS - 1 && vma_room(f, 4) ?
			op_reserve(f, c) : op_release(f, c);
	else if (w < 330)
		c->nregions < MAX_REGIONS - 1 &&
		c->nlive <= MAX_LIVE - MAX_SEGS &&
		vma_room(f, 2 * MAX_SEGS + 2) ?
			op_initialize(f, c) : op_deinitialize(f, c);
	else if (w < 500)
		op_deinitialize(f, c);
	else if (w < 540)
		op_release(f, c);
	else if (w < 590)
		op_query(f, c);
	else if (w < 605)
		op_version(f, c);
	else if (w < 630)
		op_bad_cmd(f, c);
	else if (w < 645)
		op_munmap(f, c);
	else if (w < 670)
		op_mprotect(f, c);
	else if (w < 710)
		op_madvise(f, c);
	else if (w < 720)
		op_mremap(f, c);
	else if (w < 900)
		op_access(f, c);
	else if (w < 901) {
		fuzz_log(f, "fork");
		op_fork(f, c);
	} else if (w < 902) {
		fuzz_log(f, "reopen");
		close_ctx(f, c, chance(&f->rng, 500));
		open_ctx(f, c);
	} else if (c->nregions) {
		f->call++;
		fuzz_log(f, "check region %d", c->nregions);
		check_region(f, c,
			     &c->regions[c->rlist[rnd_below(&f->rng, c->nregions)]],
			     chance(&f->rng, 200));
	}
}

static void run_epoch(struct fuzz *f)
{
	uint64_t inits = 0;
	int n;

	/* Hash (seed, epoch): nearby seeds or epochs share no stream. */
	f->rng.s = mix64(f->seed ^ mix64(f->epoch + 0x632be59bd9b4e019ULL));
	probe_init();
	f->memfd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	memset(f->ctx, 0, sizeof(f->ctx));
	for (n = 0; n < NCHUNKS; n++)
		f->s.chunk_free[n] = NCHUNKS - 1 - n;
	f->s.nfree = NCHUNKS;
	for (n = 0; n < NCTX; n++)
		open_ctx(f, &f->ctx[n]);
	while (f->call < f->ncalls &&
	       ((f->call & 255) || !f->deadline || time(NULL) < f->deadline)) {
		struct ctx *c = &f->ctx[rnd_below(&f->rng, NCTX)];
		uint64_t before = f->ok;

		if (f->lim.features & JITMEM_FEATURE_MEMMAP) {
			int nr = c->nregions;

			step(f, c);
			inits += c->nregions > nr && f->ok > before;
		} else {
			step_skeleton(f, c);
		}
		if (f->paranoid) {	/* uncounted: the same calls follow */
			uint64_t call = f->call, ok = f->ok;

			for (n = 0; n < NCTX; n++)
				query_check(f, &f->ctx[n]);
			check_maps(f);
			f->call = call;
			f->ok = ok;
		}
		if (!(f->call % 8192))
			check_regions(f, c, false);
		if (!(f->call % 1024))
			check_maps(f);
		if (!(f->call % 65536))
			check_no_wx(f);
		shared->call = f->call;
		shared->ok = f->ok;
		shared->errs = f->errs;
	}
	check_maps(f);
	for (n = 0; n < NCTX; n++) {
		check_regions(f, &f->ctx[n], true);
		close_ctx(f, &f->ctx[n], true);
	}
	check_no_wx(f);
	if (maps_jitmem(f))
		fuzz_fail(f, "mappings of %s left after releasing everything",
			  DEV);
	if ((f->lim.features & JITMEM_FEATURE_MEMMAP) && f->ncalls >= 1000 &&
	    !inits)
		fuzz_fail(f, "no INITIALIZE succeeded: the fuzzer is blind");
	shared->call = f->call;
	shared->ok = f->ok;
	shared->errs = f->errs;
	shared->inits = inits;
	memcpy(shared->stat, f->stat, sizeof(f->stat));
}

/* Start epoch @e in a child writing its progress to shared[@e]. */
static pid_t epoch_start(struct fuzz *f, unsigned int e, unsigned int timeout)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (!pid) {
		shared += e;
		f->epoch = e;
		if (f->budget)
			f->deadline = time(NULL) + f->budget;
		else if (stop_at)
			f->deadline = stop_at;
		alarm(timeout);
		run_epoch(f);
		_exit(0);
	}
	return pid;
}

/* Print the TAP line of epoch @e, ended with @status. */
static bool epoch_report(struct fuzz *f, unsigned int e, unsigned int tapno,
			 int status)
{
	const struct shared *sh = &shared[e];

	if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		printf("ok %u - epoch %u seed %#llx: %llu of %llu calls, %llu ioctls ok, %llu failed as expected, %llu regions initialized\n",
		       tapno, e, (unsigned long long)f->seed,
		       (unsigned long long)sh->call,
		       (unsigned long long)f->ncalls,
		       (unsigned long long)sh->ok,
		       (unsigned long long)sh->errs,
		       (unsigned long long)sh->inits);
		return true;
	}
	if (WIFSIGNALED(status))
		printf("# epoch %u killed by signal %d (%s) at call %llu\n"
		       "# replay: jitmem-fuzz -s %#llx -e %u -n %llu -v %llu\n",
		       e, WTERMSIG(status), strsignal(WTERMSIG(status)),
		       (unsigned long long)sh->call,
		       (unsigned long long)f->seed, e,
		       (unsigned long long)f->ncalls,
		       (unsigned long long)(sh->call > 20 ?
					    sh->call - 20 : 0));
	printf("not ok %u - epoch %u seed %#llx\n", tapno, e,
	       (unsigned long long)f->seed);
	return false;
}

/* Fixed addresses make a seed replay the same calls. */
static void no_aslr(char **argv)
{
	int pers = personality(0xffffffff);

	if (pers == -1 || (pers & ADDR_NO_RANDOMIZE) ||
	    getenv("JITMEM_FUZZ_ASLR"))
		return;
	if (personality(pers | ADDR_NO_RANDOMIZE) == -1)
		return;
	execv("/proc/self/exe", argv);
}

/* Run the epochs, @jobs at a time; print a TAP line as each one ends. */
static unsigned int run_epochs(struct fuzz *f, unsigned int from,
			       unsigned int epochs, unsigned int only,
			       unsigned int jobs, unsigned int timeout,
			       unsigned int *tapno, uint64_t *calls,
			       uint64_t *st)
{
	pid_t pids[MAX_JOBS];
	unsigned int ep[MAX_JOBS], next = from, running = 0, failed = 0;
	unsigned int i, j;
	int status;
	pid_t pid;

	for (;;) {
		while (running < jobs && next < epochs) {
			if (only != ~0U && next != only) {
				next++;
			} else if (stop_at && time(NULL) >= stop_at) {
				printf("ok %u - epoch %u # SKIP time budget spent\n",
				       ++*tapno, next++);
			} else {
				ep[running] = next;
				pids[running++] = epoch_start(f, next++,
							      timeout);
			}
		}
		if (!running)
			break;
		pid = wait(&status);
		if (pid < 0) {
			perror("wait");
			exit(1);
		}
		for (i = 0; i < running && pids[i] != pid; i++)
			;
		if (i == running)
			continue;
		failed += !epoch_report(f, ep[i], ++*tapno, status);
		*calls += shared[ep[i]].call;
		for (j = 0; j < ST_NR; j++)
			st[j] += shared[ep[i]].stat[j];
		running--;
		pids[i] = pids[running];
		ep[i] = ep[running];
	}
	return failed;
}

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	static struct fuzz f;
	unsigned int epochs = 10, only = ~0U, timeout = 1800, jobs = 1, runs;
	unsigned long total_time = 0;
	unsigned int failed = 0, tapno = 0, small;
	uint64_t total = 100000, calls = 0;
	uint64_t st[ST_NR] = { 0 };
	const char *max_empty = NULL;
	char old_empty[32] = "";
	struct timespec t0, t1;
	bool required = false;
	double secs;
	int opt;

	no_aslr(argv);
	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	f.seed = 0x6a69746d656dULL;
	f.verbose_from = ~0ULL;
	f.paranoid = getenv("JITMEM_FUZZ_PARANOID") != NULL;
	if (getenv("JITMEM_FUZZ_SEED"))
		f.seed = strtoull(getenv("JITMEM_FUZZ_SEED"), NULL, 0);
	if (getenv("JITMEM_FUZZ_CALLS"))
		total = strtoull(getenv("JITMEM_FUZZ_CALLS"), NULL, 0);
	if (getenv("JITMEM_FUZZ_SECONDS"))
		total_time = strtoul(getenv("JITMEM_FUZZ_SECONDS"), NULL, 0);
	if (getenv("JITMEM_FUZZ_JOBS"))
		jobs = strtoul(getenv("JITMEM_FUZZ_JOBS"), NULL, 0);
	if (getenv("JITMEM_FUZZ_REQUIRED"))
		required = atoi(getenv("JITMEM_FUZZ_REQUIRED")) != 0;
	while ((opt = getopt(argc, argv, "s:n:NE:e:j:v:t:T:m:")) != -1) {
		switch (opt) {
		case 's': f.seed = strtoull(optarg, NULL, 0); break;
		case 'n': total = strtoull(optarg, NULL, 0); break;
		case 'N': required = true; break;
		case 'E': epochs = strtoul(optarg, NULL, 0); break;
		case 'e': only = strtoul(optarg, NULL, 0); break;
		case 'j': jobs = strtoul(optarg, NULL, 0); break;
		case 'v': f.verbose_from = strtoull(optarg, NULL, 0); break;
		case 't': timeout = strtoul(optarg, NULL, 0); break;
		case 'T': total_time = strtoul(optarg, NULL, 0); break;
		case 'm': max_empty = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-s SEED] [-n CALLS] [-N] [-E EPOCHS] [-e EPOCH] [-j JOBS] [-v FROM] [-t SECONDS] [-T SECONDS] [-m MAX_EMPTY_BYTES]\n",
				argv[0]);
			return 2;
		}
	}
	if (!epochs)
		epochs = 1;
	if (only != ~0U && only >= epochs) {
		fprintf(stderr, "%s: epoch %u of %u\n", argv[0], only, epochs);
		return 2;
	}
	runs = only == ~0U ? epochs : 1;
	jobs = jobs < 1 ? 1 : jobs > MAX_JOBS ? MAX_JOBS : jobs;
	if (jobs > runs)
		jobs = runs;
	f.page = sysconf(_SC_PAGESIZE);
	while ((1L << f.pshift) < f.page)
		f.pshift++;
	f.ncalls = total / epochs;
	/*
	 * Each epoch gets its share of the time, @jobs of them at once; when
	 * the calls are required, all share one deadline instead, so time an
	 * epoch did not need goes to the others.
	 */
	if (required && total_time)
		stop_at = time(NULL) + total_time;
	else
		f.budget = total_time * jobs / runs;
	printf("TAP version 13\n1..%u\n", runs + required);
	if (max_empty && write_param("max_empty_bytes", max_empty, old_empty,
				     sizeof(old_empty))) {
		printf("not ok 1 - set max_empty_bytes to %s\n", max_empty);
		return 1;
	}
	if (read_limits(&f)) {
		printf("not ok 1 - open %s and read its version\n", DEV);
		return 1;
	}
	printf("# seed %#llx, %u epochs of %llu calls%s, %u at a time, features %#llx, granule %llu%s\n",
	       (unsigned long long)f.seed, epochs,
	       (unsigned long long)f.ncalls,
	       f.budget ? " or their time share" :
	       stop_at ? " or until the deadline" : "", jobs,
	       (unsigned long long)f.lim.features,
	       (unsigned long long)f.lim.granule,
	       f.lim.known ? "" : ", module parameters unknown (defaults assumed)");
	map_scratch(&f);
	shared = mmap(NULL, epochs * sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	small = max_empty || epochs < 2 ? epochs : epochs - (epochs + 4) / 5;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	failed = run_epochs(&f, 0, small, only, jobs, timeout, &tapno, &calls,
			    st);
	if (small < epochs && (only == ~0U || only >= small)) {
		if (write_param("max_empty_bytes", SMALL_EMPTY, old_empty,
				sizeof(old_empty))) {
			printf("not ok %u - set max_empty_bytes to %s\n",
			       ++tapno, SMALL_EMPTY);
			return 1;
		}
		max_empty = SMALL_EMPTY;
		f.lim.max_empty_bytes = strtoull(SMALL_EMPTY, NULL, 0);
		printf("# epochs %u to %u: max_empty_bytes %s\n", small,
		       epochs - 1, SMALL_EMPTY);
		failed += run_epochs(&f, small, epochs, only, jobs, timeout,
				     &tapno, &calls, st);
	}
	if (max_empty)
		write_param("max_empty_bytes", old_empty, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_stats("exercised", st);
	printf("# %llu calls in %.1f s: %.0f calls/s, %u at a time\n",
	       (unsigned long long)calls, secs, secs > 0 ? calls / secs : 0.0,
	       jobs);
	if (required) {
		uint64_t want = f.ncalls * runs;

		/* A time budget that stops the run short is a failure here. */
		printf("%s %u - %llu calls made, %llu required\n",
		       calls >= want ? "ok" : "not ok", runs + 1,
		       (unsigned long long)calls, (unsigned long long)want);
		failed += calls < want;
	}
	return failed ? 1 : 0;
}
