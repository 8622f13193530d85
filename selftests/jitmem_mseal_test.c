// SPDX-License-Identifier: GPL-2.0-only
/*
 * mseal() (Linux 6.10+, x86_64 syscall 462) and jitmem.
 *
 * A hardened JIT may seal every other mapping of its process (text, data,
 * stack, libraries) so they can never be unmapped, remapped or have their
 * protection changed: jitmem must keep working beside them, since its slabs
 * are mapped by the module after the seal.  And a JIT may try to seal a
 * jitmem slab itself: what happens today is asserted here and documented in
 * Documentation/userspace-api/jitmem.rst ("Sealing").  On kernels without
 * mseal() every test is a SKIP, never a pass.
 */
#define _GNU_SOURCE
#include "kselftest_harness.h"
#include "jitmem_util.h"

#include <sys/syscall.h>

#ifndef __NR_mseal
#define __NR_mseal	462
#endif

#define VAL		0x5ea1

static int sys_mseal(void *addr, size_t len)
{
	return syscall(__NR_mseal, addr, len, 0UL) ? -errno : 0;
}

/* mseal() exists: sealing a fresh page works (ENOSYS before 6.10). */
static int mseal_supported(void)
{
	size_t pg = jm_pg();
	void *p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ret;

	if (p == MAP_FAILED)
		return -errno;
	ret = sys_mseal(p, pg);
	if (ret)
		munmap(p, pg);
	return ret;
}

#define SKIP_WITHOUT_MSEAL()						\
	do {								\
		int _r = mseal_supported();				\
		if (_r == -ENOSYS)					\
			SKIP(return, "no mseal() on this kernel (6.10+)"); \
		ASSERT_EQ(0, _r);					\
	} while (0)

struct seal_all_result {
	int sealed;		/* mappings sealed */
	int seal_err;		/* first mseal() error */
	int canary_munmap;	/* munmap() of a sealed page: -EPERM */
	int canary_mprotect;	/* mprotect() of it: -EPERM */
	int reserve, init_rx, init_rw, exec_sig, val, deinit, release;
	int wx_maps;
	struct jitmem_query q;
};

/* Seal every mapping of the process but [vsyscall], which is no VMA. */
static int seal_everything(struct seal_all_result *r)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long s[512], e[512];
	char line[512];
	int i, n = 0, ret;

	if (!f)
		return -errno;
	/* Collect first: sealing while reading would race with stdio. */
	while (n < 512 && fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vsyscall]"))
			continue;
		if (sscanf(line, "%lx-%lx", &s[n], &e[n]) == 2)
			n++;
	}
	fclose(f);
	for (i = 0; i < n; i++) {
		ret = sys_mseal(JM_PTR(s[i]), e[i] - s[i]);
		if (ret && !r->seal_err)
			r->seal_err = ret;
		if (!ret)
			r->sealed++;
	}
	return 0;
}

static int sealed_child(void *arg)
{
	struct seal_all_result *r = arg;
	unsigned char code[JM_CODE_LEN];
	size_t pg = jm_pg();
	__u64 slab = 0, key = 0, key2 = 0;
	void *canary;
	int fd;

	canary = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (canary == MAP_FAILED)
		return 1;
	jm_code(code, VAL);
	fd = jm_open();
	if (fd < 0 || seal_everything(r))
		return 1;
	r->canary_munmap = munmap(canary, pg) ? -errno : 0;
	r->canary_mprotect = mprotect(canary, pg, PROT_NONE) ? -errno : 0;

	r->reserve = jm_reserve(fd, 8 * pg, 0, 0, &slab);
	if (r->reserve)
		return 0;
	r->init_rx = jm_init1(fd, slab, pg, code, sizeof(code), JM_RX, &key);
	r->init_rw = jm_init1(fd, slab + 2 * pg, pg, code, sizeof(code), JM_RW,
			      &key2);
	if (!r->init_rx)
		r->exec_sig = jm_exec(slab, &r->val);
	r->wx_maps = jm_maps_wx();
	r->deinit = jm_deinit1(fd, key);
	if (!r->init_rw)
		jm_deinit1(fd, key2);
	r->release = jm_release1(fd, slab);
	jm_query(fd, &r->q);
	return 0;
}

TEST(sealed_process_uses_jitmem)
{
	struct seal_all_result *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int status;

	ASSERT_NE(MAP_FAILED, r);
	SKIP_WITHOUT_MSEAL();
	status = jm_in_child(sealed_child, r);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x", status);
	TH_LOG("sealed %d mappings", r->sealed);
	EXPECT_EQ(0, r->seal_err);
	EXPECT_LT(5, r->sealed);
	/* The seal is real: the process's own mappings cannot change. */
	EXPECT_EQ(-EPERM, r->canary_munmap);
	EXPECT_EQ(-EPERM, r->canary_mprotect);
	/* And jitmem works beside them. */
	EXPECT_EQ(0, r->reserve);
	EXPECT_EQ(0, r->init_rx);
	EXPECT_EQ(0, r->init_rw);
	EXPECT_EQ(0, r->exec_sig);
	EXPECT_EQ(VAL, r->val);
	EXPECT_EQ(0, r->wx_maps);
	EXPECT_EQ(0, r->deinit);
	EXPECT_EQ(0, r->release);
	EXPECT_EQ(0ULL, r->q.slabs);
	EXPECT_EQ(0ULL, r->q.regions);
	EXPECT_EQ(0ULL, r->q.reserved_bytes);
}

