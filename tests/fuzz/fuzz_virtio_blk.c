// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for virtio-blk request handling (devices/virtio/blk.c)
 * on a real 64 KiB image with real Linux AIO, driven the way a driver
 * would bring the device up, with every guest-visible byte fuzzer-chosen.
 *
 * Input: a BLKF_HDR-byte header, then the bytes of guest RAM from
 * FUZZ_RAM_GPA on (rings, descriptors, request headers, data).
 *
 *   [0]      bits 0-3: log2 of the queue size (mod 9: 1 .. 256);
 *            bit 4: size [1] + 1 instead (1 .. 256, maybe not a power
 *            of two); bit 5: use the read-only device; bit 6 (without
 *            bit 5): use the snapshot device
 *   [1]      raw queue size - 1
 *   [2]      bit 0: enable the queue after DRIVER_OK rather than before;
 *            bit 1: ring offsets from [12..17]; bit 2: reset the device
 *            right after the kick, with I/O in flight; bits 3-4: extra
 *            rounds (the driver moves avail->idx by [3] and kicks again);
 *            bit 5: leave FEATURES_OK out of the status the driver sets;
 *            bit 6: no waiting for the disk between rounds (requests pile
 *            up in flight)
 *   [3]      avail->idx step between rounds
 *   [4..11]  driver features, XORed with VIRTIO_F_VERSION_1
 *   [12..17] desc, avail, used ring offsets from FUZZ_RAM_GPA (16 bit)
 *   [18]     io_submit fault injection: bits 2-7 pick the call (0-63,
 *            counted per input), bits 0-1 what it does: 0 nothing,
 *            1 fail with EAGAIN, 2 take only the first half, 3 fail
 *            with EINVAL
 *
 * Without bit 1 of [2] the rings are packed from FUZZ_RAM_GPA: descriptor
 * table, avail ring, used ring (4-byte aligned).
 *
 * Oracles besides ASan/UBSan: every read or write handed to the kernel
 * (io_submit is wrapped) has all its buffers inside guest RAM and its
 * range inside the image, the image never grows, and a reset leaves no
 * request in flight and every request slot free exactly once.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/virtio/blk.h"
#include "tests/fuzz/fuzz_guest.h"
#include "tests/fuzz/fuzz_host.h"

#define BLKF_HDR 24
#define IMAGE_SIZE (64 * 1024)
#define SERIAL "kestrel-fuzz-serial-0123456789" /* longer than 20 */

static struct fuzz_guest guest;
static struct virtio_blk blk_rw, blk_ro, blk_snap;
static unsigned int nr_interrupts;
/* io_submit fault injection for the current input. */
static unsigned int submit_calls, fault_call, fault_mode;

static void fake_interrupt_queue(struct virtio_device *vdev, unsigned int q)
{
	(void)vdev;
	(void)q;
	nr_interrupts++;
}

static void fake_interrupt_config(struct virtio_device *vdev)
{
	(void)vdev;
	nr_interrupts++;
}

static const struct virtio_transport_ops fake_transport = {
	.interrupt_queue = fake_interrupt_queue,
	.interrupt_config = fake_interrupt_config,
};

static const struct virtio_blk *device_of_fd(int fd)
{
	if (fd == blk_rw.disk.fd || fd == blk_rw.disk.buffered_fd)
		return &blk_rw;
	if (fd == blk_ro.disk.fd || fd == blk_ro.disk.buffered_fd)
		return &blk_ro;
	if (fd == blk_snap.disk.fd || fd == blk_snap.disk.buffered_fd ||
	    fd == blk_snap.disk.overlay.fd ||
	    fd == blk_snap.disk.overlay.buffered_fd)
		return &blk_snap;
	return NULL;
}

