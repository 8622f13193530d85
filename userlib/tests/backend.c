// SPDX-License-Identifier: MIT OR LGPL-2.1
/*
 * Which backend jitmem_open_opts() gives and why: the device path
 * (opts.device, $JITMEM_DEVICE), every cause the kernel backend can fail
 * with, fallback, and $JITMEM_REQUIRE_KERNEL.  The host run uses missing,
 * denied and foreign nodes; the VM run also makes jitmem nodes on tmpfs
 * mounts with noexec, nodev and neither (the admin guide's workaround).
 */
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "helpers.h"

#include <linux/jitmem.h>

#define MISSING "/nonexistent/jitmem"

/* Open with these flags and device; info filled; the handle closed. */
static int t_try(const char *device, unsigned int flags, struct jitmem_backend_info *info)
{
	struct jitmem_open_opts opts = { .device = device, .flags = flags };
	struct jitmem *m = NULL;
	int ret;

	memset(info, 0x5a, sizeof(*info));
	ret = jitmem_open_opts(&m, &opts, info);
	if (ret && m)
		return -1000;	/* *out untouched on failure */
	jitmem_close(m);
	return ret;
}

/* A failed open: no backend, the cause, the error, the node tried. */
static int t_failed(const struct jitmem_backend_info *info, unsigned int cause, int error,
		    const char *device)
{
	size_t i;

	T_EQ(info->backend, 0);
	T_EQ(info->cause, cause);
	T_EQ(info->error, error);
	T_CHECK(info->device && !strcmp(info->device, device));
	for (i = 0; i < sizeof(info->reserved) / sizeof(info->reserved[0]); i++)
		T_EQ(info->reserved[i], 0);
	return 0;
}

/* The kernel backend must fail on device with this cause, and fall back. */
static int t_cause(const char *device, unsigned int cause, int error)
{
	struct jitmem_backend_info info;
	struct jitmem_open_opts opts = { .device = device, .flags = JITMEM_OPEN_FALLBACK };
	struct jitmem *m;

	T_EQ(t_try(device, 0, &info), error);
	T_OK(t_failed(&info, cause, error, device));
	T_CHECK(strcmp(jitmem_cause_str(cause), jitmem_cause_str(JITMEM_CAUSE_OTHER)) ||
		cause == JITMEM_CAUSE_OTHER);
	printf("# %s: %s\n", device, jitmem_cause_str(cause));
	/* Fallback: the userspace backend, and why. */
	T_OK(jitmem_open_opts(&m, &opts, &info));
	T_EQ(jitmem_backend_is_kernel(m), 0);
	T_EQ(info.backend, JITMEM_BACKEND_USERSPACE);
	T_EQ(info.flags & JITMEM_INFO_FALLBACK, JITMEM_INFO_FALLBACK);
	T_EQ(info.cause, cause);
	T_EQ(info.error, error);
	memset(&info, 0, sizeof(info));
	T_OK(jitmem_get_backend_info(m, &info));
	T_EQ(info.backend, JITMEM_BACKEND_USERSPACE);
	T_EQ(info.cause, cause);
	T_CHECK(info.device && info.device != device && !strcmp(info.device, device));
	jitmem_close(m);
	return 0;
}

/* t_cause() as nobody when root, so that file modes apply; in a child, so
 * that the caller can still remove what it made. */
