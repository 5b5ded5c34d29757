/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_FUSE_H
#define KESTREL_DEVICES_FS_FUSE_H

/*
 * The FUSE wire protocol: the kernel's own UAPI header (protocol 7.38 on
 * Debian 12) rather than a retyped copy. Everything is in the host's byte
 * order, which for virtio-fs on x86 is the guest's (little-endian).
 */
#include <linux/fuse.h>

/* What kestrel speaks; the guest's minor may be older or newer. */
#define KESTREL_FUSE_MAJOR 7
#define KESTREL_FUSE_MINOR 38

/* The size the kernel reserves for a request's arguments besides WRITE's
 * data: two names, a symlink target (PATH_MAX) and fixed fields. */
#define FUSE_REQ_ARGS_MAX (8192 + 512)

#endif
