/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_HOST_OPEN_H
#define KESTREL_DEVICES_FS_HOST_OPEN_H

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "devices/fs/passthrough.h"

/*
 * How the FUSE server opens host files for the guest's I/O. The
 * event-loop thread must never wait in open() (a FIFO's waits for a
 * peer) nor run a device driver's open: only an O_PATH descriptor, which
 * opens nothing, is ever taken of whatever a name holds, and it is
 * reopened for I/O only once its type is known to be the one wanted.
 */

/*
 * What every descriptor opened for the guest's I/O gets. With O_NONBLOCK
 * an open never waits (not for a lease break either); read and write on
 * regular files and directories ignore it.
 */
#define IO_OPEN_FLAGS (O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/*
 * Opens inode n for I/O with flags, if it is a `want` (S_IFREG or
 * S_IFDIR); its stat in *st. Through /proc/self/fd, so the open reaches
 * the very inode the O_PATH descriptor holds, whatever its name is now.
 * -1 with errno on failure: ENOTDIR, EISDIR, ELOOP (a symlink), EACCES
 * (a device node, FIFO or socket: the guest's to open, never kestrel's).
 */
int open_inode(struct passthrough *pt, struct pt_inode *n, int flags,
	       mode_t want, struct stat *st);

/*
 * The open(2) flags a guest may ask for: access mode and a few harmless
 * ones; never O_CREAT, O_PATH, O_DIRECTORY, O_NOFOLLOW games or O_DIRECT
 * (the host file system may not have it).
 */
int open_flags(uint32_t guest);
/* Do these open(2) flags let the file be changed? */
bool open_writes(int flags);

/* fstat() of an O_PATH descriptor, a symlink's own included. */
int stat_fd(int fd, struct stat *st);

#endif