static int t_cause_unprivileged(const char *device, unsigned int cause, int error)
{
	int status, ret;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		ret = 0;
		if (!geteuid() && (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
				   setresuid(65534, 65534, 65534)))
			ret = -errno;
		ret = ret ?: t_cause(device, cause, error);
		fflush(stdout);
		_exit(ret ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return status ? -1 : 0;
}

/* Run the rest of the case with stderr in a file; t_stderr() reads it back. */
static FILE *t_err;

static int t_capture_stderr(void)
{
	t_err = tmpfile();
	if (!t_err)
		return -errno;
	fflush(stderr);
	return dup2(fileno(t_err), 2) < 0 ? -errno : 0;
}

static const char *t_stderr(void)
{
	static char buf[4096];
	size_t n;

	fflush(stderr);
	rewind(t_err);
	n = fread(buf, 1, sizeof(buf) - 1, t_err);
	buf[n] = 0;
	rewind(t_err);
	if (ftruncate(fileno(t_err), 0))
		buf[0] = 0;
	return buf;
}

/* Defaults: /dev/jitmem, the kernel backend (or why not, on a host). */
static int default_device(void)
{
	struct jitmem_backend_info info;
	struct jitmem *m;
	struct stat st;
	int ret;

	unsetenv("JITMEM_DEVICE");
	unsetenv("JITMEM_REQUIRE_KERNEL");
	memset(&info, 0x5a, sizeof(info));
	ret = jitmem_open_opts(&m, NULL, &info);
	if (JM_TEST_KERNEL || !stat(JITMEM_DEVICE_DEFAULT, &st)) {
		T_OK(ret);
		T_EQ(info.backend, JITMEM_BACKEND_KERNEL);
		T_EQ(info.cause, JITMEM_CAUSE_NONE);
		T_EQ(info.error, 0);
		T_EQ(info.flags, 0);
		T_CHECK(!strcmp(info.device, JITMEM_DEVICE_DEFAULT));
		T_EQ(jitmem_backend_is_kernel(m), 1);
		jitmem_close(m);
	} else {
		T_EQ(ret, -ENOENT);
		T_OK(t_failed(&info, JITMEM_CAUSE_NO_NODE, -ENOENT, JITMEM_DEVICE_DEFAULT));
	}
	return 0;
}

static int userspace_requested(void)
{
	struct jitmem_backend_info info;
	struct jitmem_open_opts opts = { .device = MISSING, .flags = JITMEM_OPEN_USERSPACE };
	struct jitmem *m;

	memset(&info, 0x5a, sizeof(info));
	T_OK(jitmem_open_opts(&m, &opts, &info));
	T_EQ(info.backend, JITMEM_BACKEND_USERSPACE);
	T_EQ(info.cause, JITMEM_CAUSE_REQUESTED);
	T_EQ(info.error, 0);
	T_EQ(info.flags, 0);
	T_CHECK(info.device == NULL);
	jitmem_close(m);
	return 0;
}

static int missing_node(void)
{
	return t_cause(MISSING, JITMEM_CAUSE_NO_NODE, -ENOENT);
}

/* A character device that is not jitmem's, and a regular file. */
static int foreign_node(void)
{
	char path[] = "/tmp/jitmem-test-XXXXXX";
	int fd = mkstemp(path), ret;

	T_CHECK(fd >= 0);
	close(fd);
	T_OK(t_cause("/dev/null", JITMEM_CAUSE_NOT_JITMEM, -ENOTTY));
	ret = t_cause(path, JITMEM_CAUSE_NOT_JITMEM, -ENOTTY);
	unlink(path);
	return ret;
}

/* Not allowed to open the node: EACCES, not "is the module loaded?". */
static int denied_node(void)
{
	char path[] = "/tmp/jitmem-test-XXXXXX";
	int fd = mkstemp(path), ret;

	T_CHECK(fd >= 0);
	close(fd);
	ret = chmod(path, 0) ? -errno :
	      t_cause_unprivileged(path, JITMEM_CAUSE_PERMISSION, -EACCES);
	unlink(path);
	return ret;
}

/* $JITMEM_DEVICE names the node when the caller does not; opts.device wins. */
static int device_from_environment(void)
{
	struct jitmem_backend_info info;
	struct jitmem *m;

	unsetenv("JITMEM_REQUIRE_KERNEL");
	T_OK(setenv("JITMEM_DEVICE", MISSING, 1));
	T_EQ(jitmem_open(&m, 0), -ENOENT);
	T_EQ(t_try(NULL, 0, &info), -ENOENT);
	T_OK(t_failed(&info, JITMEM_CAUSE_NO_NODE, -ENOENT, MISSING));
	T_EQ(t_try("/dev/null", 0, &info), -ENOTTY);
	T_OK(t_failed(&info, JITMEM_CAUSE_NOT_JITMEM, -ENOTTY, "/dev/null"));
	T_OK(jitmem_open(&m, JITMEM_OPEN_FALLBACK));
	T_OK(jitmem_get_backend_info(m, &info));
	T_EQ(info.backend, JITMEM_BACKEND_USERSPACE);
	T_CHECK(!strcmp(info.device, MISSING));
	jitmem_close(m);
	/* Empty: the default. */
	T_OK(setenv("JITMEM_DEVICE", "", 1));
	T_EQ(t_try(MISSING, 0, &info), -ENOENT);
	if (JM_TEST_KERNEL) {
		T_OK(jitmem_open(&m, 0));
		T_OK(jitmem_get_backend_info(m, &info));
		T_CHECK(!strcmp(info.device, JITMEM_DEVICE_DEFAULT));
		jitmem_close(m);
	}
	return 0;
}

/*
 * JITMEM_REQUIRE_KERNEL: fallback becomes the kernel backend's error, the
 * userspace backend EPERM, each said on stderr; "0" changes nothing.
 */
static int kernel_required(void)
{
	struct jitmem_backend_info info;
	struct jitmem *m;
	const char *err;

	unsetenv("JITMEM_DEVICE");
	T_OK(t_capture_stderr());
	T_OK(setenv("JITMEM_REQUIRE_KERNEL", "1", 1));
	T_EQ(t_try(MISSING, JITMEM_OPEN_FALLBACK, &info), -ENOENT);
	T_OK(t_failed(&info, JITMEM_CAUSE_NO_NODE, -ENOENT, MISSING));
	T_EQ(info.flags, JITMEM_INFO_KERNEL_REQUIRED);
	err = t_stderr();
	printf("# stderr: %s", err);
	T_CHECK(strstr(err, "JITMEM_REQUIRE_KERNEL is set: no fallback"));
	T_CHECK(strstr(err, MISSING ": no such device node"));
	T_EQ(t_try(NULL, JITMEM_OPEN_USERSPACE, &info), -EPERM);
	T_EQ(info.backend, 0);
	T_EQ(info.cause, JITMEM_CAUSE_REQUESTED);
	T_EQ(info.error, -EPERM);
	T_EQ(info.flags, JITMEM_INFO_KERNEL_REQUIRED);
	err = t_stderr();
	printf("# stderr: %s", err);
	T_CHECK(strstr(err, "the userspace backend (no W^X guarantee) is refused"));
	/* Nothing to refuse: nothing said. */
	T_EQ(t_try(MISSING, 0, &info), -ENOENT);
	T_EQ(info.flags, JITMEM_INFO_KERNEL_REQUIRED);
	if (JM_TEST_KERNEL) {
		T_OK(jitmem_open(&m, JITMEM_OPEN_FALLBACK));
		T_OK(jitmem_get_backend_info(m, &info));
		T_EQ(info.backend, JITMEM_BACKEND_KERNEL);
		T_EQ(info.flags, JITMEM_INFO_KERNEL_REQUIRED);
		jitmem_close(m);
	}
	T_EQ(t_stderr()[0], 0);
	T_OK(setenv("JITMEM_REQUIRE_KERNEL", "0", 1));
	T_OK(t_try(MISSING, JITMEM_OPEN_FALLBACK, &info));
	T_EQ(info.flags, JITMEM_INFO_FALLBACK);
	T_OK(t_try(NULL, JITMEM_OPEN_USERSPACE, &info));
	T_EQ(t_stderr()[0], 0);
	return 0;
}

static int bad_options(void)
{
	struct jitmem_open_opts opts = { 0 };
	struct jitmem_backend_info info;
	struct jitmem *m = NULL;
	size_t i;

	T_EQ(jitmem_open_opts(NULL, &opts, &info), -EINVAL);
	opts.flags = JITMEM_OPEN_USERSPACE | JITMEM_OPEN_FALLBACK;
	T_EQ(jitmem_open_opts(&m, &opts, &info), -EINVAL);
	opts.flags = 4;
	T_EQ(jitmem_open_opts(&m, &opts, &info), -EINVAL);
	opts.flags = JITMEM_OPEN_USERSPACE;
	opts.reserved0 = 1;
	T_EQ(jitmem_open_opts(&m, &opts, &info), -EINVAL);
	opts.reserved0 = 0;
	for (i = 0; i < sizeof(opts.reserved) / sizeof(opts.reserved[0]); i++) {
		opts.reserved[i] = 1;
		T_EQ(jitmem_open_opts(&m, &opts, NULL), -EINVAL);
		opts.reserved[i] = 0;
	}
	T_CHECK(m == NULL);
	T_OK(jitmem_open_opts(&m, &opts, NULL));
	T_EQ(jitmem_get_backend_info(m, NULL), -EINVAL);
	T_EQ(jitmem_get_backend_info(NULL, &info), -EINVAL);
	jitmem_close(m);
	return 0;
}

/* Every cause has its own sentence, which says what to look at. */
static int cause_strings(void)
{
	unsigned int i, j;

	for (i = 0; i <= JITMEM_CAUSE_OTHER; i++) {
		T_CHECK(jitmem_cause_str(i) && *jitmem_cause_str(i));
		T_CHECK(strcmp(jitmem_cause_str(i), "unknown cause"));
		for (j = 0; j < i; j++)
			T_CHECK(strcmp(jitmem_cause_str(i), jitmem_cause_str(j)));
	}
	T_CHECK(!strcmp(jitmem_cause_str(JITMEM_CAUSE_OTHER + 1), "unknown cause"));
	T_CHECK(!strcmp(jitmem_cause_str(~0U), "unknown cause"));
	T_CHECK(strstr(jitmem_cause_str(JITMEM_CAUSE_NO_NODE), "module loaded"));
	T_CHECK(strstr(jitmem_cause_str(JITMEM_CAUSE_NOEXEC), "noexec"));
	T_CHECK(strstr(jitmem_cause_str(JITMEM_CAUSE_NODEV), "nodev"));
	return 0;
}

#if !JM_TEST_KERNEL
/*
 * An old module, played by a regular file: this program's ioctl() answers
 * JITMEM_IOC_VERSION on it as t_fake says; every other call goes through.
 */
static struct {
	ino_t ino;
	int err;			/* the ioctl fails with it, or... */
	struct jitmem_version v;	/* ...answers this */
} t_fake;

int ioctl(int fd, unsigned long req, ...)
{
	struct stat st;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == JITMEM_IOC_VERSION && t_fake.ino && !fstat(fd, &st) &&
	    st.st_ino == t_fake.ino) {
		if (t_fake.err) {
			errno = t_fake.err;
			return -1;
		}
		memcpy(arg, &t_fake.v, sizeof(t_fake.v));
		return 0;
	}
	return (int)syscall(SYS_ioctl, fd, req, arg);
}

