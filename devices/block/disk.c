// SPDX-License-Identifier: MIT
/* Raw disk images through Linux AIO, and snapshot overlays on them. */
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

#include "runtime/host_limits.h"

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
	/* A snapshot deallocates in its overlay, never in the image. */
	int fd = d->snapshot ? d->overlay.buffered_fd : d->fd;

	if (d->readonly)
		return;
	if (d->blockdev && !d->snapshot) {
		/* The ioctls fail per request if the device cannot. */
		d->can_discard = d->can_write_zeroes = true;
		return;
	}
	/* Past the end of the file these change nothing. */
	d->can_discard =
		fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  (off_t)d->size, 4096) == 0;
	d->can_write_zeroes =
		d->can_discard ||
		fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
			  (off_t)d->size, 4096) == 0;
}

/*
 * The overlay's bitmap has one bit per 512-byte sector, the unit of every
 * virtio-blk request, so each guest write covers whole bits: it never needs
 * a read-modify-write of a partial block from the image, and two writes in
 * flight to neighbouring sectors cannot race to fill one block. The price
 * is 1/4096 of the disk's size in memory (2.5 MiB for 10 GiB), fixed when
 * the disk is opened, allocated zeroed and touched only where the guest
 * writes; it does not grow with how much the guest writes.
 */
static bool test_bit(const uint64_t *map, uint64_t i)
{
	return map[i / 64] >> (i % 64) & 1;
}

static void set_bits(uint64_t *map, uint64_t i, uint64_t n)
{
	while (n) {
		unsigned int b = (unsigned int)(i % 64);
		uint64_t k = 64 - b < n ? 64 - b : n;
		uint64_t mask = k == 64 ? ~0ULL : ((1ULL << k) - 1) << b;

		map[i / 64] |= mask;
		i += k;
		n -= k;
	}
}

/* From bit i, how many of the next n bits (n > 0) equal bit i. */
static uint64_t same_bits(const uint64_t *map, uint64_t i, uint64_t n,
			  bool *value)
{
	bool v = test_bit(map, i);
	uint64_t done = 0;

	*value = v;
	while (done < n) {
		uint64_t j = i + done;
		unsigned int b = (unsigned int)(j % 64);
		uint64_t differ = (v ? ~map[j / 64] : map[j / 64]) >> b;

		if (differ) {
			done += (uint64_t)__builtin_ctzll(differ);
			return done < n ? done : n;
		}
		done += 64 - b;
	}
	return n;
}

/*
 * A second descriptor with O_DIRECT, if the overlay's file system takes
 * 512-byte aligned direct I/O (what the guest's requests are aligned to).
 * /proc/self/fd reopens the unlinked file.
 */
static void overlay_try_direct(struct disk_overlay *o)
{
	char path[64];
	void *buf;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", o->buffered_fd);
	fd = open(path, O_RDWR | O_CLOEXEC | O_DIRECT);
	if (fd < 0)
		return;
	if (posix_memalign(&buf, 4096, 8192)) {
		close(fd);
		return;
	}
	if (pread(fd, (char *)buf + 512, 512, 512) >= 0) {
		o->fd = fd;
		o->direct = true;
	} else {
		close(fd);
	}
	free(buf);
}

/* Makes the snapshot overlay in $TMPDIR: unlinked, sparse, image-sized. */
static int overlay_open(struct disk *d, char *err, size_t errlen)
{
	struct disk_overlay *o = &d->overlay;
	const char *dir = getenv("TMPDIR");
	char path[4200];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 &&
	    (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* No O_TMPFILE on this file system: a name, gone at once. */
		snprintf(path, sizeof(path), "%s/kestrel-snapshot-XXXXXX", dir);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0)
		return fail(
			d, err, errlen,
			"disk '%s': cannot make its snapshot overlay in '%s' (set TMPDIR): %s",
			d->path, dir, strerror(errno));
	o->fd = o->buffered_fd = fd;
	if (ftruncate(fd, (off_t)d->size) < 0)
		return fail(
			d, err, errlen,
			"disk '%s': cannot make a %llu-byte snapshot overlay in '%s' (set TMPDIR): %s",
			d->path, (unsigned long long)d->size, dir,
			strerror(errno));
	o->written = calloc(d->size / 512 / 64 + 1, sizeof(uint64_t));
	if (!o->written)
		return fail(d, err, errlen,
			    "disk '%s': no memory for the snapshot bitmap",
			    d->path);
	overlay_try_direct(o);
	return 0;
}

