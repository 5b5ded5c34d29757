// SPDX-License-Identifier: MIT
/* Raw disk images through Linux AIO. */
#include "devices/block/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(struct disk *d, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct disk *d, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	disk_close(d);
	return -1;
}

/* Does the file system really do O_DIRECT? Try one aligned read. */
static bool direct_works(int fd, uint32_t block)
{
	void *buf;
	bool ok;

	if (posix_memalign(&buf, 4096, 4096))
		return false;
	ok = pread(fd, buf, block, 0) >= 0;
	free(buf);
	return ok;
}

/* Which deallocation operations the file (system) supports. */
static void probe_discard(struct disk *d)
{
	if (d->readonly)
		return;
	if (d->blockdev) {
		/* The ioctls fail per request if the device cannot. */
		d->can_discard = d->can_write_zeroes = true;
		return;
	}
	/* Past the end of the file these change nothing. */
	d->can_discard =
		fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  d->size, 4096) == 0;
	d->can_write_zeroes =
		d->can_discard ||
		fallocate(d->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
			  d->size, 4096) == 0;
}

int disk_open(struct disk *d, const char *path, bool readonly,
	      unsigned int max_inflight, char *err, size_t errlen)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	struct stat st;

	memset(d, 0, sizeof(*d));
	d->fd = d->buffered_fd = d->event_fd = -1;
	d->readonly = readonly;
	d->max_inflight = max_inflight;
	snprintf(d->path, sizeof(d->path), "%s", path);

	d->buffered_fd = open(path, flags);
	if (d->buffered_fd < 0)
		return fail(d, err, errlen, "cannot open disk '%s'%s: %s%s",
			    path, readonly ? "" : " for writing",
			    strerror(errno),
			    !readonly && (errno == EACCES || errno == EROFS) ?
				    " (add ',ro' to attach it read-only)" :
				    "");
	if (fstat(d->buffered_fd, &st) < 0)
		return fail(d, err, errlen, "disk '%s': %s", path,
			    strerror(errno));
	d->blockdev = S_ISBLK(st.st_mode);
	if (!d->blockdev && !S_ISREG(st.st_mode))
		return fail(d, err, errlen,
			    "disk '%s' is neither a file nor a block device",
			    path);
	/* Two VMs writing one image corrupt it: refuse, don't wait. */
	if (flock(d->buffered_fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) <
		    0 &&
	    errno != ENOLCK && errno != EOPNOTSUPP)
		return fail(
			d, err, errlen,
			errno == EWOULDBLOCK ?
				"disk '%s' is in use by another process (locked)" :
				"cannot lock disk '%s'",
			path);
	if (d->blockdev) {
		int ssz = 512;

		if (ioctl(d->buffered_fd, BLKGETSIZE64, &d->size) < 0)
			return fail(d, err, errlen, "disk '%s': size: %s", path,
				    strerror(errno));
		if (ioctl(d->buffered_fd, BLKSSZGET, &ssz) == 0 && ssz > 0)
			d->block_size = (uint32_t)ssz;
	} else {
		d->size = (uint64_t)st.st_size;
	}
	if (!d->block_size)
		d->block_size = 512;
	if (d->size % 512)
		return fail(d, err, errlen,
			    "disk '%s' is %llu bytes, not a multiple of 512",
			    path, (unsigned long long)d->size);

	d->fd = open(path, flags | O_DIRECT);
	d->direct = d->fd >= 0 && direct_works(d->fd, d->block_size);
	if (!d->direct) {
		if (d->fd >= 0)
			close(d->fd);
		d->fd = d->buffered_fd;
	}
	d->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->event_fd < 0)
		return fail(d, err, errlen, "eventfd: %s", strerror(errno));
	if (io_setup((int)max_inflight, &d->aio) < 0)
		return fail(
			d, err, errlen,
			"cannot set up AIO for disk '%s' (see fs.aio-max-nr)",
			path);
	probe_discard(d);
	return 0;
}

void disk_close(struct disk *d)
{
	if (d->aio)
		io_destroy(d->aio);
	d->aio = 0;
	if (d->fd >= 0 && d->fd != d->buffered_fd)
		close(d->fd);
	if (d->buffered_fd >= 0)
		close(d->buffered_fd);
	if (d->event_fd >= 0)
		close(d->event_fd);
	d->fd = d->buffered_fd = d->event_fd = -1;
}

/* O_DIRECT needs every buffer and length aligned to the block size. */
static bool aligned(const struct disk *d, const struct iovec *iov, int n,
		    uint64_t off)
{
	uintptr_t mask = d->block_size - 1;

	if (off & mask)
		return false;
	for (int i = 0; i < n; i++)
		if (((uintptr_t)iov[i].iov_base | iov[i].iov_len) & mask)
			return false;
	return true;
}

void disk_prep_rw(struct disk *d, struct iocb *cb, bool write,
		  const struct iovec *iov, int n, uint64_t off, void *data)
{
	int fd = d->direct && aligned(d, iov, n, off) ? d->fd : d->buffered_fd;

	if (write)
		io_prep_pwritev(cb, fd, iov, n, (long long)off);
	else
		io_prep_preadv(cb, fd, iov, n, (long long)off);
	io_set_eventfd(cb, d->event_fd);
	cb->data = data;
}

void disk_prep_flush(struct disk *d, struct iocb *cb, void *data)
{
	io_prep_fdsync(cb, d->buffered_fd);
	io_set_eventfd(cb, d->event_fd);
	cb->data = data;
}

int disk_submit(struct disk *d, struct iocb **cbs, int n)
{
	int ret = io_submit(d->aio, n, cbs);

	return ret; /* libaio returns -errno itself */
}

int disk_discard(struct disk *d, uint64_t off, uint64_t len)
{
	if (d->blockdev) {
		uint64_t range[2] = { off, len };

		return ioctl(d->fd, BLKDISCARD, range) < 0 ? -errno : 0;
	}
	return fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			 (off_t)off, (off_t)len) < 0 ?
		       -errno :
		       0;
}

int disk_write_zeroes(struct disk *d, uint64_t off, uint64_t len, bool unmap)
{
	if (d->blockdev) {
		uint64_t range[2] = { off, len };

		return ioctl(d->fd, BLKZEROOUT, range) < 0 ? -errno : 0;
	}
	/* A hole reads as zeroes, so unmapping is the cheaper zeroing. */
	if ((unmap || !d->can_write_zeroes) && d->can_discard &&
	    disk_discard(d, off, len) == 0)
		return 0;
	return fallocate(d->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
			 (off_t)off, (off_t)len) < 0 ?
		       -errno :
		       0;
}