static int old_module(void)
{
	const struct jitmem_version good = {
		.size = sizeof(good), .abi_version = 1, .features = JITMEM_FEATURE_MEMMAP,
		.page_size = 4096,
	};
	char path[] = "/tmp/jitmem-test-XXXXXX";
	int fd = mkstemp(path), ret = 0;
	struct stat st;

	T_CHECK(fd >= 0 && !fstat(fd, &st));
	close(fd);
	t_fake.ino = st.st_ino;
	t_fake.v = good;
	t_fake.v.abi_version = 0;
	ret = ret ?: t_cause(path, JITMEM_CAUSE_OLD_ABI, -EOPNOTSUPP);
	t_fake.v = good;
	t_fake.v.features = JITMEM_FEATURE_NETLINK;
	ret = ret ?: t_cause(path, JITMEM_CAUSE_OLD_ABI, -EOPNOTSUPP);
	t_fake.v = good;
	t_fake.v.page_size = 3 * 4096;
	ret = ret ?: t_cause(path, JITMEM_CAUSE_OLD_ABI, -EOPNOTSUPP);
	/* A module from before size-first structs refuses ours. */
	t_fake.err = EINVAL;
	ret = ret ?: t_cause(path, JITMEM_CAUSE_OLD_ABI, -EOPNOTSUPP);
	t_fake.err = EIO;
	ret = ret ?: t_cause(path, JITMEM_CAUSE_OTHER, -EIO);
	unlink(path);
	return ret;
}

