/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_OPS_H
#define KESTREL_DEVICES_FS_OPS_H

#include <stdint.h>

#include "devices/fs/request.h"

/*
 * The FUSE operations, done on the host: what dispatch.c's table runs.
 * Each may rely on what its table entry asks for: its fixed arguments
 * are there (r->arg), r->node is a live inode, r->handle a live handle,
 * the share is writable if it modifies, and the handle's file has lost
 * its set-ID bits if it changes data. Event-loop thread only.
 */

#define MAX_PAGES 256 /* 1 MiB reads and writes */
#define MAX_WRITE (MAX_PAGES * 4096)

/* op_fs.c: the session and the file system as a whole */
uint32_t op_init(struct request *r, struct passthrough *pt);
uint32_t op_destroy(struct request *r, struct passthrough *pt);
uint32_t op_forget(struct request *r, struct passthrough *pt);
uint32_t op_batch_forget(struct request *r, struct passthrough *pt);
uint32_t op_statfs(struct request *r, struct passthrough *pt);
uint32_t op_syncfs(struct request *r, struct passthrough *pt);

/* op_entry.c: names in directories */
uint32_t op_lookup(struct request *r, struct passthrough *pt);
uint32_t op_mknod(struct request *r, struct passthrough *pt);
uint32_t op_mkdir(struct request *r, struct passthrough *pt);
uint32_t op_symlink(struct request *r, struct passthrough *pt);
uint32_t op_unlink(struct request *r, struct passthrough *pt);
uint32_t op_rmdir(struct request *r, struct passthrough *pt);
uint32_t op_rename(struct request *r, struct passthrough *pt);
uint32_t op_rename2(struct request *r, struct passthrough *pt);
uint32_t op_link(struct request *r, struct passthrough *pt);

/* op_attr.c: attributes of an inode */
uint32_t op_getattr(struct request *r, struct passthrough *pt);
uint32_t op_setattr(struct request *r, struct passthrough *pt);
uint32_t op_readlink(struct request *r, struct passthrough *pt);
uint32_t op_access(struct request *r, struct passthrough *pt);

/* op_file.c: open files */
uint32_t op_open(struct request *r, struct passthrough *pt);
uint32_t op_create(struct request *r, struct passthrough *pt);
uint32_t op_read(struct request *r, struct passthrough *pt);
uint32_t op_write(struct request *r, struct passthrough *pt);
/* RELEASE and RELEASEDIR, FSYNC and FSYNCDIR alike */
uint32_t op_release(struct request *r, struct passthrough *pt);
uint32_t op_flush(struct request *r, struct passthrough *pt);
uint32_t op_fsync(struct request *r, struct passthrough *pt);
uint32_t op_lseek(struct request *r, struct passthrough *pt);
uint32_t op_fallocate(struct request *r, struct passthrough *pt);

/* op_dir.c: open directories */
uint32_t op_opendir(struct request *r, struct passthrough *pt);
uint32_t op_readdir(struct request *r, struct passthrough *pt);
uint32_t op_readdirplus(struct request *r, struct passthrough *pt);

#endif
