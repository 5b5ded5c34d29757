/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_IOV_H
#define KESTREL_DEVICES_VIRTIO_IOV_H

#include <stddef.h>
#include <sys/uio.h>

/*
 * Byte-level views of a scatter list, for requests whose fields a driver
 * may split across buffers however it likes (virtio 1.x section 2.6.4).
 */

/* Copies up to len bytes from offset off of iov into buf; returns count. */
size_t iov_to_buf(const struct iovec *iov, unsigned int n, size_t off,
		  void *buf, size_t len);
/* Copies up to len bytes of buf into iov from offset off; returns count. */
size_t iov_from_buf(const struct iovec *iov, unsigned int n, size_t off,
		    const void *buf, size_t len);
/*
 * Fills dst (room for max entries) with the part [off, off + len) of iov,
 * leaving out empty pieces. Returns the entry count, or -1 if the range
 * is not all there or needs more than max entries.
 */
int iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
	      struct iovec *dst, unsigned int max);
/* Total length. */
size_t iov_size(const struct iovec *iov, unsigned int n);

#endif
