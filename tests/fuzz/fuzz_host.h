/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_FUZZ_HOST_H
#define KESTREL_TESTS_FUZZ_HOST_H

#include <libaio.h>
#include <stdint.h>

#include "devices/virtio/blk.h"
#include "tests/fuzz/fuzz_guest.h"

/*
 * Where a target makes its host files: $KESTREL_FUZZ_TMPDIR, else
 * /dev/shm (tmpfs: no O_DIRECT, so AIO completes at once and runs fast),
 * else $TMPDIR, else /tmp.
 */
const char *fuzz_tmp_dir(void);
/* dir/name, made or truncated, holds text. */
void fuzz_put_file(const char *dir, const char *name, const char *text);
/* A virtio-blk in mode on a fresh image of size bytes in dir (unlinked). */
void fuzz_make_blk(struct virtio_blk *blk, const struct hv *hv, const char *dir,
		   enum disk_mode mode, const char *serial, uint64_t size);

/*
 * For a target's io_submit(), which replaces libaio's (a bare system
 * call) to look at each request first: fails the input unless nr is a
 * batch virtio-blk can make and check() passes each request.
 */
void fuzz_check_submit(long nr, struct iocb *ios[],
		       void (*check)(const struct iocb *cb));
/*
 * A check() oracle: cb is an fdsync, or a read or write of 1 to
 * VIRTIO_BLK_IOV_POOL buffers, all in guest RAM, of whole sectors inside
 * an image of image_size bytes.
 */
void fuzz_check_iocb_io(const struct fuzz_guest *g, const struct iocb *cb,
			uint64_t image_size);
/* Then the system call, as libaio makes it: -errno on failure. */
int fuzz_io_submit(io_context_t ctx, long nr, struct iocb *ios[]);

#endif
