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
	EACCES, ENXIO, EBUSY, EADDRNOTAVAIL, ENOENT,
};

errset eset(int err)
{
	size_t i;

	for (i = 0; i < sizeof(known_errs) / sizeof(known_errs[0]); i++)
		if (known_errs[i] == err)
			return 1U << i;
	return 1U << 31;
}

/* The documented errnos of each command (uapi/linux/jitmem.h). */
errset eset_of_cmd(unsigned int nr)
{
	switch (nr) {
	case JITMEM_CMD_RESERVE:
		return E_COMMON | E(ENOSPC) | E(EEXIST) | E(ENOMEM);
	case JITMEM_CMD_INITIALIZE:
		return E_COMMON | E(EACCES) | E(ENXIO) | E(EBUSY) |
		       E(EADDRNOTAVAIL) | E(ENOSPC) | E(ENOMEM);
	default:
		return E_COMMON;
	}
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

		dprintf(STDOUT_FILENO, "# ctx %d fd %d exact %d\n", n, c->fd,
			c->exact);
		for (i = 0; i < c->nslabs; i++)
			dprintf(STDOUT_FILENO, "#  slab %d %#llx+%#llx%s%s\n", i,
				(unsigned long long)c->slabs[i].addr,
				(unsigned long long)c->slabs[i].len,
				c->slabs[i].damaged ? " damaged" : "",
				c->slabs[i].tampered ? " tampered" : "");
		for (i = 0; i < c->nregions; i++) {
			const struct region *r = &c->regions[i];

			dprintf(STDOUT_FILENO, "#  region key %#llx slab %d%s%s:",
				(unsigned long long)r->key, r->slab,
				r->unknown ? " unknown" : "",
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
