// SPDX-License-Identifier: MIT
/* FUSE operations on the attributes of an inode. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/fs/host_open.h"
#include "devices/fs/ops.h"
#include "devices/fs/setid.h"

uint32_t op_getattr(struct request *r, struct passthrough *pt)
{
	const struct fuse_getattr_in *in = arg_at(r, 0, sizeof(*in));
	struct fuse_attr_out out = { .attr_valid = pt->entry_timeout };
	struct pt_handle *h = NULL;
	struct stat st;

	if (in && (in->getattr_flags & FUSE_GETATTR_FH))
		h = handle_get(&pt->handles, in->fh, false);
	if ((h ? fstat(h->fd, &st) : stat_fd(r->node->fd, &st)) < 0)
		return reply_errno(r);
	fill_attr(pt, &st, &out.attr);
	return reply(r, 0, &out, sizeof(out));
}

static int set_times(struct passthrough *pt, const struct pt_inode *n,
		     const struct fuse_setattr_in *in)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { .tv_nsec = UTIME_OMIT } };
	char path[16];

	if (in->valid & FATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (in->valid & FATTR_ATIME)
		ts[0] = (struct timespec){ (time_t)in->atime, in->atimensec };
	if (in->valid & FATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (in->valid & FATTR_MTIME)
		ts[1] = (struct timespec){ (time_t)in->mtime, in->mtimensec };
	if (n->type == S_IFLNK)
		return utimensat(n->fd, "", ts,
				 AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	snprintf(path, sizeof(path), "%d", n->fd);
	return utimensat(pt->proc_fd, path, ts, 0);
}

/*
 * SETATTR's new size, through the guest's handle h if it named one, else
 * through a descriptor opened for it; set-ID bits go first (setid.h).
 * 0 or -errno.
 */
static int set_size(struct passthrough *pt, struct pt_inode *n,
		    struct pt_handle *h, uint64_t size)
{
	struct stat st;
	int fd, err;

	if (h) {
		err = handle_drop_setid(h);
		if (!err && ftruncate(h->fd, (off_t)size) < 0)
			err = -errno;
		return err;
	}
	if (n->type != S_IFREG)
		return n->type == S_IFDIR ? -EISDIR : -EINVAL;
	fd = open_inode(pt, n, O_WRONLY, S_IFREG, &st);
	if (fd < 0)
		return -errno;
	err = drop_setid(fd);
	if (!err && ftruncate(fd, (off_t)size) < 0)
		err = -errno;
	close(fd);
	return err;
}

uint32_t op_setattr(struct request *r, struct passthrough *pt)
{
	const struct fuse_setattr_in *in = (const void *)r->arg;
	struct pt_inode *n = r->node;
	struct pt_handle *h = NULL;
	char path[16];

	if (in->valid & FATTR_FH)
		h = handle_get(&pt->handles, in->fh, false);
	snprintf(path, sizeof(path), "%d", n->fd);
	if (in->valid & FATTR_MODE) {
		mode_t mode =
			safe_mode(pt, n->type | (in->mode & 07777)) & 07777;

		if (n->type == S_IFLNK)
			return reply_err(r, EOPNOTSUPP);
		if ((h ? fchmod(h->fd, mode) :
			 fchmodat(pt->proc_fd, path, mode, 0)) < 0)
			return reply_errno(r);
	}
	if (in->valid & (FATTR_UID | FATTR_GID)) {
		uid_t uid = in->valid & FATTR_UID ? in->uid : (uid_t)-1;
		gid_t gid = in->valid & FATTR_GID ? in->gid : (gid_t)-1;

		if (fchownat(n->fd, "", uid, gid,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return reply_errno(r);
	}
	if (in->valid & FATTR_SIZE) {
		int err = set_size(pt, n, h, in->size);

		if (err)
			return reply_err(r, -err);
	}
	if ((in->valid &
	     (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)) &&
	    set_times(pt, n, in) < 0)
		return reply_errno(r);
	return op_getattr(r, pt);
}

uint32_t op_readlink(struct request *r, struct passthrough *pt)
{
	char *buf = (char *)pt->reply;
	ssize_t len;

	if (r->node->type != S_IFLNK)
		return reply_err(r, EINVAL);
	len = readlinkat(r->node->fd, "", buf, PATH_MAX);
	if (len < 0)
		return reply_errno(r);
	return reply(r, 0, buf, (size_t)len);
}

uint32_t op_access(struct request *r, struct passthrough *pt)
{
	const struct fuse_access_in *in = (const void *)r->arg;
	char path[16];

	if (pt->readonly && (in->mask & W_OK))
		return reply_err(r, EROFS);
	if (r->node->type == S_IFLNK)
		return reply(r, 0, NULL, 0);
	snprintf(path, sizeof(path), "%d", r->node->fd);
	if (faccessat(pt->proc_fd, path, (int)(in->mask & 7), 0) < 0)
		return reply_errno(r);
	return reply(r, 0, NULL, 0);
}