/* The granule: the module's with JITMEM_FEATURE_SUBPAGE, else the page; never a bad one. */
static int t_granule_of(const char *path, const struct jitmem_version *v, size_t *granule)
{
	struct jitmem_open_opts opts = { .device = path };
	struct jitmem *m;

	t_fake.v = *v;
	T_OK(jitmem_open_opts(&m, &opts, NULL));
	T_EQ(jitmem_backend_is_kernel(m), 1);
	*granule = jitmem_granule(m);
	jitmem_close(m);
	return 0;
}

static int module_granule(void)
{
	struct jitmem_version v = {
		.size = sizeof(v), .abi_version = 1, .page_size = 4096, .granule = 64,
		.features = JITMEM_FEATURE_MEMMAP | JITMEM_FEATURE_SUBPAGE,
	};
	char path[] = "/tmp/jitmem-test-XXXXXX";
	int fd = mkstemp(path), ret = 0;
	struct stat st;
	size_t g = 0;

	T_CHECK(fd >= 0 && !fstat(fd, &st));
	close(fd);
	t_fake.ino = st.st_ino;
	ret = ret ?: t_granule_of(path, &v, &g) ?: g == 64 ? 0 : -1;
	v.features = JITMEM_FEATURE_MEMMAP;	/* an older module: pages */
	ret = ret ?: t_granule_of(path, &v, &g) ?: g == 4096 ? 0 : -1;
	v.features |= JITMEM_FEATURE_SUBPAGE;
	v.granule = 0;
	ret = ret ?: t_granule_of(path, &v, &g) ?: g == 4096 ? 0 : -1;
	v.granule = 96;
	ret = ret ?: t_granule_of(path, &v, &g) ?: g == 4096 ? 0 : -1;
	v.granule = 8192;
	ret = ret ?: t_granule_of(path, &v, &g) ?: g == 4096 ? 0 : -1;
	v.granule = 4096;
	ret = ret ?: t_granule_of(path, &v, &g) ?: g == 4096 ? 0 : -1;
	if (ret)
		printf("# granule %zu for a module reporting %llu\n", g,
		       (unsigned long long)v.granule);
	unlink(path);
	return ret;
}
#else
/* Nodes of the real module, made where each mount's options apply. */
static char t_dir[] = "/tmp/jitmem-nodes-XXXXXX";

