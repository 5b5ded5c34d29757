/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_SETID_H
#define KESTREL_DEVICES_FS_SETID_H

#include <stdint.h>
#include <sys/types.h>

#include "devices/fs/handle_table.h"
#include "devices/fs/passthrough.h"

/*
 * Set-user-ID and set-group-ID bits of what the guest makes and changes.
 * kestrel run as root has CAP_FSETID and CAP_FOWNER: without these rules
 * a guest could leave, or keep, set-ID programs for every host user.
 */

/*
 * The mode of something the guest makes or chmods: run as root, kestrel
 * drops the set-ID bits of anything but a directory.
 */
mode_t safe_mode(const struct passthrough *pt, uint32_t mode);

/*
 * The set-ID bits that changing the data of a file of this mode drops:
 * what the kernel drops for a writer without CAP_FSETID (set-group-ID
 * without group execute marks no program, and stays).
 */
mode_t setid_bits(mode_t mode);

/*
 * Before the guest changes the data or size of the file open as fd: with
 * CAP_FSETID the kernel would keep the set-ID bits of a file whose
 * contents the guest replaces, so they go first, as for any unprivileged
 * writer; if they cannot, the change must not happen. The guest has no
 * say: FUSE lets a request keep them (no FUSE_WRITE_KILL_SUIDGID or
 * FATTR_KILL_SUIDGID) only under FUSE_HANDLE_KILLPRIV_V2, which kestrel
 * does not offer, since the guest's CAP_FSETID is not the host's.
 * Returns 0 or -errno.
 */
int drop_setid(int fd);

/* drop_setid() for a handle, once: its flag says whether it may be due. */
int handle_drop_setid(struct pt_handle *h);

#endif
