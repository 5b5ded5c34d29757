// SPDX-License-Identifier: MIT
/* FUSE operations on open files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

#include "devices/fs/host_open.h"
#include "devices/fs/lookup.h"
#include "devices/fs/ops.h"
#include "devices/fs/setid.h"
#include "devices/virtio/iov.h"
#include "runtime/log.h"

/*
 * Makes fd (just opened with flags; st its stat) a file handle in *fh. An
 * O_TRUNC open changed the data already: the set-ID bits go now; a handle
 * that may write drops them before its first change. -errno on failure
 * (fd is the caller's to close then).
 */
static int file_handle_add(struct passthrough *pt, int fd, int flags,
			   const struct stat *st, uint64_t *fh)
{
	bool setid = setid_bits(st->st_mode) && open_writes(flags);
	struct pt_handle *h;

	if ((flags & O_TRUNC) && setid) {
		int err = drop_setid(fd);

		if (err)
			return err;
		setid = false;
	}
	h = handle_add(&pt->handles, fd, false, fh);
	if (!h)
		return -errno;
	h->setid = setid;
	return 0;
}

uint32_t op_open(struct request *r, struct passthrough *pt)
{
	const struct fuse_open_in *in = (const void *)r->arg;
	struct fuse_open_out out = { 0 };
	int flags = open_flags(in->flags), fd, err;
	struct stat st;

	if (pt->readonly && open_writes(flags))
		return reply_err(r, EROFS);
	fd = open_inode(pt, r->node, flags, S_IFREG, &st);
	if (fd < 0)
		return reply_errno(r);
	err = file_handle_add(pt, fd, flags, &st, &out.fh);
	if (err) {
		close(fd);
		return reply_err(r, -err);
	}
	/* FLUSH does nothing here: spare the guest the round trip. */
	out.open_flags = FOPEN_NOFLUSH;
	if (pt->readonly)
		out.open_flags |= FOPEN_KEEP_CACHE;
	return reply(r, 0, &out, sizeof(out));
}

/*
 * Opens name beneath dir for CREATE: a new regular file, made here, or
 * (without the guest's O_EXCL) the regular file already there, opened as
 * OPEN would. Never opens what a name holds before knowing its type.
 * Returns the descriptor and takes a reference on its inode (*i, *st);
 * -1 with errno on failure.
 */
static int create_open(struct passthrough *pt, const struct request *r,
		       struct pt_inode *dir, const char *name,
		       const struct fuse_create_in *in, uint32_t *i,
		       struct stat *st)
{
	int flags = open_flags(in->flags);
	int fd, path_fd, e;
	char path[16];

	/* A name another host process keeps making and removing between
	 * the two attempts is tried a few times, not forever. */
	for (int tries = 0; tries < 4; tries++) {
		fd = openat(dir->fd, name,
			    flags | O_CREAT | O_EXCL | O_NOFOLLOW |
				    IO_OPEN_FLAGS,
			    safe_mode(pt, in->mode & 07777));
		if (fd >= 0)
			break;
		if (errno != EEXIST || (in->flags & O_EXCL))
			return -1;
		/* A lookup adds no inode when it fails: dir stays valid. */
		*i = do_lookup(pt, dir, name, st);
		if (!*i && errno == ENOENT)
			continue;
		if (!*i)
			return -1;
		fd = open_inode(pt, &pt->inodes.inode[*i], flags, S_IFREG, st);
		if (fd < 0) {
			e = errno;
			inode_forget(&pt->inodes,
				     inode_node_id(&pt->inodes, *i), 1);
			errno = e;
		}
		return fd;
	}
	if (fd < 0)
		return -1;
	if (pt->as_root && fchown(fd, r->h->uid, r->h->gid))
		log_warn("virtio-fs: cannot chown '%s': %s", name,
			 strerror(errno));
	/* The inode is the one just made, not whatever the name is now. */
	snprintf(path, sizeof(path), "%d", fd);
	if (fstat(fd, st) == 0) {
		path_fd = openat(pt->proc_fd, path, O_PATH | O_CLOEXEC);
		if (path_fd >= 0 &&
		    (*i = inode_ref(&pt->inodes, path_fd, st, false)))
			return fd;
	}
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

uint32_t op_create(struct request *r, struct passthrough *pt)
{
	const struct fuse_create_in *in = (const void *)r->arg;
	size_t off = sizeof(*in);
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} out = { 0 };
	struct stat st;
	uint32_t i;
	int fd, err;
	const char *name = name_at(r, &off, &err);

	if (!name)
		return reply_err(r, err);
	if (r->node->type != S_IFDIR)
		return reply_err(r, ENOTDIR);
	fd = create_open(pt, r, r->node, name, in, &i, &st);
	if (fd < 0)
		return reply_errno(r);
	err = file_handle_add(pt, fd, open_flags(in->flags), &st, &out.o.fh);
	if (err) {
		close(fd);
		inode_forget(&pt->inodes, inode_node_id(&pt->inodes, i), 1);
		return reply_err(r, -err);
	}
	out.o.open_flags = FOPEN_NOFLUSH;
	fill_entry(pt, inode_node_id(&pt->inodes, i), &st, &out.e);
	return reply(r, 0, &out, sizeof(out));
}

