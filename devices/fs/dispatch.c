// SPDX-License-Identifier: MIT
/*
 * FUSE requests as the guest wrote them: the in-header is checked, the
 * arguments copied, and the operation run from one table that says what
 * it needs, so that each rule every operation of a kind obeys is written
 * once, here: INIT first, EROFS on a read-only share, the arguments'
 * size, a live inode and its descriptor, sealed directories, room for
 * a new handle, a live handle, set-ID bits dropped before data changes.
 */
#include <errno.h>
#include <string.h>

#include "devices/fs/ops.h"
#include "devices/fs/passthrough.h"
#include "devices/fs/setid.h"
#include "devices/virtio/iov.h"
#include "runtime/log.h"

enum fh_kind { FH_NONE, FH_FILE, FH_DIR };

struct fuse_op {
	uint32_t (*run)(struct request *r, struct passthrough *pt);
	/* Known, not done: ENOSYS, so the guest stops asking, unlogged. */
	bool unsupported;
	/* The fixed arguments it needs: EINVAL if the request is shorter. */
	size_t args;
	/* Changes the share: EROFS on a read-only one. */
	bool modifies;
	/* Works on the inode h->nodeid names (r->node): ENOENT if none. */
	bool node;
	/* Also on a sealed directory, empty to the guest: else ENOENT, or
	 * EACCES if it modifies. */
	bool sealed_ok;
	/* The arguments begin with a handle of this kind (r->handle):
	 * EBADF if they do not. */
	enum fh_kind fh;
	/* Changes the data of the handle's file: its set-ID bits go
	 * first (setid.h). */
	bool changes_data;
	/* No reply, whatever happens (FORGET). */
	bool no_reply;
	/* Keeps a descriptor open (a handle): the budget must have room,
	 * else ENFILE (fd_budget.h). */
	bool opens;
};

static const struct fuse_op ops[] = {
	/* FUSE_INIT is run before the table is consulted. */
	[FUSE_DESTROY] = { .run = op_destroy },
	[FUSE_FORGET] = { .run = op_forget,
			  .args = sizeof(struct fuse_forget_in),
			  .no_reply = true },
	[FUSE_BATCH_FORGET] = { .run = op_batch_forget,
				.args = sizeof(struct fuse_batch_forget_in),
				.no_reply = true },
	[FUSE_STATFS] = { .run = op_statfs, .node = true, .sealed_ok = true },
	[FUSE_SYNCFS] = { .run = op_syncfs },

	[FUSE_LOOKUP] = { .run = op_lookup, .node = true },
	[FUSE_MKNOD] = { .run = op_mknod,
			 .args = sizeof(struct fuse_mknod_in),
			 .modifies = true,
			 .node = true },
	[FUSE_MKDIR] = { .run = op_mkdir,
			 .args = sizeof(struct fuse_mkdir_in),
			 .modifies = true,
			 .node = true },
	[FUSE_SYMLINK] = { .run = op_symlink, .modifies = true, .node = true },
	[FUSE_UNLINK] = { .run = op_unlink, .modifies = true, .node = true },
	[FUSE_RMDIR] = { .run = op_rmdir, .modifies = true, .node = true },
	[FUSE_RENAME] = { .run = op_rename,
			  .args = sizeof(struct fuse_rename_in),
			  .modifies = true,
			  .node = true,
			  .opens = true },
	[FUSE_RENAME2] = { .run = op_rename2,
			   .args = sizeof(struct fuse_rename2_in),
			   .modifies = true,
			   .node = true },
	[FUSE_LINK] = { .run = op_link,
			.args = sizeof(struct fuse_link_in),
			.modifies = true,
			.node = true },

	[FUSE_GETATTR] = { .run = op_getattr, .node = true, .sealed_ok = true },
	[FUSE_SETATTR] = { .run = op_setattr,
			   .args = sizeof(struct fuse_setattr_in),
			   .modifies = true,
			   .node = true },
	[FUSE_READLINK] = { .run = op_readlink, .node = true },
	[FUSE_ACCESS] = { .run = op_access,
			  .args = sizeof(struct fuse_access_in),
			  .node = true,
			  .sealed_ok = true },

	[FUSE_OPEN] = { .run = op_open,
			.args = sizeof(struct fuse_open_in),
			.node = true,
			.opens = true },
	[FUSE_CREATE] = { .run = op_create,
			  .args = sizeof(struct fuse_create_in),
			  .modifies = true,
			  .node = true,
			  .opens = true },
	[FUSE_READ] = { .run = op_read,
			.args = sizeof(struct fuse_read_in),
			.fh = FH_FILE },
	[FUSE_WRITE] = { .run = op_write,
			 .args = sizeof(struct fuse_write_in),
			 .modifies = true,
			 .fh = FH_FILE,
			 .changes_data = true },
	[FUSE_FALLOCATE] = { .run = op_fallocate,
			     .args = sizeof(struct fuse_fallocate_in),
			     .modifies = true,
			     .fh = FH_FILE,
			     .changes_data = true },
	[FUSE_LSEEK] = { .run = op_lseek,
			 .args = sizeof(struct fuse_lseek_in),
			 .fh = FH_FILE },
	[FUSE_FLUSH] = { .run = op_flush,
			 .args = sizeof(struct fuse_flush_in),
			 .fh = FH_FILE },
	[FUSE_FSYNC] = { .run = op_fsync,
			 .args = sizeof(struct fuse_fsync_in),
			 .fh = FH_FILE },
	[FUSE_RELEASE] = { .run = op_release,
			   .args = sizeof(struct fuse_release_in),
			   .fh = FH_FILE },

	[FUSE_OPENDIR] = { .run = op_opendir,
			   .args = sizeof(struct fuse_open_in),
			   .node = true,
			   .sealed_ok = true,
			   .opens = true },
	[FUSE_READDIR] = { .run = op_readdir,
			   .args = sizeof(struct fuse_read_in),
			   .node = true,
			   .sealed_ok = true,
			   .fh = FH_DIR },
	[FUSE_READDIRPLUS] = { .run = op_readdirplus,
			       .args = sizeof(struct fuse_read_in),
			       .node = true,
			       .sealed_ok = true,
			       .fh = FH_DIR },
	[FUSE_FSYNCDIR] = { .run = op_fsync,
			    .args = sizeof(struct fuse_fsync_in),
			    .fh = FH_DIR },
	[FUSE_RELEASEDIR] = { .run = op_release,
			      .args = sizeof(struct fuse_release_in),
			      .fh = FH_DIR },

	[FUSE_GETXATTR] = { .unsupported = true },
	[FUSE_LISTXATTR] = { .unsupported = true },
	[FUSE_SETXATTR] = { .unsupported = true, .modifies = true },
	[FUSE_REMOVEXATTR] = { .unsupported = true, .modifies = true },
	[FUSE_GETLK] = { .unsupported = true },
	[FUSE_SETLK] = { .unsupported = true },
	[FUSE_SETLKW] = { .unsupported = true },
	[FUSE_IOCTL] = { .unsupported = true },
	[FUSE_POLL] = { .unsupported = true },
	[FUSE_BMAP] = { .unsupported = true },
	[FUSE_INTERRUPT] = { .unsupported = true },
	[FUSE_NOTIFY_REPLY] = { .unsupported = true },
	[FUSE_COPY_FILE_RANGE] = { .unsupported = true },
	[FUSE_SETUPMAPPING] = { .unsupported = true },
	[FUSE_REMOVEMAPPING] = { .unsupported = true },
	[FUSE_TMPFILE] = { .unsupported = true },
};

