// SPDX-License-Identifier: MIT
/* FUSE arguments the guest sent and replies it gets. */
#include "devices/fs/request.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "devices/virtio/iov.h"
#include "runtime/log.h"

const void *arg_at(const struct request *r, size_t off, size_t len)
{
	if (off > r->arg_len || len > r->arg_len - off)
		return NULL;
	return r->arg + off;
}

const char *name_at(const struct request *r, size_t *off, int *err)
{
	const char *s;
	size_t n;

	*err = EINVAL;
	if (*off >= r->arg_len)
		return NULL;
	s = (const char *)r->arg + *off;
	n = strnlen(s, r->arg_len - *off);
	if (n == r->arg_len - *off)
		return NULL; /* no terminator */
	*off += n + 1;
	if (n == 0 || n > NAME_MAX || memchr(s, '/', n))
		return NULL;
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		*err = ENOENT;
		return NULL;
	}
	return s;
}

uint32_t reply(struct request *r, int error, const void *body, size_t len)
{
	struct fuse_out_header oh = { .unique = r->h->unique };

	if (r->rep_room < OUT_HDR) {
		log_guest("virtio-fs: opcode %u: no room for a reply",
			  r->h->opcode);
		return 0;
	}
	if (!error && len > r->rep_room - OUT_HDR) {
		log_guest("virtio-fs: opcode %u: reply of %zu bytes, room %zu",
			  r->h->opcode, len, r->rep_room - OUT_HDR);
		error = -EINVAL;
	}
	if (error) {
		len = 0;
		oh.error = error;
	}
	oh.len = (uint32_t)(OUT_HDR + len);
	iov_from_buf(r->rep, r->nr_rep, 0, &oh, OUT_HDR);
	if (len)
		iov_from_buf(r->rep, r->nr_rep, OUT_HDR, body, len);
	return oh.len;
}

uint32_t reply_err(struct request *r, int err)
{
	return reply(r, -err, NULL, 0);
}

uint32_t reply_errno(struct request *r)
{
	return reply_err(r, errno ? errno : EIO);
}

/* One file system, so mix in the device of anything mounted beneath the
 * root, or find(1) sees loops. */
uint64_t guest_ino(const struct passthrough *pt, dev_t dev, ino_t ino)
{
	uint64_t mix;

	if (dev == pt->root_dev)
		return ino;
	mix = ((uint64_t)dev * 0x9e3779b97f4a7c15ULL) & 0xffff000000000000ULL;
	return (uint64_t)ino ^ mix;
}

void fill_attr(const struct passthrough *pt, const struct stat *st,
	       struct fuse_attr *a)
{
	*a = (struct fuse_attr){
		.ino = guest_ino(pt, st->st_dev, st->st_ino),
		.size = (uint64_t)st->st_size,
		.blocks = (uint64_t)st->st_blocks,
		.atime = (uint64_t)st->st_atim.tv_sec,
		.mtime = (uint64_t)st->st_mtim.tv_sec,
		.ctime = (uint64_t)st->st_ctim.tv_sec,
		.atimensec = (uint32_t)st->st_atim.tv_nsec,
		.mtimensec = (uint32_t)st->st_mtim.tv_nsec,
		.ctimensec = (uint32_t)st->st_ctim.tv_nsec,
		.mode = st->st_mode,
		.nlink = (uint32_t)st->st_nlink,
		.uid = st->st_uid,
		.gid = st->st_gid,
		/* glibc's dev_t layout is the kernel's new_encode_dev() */
		.rdev = (uint32_t)st->st_rdev,
		.blksize = (uint32_t)st->st_blksize,
	};
}

void fill_entry(const struct passthrough *pt, uint64_t nodeid,
		const struct stat *st, struct fuse_entry_out *e)
{
	*e = (struct fuse_entry_out){
		.nodeid = nodeid,
		.entry_valid = pt->entry_timeout,
		.attr_valid = pt->entry_timeout,
	};
	fill_attr(pt, st, &e->attr);
}