/* A tmpfs at t_dir/name with mount flags, holding node "jitmem" of dev. */
static int t_node(const char *name, unsigned long flags, dev_t dev, char *path, size_t size)
{
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/%s", t_dir, name);
	if (mkdir(dir, 0755) || mount("tmpfs", dir, "tmpfs", flags, "mode=0755"))
		return -errno;
	snprintf(path, size, "%s/jitmem", dir);
	return mknod(path, S_IFCHR | 0666, dev) ? -errno : 0;
}

static int t_jitmem_dev(dev_t *dev)
{
	FILE *f = fopen("/sys/class/misc/jitmem/dev", "r");
	unsigned int major, minor;
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%u:%u", &major, &minor);
	fclose(f);
	if (n != 2)
		return -EINVAL;
	*dev = makedev(major, minor);
	return 0;
}

/* Code runs from a handle opened on this node. */
static int t_runs_code(struct jitmem *m)
{
	unsigned char code[16];
	void *slab, *key;
	size_t page = jitmem_page_size(m);

	T_OK(jitmem_reserve(m, 1 << 20, &slab));
	{
		struct jitmem_segment seg = T_SEG(slab, page, code, t_code(code, 99), RX);
		struct jitmem_init_request req = T_INIT(&seg, 1, NULL, 0);

		T_OK(jitmem_initialize(m, &req, &key));
	}
	T_EQ(t_call(slab), 99);
	return 0;
}

