// SPDX-License-Identifier: MIT
/* FUSE operations on the session and the file system as a whole. */
#include <errno.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "devices/fs/host_open.h"
#include "devices/fs/ops.h"
#include "runtime/log.h"

uint32_t op_init(struct request *r, struct passthrough *pt)
{
	const struct fuse_init_in *in = (const void *)r->arg;
	struct fuse_init_out out = { 0 };
	uint32_t want = FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC |
			FUSE_BIG_WRITES | FUSE_DO_READDIRPLUS |
			FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES |
			FUSE_CACHE_SYMLINKS;
	size_t len = sizeof(out);

	if (in->major != KESTREL_FUSE_MAJOR) {
		log_guest("virtio-fs: FUSE protocol %u.%u, not 7.x", in->major,
			  in->minor);
		if (in->major > KESTREL_FUSE_MAJOR) {
			/* Tell it ours; it comes back with 7.x. */
			out.major = KESTREL_FUSE_MAJOR;
			out.minor = KESTREL_FUSE_MINOR;
			return reply(r, 0, &out, 8);
		}
		return reply_err(r, EPROTO);
	}
	if (!pt->readonly)
		want |= FUSE_AUTO_INVAL_DATA;
	passthrough_reset(pt); /* a new session: nothing is remembered */
	out.major = KESTREL_FUSE_MAJOR;
	out.minor = KESTREL_FUSE_MINOR;
	out.max_readahead = in->max_readahead;
	out.flags = in->flags & want;
	out.max_background = 64;
	out.congestion_threshold = 48;
	out.max_write = MAX_WRITE;
	out.time_gran = 1;
	out.max_pages = MAX_PAGES;
	/* Older kernels know shorter replies (fuse_kernel.h history). */
	if (in->minor < 5)
		len = 8;
	else if (in->minor < 23)
		len = 24;
	pt->initialized = true;
	return reply(r, 0, &out, len);
}

uint32_t op_destroy(struct request *r, struct passthrough *pt)
{
	passthrough_reset(pt);
	return reply(r, 0, NULL, 0);
}

uint32_t op_forget(struct request *r, struct passthrough *pt)
{
	const struct fuse_forget_in *in = (const void *)r->arg;

	inode_forget(&pt->inodes, r->h->nodeid, in->nlookup);
	return 0;
}

uint32_t op_batch_forget(struct request *r, struct passthrough *pt)
{
	const struct fuse_batch_forget_in *in = (const void *)r->arg;
	const struct fuse_forget_one *one;

	for (uint32_t i = 0; i < in->count; i++) {
		one = arg_at(r, sizeof(*in) + i * sizeof(*one), sizeof(*one));
		if (!one)
			break;
		inode_forget(&pt->inodes, one->nodeid, one->nlookup);
	}
	return 0;
}

uint32_t op_statfs(struct request *r, struct passthrough *pt)
{
	struct fuse_statfs_out out = { 0 };
	struct statfs s;

	(void)pt;
	if (fstatfs(r->node->fd, &s) < 0)
		return reply_errno(r);
	out.st = (struct fuse_kstatfs){
		.blocks = s.f_blocks,
		.bfree = s.f_bfree,
		.bavail = s.f_bavail,
		.files = s.f_files,
		.ffree = s.f_ffree,
		.bsize = (uint32_t)s.f_bsize,
		.namelen = (uint32_t)s.f_namelen,
		.frsize = (uint32_t)s.f_frsize,
	};
	return reply(r, 0, &out, sizeof(out));
}

/*
 * The guest's sync(2): every host file system the guest holds a directory
 * on (the share's, and any mounted beneath it that it went into), so that
 * what it wrote there survives the host; a read-only share wrote nothing.
 * syncfs() needs an open directory, not an O_PATH descriptor.
 */
uint32_t op_syncfs(struct request *r, struct passthrough *pt)
{
	struct inode_table *t = &pt->inodes;
	dev_t done[64];
	unsigned int nr_done = 0;

	if (pt->readonly)
		return reply(r, 0, NULL, 0);
	for (uint32_t i = ROOT_INDEX; i < t->nr; i++) {
		struct pt_inode *n = &t->inode[i];
		unsigned int k = 0;
		struct stat st;
		int fd, err;

		if (!n->nlookup || n->type != S_IFDIR || n->sealed)
			continue;
		while (k < nr_done && done[k] != n->dev)
			k++;
		if (k < nr_done)
			continue;
		if (nr_done == sizeof(done) / sizeof(done[0])) {
			sync(); /* so many file systems: all of them */
			break;
		}
		done[nr_done++] = n->dev;
		fd = open_inode(pt, n, O_RDONLY, S_IFDIR, &st);
		if (fd < 0)
			return reply_errno(r);
		/* It reports the file system's write-back errors too. */
		err = syncfs(fd) < 0 ? errno : 0;
		close(fd);
		if (err)
			return reply_err(r, err);
	}
	return reply(r, 0, NULL, 0);
}
