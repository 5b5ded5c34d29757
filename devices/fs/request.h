/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_REQUEST_H
#define KESTREL_DEVICES_FS_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "devices/fs/passthrough.h"

#define IN_HDR sizeof(struct fuse_in_header)
#define OUT_HDR sizeof(struct fuse_out_header)

/*
 * One FUSE request being handled: its arguments, what dispatch.c found
 * for it, and where the reply goes.
 */
struct request {
	const struct fuse_in_header *h;
	const uint8_t *arg; /* copied arguments (not WRITE's data) */
	size_t arg_len; /* bytes of arg that are there */
	size_t len; /* the whole request, per the header */
	const struct iovec *req, *rep;
	unsigned int nr_req, nr_rep;
	size_t rep_room;
	/* The inode h->nodeid names, for operations that need one, with
	 * its descriptor open (inode_fd) until the next request; the
	 * pointer holds until the inode table grows (a lookup). */
	struct pt_inode *node;
	/* The handle the arguments begin with, for those that take one. */
	struct pt_handle *handle;
};

/* The fixed argument struct of size len at offset off, or NULL. */
const void *arg_at(const struct request *r, size_t off, size_t len);
/*
 * The NUL-terminated name at *off, advanced past it: one path component,
 * never "", "." or "..", never with a '/'. NULL (with *err) if not.
 */
const char *name_at(const struct request *r, size_t *off, int *err);

/*
 * The reply: its header and len bytes of body, or an error (-errno) if
 * error is one or the body does not fit. Returns the bytes written.
 */
uint32_t reply(struct request *r, int error, const void *body, size_t len);
uint32_t reply_err(struct request *r, int err); /* err: a positive errno */
uint32_t reply_errno(struct request *r); /* errno, or EIO if it is 0 */

/* What the guest sees of a host inode. */
void fill_attr(const struct passthrough *pt, const struct stat *st,
	       struct fuse_attr *a);
void fill_entry(const struct passthrough *pt, uint64_t nodeid,
		const struct stat *st, struct fuse_entry_out *e);
/* Guest-visible inode numbers (see request.c). */
uint64_t guest_ino(const struct passthrough *pt, dev_t dev, ino_t ino);

#endif
