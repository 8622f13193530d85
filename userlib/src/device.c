// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * The kernel backend's device: open it, check it is a jitmem module this
 * library can use, and when it is not, say why (JITMEM_CAUSE_*), so that
 * neither a fallback nor an error message hides the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "internal.h"

#include <linux/jitmem.h>

/* 0, or -EOPNOTSUPP: the module lacks what this library needs. */
int jm_version_check(const struct jitmem_version *v)
{
	if (v->abi_version < 1 || !(v->features & JITMEM_FEATURE_MEMMAP) ||
	    !v->page_size || v->page_size & (v->page_size - 1))
		return -EOPNOTSUPP;
	return 0;
}

/*
 * The granule of segments: the module's with JITMEM_FEATURE_SUBPAGE, else the
 * page.  One that is no power of two dividing the page is not trusted.
 */
static size_t jm_version_granule(const struct jitmem_version *v)
{
	__u64 g = v->granule;

	if (!(v->features & JITMEM_FEATURE_SUBPAGE) || !g || g & (g - 1) || g > v->page_size)
		return v->page_size;
	return g;
}

/* Why open() failed.  EACCES on a device node also means a nodev mount. */
static unsigned int jm_open_cause(const char *path, int err)
{
	struct statvfs vfs;
	struct stat st;

	switch (err) {
	case ENOENT:
		return JITMEM_CAUSE_NO_NODE;
	case ENXIO:
	case ENODEV:
		return JITMEM_CAUSE_NO_DRIVER;
	case EACCES:
		if (!stat(path, &st) && S_ISCHR(st.st_mode) && !statvfs(path, &vfs) &&
		    (vfs.f_flag & ST_NODEV))
			return JITMEM_CAUSE_NODEV;
		return JITMEM_CAUSE_PERMISSION;
	case EPERM:
		return JITMEM_CAUSE_PERMISSION;
	default:
		return JITMEM_CAUSE_OTHER;
	}
}

/* Why JITMEM_IOC_VERSION failed: not a jitmem device, or one too old. */
static int jm_version_error(int err, unsigned int *cause)
{
	switch (err) {
	case ENOTTY:
		*cause = JITMEM_CAUSE_NOT_JITMEM;
		return -ENOTTY;
	case EINVAL:
	case E2BIG:
		*cause = JITMEM_CAUSE_OLD_ABI;
		return -EOPNOTSUPP;
	default:
		*cause = JITMEM_CAUSE_OTHER;
		return -err;
	}
}

/*
 * Open path as the kernel backend of m: 0, or a negative errno with *cause
 * saying why it cannot be used.  A node on a noexec mount is refused: no
 * executable segment could ever be initialized from it (EACCES, as the
 * module's INITIALIZE would say).
 */
int jm_kernel_open(struct jitmem *m, const char *path, unsigned int *cause)
{
	struct jitmem_version v = { .size = sizeof(v) };
	struct statvfs vfs;
	int fd, ret = 0;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		*cause = jm_open_cause(path, -ret);
		return ret;
	}
	if (ioctl(fd, JITMEM_IOC_VERSION, &v))
		ret = jm_version_error(errno, cause);
	else if ((ret = jm_version_check(&v)))
		*cause = JITMEM_CAUSE_OLD_ABI;
	else if (!fstatvfs(fd, &vfs) && (vfs.f_flag & ST_NOEXEC)) {
		ret = -EACCES;
		*cause = JITMEM_CAUSE_NOEXEC;
	}
	if (ret) {
		close(fd);
		return ret;
	}
	m->fd = fd;
	m->page_size = v.page_size;
	m->granule = jm_version_granule(&v);
	m->pid = getpid();
	*cause = JITMEM_CAUSE_NONE;
	return 0;
}

const char *jitmem_cause_str(unsigned int cause)
{
	static const char *const str[] = {
		[JITMEM_CAUSE_NONE] = "the kernel backend is in use",
		[JITMEM_CAUSE_REQUESTED] = "the userspace backend was asked for",
		[JITMEM_CAUSE_NO_NODE] =
			"no such device node: is the jitmem module loaded (modprobe jitmem)?",
		[JITMEM_CAUSE_NO_DRIVER] =
			"the device node has no driver: the jitmem module is not loaded",
		[JITMEM_CAUSE_PERMISSION] =
			"permission denied on the device node (not in its group, jitmem?)",
		[JITMEM_CAUSE_NODEV] =
			"the device node is on a nodev mount, where devices cannot be opened",
		[JITMEM_CAUSE_NOT_JITMEM] = "the device node is not jitmem's",
		[JITMEM_CAUSE_OLD_ABI] = "the jitmem module is too old for this library",
		[JITMEM_CAUSE_NOEXEC] =
			"the device node is on a noexec mount: code cannot be mapped from it",
		[JITMEM_CAUSE_OTHER] = "the device node cannot be used",
	};

	return cause < sizeof(str) / sizeof(str[0]) ? str[cause] : "unknown cause";
}
