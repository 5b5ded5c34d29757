/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_BLOCK_DISK_H
#define KESTREL_DEVICES_BLOCK_DISK_H

#include <libaio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

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
	bool can_discard, can_write_zeroes;
	uint64_t size; /* bytes, a multiple of 512 */
	uint32_t block_size; /* O_DIRECT alignment */
};

/*
 * Opens path (read-only if readonly), locks it against other writers and
 * sets up AIO for max_inflight requests. On error returns -1 with one line
 * in err and leaves nothing open.
 */
int disk_open(struct disk *d, const char *path, bool readonly,
	      unsigned int max_inflight, char *err, size_t errlen);
void disk_close(struct disk *d);

/* Prepares cb for a read or write of iov at byte offset off. */
void disk_prep_rw(struct disk *d, struct iocb *cb, bool write,
		  const struct iovec *iov, int n, uint64_t off, void *data);
void disk_prep_flush(struct disk *d, struct iocb *cb, void *data);
/* Submits n prepared iocbs; returns how many went, or -errno. */
int disk_submit(struct disk *d, struct iocb **cbs, int n);

/* Synchronous: deallocate or zero [off, off + len); 0 or -errno. */
int disk_discard(struct disk *d, uint64_t off, uint64_t len);
int disk_write_zeroes(struct disk *d, uint64_t off, uint64_t len, bool unmap);

#endif