static void check_iocb(const struct iocb *cb)
{
	const struct virtio_blk *blk = device_of_fd(cb->aio_fildes);

	if (!blk)
		fuzz_fail("io_submit: fd %d is no disk's", cb->aio_fildes);
	if (cb->aio_lio_opcode == IO_CMD_PWRITEV && blk->disk.readonly)
		fuzz_fail("io_submit: write to the read-only disk");
	if (cb->aio_lio_opcode == IO_CMD_PWRITEV && blk->disk.snapshot &&
	    (cb->aio_fildes == blk->disk.fd ||
	     cb->aio_fildes == blk->disk.buffered_fd))
		fuzz_fail("io_submit: write to a snapshot's image");
	fuzz_check_iocb_io(&guest, cb, IMAGE_SIZE);
}

/* Replaces libaio's, to look at each request first. */
int io_submit(io_context_t ctx, long nr, struct iocb *ios[])
{
	fuzz_check_submit(nr, ios, check_iocb);
	if (submit_calls++ == fault_call) {
		if (fault_mode == 1)
			return -EAGAIN;
		if (fault_mode == 3)
			return -EINVAL;
		if (fault_mode == 2 && nr > 1)
			nr /= 2; /* the kernel may take fewer than asked */
	}
	return fuzz_io_submit(ctx, nr, ios);
}

static void make_device(struct virtio_blk *blk, const char *dir,
			enum disk_mode mode)
{
	fuzz_make_blk(blk, &guest.hv, dir, mode, SERIAL, IMAGE_SIZE);
	blk->vdev.transport = &fake_transport;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fuzz_tmp_dir();

	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	make_device(&blk_rw, dir, DISK_WRITABLE);
	make_device(&blk_ro, dir, DISK_READONLY);
	make_device(&blk_snap, dir, DISK_SNAPSHOT);
	return 0;
}

/* Waits (bounded) for the disk and completes what it finished. */
static void drain(struct virtio_blk *blk)
{
	for (int i = 0; i < 200 && blk->inflight; i++) {
		struct pollfd p = { .fd = blk->disk.event_fd,
				    .events = POLLIN };
		uint64_t count;

		if (poll(&p, 1, 10) > 0 &&
		    read(blk->disk.event_fd, &count, sizeof(count)) < 0 &&
		    errno != EAGAIN)
			fuzz_fail("read of the AIO eventfd: %s",
				  strerror(errno));
		pthread_mutex_lock(&blk->vdev.lock);
		virtio_blk_complete(blk);
		pthread_mutex_unlock(&blk->vdev.lock);
	}
}

static void kick(struct virtio_blk *blk)
{
	pthread_mutex_lock(&blk->vdev.lock);
	/* What the device thread does for a kick (and refuses when the
	 * device is not live). */
	virtio_kick(&blk->vdev, 0);
	pthread_mutex_unlock(&blk->vdev.lock);
}

/* With KESTREL_FUZZ_VERBOSE: what the device returned to the driver. */
static void trace_used(const struct virtio_blk *blk)
{
	const struct virtqueue *vq = &blk->vdev.vq[0];

	if (!fuzz_verbose)
		return;
	fprintf(stderr, "status %#x, inflight %u, interrupts %u\n",
		blk->vdev.status, blk->inflight, nr_interrupts);
	if (!vq->ready)
		return;
	for (uint16_t i = 0; i < *vq->used_idx && i < vq->size; i++)
		fprintf(stderr, "  used[%u] = {id %u, len %u}\n", i,
			vq->used_ring[i].id, vq->used_ring[i].len);
}

