// SPDX-License-Identifier: MIT
/* virtio-blk (virtio 1.x section 5.2) on a raw disk image. */
#include "devices/virtio/blk.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "devices/virtio/iov.h"
#include "runtime/log.h"

#define SECTOR 512ULL
#define PCI_CLASS_STORAGE_OTHER 0x018000
#define MAX_SEGMENTS 32 /* discard / write-zeroes ranges per request */
#define MAX_RANGE_SECTORS 0x400000U /* 2 GiB per range */

struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk_range {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

#define RANGE_F_UNMAP 1

static struct blk_request *take_request(struct virtio_blk *blk)
{
	struct blk_request *r = blk->free;

	if (r) {
		blk->free = r->next_free;
		blk->inflight++;
	}
	return r;
}

static void give_request(struct virtio_blk *blk, struct blk_request *r)
{
	r->next_free = blk->free;
	blk->free = r;
	blk->inflight--;
}

/* The status byte: the last byte the driver made writable. */
static uint8_t *status_byte(const struct vq_chain *c)
{
	for (unsigned int i = c->nr_out + c->nr_in; i > c->nr_out; i--) {
		const struct iovec *v = &c->iov[i - 1];

		if (v->iov_len)
			return (uint8_t *)v->iov_base + v->iov_len - 1;
	}
	return NULL;
}

/* Ends a request now: status in guest memory, chain back to the driver. */
static void finish(struct virtio_blk *blk, uint16_t head, uint8_t *status,
		   uint8_t value, uint32_t written)
{
	*status = value;
	vq_push(&blk->vdev.vq[0], head, written + 1);
}

static bool in_disk(const struct virtio_blk *blk, uint64_t sector,
		    uint64_t bytes)
{
	uint64_t sectors = blk->disk.size / SECTOR;

	return sector <= sectors && bytes <= (sectors - sector) * SECTOR;
}

static void submit_batch(struct virtio_blk *blk)
{
	int done = 0;

	while (done < (int)blk->nr_batch) {
		int n = disk_submit(&blk->disk, blk->batch + done,
				    (int)blk->nr_batch - done);

		if (n <= 0) {
			/* Could not queue them: fail what is left. */
			log_guest("%s: AIO submit failed: %s", blk->disk.path,
				  strerror(n ? -n : EAGAIN));
			for (int i = done; i < (int)blk->nr_batch; i++) {
				struct blk_request *r = blk->batch[i]->data;

				finish(blk, r->head, r->status,
				       VIRTIO_BLK_S_IOERR, 0);
				give_request(blk, r);
			}
			break;
		}
		done += n;
	}
	blk->nr_batch = 0;
	blk->pool_used = 0;
}

/*
 * Queues a read, write or flush for submission with the batch; or serves
 * it now, and then *written says how many bytes went to the guest.
 */
static uint8_t start_io(struct virtio_blk *blk, const struct vq_chain *c,
			uint8_t *status, int type, uint64_t sector,
			uint64_t len, uint32_t *written)
{
	bool write = type == VIRTIO_BLK_T_OUT;
	struct blk_request *r;
	int n = 0;

	if (type != VIRTIO_BLK_T_FLUSH) {
		unsigned int pieces = write ? c->nr_out : c->nr_in;

		/* A snapshot's synchronous read needs as many for scratch. */
		if (blk->pool_used + (blk->disk.snapshot ? 2 : 1) * pieces >
		    VIRTIO_BLK_IOV_POOL)
			submit_batch(blk);
		n = write ? iov_slice(c->iov, c->nr_out,
				      sizeof(struct blk_header), len,
				      blk->pool + blk->pool_used,
				      VIRTIO_BLK_IOV_POOL - blk->pool_used) :
			    iov_slice(c->iov + c->nr_out, c->nr_in, 0, len,
				      blk->pool + blk->pool_used,
				      VIRTIO_BLK_IOV_POOL - blk->pool_used);
		if (n < 0)
			return VIRTIO_BLK_S_IOERR;
	}
	/*
	 * A snapshot read spanning the overlay and the image would need an
	 * iocb per run, and runs are bounded only by the request's length:
	 * it is served here, synchronously, instead. Reads that lie in one
	 * place (most: a fresh snapshot reads only the image) and all writes
	 * stay asynchronous.
	 */
	if (blk->disk.snapshot && type == VIRTIO_BLK_T_IN) {
		bool overlay;

		if (disk_run(&blk->disk, sector * SECTOR, len, &overlay) <
		    len) {
			int err = disk_read_sync(
				&blk->disk, blk->pool + blk->pool_used, n,
				sector * SECTOR, blk->pool + blk->pool_used + n,
				(int)(VIRTIO_BLK_IOV_POOL - blk->pool_used) -
					n);

			if (err) {
				log_guest("%s: I/O error: %s", blk->disk.path,
					  strerror(-err));
				return VIRTIO_BLK_S_IOERR;
			}
			*written = (uint32_t)len;
			return VIRTIO_BLK_S_OK;
		}
	}
	r = take_request(blk);
	if (!r) {
		log_guest("%s: more requests in flight than ring slots",
			  blk->disk.path);
		return VIRTIO_BLK_S_IOERR;
	}
	r->status = status;
	r->head = c->head;
	r->expect = type == VIRTIO_BLK_T_FLUSH ? 0 : len;
	r->in_len = type == VIRTIO_BLK_T_IN ? (uint32_t)len + 1 : 1;
	if (type == VIRTIO_BLK_T_FLUSH)
		disk_prep_flush(&blk->disk, &r->iocb, r);
	else
		disk_prep_rw(&blk->disk, &r->iocb, write,
			     blk->pool + blk->pool_used, n, sector * SECTOR, r);
	blk->pool_used += (unsigned int)n;
	blk->batch[blk->nr_batch++] = &r->iocb;
	return 0xff; /* in flight: the completion sets the status */
}

static uint8_t deallocate(struct virtio_blk *blk, const struct vq_chain *c,
			  int type)
{
	bool zeroes = type == VIRTIO_BLK_T_WRITE_ZEROES;
	size_t bytes = c->out_len - sizeof(struct blk_header);
	unsigned int n = (unsigned int)(bytes / sizeof(struct blk_range));

	if (blk->disk.readonly)
		return VIRTIO_BLK_S_IOERR;
	if (!virtio_has_feature(&blk->vdev, zeroes ? VIRTIO_BLK_F_WRITE_ZEROES :
						     VIRTIO_BLK_F_DISCARD))
		return VIRTIO_BLK_S_UNSUPP;
	if (bytes % sizeof(struct blk_range) || n == 0 || n > MAX_SEGMENTS) {
		log_guest("%s: %zu bytes of discard ranges", blk->disk.path,
			  bytes);
		return VIRTIO_BLK_S_IOERR;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct blk_range range;
		int err;

		iov_to_buf(c->iov, c->nr_out,
			   sizeof(struct blk_header) + i * sizeof(range),
			   &range, sizeof(range));
		if (range.num_sectors > MAX_RANGE_SECTORS ||
		    !in_disk(blk, range.sector, range.num_sectors * SECTOR))
			return VIRTIO_BLK_S_IOERR;
		if (range.flags & ~(uint32_t)(zeroes ? RANGE_F_UNMAP : 0))
			return VIRTIO_BLK_S_UNSUPP;
		err = zeroes ? disk_write_zeroes(&blk->disk,
						 range.sector * SECTOR,
						 range.num_sectors * SECTOR,
						 range.flags & RANGE_F_UNMAP) :
			       disk_discard(&blk->disk, range.sector * SECTOR,
					    range.num_sectors * SECTOR);
		if (err == -EOPNOTSUPP)
			return VIRTIO_BLK_S_UNSUPP;
		if (err)
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/* Handles one chain; it ends now, or when its I/O completes. */
static void handle(struct virtio_blk *blk, const struct vq_chain *c)
{
	uint8_t *status = status_byte(c);
	struct blk_header h;
	uint64_t len;
	uint32_t written = 0;
	uint8_t s;

	if (!status) {
		log_guest("%s: request %u has no status byte", blk->disk.path,
			  c->head);
		vq_push(&blk->vdev.vq[0], c->head, 0);
		return;
	}
	if (c->out_len < sizeof(h)) {
		log_guest("%s: request %u header is %zu bytes", blk->disk.path,
			  c->head, c->out_len);
		finish(blk, c->head, status, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	iov_to_buf(c->iov, c->nr_out, 0, &h, sizeof(h));
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		len = h.type == VIRTIO_BLK_T_IN ? c->in_len - 1 :
						  c->out_len - sizeof(h);
		if (h.type == VIRTIO_BLK_T_OUT && blk->disk.readonly)
			s = VIRTIO_BLK_S_IOERR;
		else if (len % SECTOR || !in_disk(blk, h.sector, len)) {
			log_guest(
				"%s: %s of %llu bytes at sector %llu is outside the disk",
				blk->disk.path,
				h.type == VIRTIO_BLK_T_IN ? "read" : "write",
				(unsigned long long)len,
				(unsigned long long)h.sector);
			s = VIRTIO_BLK_S_IOERR;
		} else if (len == 0) {
			s = VIRTIO_BLK_S_OK;
		} else {
			s = start_io(blk, c, status, (int)h.type, h.sector, len,
				     &written);
		}
		break;
	case VIRTIO_BLK_T_FLUSH:
		/* A snapshot's overlay is thrown away: nothing to sync. */
		s = blk->disk.readonly || blk->disk.snapshot ?
			    VIRTIO_BLK_S_OK :
			    start_io(blk, c, status, (int)h.type, 0, 0,
				     &written);
		break;
	case VIRTIO_BLK_T_GET_ID:
		written = (uint32_t)iov_from_buf(
			c->iov + c->nr_out, c->nr_in, 0, blk->serial,
			c->in_len - 1 < sizeof(blk->serial) ?
				c->in_len - 1 :
				sizeof(blk->serial));
		s = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		s = deallocate(blk, c, (int)h.type);
		break;
	default:
		s = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	if (s != 0xff)
		finish(blk, c->head, status, s, written);
}

void virtio_blk_kick(struct virtio_device *vdev, unsigned int q)
{
	struct virtio_blk *blk = vdev->priv;
	struct virtqueue *vq = &vdev->vq[q];
	enum vq_pop_result r;

	do {
		vq_disable_kicks(vq);
		while ((r = vq_pop(vq, &blk->chain)) != VQ_EMPTY) {
			if (r == VQ_BROKEN) {
				submit_batch(blk);
				virtio_needs_reset(vdev);
				return;
			}
			if (r == VQ_BAD_CHAIN)
				vq_push(vq, blk->chain.head, 0);
			else
				handle(blk, &blk->chain);
		}
	} while (vq_enable_kicks(vq));
	submit_batch(blk);
	virtio_interrupt_queue(vdev, q);
}

/*
 * Collects finished I/O: what is there, or (wait_all) everything in
 * flight. Reset passes to_guest false: those chains are gone.
 */
static void reap(struct virtio_blk *blk, bool wait_all, bool to_guest)
{
	struct io_event ev[64];
	struct timespec zero = { 0, 0 };

	for (;;) {
		long want = wait_all ?
				    (blk->inflight < 64 ? blk->inflight : 64) :
				    0;
		int n;

		if (wait_all && !blk->inflight)
			return;
		n = io_getevents(blk->disk.aio, want, 64, ev,
				 wait_all ? NULL : &zero);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			struct blk_request *r = ev[i].data;
			long res = (long)ev[i].res;
			bool ok = res >= 0 && (uint64_t)res == r->expect;

			if (!ok)
				log_guest("%s: I/O error: %s", blk->disk.path,
					  res < 0 ? strerror((int)-res) :
						    "short transfer");
			else
				disk_rw_done(&blk->disk, &r->iocb, r->expect);
			if (to_guest)
				finish(blk, r->head, r->status,
				       ok ? VIRTIO_BLK_S_OK :
					    VIRTIO_BLK_S_IOERR,
				       ok ? r->in_len - 1 : 0);
			give_request(blk, r);
		}
		if (!wait_all && n < 64)
			return;
	}
}

void virtio_blk_complete(struct virtio_blk *blk)
{
	reap(blk, false, true);
	virtio_interrupt_queue(&blk->vdev, 0);
}

static void on_done(struct ev_source *src, uint32_t events)
{
	struct virtio_blk *blk = src->opaque;
	uint64_t count;

	(void)events;
	if (read(src->fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&blk->vdev.lock);
	virtio_blk_complete(blk);
	pthread_mutex_unlock(&blk->vdev.lock);
}

/* A reset waits for the disk, so no completion lands in a dead ring. */
static void blk_reset(struct virtio_device *vdev)
{
	struct virtio_blk *blk = vdev->priv;

	reap(blk, true, false);
}

static void blk_read_config(struct virtio_device *vdev, uint32_t off, void *buf,
			    uint32_t len)
{
	struct virtio_blk *blk = vdev->priv;

	virtio_config_copy(&blk->config, sizeof(blk->config), off, buf, len);
}

int virtio_blk_open(struct virtio_blk *blk, const char *path,
		    enum disk_mode mode, const char *serial, char *err,
		    size_t errlen)
{
	struct virtio_blk_config *cfg = &blk->config;

	memset(blk, 0, sizeof(*blk));
	blk->done.fd = -1;
	if (disk_open(&blk->disk, path, mode, VIRTIO_BLK_QUEUE_SIZE, err,
		      errlen))
		return -1;
	/* Up to 20 bytes, NUL-terminated only when shorter. */
	if (serial)
		memcpy(blk->serial, serial,
		       strnlen(serial, sizeof(blk->serial)));
	for (unsigned int i = 0; i < VIRTIO_BLK_QUEUE_SIZE; i++) {
		blk->req[i].next_free = blk->free;
		blk->free = &blk->req[i];
	}

	cfg->capacity = blk->disk.size / SECTOR;
	cfg->seg_max = VIRTIO_BLK_QUEUE_SIZE - 2;
	cfg->blk_size = blk->disk.block_size;
	cfg->num_queues = 1;
	cfg->max_discard_sectors = MAX_RANGE_SECTORS;
	cfg->max_discard_seg = MAX_SEGMENTS;
	cfg->discard_sector_alignment = 4096 / SECTOR;
	cfg->max_write_zeroes_sectors = MAX_RANGE_SECTORS;
	cfg->max_write_zeroes_seg = MAX_SEGMENTS;
	cfg->write_zeroes_may_unmap = 1;

	blk->ops = (struct virtio_device_ops){
		.name = "virtio-blk",
		.device_id = VIRTIO_ID_BLOCK,
		.pci_class = PCI_CLASS_STORAGE_OTHER,
		.nr_queues = 1,
		.queue_size = VIRTIO_BLK_QUEUE_SIZE,
		.features =
			(1ULL << VIRTIO_BLK_F_SEG_MAX) |
			(1ULL << VIRTIO_BLK_F_BLK_SIZE) |
			(1ULL << VIRTIO_BLK_F_FLUSH) |
			(blk->disk.readonly ? 1ULL << VIRTIO_BLK_F_RO : 0) |
			(blk->disk.can_discard ? 1ULL << VIRTIO_BLK_F_DISCARD :
						 0) |
			(blk->disk.can_write_zeroes ?
				 1ULL << VIRTIO_BLK_F_WRITE_ZEROES :
				 0),
		.config_size = sizeof(*cfg),
		.read_config = blk_read_config,
		.reset = blk_reset,
		.kick = virtio_blk_kick,
	};
	return 0;
}

int virtio_blk_setup(struct virtio_blk *blk, const struct hv *hv)
{
	int err = virtio_init(&blk->vdev, &blk->ops, blk, hv);

	if (err)
		return err;
	blk->done.fd = blk->disk.event_fd;
	blk->done.handler = on_done;
	blk->done.opaque = blk;
	err = evloop_add(hv->loop, &blk->done, EPOLLIN);
	if (err)
		blk->done.fd = -1;
	return err;
}

int virtio_blk_init(struct virtio_blk *blk, const char *path,
		    enum disk_mode mode, const char *serial,
		    const struct hv *hv, char *err, size_t errlen)
{
	int e;

	if (virtio_blk_open(blk, path, mode, serial, err, errlen))
		return -1;
	e = virtio_blk_setup(blk, hv);
	if (e) {
		snprintf(err, errlen, "disk '%s': %s", path, strerror(-e));
		virtio_blk_destroy(blk);
		return -1;
	}
	return 0;
}

void virtio_blk_destroy(struct virtio_blk *blk)
{
	if (blk->done.fd >= 0)
		evloop_remove(blk->vdev.hv->loop, &blk->done);
	virtio_destroy(&blk->vdev);
	disk_close(&blk->disk);
}
