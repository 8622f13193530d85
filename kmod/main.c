// SPDX-License-Identifier: GPL-2.0-only
/*
 * jitmem: executable memory for JIT compilers without writable code.
 *
 * A misc device; each open file is a context owned by the opening process.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <linux/jitmem.h>

#define JITMEM_VERSION "0.1"

static int jitmem_ioc_version(void __user *uarg)
{
	struct jitmem_version v;
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < offsetofend(struct jitmem_version, page_size))
		return -EINVAL;
	ret = copy_struct_from_user(&v, sizeof(v), uarg, usize);
	if (ret)
		return ret;
	if (v.flags || v.__reserved)
		return -EINVAL;
	v.abi_version = JITMEM_ABI_VERSION;
	v.features = 0;
	v.page_size = PAGE_SIZE;
	if (copy_to_user(uarg, &v, min_t(size_t, usize, sizeof(v))))
		return -EFAULT;
	return 0;
}

static long jitmem_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case JITMEM_IOC_VERSION:
		return jitmem_ioc_version(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations jitmem_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= jitmem_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice jitmem_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "jitmem",
	.fops	= &jitmem_fops,
	.mode	= 0660,
};

module_misc_device(jitmem_misc);

MODULE_DESCRIPTION("Executable memory for JIT compilers without writable code");
MODULE_AUTHOR("jitmem developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(JITMEM_VERSION);
