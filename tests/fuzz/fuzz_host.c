// SPDX-License-Identifier: MIT
/* What the fuzz targets make on the host, and what reaches its kernel. */
#include "tests/fuzz/fuzz_host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *fuzz_tmp_dir(void)
{
	const char *dir = getenv("KESTREL_FUZZ_TMPDIR");

	if (!dir && access("/dev/shm", W_OK) == 0)
		dir = "/dev/shm";
	if (!dir)
		dir = getenv("TMPDIR");
	return dir ? dir : "/tmp";
}

void fuzz_put_file(const char *dir, const char *name, const char *text)
{
	char p[8192];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		fuzz_fail("cannot write %s: %s", p, strerror(errno));
	close(fd);
}

void fuzz_make_blk(struct virtio_blk *blk, const struct hv *hv, const char *dir,
		   enum disk_mode mode, const char *serial, uint64_t size)
{
	char path[4200], err[512];
	int fd;

	snprintf(path, sizeof(path), "%s/kestrel-fuzz-blk-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		fuzz_fail("cannot create an image in %s: %s", dir,
			  strerror(errno));
	close(fd);
	if (virtio_blk_init(blk, path, mode, serial, hv, err, sizeof(err)))
		fuzz_fail("virtio_blk_init: %s", err);
	unlink(path); /* the device holds it open */
}

void fuzz_check_submit(long nr, struct iocb *ios[],
		       void (*check)(const struct iocb *cb))
{
	if (nr <= 0 || nr > VIRTIO_BLK_QUEUE_SIZE)
		fuzz_fail("io_submit of %ld requests", nr);
	for (long i = 0; i < nr; i++)
		check(ios[i]);
}

void fuzz_check_iocb_io(const struct fuzz_guest *g, const struct iocb *cb,
			uint64_t image_size)
{
	const struct iovec *iov = cb->u.c.buf;
	uint64_t total = 0, off = (uint64_t)cb->u.c.offset;

	if (cb->aio_lio_opcode == IO_CMD_FDSYNC)
		return;
	if (cb->aio_lio_opcode != IO_CMD_PREADV &&
	    cb->aio_lio_opcode != IO_CMD_PWRITEV)
		fuzz_fail("io_submit: opcode %d", cb->aio_lio_opcode);
	if (cb->u.c.nbytes == 0 || cb->u.c.nbytes > VIRTIO_BLK_IOV_POOL)
		fuzz_fail("io_submit: %lu iovecs", cb->u.c.nbytes);
	for (unsigned long i = 0; i < cb->u.c.nbytes; i++) {
		if (!fuzz_guest_contains(g, iov[i].iov_base, iov[i].iov_len))
			fuzz_fail("io_submit: iov[%lu] %p+%zu is not guest RAM",
				  i, iov[i].iov_base, iov[i].iov_len);
		total += iov[i].iov_len;
	}
	if (off % 512 || total % 512 || total == 0 || off > image_size ||
	    total > image_size - off)
		fuzz_fail("io_submit: %s of %llu bytes at %llu, image is %llu",
			  cb->aio_lio_opcode == IO_CMD_PREADV ? "read" :
								"write",
			  (unsigned long long)total, (unsigned long long)off,
			  (unsigned long long)image_size);
}

int fuzz_io_submit(io_context_t ctx, long nr, struct iocb *ios[])
{
	long ret = syscall(SYS_io_submit, ctx, nr, ios);

	return ret < 0 ? -errno : (int)ret;
}
