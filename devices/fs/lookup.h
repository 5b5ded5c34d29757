/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_LOOKUP_H
#define KESTREL_DEVICES_FS_LOOKUP_H

#include <stdint.h>
#include <sys/stat.h>

#include "devices/fs/request.h"

/*
 * Finding a name beneath a directory the guest knows: one path component,
 * opened O_PATH | O_NOFOLLOW beneath the directory's descriptor, so
 * nothing outside the share is reached, no symlink is followed, no
 * driver's open runs and no FIFO waits; and never into a pseudo file
 * system (pseudo_fs.h).
 */

/*
 * Looks name up beneath dir and takes a reference on its inode: *st, the
 * index. 0 with errno set on failure (ENOENT beneath a sealed directory,
 * or for what a pseudo file system holds but a directory). May move the
 * inode table.
 */
uint32_t do_lookup(struct passthrough *pt, struct pt_inode *dir,
		   const char *name, struct stat *st);
/* A LOOKUP's reply for name beneath dir. */
uint32_t reply_entry(struct request *r, struct passthrough *pt,
		     struct pt_inode *dir, const char *name);

#endif
