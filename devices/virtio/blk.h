/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_BLK_H
#define KESTREL_DEVICES_VIRTIO_BLK_H

#include <libaio.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/block/disk.h"
#include "devices/virtio/virtio.h"

#define VIRTIO_BLK_QUEUE_SIZE 256
#define VIRTIO_BLK_ID_BYTES 20

/* Request types and statuses (virtio 1.x section 5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

struct virtio_blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size;
	uint8_t physical_block_exp;
	uint8_t alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
} __attribute__((packed));

/* One request in flight to the disk; one per ring slot, preallocated. */
struct blk_request {
	struct iocb iocb;
	uint8_t *status; /* the status byte, in guest memory */
	uint32_t in_len; /* bytes the device writes: data and status */
	uint64_t expect; /* bytes the I/O must move */
	uint16_t head;
	struct blk_request *next_free;
};

/* Scatter entries for the requests of one io_submit batch. */
#define VIRTIO_BLK_IOV_POOL 4096

struct virtio_blk {
	struct virtio_device_ops ops; /* features depend on the image */
	struct virtio_device vdev;
	struct disk disk;
	struct ev_source done; /* disk completions */
	struct virtio_blk_config config;
	char serial[VIRTIO_BLK_ID_BYTES];
	struct blk_request req[VIRTIO_BLK_QUEUE_SIZE];
	struct blk_request *free;
	unsigned int inflight;
	struct iocb *batch[VIRTIO_BLK_QUEUE_SIZE];
	unsigned int nr_batch;
	struct iovec pool[VIRTIO_BLK_IOV_POOL];
	unsigned int pool_used;
	struct vq_chain chain;
};

/*
 * Opens the image at path for a virtio-blk device: needs no VM yet, so a
 * bad image is refused before one exists. Returns 0, or -1 with one line
 * in err (missing file, locked, not a multiple of 512 bytes, no room for
 * a snapshot's overlay ...).
 */
int virtio_blk_open(struct virtio_blk *blk, const char *path,
		    enum disk_mode mode, const char *serial, char *err,
		    size_t errlen);
/* Makes the opened image a virtio device of the VM; 0 or -errno. */
int virtio_blk_setup(struct virtio_blk *blk, const struct hv *hv);
/* Both of the above. */
int virtio_blk_init(struct virtio_blk *blk, const char *path,
		    enum disk_mode mode, const char *serial,
		    const struct hv *hv, char *err, size_t errlen);
void virtio_blk_destroy(struct virtio_blk *blk);

/* The request loop, exposed for tests and fuzzing (vdev locked). */
void virtio_blk_kick(struct virtio_device *vdev, unsigned int q);
void virtio_blk_complete(struct virtio_blk *blk);

#endif
