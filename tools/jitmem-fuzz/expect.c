// SPDX-License-Identifier: GPL-2.0-only
/* Result checking and failure reports. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fuzz.h"

/* The errnos the ABI documents, one bit each; anything else is bit 31. */
static const int known_errs[] = {
	ENOTTY, EFAULT, EINVAL, E2BIG, EPERM, EINTR, ENOSPC, EEXIST, ENOMEM,
	EACCES, ENXIO, EBUSY, EADDRNOTAVAIL, ENOENT, ENOEXEC, ENODEV,
	EOPNOTSUPP,
};

errset eset(int err)
{
	size_t i;

	for (i = 0; i < sizeof(known_errs) / sizeof(known_errs[0]); i++)
		if (known_errs[i] == err)
			return 1U << i;
	return 1U << 31;
}

const char *errname(int err)
{
	static char buf[16];

	switch (err) {
	case 0: return "0";
	case ENOTTY: return "ENOTTY";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case E2BIG: return "E2BIG";
	case EPERM: return "EPERM";
	case EINTR: return "EINTR";
	case ENOSPC: return "ENOSPC";
	case EEXIST: return "EEXIST";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case ENXIO: return "ENXIO";
	case EBUSY: return "EBUSY";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case ENOENT: return "ENOENT";
	case ENOEXEC: return "ENOEXEC";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* What the model believed, for the report (JITMEM_FUZZ_DUMP=1). */
static void dump_model(struct fuzz *f)
{
	int n, i, j;

	for (n = 0; n < NCTX; n++) {
		const struct ctx *c = &f->ctx[n];

		dprintf(STDOUT_FILENO, "# ctx %d fd %d: %llu pages held, %llu empty\n",
			n, c->fd, (unsigned long long)c->held,
			(unsigned long long)c->nempty);
		for (i = 0; i < c->nslabs; i++)
			dprintf(STDOUT_FILENO, "#  slab %u %#llx+%#llx, %d mappings\n",
				c->slabs[i].id,
				(unsigned long long)c->slabs[i].addr,
				(unsigned long long)c->slabs[i].len,
				c->slabs[i].nvmas);
		for (i = 0; i < c->nvmas; i++)
			dprintf(STDOUT_FILENO, "#  vma %#llx-%#llx slab %u %s%s\n",
				(unsigned long long)c->vmas[i].start,
				(unsigned long long)c->vmas[i].end,
				c->vmas[i].slab, maps_perms(c->vmas[i].perms),
				c->vmas[i].mflags & MF_DONTCOPY ? " dontfork" : "");
		for (i = 0; i < c->nregions; i++) {
			const struct region *r = &c->regions[c->rlist[i]];

			dprintf(STDOUT_FILENO, "#  region key %#llx%s:",
				(unsigned long long)r->key,
				r->fin_live ? " fin_live" : "");
			for (j = 0; j < r->nseg; j++)
				dprintf(STDOUT_FILENO, " %#llx+%#llx/%#x",
					(unsigned long long)r->seg[j].addr,
					(unsigned long long)r->seg[j].len,
					r->seg[j].group);
			dprintf(STDOUT_FILENO, "\n");
		}
	}
}

void fuzz_fail(struct fuzz *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(STDOUT_FILENO,
		"# FAIL seed=%#llx epoch=%u call=%llu: %s\n"
		"# replay: jitmem-fuzz -s %#llx -e %u -n %llu -v %llu\n",
		(unsigned long long)f->seed, f->epoch,
		(unsigned long long)f->call, msg,
		(unsigned long long)f->seed, f->epoch,
		(unsigned long long)f->ncalls,
		(unsigned long long)(f->call > 20 ? f->call - 20 : 0));
	if (getenv("JITMEM_FUZZ_DUMP")) {
		dump_model(f);
		dprintf(STDOUT_FILENO, "# %d mappings of the device\n",
			maps_jitmem_count(f));
	}
	_exit(1);
}

void fuzz_log(struct fuzz *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (f->call < f->verbose_from)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(STDOUT_FILENO, "# %llu: %s\n", (unsigned long long)f->call, msg);
}

int fuzz_ioctl(struct fuzz *f, int fd, unsigned long cmd, void *arg)
{
	int ret;

	f->call++;
	ret = ioctl(fd, cmd, arg) ? -errno : 0;
	if (ret)
		f->errs++;
	else
		f->ok++;
	fuzz_log(f, "ioctl(%d, %#lx, %p) = %s", fd, cmd, arg, errname(-ret));
	return ret;
}

void expect(struct fuzz *f, const char *what, int ret, errset want,
	    bool may_succeed)
{
	if (!ret && may_succeed)
		return;
	if (ret && (eset(-ret) & want))
		return;
	fuzz_fail(f, "%s returned %s, %s", what, errname(-ret),
		  may_succeed ? "want success or a listed errno" :
		  ret ? "not in the expected errno set" : "must fail");
}

void expect_exact(struct fuzz *f, const char *what, int ret, int want)
{
	if (ret != -want)
		fuzz_fail(f, "%s returned %s, want %s", what, errname(-ret),
			  errname(want));
}

/* After fork(), the parent notes what it changes for the child to check. */
void touch(struct fuzz *f, uint64_t addr)
{
	if (f->logging_touch && f->ntouch < MAX_TOUCH)
		f->touch[f->ntouch++] = addr;
}
