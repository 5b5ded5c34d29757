// SPDX-License-Identifier: MIT
/* File systems that are kernel interfaces rather than files. */
#include "devices/fs/pseudo_fs.h"

#include <linux/magic.h>
#include <stddef.h>
#include <sys/statfs.h>

/* Kernel interfaces that statfs() knows but <linux/magic.h> does not. */
#define CONFIGFS_MAGIC 0x62656570
#define FUSECTL_SUPER_MAGIC 0x65735543
#define MQUEUE_MAGIC 0x19800202
#define NFSD_MAGIC 0x6e667364
#define RPC_PIPEFS_MAGIC 0x67596969

static const struct {
	long magic;
	const char *name;
} pseudo_fs[] = {
	{ PROC_SUPER_MAGIC, "proc" },
	{ SYSFS_MAGIC, "sysfs" },
	{ DEBUGFS_MAGIC, "debugfs" },
	{ TRACEFS_MAGIC, "tracefs" },
	{ SECURITYFS_MAGIC, "securityfs" },
	{ SELINUX_MAGIC, "selinuxfs" },
	{ SMACK_MAGIC, "smackfs" },
	{ AAFS_MAGIC, "apparmorfs" },
	{ CGROUP_SUPER_MAGIC, "cgroup" },
	{ CGROUP2_SUPER_MAGIC, "cgroup2" },
	{ RDTGROUP_SUPER_MAGIC, "resctrl" },
	{ BPF_FS_MAGIC, "bpf" },
	{ CONFIGFS_MAGIC, "configfs" },
	{ PSTOREFS_MAGIC, "pstore" },
	{ EFIVARFS_MAGIC, "efivarfs" },
	{ FUSECTL_SUPER_MAGIC, "fusectl" },
	{ HUGETLBFS_MAGIC, "hugetlbfs" },
	{ MQUEUE_MAGIC, "mqueue" },
	{ BINFMTFS_MAGIC, "binfmt_misc" },
	{ DEVPTS_SUPER_MAGIC, "devpts" },
	{ NSFS_MAGIC, "nsfs" },
	{ BINDERFS_SUPER_MAGIC, "binderfs" },
	{ USBDEVICE_SUPER_MAGIC, "usbfs" },
	{ XENFS_SUPER_MAGIC, "xenfs" },
	{ OPENPROM_SUPER_MAGIC, "openpromfs" },
	{ RPC_PIPEFS_MAGIC, "rpc_pipefs" },
	{ NFSD_MAGIC, "nfsd" },
	{ AUTOFS_SUPER_MAGIC, "autofs" },
};

const char *pseudo_fs_of(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return "unknown";
	for (size_t i = 0; i < sizeof(pseudo_fs) / sizeof(pseudo_fs[0]); i++)
		if (sf.f_type == pseudo_fs[i].magic)
			return pseudo_fs[i].name;
	return NULL;
}
