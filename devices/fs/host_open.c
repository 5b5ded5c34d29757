// SPDX-License-Identifier: MIT
/* How the FUSE server opens host files for the guest's I/O. */
#include "devices/fs/host_open.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* The error for opening a node of type `type` as a `want` (S_IFMT bits). */
static int wrong_type(mode_t type, mode_t want)
{
	if (want == S_IFDIR)
		return ENOTDIR;
	if (type == S_IFDIR)
		return EISDIR;
	if (type == S_IFLNK)
		return ELOOP;
	/* A device's open runs its driver on the host. */
	return EACCES;
}

int open_inode(struct passthrough *pt, struct pt_inode *n, int flags,
	       mode_t want, struct stat *st)
{
	char path[16];
	int fd, e;

	if (n->type != want) {
		errno = wrong_type(n->type, want);
		return -1;
	}
	fd = inode_fd(&pt->inodes, n);
	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "%d", fd);
	fd = openat(pt->proc_fd, path,
		    flags | IO_OPEN_FLAGS |
			    (want == S_IFDIR ? O_DIRECTORY : 0));
	if (fd < 0)
		return -1;
	if (fstat(fd, st) == 0 && (st->st_mode & S_IFMT) == want)
		return fd;
	e = errno;
	close(fd);
	errno = (st->st_mode & S_IFMT) != want ?
			wrong_type(st->st_mode & S_IFMT, want) :
			e;
	return -1;
}

int open_flags(uint32_t guest)
{
	return (int)(guest & (O_ACCMODE | O_APPEND | O_TRUNC | O_NONBLOCK |
			      O_SYNC | O_DSYNC | O_LARGEFILE));
}

bool open_writes(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY ||
	       (flags & (O_TRUNC | O_APPEND));
}

int stat_fd(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}
