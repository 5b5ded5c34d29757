// SPDX-License-Identifier: MIT
/* FUSE operations on names in directories. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices/fs/lookup.h"
#include "devices/fs/ops.h"
#include "devices/fs/setid.h"
#include "runtime/log.h"

uint32_t op_lookup(struct request *r, struct passthrough *pt)
{
	size_t off = 0;
	int err;
	const char *name = name_at(r, &off, &err);

	if (!name)
		return reply_err(r, err);
	if (r->node->type != S_IFDIR)
		return reply_err(r, ENOTDIR);
	return reply_entry(r, pt, r->node, name);
}

/* After a node was made beneath dir as name: given to the guest's caller
 * when kestrel is root, and its entry. */
static uint32_t made(struct request *r, struct passthrough *pt,
		     struct pt_inode *dir, const char *name)
{
	if (pt->as_root &&
	    fchownat(dir->fd, name, r->h->uid, r->h->gid, AT_SYMLINK_NOFOLLOW))
		log_warn("virtio-fs: cannot chown '%s': %s", name,
			 strerror(errno));
	return reply_entry(r, pt, dir, name);
}

uint32_t op_mknod(struct request *r, struct passthrough *pt)
{
	const struct fuse_mknod_in *in = (const void *)r->arg;
	size_t off = sizeof(*in);
	int err;
	const char *name = name_at(r, &off, &err);

	if (!name)
		return reply_err(r, err);
	/* A device node on the host would be a door to the host's devices
	 * for every host user who can reach the share. */
	if (S_ISCHR(in->mode) || S_ISBLK(in->mode))
		return reply_err(r, EPERM);
	if (mknodat(r->node->fd, name, safe_mode(pt, in->mode), 0) < 0)
		return reply_errno(r);
	return made(r, pt, r->node, name);
}

uint32_t op_mkdir(struct request *r, struct passthrough *pt)
{
	const struct fuse_mkdir_in *in = (const void *)r->arg;
	size_t off = sizeof(*in);
	int err;
	const char *name = name_at(r, &off, &err);

	if (!name)
		return reply_err(r, err);
	if (mkdirat(r->node->fd, name, in->mode & 07777) < 0)
		return reply_errno(r);
	return made(r, pt, r->node, name);
}

uint32_t op_symlink(struct request *r, struct passthrough *pt)
{
	size_t off = 0;
	int err;
	const char *name = name_at(r, &off, &err);
	const char *target = (const char *)r->arg + off;

	if (!name)
		return reply_err(r, err);
	if (off >= r->arg_len ||
	    strnlen(target, r->arg_len - off) == r->arg_len - off || !*target)
		return reply_err(r, EINVAL);
	/* Only text: the guest resolves it, never kestrel. */
	if (symlinkat(target, r->node->fd, name) < 0)
		return reply_errno(r);
	return made(r, pt, r->node, name);
}

static uint32_t unlink_name(struct request *r, int flags)
{
	size_t off = 0;
	int err;
	const char *name = name_at(r, &off, &err);

	if (!name)
		return reply_err(r, err);
	if (unlinkat(r->node->fd, name, flags) < 0)
		return reply_errno(r);
	return reply(r, 0, NULL, 0);
}

uint32_t op_unlink(struct request *r, struct passthrough *pt)
{
	(void)pt;
	return unlink_name(r, 0);
}

uint32_t op_rmdir(struct request *r, struct passthrough *pt)
{
	(void)pt;
	return unlink_name(r, AT_REMOVEDIR);
}

/* RENAME or RENAME2: newdir, then the names from offset off. */
static uint32_t rename_names(struct request *r, struct passthrough *pt,
			     uint64_t newdir_id, unsigned int flags, size_t off)
{
	struct pt_inode *newdir;
	const char *oldname, *newname;
	int err;

	oldname = name_at(r, &off, &err);
	if (!oldname)
		return reply_err(r, err);
	newname = name_at(r, &off, &err);
	if (!newname)
		return reply_err(r, err);
	newdir = inode_get(&pt->inodes, newdir_id);
	if (!newdir)
		return reply_err(r, ENOENT);
	if (newdir->sealed)
		return reply_err(r, EACCES);
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return reply_err(r, EINVAL);
	if (inode_fd(&pt->inodes, newdir) < 0)
		return reply_errno(r);
	if (syscall(SYS_renameat2, r->node->fd, oldname, newdir->fd, newname,
		    flags) < 0)
		return reply_errno(r);
	return reply(r, 0, NULL, 0);
}

uint32_t op_rename(struct request *r, struct passthrough *pt)
{
	const struct fuse_rename_in *in = (const void *)r->arg;

	return rename_names(r, pt, in->newdir, 0, sizeof(*in));
}

uint32_t op_rename2(struct request *r, struct passthrough *pt)
{
	const struct fuse_rename2_in *in = (const void *)r->arg;

	return rename_names(r, pt, in->newdir, in->flags, sizeof(*in));
}

uint32_t op_link(struct request *r, struct passthrough *pt)
{
	const struct fuse_link_in *in = (const void *)r->arg;
	size_t off = sizeof(*in);
	struct pt_inode *n;
	char path[32];
	int err;
	const char *name = name_at(r, &off, &err);

	if (!name)
		return reply_err(r, err);
	n = inode_get(&pt->inodes, in->oldnodeid);
	if (!n)
		return reply_err(r, ENOENT);
	if (n->type == S_IFDIR)
		return reply_err(r, EPERM);
	if (inode_fd(&pt->inodes, n) < 0)
		return reply_errno(r);
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the magic link does not. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", n->fd);
	if (linkat(AT_FDCWD, path, r->node->fd, name, AT_SYMLINK_FOLLOW) < 0)
		return reply_errno(r);
	return reply_entry(r, pt, r->node, name);
}
