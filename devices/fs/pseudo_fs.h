/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_PSEUDO_FS_H
#define KESTREL_DEVICES_FS_PSEUDO_FS_H

/*
 * File systems that are kernel interfaces rather than files: /proc holds
 * kestrel's own memory and environment, /sys and its kin write to the
 * kernel, hugetlbfs and mqueue hold other processes' memory and
 * messages, and a lookup in autofs waits for the automounter. A share
 * never crosses into one: such a directory is sealed (struct pt_inode),
 * empty to the guest. tmpfs is not one, though devtmpfs (/dev) reports
 * its magic too: its device nodes are never opened (host_open.h), and
 * the rest are files.
 */

/* The name of the pseudo file system fd is on, or NULL if it is none;
 * one that cannot be told counts as one. */
const char *pseudo_fs_of(int fd);

#endif
