// SPDX-License-Identifier: MIT
/* Finding a name beneath a directory the guest knows. */
#include "devices/fs/lookup.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "devices/fs/host_open.h"
#include "devices/fs/pseudo_fs.h"

uint32_t do_lookup(struct passthrough *pt, struct pt_inode *dir,
		   const char *name, struct stat *st)
{
	bool sealed = false;
	int dir_fd, fd;

	if (dir->sealed) {
		errno = ENOENT;
		return 0;
	}
	dir_fd = inode_fd(&pt->inodes, dir);
	if (dir_fd < 0)
		return 0;
	fd = openat(dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (stat_fd(fd, st) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return 0;
	}
	/* Only a mount point starts another file system. */
	if (st->st_dev != dir->dev && pseudo_fs_of(fd)) {
		if (!S_ISDIR(st->st_mode)) {
			close(fd);
			errno = ENOENT;
			return 0;
		}
		sealed = true;
	}
	return inode_ref(&pt->inodes, fd, st, sealed);
}

uint32_t reply_entry(struct request *r, struct passthrough *pt,
		     struct pt_inode *dir, const char *name)
{
	struct fuse_entry_out e;
	struct stat st;
	uint32_t i = do_lookup(pt, dir, name, &st);

	if (!i) {
		/* Read-only: the guest may remember that it is not there. */
		if (errno == ENOENT && pt->readonly) {
			e = (struct fuse_entry_out){
				.entry_valid = pt->entry_timeout
			};
			return reply(r, 0, &e, sizeof(e));
		}
		return reply_errno(r);
	}
	fill_entry(pt, inode_node_id(&pt->inodes, i), &st, &e);
	return reply(r, 0, &e, sizeof(e));
}
