// SPDX-License-Identifier: MIT
/* FUSE operations on open directories. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices/fs/host_open.h"
#include "devices/fs/lookup.h"
#include "devices/fs/ops.h"

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

uint32_t op_opendir(struct request *r, struct passthrough *pt)
{
	struct fuse_open_out out = { 0 };
	struct pt_handle *h;
	struct stat st;
	int fd = open_inode(pt, r->node, O_RDONLY, S_IFDIR, &st);

	if (fd < 0)
		return reply_errno(r);
	h = handle_add(&pt->handles, fd, true, &out.fh);
	if (!h) {
		int e = errno;

		close(fd);
		return reply_err(r, e);
	}
	h->empty = r->node->sealed;
	if (pt->readonly)
		out.open_flags = FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR;
	return reply(r, 0, &out, sizeof(out));
}

static bool dot_or_dotdot(const char *s)
{
	return s[0] == '.' && (!s[1] || (s[1] == '.' && !s[2]));
}

/* READDIR or (plus) READDIRPLUS, which looks each entry up as well. */
static uint32_t readdir(struct request *r, struct passthrough *pt, bool plus)
{
	const struct fuse_read_in *in = (const void *)r->arg;
	struct pt_handle *h = r->handle;
	/* Lookups may grow (move) the inode table: hold an index. */
	uint32_t di = inode_index(&pt->inodes, r->node);
	uint8_t *out = pt->reply;
	size_t size, gsize, used = 0;
	long got;

	if (h->empty)
		return reply(r, 0, NULL, 0);
	size = in->size;
	if (size > PT_REPLY_MAX)
		size = PT_REPLY_MAX;
	if (r->rep_room < OUT_HDR)
		return reply_err(r, EINVAL);
	if (size > r->rep_room - OUT_HDR)
		size = r->rep_room - OUT_HDR;
	if (in->offset > INT64_MAX ||
	    lseek(h->fd, (off_t)in->offset, SEEK_SET) < 0)
		return reply_errno(r);
	/* A host dirent is never larger than the guest's: read no more
	 * than the reply can take (each call seeks back anyway). */
	gsize = size < 1024 ? 1024 : size;
	for (;;) {
		got = syscall(SYS_getdents64, h->fd, pt->dirbuf, gsize);
		if (got < 0) {
			if (used)
				break;
			return reply_errno(r);
		}
		if (got == 0)
			break;
		for (long p = 0; p < got;) {
			const struct linux_dirent64 *d =
				(const void *)(pt->dirbuf + p);
			size_t namelen = strlen(d->d_name);
			size_t entlen =
				FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
			size_t pluslen = FUSE_DIRENT_ALIGN(
				FUSE_NAME_OFFSET_DIRENTPLUS + namelen);
			struct pt_inode *dir = &pt->inodes.inode[di];
			uint64_t ino = guest_ino(pt, dir->dev, d->d_ino);
			struct fuse_dirent *fd;
			struct stat st;

			p += d->d_reclen;
			if ((plus ? pluslen : entlen) > size - used)
				goto full;
			if (plus) {
				struct fuse_direntplus *dp =
					(void *)(out + used);
				uint32_t i = 0;

				memset(dp, 0, sizeof(*dp));
				if (!dot_or_dotdot(d->d_name))
					i = do_lookup(pt, dir, d->d_name, &st);
				if (i) {
					fill_entry(
						pt,
						inode_node_id(&pt->inodes, i),
						&st, &dp->entry_out);
					ino = dp->entry_out.attr.ino;
				}
				fd = &dp->dirent;
				used += pluslen;
			} else {
				fd = (void *)(out + used);
				used += entlen;
			}
			fd->ino = ino;
			fd->off = (uint64_t)d->d_off;
			fd->namelen = (uint32_t)namelen;
			fd->type = d->d_type;
			memcpy(fd->name, d->d_name, namelen);
			memset(fd->name + namelen, 0,
			       (plus ? pluslen - FUSE_NAME_OFFSET_DIRENTPLUS :
				       entlen - FUSE_NAME_OFFSET) -
				       namelen);
		}
	}
full:
	return reply(r, 0, out, used);
}

uint32_t op_readdir(struct request *r, struct passthrough *pt)
{
	return readdir(r, pt, false);
}

uint32_t op_readdirplus(struct request *r, struct passthrough *pt)
{
	return readdir(r, pt, true);
}
