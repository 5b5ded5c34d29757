// SPDX-License-Identifier: MIT
/* Copying into, out of and slicing scatter lists. */
#include "devices/virtio/iov.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

size_t iov_size(const struct iovec *iov, unsigned int n)
{
	size_t total = 0;

	for (unsigned int i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

/* Copies between buf and the iovec's bytes from off on, either way. */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t off,
		       uint8_t *buf, size_t len, bool to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		uint8_t *base = iov[i].iov_base;
		size_t take;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - off;
		if (take > len - done)
			take = len - done;
		if (to_iov)
			memcpy(base + off, buf + done, take);
		else
			memcpy(buf + done, base + off, take);
		done += take;
		off = 0;
	}
	return done;
}

size_t iov_to_buf(const struct iovec *iov, unsigned int n, size_t off,
		  void *buf, size_t len)
{
	return iov_copy(iov, n, off, buf, len, false);
}

size_t iov_from_buf(const struct iovec *iov, unsigned int n, size_t off,
		    const void *buf, size_t len)
{
	/* Only read through buf: the cast serves the shared walker. */
	return iov_copy(iov, n, off, (uint8_t *)buf, len, true);
}

int iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
	      struct iovec *dst, unsigned int max)
{
	unsigned int out = 0;

	for (unsigned int i = 0; i < n && len; i++) {
		size_t take;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		take = iov[i].iov_len - off;
		if (take > len)
			take = len;
		if (out == max)
			return -1;
		dst[out].iov_base = (uint8_t *)iov[i].iov_base + off;
		dst[out].iov_len = take;
		out++;
		len -= take;
		off = 0;
	}
	return len ? -1 : (int)out;
}
