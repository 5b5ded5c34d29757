/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_FS_H
#define KESTREL_DEVICES_VIRTIO_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/fs/passthrough.h"
#include "devices/virtio/virtio.h"

#define VIRTIO_ID_FS 26
#define VIRTIO_FS_TAG_MAX 36
/* Queue 0 takes FORGETs (high priority), queue 1 everything else. */
#define VIRTIO_FS_HIPRIO_QUEUE 0
#define VIRTIO_FS_REQUEST_QUEUE 1
#define VIRTIO_FS_QUEUE_SIZE 1024

struct virtio_fs_config {
	uint8_t tag[VIRTIO_FS_TAG_MAX]; /* not NUL-terminated when full */
	uint32_t num_request_queues;
} __attribute__((packed));

/* virtio-fs (virtio 1.x section 5.11): a host directory, served in-process. */
struct virtio_fs {
	struct virtio_device vdev;
	struct virtio_fs_config config;
	struct passthrough pt;
	struct vq_chain chain;
	bool opened;
};

/*
 * Opens directory path (no VM needed), to be mounted in the guest with
 * `mount -t virtiofs TAG DIR`. Returns 0, or -1 with one line in err.
 */
int virtio_fs_open(struct virtio_fs *fs, const char *path, const char *tag,
		   bool readonly, char *err, size_t errlen);
/* Makes the opened directory a virtio device of the VM; 0 or -errno. */
int virtio_fs_setup(struct virtio_fs *fs, const struct hv *hv);
void virtio_fs_destroy(struct virtio_fs *fs);

/* The request loop, exposed for tests and fuzzing (vdev locked). */
void virtio_fs_kick(struct virtio_device *vdev, unsigned int q);

#endif
