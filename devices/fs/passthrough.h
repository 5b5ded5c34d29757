/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_PASSTHROUGH_H
#define KESTREL_DEVICES_FS_PASSTHROUGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "devices/fs/fuse.h"
#include "devices/fs/handle_table.h"
#include "devices/fs/inode_table.h"

/*
 * A FUSE server over one host directory, for virtio-fs: it takes a request
 * as the guest wrote it and writes the reply, knowing nothing of
 * virtqueues. The guest is hostile: every name is one path component
 * opened beneath its parent's descriptor without following symlinks, so
 * nothing outside the directory is ever reached; node IDs and file
 * handles are checked indices into kestrel's tables, never host fds.
 * Called on the event-loop thread only.
 *
 * dispatch.c decodes requests and applies the rules every operation
 * shares, from one table; the op_*.c files do the operations on the host.
 */

/* The largest reply built in memory (READ data goes straight to the guest). */
#define PT_REPLY_MAX (64 * 1024)
#define PT_MAX_IOV 1024

struct passthrough {
	bool readonly;
	bool initialized; /* INIT done, no DESTROY since */
	bool as_root; /* chown what the guest creates to its caller */
	int proc_fd; /* /proc/self/fd, to reopen O_PATH descriptors */
	dev_t root_dev;
	uint64_t entry_timeout; /* seconds the guest may cache names, attrs */
	struct inode_table inodes;
	struct handle_table handles;

	/* Aligned for the argument and dirent structs read in place. */
	uint8_t req[sizeof(struct fuse_in_header) + FUSE_REQ_ARGS_MAX + 8]
		__attribute__((aligned(8)));
	uint8_t reply[sizeof(struct fuse_out_header) + PT_REPLY_MAX]
		__attribute__((aligned(8)));
	uint8_t dirbuf[PT_REPLY_MAX] __attribute__((aligned(8)));
	struct iovec io[PT_MAX_IOV];
};

/*
 * Serves the directory dir_fd (O_PATH or O_RDONLY, taken over: closed by
 * passthrough_destroy, also on failure). Raises the RLIMIT_NOFILE soft
 * limit to the hard limit, since every inode the guest holds keeps an fd,
 * and makes writes past RLIMIT_FSIZE fail with EFBIG rather than raise
 * SIGXFSZ (host_limits_fsize_is_error). Returns 0, or -1 with one line in
 * err.
 */
int passthrough_init(struct passthrough *pt, int dir_fd, bool readonly,
		     char *err, size_t errlen);
void passthrough_destroy(struct passthrough *pt);

/*
 * Handles one request: req (nr_req buffers) holds the FUSE in-header and
 * arguments, rep (nr_rep buffers) receives the reply. Returns the bytes
 * written to rep: 0 when there is no reply (FORGET, BATCH_FORGET) or not
 * even a reply header fits.
 */
uint32_t passthrough_handle(struct passthrough *pt, const struct iovec *req,
			    unsigned int nr_req, const struct iovec *rep,
			    unsigned int nr_rep);

/* Forgets every inode but the root and closes every handle (a reset). */
void passthrough_reset(struct passthrough *pt);

/* Inodes the guest holds (root included), for tests. */
uint32_t passthrough_nr_inodes(const struct passthrough *pt);

#endif