int disk_open(struct disk *d, const char *path, enum disk_mode mode,
	      unsigned int max_inflight, char *err, size_t errlen)
{
	bool writer = mode == DISK_WRITABLE;
	int flags = (writer ? O_RDWR : O_RDONLY) | O_CLOEXEC;
	struct stat st;

	memset(d, 0, sizeof(*d));
	host_limits_fsize_is_error(); /* a write past it: an I/O error */
	d->fd = d->buffered_fd = d->event_fd = -1;
	d->overlay.fd = d->overlay.buffered_fd = -1;
	d->readonly = mode == DISK_READONLY;
	d->snapshot = mode == DISK_SNAPSHOT;
	d->max_inflight = max_inflight;
	snprintf(d->path, sizeof(d->path), "%s", path);

	d->buffered_fd = open(path, flags);
	if (d->buffered_fd < 0)
		return fail(
			d, err, errlen, "cannot open disk '%s'%s: %s%s", path,
			writer ? " for writing" : "", strerror(errno),
			writer && (errno == EACCES || errno == EROFS) ?
				" (add ',ro' to attach it read-only, or ',snapshot' for a throwaway writable copy)" :
				"");
	if (fstat(d->buffered_fd, &st) < 0)
		return fail(d, err, errlen, "disk '%s': %s", path,
			    strerror(errno));
	d->blockdev = S_ISBLK(st.st_mode);
	if (!d->blockdev && !S_ISREG(st.st_mode))
		return fail(d, err, errlen,
			    "disk '%s' is neither a file nor a block device",
			    path);
	/*
	 * Two VMs writing one image corrupt it, and one reading an image
	 * another writes sees it change: refuse, don't wait. Readers (ro and
	 * snapshot disks) share.
	 */
	if (flock(d->buffered_fd, (writer ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0 &&
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
	if (d->snapshot && overlay_open(d, err, errlen))
		return -1;
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
	/* Closing the last descriptor of the unlinked overlay frees it. */
	if (d->overlay.fd >= 0 && d->overlay.fd != d->overlay.buffered_fd)
		close(d->overlay.fd);
	if (d->overlay.buffered_fd >= 0)
		close(d->overlay.buffered_fd);
	d->overlay.fd = d->overlay.buffered_fd = -1;
	free(d->overlay.written);
	d->overlay.written = NULL;
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

uint64_t disk_run(const struct disk *d, uint64_t off, uint64_t len,
		  bool *overlay)
{
	*overlay = false;
	if (!d->snapshot || !len)
		return len;
	return same_bits(d->overlay.written, off / 512, len / 512, overlay) *
	       512;
}

void disk_prep_rw(struct disk *d, struct iocb *cb, bool write,
		  const struct iovec *iov, int n, uint64_t off, void *data)
{
	bool direct = d->direct;
	int fd = d->fd, buffered_fd = d->buffered_fd;
	bool overlay = write;

	/* A snapshot writes to its overlay, and reads where the run is. */
	if (d->snapshot && !write)
		disk_run(d, off, 512, &overlay);
	if (d->snapshot && overlay) {
		direct = d->overlay.direct;
		fd = d->overlay.fd;
		buffered_fd = d->overlay.buffered_fd;
	}
	fd = direct && aligned(d, iov, n, off) ? fd : buffered_fd;

	if (write)
		io_prep_pwritev(cb, fd, iov, n, (long long)off);
	else
		io_prep_preadv(cb, fd, iov, n, (long long)off);
	io_set_eventfd(cb, d->event_fd);
	cb->data = data;
}

void disk_rw_done(struct disk *d, const struct iocb *cb, uint64_t bytes)
{
	if (d->snapshot && cb->aio_lio_opcode == IO_CMD_PWRITEV)
		set_bits(d->overlay.written, (uint64_t)cb->u.c.offset / 512,
			 bytes / 512);
}

/* preadv until all len bytes of v[0..k) are in; v is used up. */
static int preadv_full(int fd, struct iovec *v, int k, uint64_t off,
		       uint64_t len)
{
	while (len) {
		ssize_t got = preadv(fd, v, k, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -EIO; /* the image shrank under us */
		off += (uint64_t)got;
		len -= (uint64_t)got;
		while (got > 0 && k > 0) {
			size_t take = (size_t)got < v->iov_len ? (size_t)got :
								 v->iov_len;

			v->iov_base = (char *)v->iov_base + take;
			v->iov_len -= take;
			got -= (ssize_t)take;
			if (!v->iov_len) {
				v++;
				k--;
			}
		}
	}
	return 0;
}

int disk_read_sync(struct disk *d, const struct iovec *iov, int n, uint64_t off,
		   struct iovec *scratch, int nscratch)
{
	uint64_t len = 0;
	size_t skip = 0; /* bytes of iov[0] already read */

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	while (len) {
		bool overlay;
		uint64_t run = disk_run(d, off, len, &overlay), left = run;
		int k = 0, err;

		/* This run's piece of iov, in order. */
		while (left) {
			size_t take = iov->iov_len - skip;

			if (take > left)
				take = (size_t)left;
			if (take) {
				if (k == nscratch)
					return -EINVAL;
				scratch[k++] = (struct iovec){
					(char *)iov->iov_base + skip, take
				};
			}
			skip += take;
			left -= take;
			if (skip == iov->iov_len) {
				iov++;
				skip = 0;
			}
		}
		err = preadv_full(overlay ? d->overlay.buffered_fd :
					    d->buffered_fd,
				  scratch, k, off, run);
		if (err)
			return err;
		off += run;
		len -= run;
	}
	return 0;
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

/*
 * Zeroes [off, off + len) of a snapshot in its overlay (a hole reads as
 * zeroes and gives the space back) and reads it from there from now on.
 */
static int overlay_zero(struct disk *d, uint64_t off, uint64_t len)
{
	int fd = d->overlay.buffered_fd;

	if (!(d->can_discard &&
	      fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			(off_t)off, (off_t)len) == 0) &&
	    fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len) < 0)
		return -errno;
	set_bits(d->overlay.written, off / 512, len / 512);
	return 0;
}

int disk_discard(struct disk *d, uint64_t off, uint64_t len)
{
	if (d->snapshot)
		return overlay_zero(d, off, len);
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
	if (d->snapshot)
		return overlay_zero(d, off, len);
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