/*
 * The admin guide's workaround for a noexec /dev: a node on an exec mount,
 * named by opts.device or $JITMEM_DEVICE.  A noexec or nodev mount is
 * named as the cause, a node of no driver too.
 */
static int node_mounts(void)
{
	struct jitmem_backend_info info;
	char exec[300], noexec[300], nodev[300], nodriver[300];
	struct jitmem_open_opts opts = { 0 };
	struct jitmem *m;
	const char *err;
	dev_t dev;

	T_OK(t_jitmem_dev(&dev));
	T_CHECK(mkdtemp(t_dir));
	T_OK(unshare(CLONE_NEWNS));	/* the mounts go with this test's process */
	T_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	T_OK(t_node("exec", MS_NOSUID, dev, exec, sizeof(exec)));
	T_OK(t_node("noexec", MS_NOSUID | MS_NOEXEC, dev, noexec, sizeof(noexec)));
	T_OK(t_node("nodev", MS_NOSUID | MS_NODEV, dev, nodev, sizeof(nodev)));
	snprintf(nodriver, sizeof(nodriver), "%s/exec/nodriver", t_dir);
	T_OK(mknod(nodriver, S_IFCHR | 0666, makedev(1, 200)));	/* no /dev/mem minor */

	opts.device = exec;
	T_OK(jitmem_open_opts(&m, &opts, &info));
	T_EQ(info.backend, JITMEM_BACKEND_KERNEL);
	T_EQ(info.cause, JITMEM_CAUSE_NONE);
	T_OK(t_runs_code(m));
	jitmem_close(m);
	T_OK(setenv("JITMEM_DEVICE", exec, 1));
	T_OK(jitmem_open(&m, 0));
	T_OK(jitmem_get_backend_info(m, &info));
	T_CHECK(!strcmp(info.device, exec));
	T_OK(t_runs_code(m));
	jitmem_close(m);
	unsetenv("JITMEM_DEVICE");

	T_OK(t_cause(noexec, JITMEM_CAUSE_NOEXEC, -EACCES));
	T_OK(t_cause(nodev, JITMEM_CAUSE_NODEV, -EACCES));
	T_OK(t_cause(nodriver, JITMEM_CAUSE_NO_DRIVER, -ENXIO));

	/* Required: the noexec node is an error, and stderr says why. */
	T_OK(t_capture_stderr());
	T_OK(setenv("JITMEM_REQUIRE_KERNEL", "yes", 1));
	T_EQ(t_try(noexec, JITMEM_OPEN_FALLBACK, &info), -EACCES);
	T_OK(t_failed(&info, JITMEM_CAUSE_NOEXEC, -EACCES, noexec));
	err = t_stderr();
	printf("# stderr: %s", err);
	T_CHECK(strstr(err, "noexec mount"));
	unsetenv("JITMEM_REQUIRE_KERNEL");
	return 0;
}

/* The real node, mode 0600: someone else may not use it. */
static int denied_jitmem_node(void)
{
	char path[300];
	dev_t dev;

	T_OK(t_jitmem_dev(&dev));
	T_CHECK(mkdtemp(t_dir));
	T_OK(unshare(CLONE_NEWNS));
	T_OK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	T_OK(t_node("exec", MS_NOSUID, dev, path, sizeof(path)));
	T_OK(chmod(path, 0600));
	return t_cause_unprivileged(path, JITMEM_CAUSE_PERMISSION, -EACCES);
}
#endif

static const struct t_case cases[] = {
	T_CASE(default_device),
	T_CASE(userspace_requested),
	T_CASE(missing_node),
	T_CASE(foreign_node),
	T_CASE(denied_node),
	T_CASE(device_from_environment),
	T_CASE(kernel_required),
	T_CASE(bad_options),
	T_CASE(cause_strings),
#if !JM_TEST_KERNEL
	T_CASE(old_module),
	T_CASE(module_granule),
#else
	T_CASE(node_mounts),
	T_CASE(denied_jitmem_node),
#endif
};

T_MAIN("backend_" T_BACKEND, cases)