/*
 * A JIT seals a slab.  The seal freezes the slab's mappings as they are:
 * INITIALIZE writes into pages already mapped with the segment's
 * protection without touching the mappings, and only a protection change
 * remaps (the whole free run around the segment).  After an RX region at
 * page 0 the whole slab is one r-x mapping, so:
 *   - the code runs, and another RX region fits where the mapping is r-x;
 *   - a region of another protection needs a new mapping: EPERM, and
 *     nothing changes;
 *   - DEINITIALIZE works: it scrubs the code with int3 and keeps the page
 *     mapped (tidying it back to PROT_NONE would need a remap), so a call
 *     into it traps;
 *   - RELEASE cannot unmap: EPERM, the slab and its regions stay;
 *   - exit frees it all (vm-run checks the module's counters at unload).
 * Documentation/userspace-api/jitmem.rst, "Sealing", says the same.
 */
struct seal_slab_result {
	int seal, exec_sig, val;
	int init_rx, exec2_sig, val2;
	int init_rw;
	struct jitmem_query after_rw;
	int deinit, exec_gone_sig;
	int release;
	struct jitmem_query after_release;
	int exec_last_sig, val_last;
};

static int seal_slab_child(void *arg)
{
	struct seal_slab_result *r = arg;
	unsigned char code[JM_CODE_LEN];
	size_t pg = jm_pg();
	__u64 slab = 0, key = 0;
	int fd, v;

	jm_code(code, VAL);
	fd = jm_open();
	if (fd < 0 || jm_reserve(fd, 8 * pg, 0, 0, &slab) ||
	    jm_init1(fd, slab, pg, code, sizeof(code), JM_RX, &key))
		return 1;
	r->seal = sys_mseal(JM_PTR(slab), 8 * pg);
	r->exec_sig = jm_exec(slab, &r->val);
	r->init_rx = jm_init1(fd, slab + 4 * pg, pg, code, sizeof(code), JM_RX,
			      NULL);
	r->exec2_sig = jm_exec(slab + 4 * pg, &r->val2);
	r->init_rw = jm_init1(fd, slab + 6 * pg, pg, code, sizeof(code), JM_RW,
			      NULL);
	jm_query(fd, &r->after_rw);
	r->deinit = jm_deinit1(fd, key);
	r->exec_gone_sig = jm_exec(slab, &v);
	r->release = jm_release1(fd, slab);
	jm_query(fd, &r->after_release);
	r->exec_last_sig = jm_exec(slab + 4 * pg, &r->val_last);
	return 0;
}

TEST(seal_a_slab)
{
	struct seal_slab_result *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
					  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	__u64 pg = jm_pg();
	int status;

	ASSERT_NE(MAP_FAILED, r);
	SKIP_WITHOUT_MSEAL();
	status = jm_in_child(seal_slab_child, r);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x", status);
	TH_LOG("sealed slab: INITIALIZE RX %d, RW %d; DEINITIALIZE %d; RELEASE %d",
	       r->init_rx, r->init_rw, r->deinit, r->release);
	EXPECT_EQ(0, r->seal);
	EXPECT_EQ(0, r->exec_sig);
	EXPECT_EQ(VAL, r->val);
	EXPECT_EQ(0, r->init_rx);
	EXPECT_EQ(0, r->exec2_sig);
	EXPECT_EQ(VAL, r->val2);
	/* Refused by the seal, and nothing changed. */
	EXPECT_EQ(-EPERM, r->init_rw);
	EXPECT_EQ(1ULL, r->after_rw.slabs);
	EXPECT_EQ(2ULL, r->after_rw.regions);
	EXPECT_EQ(2 * pg, r->after_rw.bytes_rx);
	EXPECT_EQ(0ULL, r->after_rw.bytes_rw);
	EXPECT_EQ(0, r->deinit);
	EXPECT_EQ(SIGTRAP, r->exec_gone_sig);
	EXPECT_EQ(-EPERM, r->release);
	EXPECT_EQ(1ULL, r->after_release.slabs);
	EXPECT_EQ(8 * pg, r->after_release.reserved_bytes);
	EXPECT_EQ(1ULL, r->after_release.regions);
	EXPECT_EQ(pg, r->after_release.bytes_rx);
	EXPECT_EQ(0, r->exec_last_sig);
	EXPECT_EQ(VAL, r->val_last);
}

TEST_HARNESS_MAIN