/* INIT's arguments up to its flags: what the oldest kernels send. */
#define INIT_ARGS 16

static uint32_t dispatch(struct request *r, struct passthrough *pt)
{
	uint32_t opcode = r->h->opcode;
	const struct fuse_op *op =
		opcode < sizeof(ops) / sizeof(ops[0]) ? &ops[opcode] : NULL;

	inodes_request(&pt->inodes);
	if (opcode == FUSE_INIT)
		return r->arg_len < INIT_ARGS ? reply_err(r, EINVAL) :
						op_init(r, pt);
	if (!pt->initialized) {
		log_guest("virtio-fs: opcode %u before INIT", opcode);
		return reply_err(r, EIO);
	}
	if (!op || !(op->run || op->unsupported)) {
		log_guest("virtio-fs: unknown opcode %u", opcode);
		return reply_err(r, ENOSYS);
	}
	if (op->modifies && pt->readonly)
		return reply_err(r, EROFS);
	if (!op->run)
		return reply_err(r, ENOSYS);
	if (r->arg_len < op->args)
		return op->no_reply ? 0 : reply_err(r, EINVAL);
	if (op->node) {
		r->node = inode_get(&pt->inodes, r->h->nodeid);
		if (!r->node)
			return reply_err(r, ENOENT);
		if (r->node->sealed && !op->sealed_ok)
			return reply_err(r, op->modifies ? EACCES : ENOENT);
		if (inode_fd(&pt->inodes, r->node) < 0)
			return reply_errno(r);
	}
	if (op->opens && !inodes_make_room(&pt->inodes))
		return reply_err(r, ENFILE);
	if (op->fh) {
		uint64_t fh;

		memcpy(&fh, r->arg, sizeof(fh));
		r->handle = handle_get(&pt->handles, fh, op->fh == FH_DIR);
		if (!r->handle)
			return reply_err(r, EBADF);
	}
	if (op->changes_data) {
		int err = handle_drop_setid(r->handle);

		if (err)
			return reply_err(r, -err);
	}
	return op->run(r, pt);
}

uint32_t passthrough_handle(struct passthrough *pt, const struct iovec *req,
			    unsigned int nr_req, const struct iovec *rep,
			    unsigned int nr_rep)
{
	struct fuse_in_header h;
	size_t have = iov_size(req, nr_req), copy;
	struct request r = {
		.h = &h,
		.arg = pt->req + IN_HDR,
		.req = req,
		.rep = rep,
		.nr_req = nr_req,
		.nr_rep = nr_rep,
		.rep_room = iov_size(rep, nr_rep),
	};

	if (iov_to_buf(req, nr_req, 0, &h, IN_HDR) < IN_HDR) {
		log_guest("virtio-fs: request of %zu bytes, no header", have);
		return 0;
	}
	if (h.len < IN_HDR || h.len > have) {
		log_guest("virtio-fs: opcode %u: length %u, buffers hold %zu",
			  h.opcode, h.len, have);
		return reply_err(&r, EINVAL);
	}
	r.len = h.len;
	/* WRITE's data stays in guest memory; everything else is copied. */
	copy = r.len - IN_HDR;
	if (h.opcode == FUSE_WRITE && copy > sizeof(struct fuse_write_in))
		copy = sizeof(struct fuse_write_in);
	if (copy > FUSE_REQ_ARGS_MAX)
		copy = FUSE_REQ_ARGS_MAX;
	r.arg_len = iov_to_buf(req, nr_req, IN_HDR, pt->req + IN_HDR, copy);
	pt->req[IN_HDR + r.arg_len] = '\0';
	return dispatch(&r, pt);
}