static void reset(struct virtio_blk *blk)
{
	unsigned int nr_free = 0;
	struct stat st;

	trace_used(blk);
	pthread_mutex_lock(&blk->vdev.lock);
	virtio_set_status(&blk->vdev, 0);
	pthread_mutex_unlock(&blk->vdev.lock);
	if (blk->inflight)
		fuzz_fail("%u requests in flight after a reset", blk->inflight);
	for (const struct blk_request *r = blk->free; r; r = r->next_free) {
		if (r < blk->req || r >= blk->req + VIRTIO_BLK_QUEUE_SIZE)
			fuzz_fail("free list holds %p, not a request slot",
				  (const void *)r);
		if (++nr_free > VIRTIO_BLK_QUEUE_SIZE)
			fuzz_fail(
				"free list is longer than the %u slots (a slot freed twice?)",
				VIRTIO_BLK_QUEUE_SIZE);
	}
	if (nr_free != VIRTIO_BLK_QUEUE_SIZE)
		fuzz_fail("%u of %u request slots free after a reset", nr_free,
			  VIRTIO_BLK_QUEUE_SIZE);
	if (fstat(blk->disk.buffered_fd, &st) < 0 || st.st_size != IMAGE_SIZE)
		fuzz_fail("the image is now %lld bytes", (long long)st.st_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[BLKF_HDR] = { 0 };
	struct virtio_blk *blk;
	struct virtio_device *vdev;
	struct virtqueue *vq;
	uint8_t status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	unsigned int n, rounds;

	memcpy(hdr, data, size < BLKF_HDR ? size : BLKF_HDR);
	blk = hdr[0] & 0x20 ? &blk_ro : hdr[0] & 0x40 ? &blk_snap : &blk_rw;
	vdev = &blk->vdev;
	vq = &vdev->vq[0];
	n = hdr[0] & 0x10 ? hdr[1] + 1U : 1U << ((hdr[0] & 15) % 9);
	rounds = (hdr[2] >> 3) & 3;
	submit_calls = 0;
	fault_mode = hdr[18] & 3;
	fault_call = hdr[18] >> 2;

	pthread_mutex_lock(&vdev->lock);
	fuzz_guest_load(&guest, size > BLKF_HDR ? data + BLKF_HDR : NULL,
			size > BLKF_HDR ? size - BLKF_HDR : 0);
	/* Driver initialisation, virtio 1.x section 3.1.1. */
	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(vdev, status);
	vdev->driver_features =
		fuzz_le64(hdr + 4) ^ (1ULL << VIRTIO_F_VERSION_1);
	if (!(hdr[2] & 0x20))
		status |= VIRTIO_STATUS_FEATURES_OK;
	virtio_set_status(vdev, status);
	vq->size = (uint16_t)n;
	if (hdr[2] & 2) {
		vq->desc_gpa = FUZZ_RAM_GPA + fuzz_le16(hdr + 12);
		vq->avail_gpa = FUZZ_RAM_GPA + fuzz_le16(hdr + 14);
		vq->used_gpa = FUZZ_RAM_GPA + fuzz_le16(hdr + 16);
	} else {
		vq->desc_gpa = FUZZ_RAM_GPA;
		vq->avail_gpa = vq->desc_gpa + 16ULL * n;
		vq->used_gpa = (vq->avail_gpa + 6 + 2ULL * n + 3) & ~3ULL;
	}
	if (!(hdr[2] & 1))
		virtio_enable_queue(vdev, 0);
	virtio_set_status(vdev, status | VIRTIO_STATUS_DRIVER_OK);
	if (hdr[2] & 1)
		virtio_enable_queue(vdev, 0);
	pthread_mutex_unlock(&vdev->lock);

	kick(blk);
	if (!(hdr[2] & 4)) {
		bool wait = !(hdr[2] & 0x40);

		if (wait)
			drain(blk);
		for (unsigned int r = 0; r < rounds && vq->ready; r++) {
			uint8_t *idx = gm_ptr(&guest.mem, vq->avail_gpa + 2, 2);
			uint16_t v = (uint16_t)(fuzz_le16(idx) + hdr[3]);

			idx[0] = (uint8_t)v;
			idx[1] = (uint8_t)(v >> 8);
			kick(blk);
			if (wait)
				drain(blk);
		}
		drain(blk);
	}
	reset(blk);
	return 0;
}