/*
 * preadv or pwritev until all of iov is done, the file ends (a read of 0)
 * or an error. Network file systems (9p, NFS, a FUSE mount) may move fewer
 * bytes than asked at any offset; the guest's FUSE driver takes a short
 * read for the end of the file and a short write for a failed one, so
 * kestrel must not hand either on. Returns the bytes moved, or -1 with
 * errno when nothing was.
 */
static ssize_t full_rw(int fd, struct iovec *iov, int nr, off_t off, bool write)
{
	ssize_t done = 0, n;

	while (nr > 0) {
		n = write ? pwritev(fd, iov, nr, off + done) :
			    preadv(fd, iov, nr, off + done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return done ? done : n;
		done += n;
		while (nr > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			nr--;
		}
		if (nr > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return done;
}

uint32_t op_read(struct request *r, struct passthrough *pt)
{
	const struct fuse_read_in *in = (const void *)r->arg;
	struct fuse_out_header oh = { .unique = r->h->unique };
	size_t size;
	ssize_t n;
	int nr;

	if (r->rep_room < OUT_HDR)
		return reply_err(r, EINVAL);
	size = in->size;
	if (size > MAX_WRITE)
		size = MAX_WRITE;
	if (size > r->rep_room - OUT_HDR)
		size = r->rep_room - OUT_HDR;
	if (in->offset > INT64_MAX)
		return reply_err(r, EINVAL);
	n = 0;
	if (size) {
		/* Straight into the guest's buffers. */
		nr = iov_slice(r->rep, r->nr_rep, OUT_HDR, size, pt->io,
			       PT_MAX_IOV);
		if (nr < 0)
			return reply_err(r, EINVAL);
		n = full_rw(r->handle->fd, pt->io, nr, (off_t)in->offset,
			    false);
		if (n < 0)
			return reply_errno(r);
	}
	oh.len = (uint32_t)(OUT_HDR + (size_t)n);
	iov_from_buf(r->rep, r->nr_rep, 0, &oh, OUT_HDR);
	return oh.len;
}

uint32_t op_write(struct request *r, struct passthrough *pt)
{
	const struct fuse_write_in *in = (const void *)r->arg;
	struct fuse_write_out out = { 0 };
	size_t off = IN_HDR + sizeof(*in);
	ssize_t n = 0;
	int nr;

	if (in->size > r->len - off || in->offset > INT64_MAX)
		return reply_err(r, EINVAL);
	if (in->size) {
		/* Straight out of the guest's buffers. */
		nr = iov_slice(r->req, r->nr_req, off, in->size, pt->io,
			       PT_MAX_IOV);
		if (nr < 0)
			return reply_err(r, EINVAL);
		n = full_rw(r->handle->fd, pt->io, nr, (off_t)in->offset, true);
		if (n < 0)
			return reply_errno(r);
	}
	out.size = (uint32_t)n;
	return reply(r, 0, &out, sizeof(out));
}

uint32_t op_release(struct request *r, struct passthrough *pt)
{
	handle_close(&pt->handles, r->handle);
	return reply(r, 0, NULL, 0);
}

/* Files are opened FOPEN_NOFLUSH; close(2) promises no durability. */
uint32_t op_flush(struct request *r, struct passthrough *pt)
{
	(void)pt;
	return reply(r, 0, NULL, 0);
}

uint32_t op_fsync(struct request *r, struct passthrough *pt)
{
	const struct fuse_fsync_in *in = (const void *)r->arg;
	int fd = r->handle->fd;

	(void)pt;
	if ((in->fsync_flags & FUSE_FSYNC_FDATASYNC ? fdatasync(fd) :
						      fsync(fd)) < 0)
		return reply_errno(r);
	return reply(r, 0, NULL, 0);
}

uint32_t op_lseek(struct request *r, struct passthrough *pt)
{
	const struct fuse_lseek_in *in = (const void *)r->arg;
	struct fuse_lseek_out out;
	off_t o;

	(void)pt;
	if (in->whence != SEEK_SET && in->whence != SEEK_CUR &&
	    in->whence != SEEK_END && in->whence != SEEK_DATA &&
	    in->whence != SEEK_HOLE)
		return reply_err(r, EINVAL);
	o = lseek(r->handle->fd, (off_t)in->offset, (int)in->whence);
	if (o < 0)
		return reply_errno(r);
	out.offset = (uint64_t)o;
	return reply(r, 0, &out, sizeof(out));
}

uint32_t op_fallocate(struct request *r, struct passthrough *pt)
{
	const struct fuse_fallocate_in *in = (const void *)r->arg;

	(void)pt;
	if (in->offset > INT64_MAX || in->length > INT64_MAX)
		return reply_err(r, EINVAL);
	if (fallocate(r->handle->fd, (int)in->mode, (off_t)in->offset,
		      (off_t)in->length) < 0)
		return reply_errno(r);
	return reply(r, 0, NULL, 0);
}
