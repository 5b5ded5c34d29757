/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_BLOCK_DISK_H
#define KESTREL_DEVICES_BLOCK_DISK_H

#include <libaio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * How a disk is opened: the guest writes to the image; the guest only
 * reads it; or (snapshot) the guest writes to a throwaway overlay and the
 * image itself is only ever read.
 */
enum disk_mode { DISK_WRITABLE, DISK_READONLY, DISK_SNAPSHOT };

/*
 * A snapshot disk's overlay: an unlinked temporary file as big as the
 * image (sparse: it takes space only where the guest wrote), and a bitmap
 * saying which sectors are in it.
 */
struct disk_overlay {
	int fd; /* O_DIRECT when `direct` */
	int buffered_fd; /* == fd if !direct */
	bool direct;
	uint64_t *written; /* bit per 512-byte sector: read from the overlay */
};

/*
 * A raw disk image: a regular file or a block device. Reads and writes
 * are asynchronous (Linux AIO, completions signalled on an eventfd), with
 * O_DIRECT where the file system supports it and a buffered descriptor for
 * requests whose buffers O_DIRECT cannot take. Flush is an asynchronous
 * fdatasync.
 */
struct disk {
	char path[4096];
	int fd; /* O_DIRECT when `direct` */
	int buffered_fd; /* the same file without O_DIRECT; == fd if !direct */
	int event_fd; /* AIO completions */
	io_context_t aio;
	unsigned int max_inflight;
	bool direct, readonly, blockdev;
	bool snapshot; /* writes go to `overlay`; the image is opened O_RDONLY */
	bool can_discard, can_write_zeroes;
	uint64_t size; /* bytes, a multiple of 512 */
	uint32_t block_size; /* O_DIRECT alignment */
	struct disk_overlay overlay; /* snapshot only */
};

/*
 * Opens path (read-only unless mode is DISK_WRITABLE), locks it (shared,
 * or exclusive for DISK_WRITABLE, so a writer excludes everyone else) and
 * sets up AIO for max_inflight requests. DISK_SNAPSHOT also makes the
 * overlay in $TMPDIR (default /tmp). On error returns -1 with one line in
 * err and leaves nothing open. From then on a write past RLIMIT_FSIZE
 * fails (EFBIG) instead of raising SIGXFSZ (host_limits_fsize_is_error).
 */
int disk_open(struct disk *d, const char *path, enum disk_mode mode,
	      unsigned int max_inflight, char *err, size_t errlen);
void disk_close(struct disk *d);

/*
 * Prepares cb for a read or write of iov at byte offset off. On a snapshot
 * disk a write goes to the overlay, and a read must lie in one run (see
 * disk_run): from the overlay or from the image.
 */
void disk_prep_rw(struct disk *d, struct iocb *cb, bool write,
		  const struct iovec *iov, int n, uint64_t off, void *data);
/*
 * After an iocb from disk_prep_rw moved `bytes` successfully: a snapshot
 * disk records the sectors a write put in the overlay, so later reads
 * find them there. Call it before the guest hears of the completion.
 */
void disk_rw_done(struct disk *d, const struct iocb *cb, uint64_t bytes);

/*
 * How many bytes from off (up to len, both multiples of 512) come from
 * one place; *overlay says which. On a snapshot disk, a read longer than
 * that spans both the overlay and the image; other disks have one place.
 */
uint64_t disk_run(const struct disk *d, uint64_t off, uint64_t len,
		  bool *overlay);
/*
 * Synchronous read of iov (n entries, whole sectors in total) at off,
 * split into runs from the overlay and the image; scratch (at least n
 * entries) holds each run's piece of iov. 0 or -errno (-EIO if short).
 */
int disk_read_sync(struct disk *d, const struct iovec *iov, int n, uint64_t off,
		   struct iovec *scratch, int nscratch);
void disk_prep_flush(struct disk *d, struct iocb *cb, void *data);
/* Submits n prepared iocbs; returns how many went, or -errno. */
int disk_submit(struct disk *d, struct iocb **cbs, int n);

/*
 * Synchronous: deallocate or zero [off, off + len); 0 or -errno. On a
 * snapshot disk both zero the range in the overlay and never touch the
 * image.
 */
int disk_discard(struct disk *d, uint64_t off, uint64_t len);
int disk_write_zeroes(struct disk *d, uint64_t off, uint64_t len, bool unmap);

#endif
