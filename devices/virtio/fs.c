// SPDX-License-Identifier: MIT
/*
 * virtio-fs (virtio 1.x section 5.11): FUSE requests on two virtqueues,
 * answered by the passthrough server on the event-loop thread. Requests
 * are handled one at a time, in order, each reply written straight into
 * the chain's writable buffers.
 */
#include "devices/virtio/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/log.h"

#define PCI_CLASS_STORAGE_OTHER 0x018000

void virtio_fs_kick(struct virtio_device *vdev, unsigned int q)
{
	struct virtio_fs *fs = vdev->priv;
	struct virtqueue *vq = &vdev->vq[q];
	struct vq_chain *c = &fs->chain;
	enum vq_pop_result r;

	do {
		vq_disable_kicks(vq);
		while ((r = vq_pop(vq, c)) != VQ_EMPTY) {
			uint32_t len = 0;

			if (r == VQ_BROKEN) {
				virtio_needs_reset(vdev);
				return;
			}
			if (r == VQ_CHAIN)
				len = passthrough_handle(
					&fs->pt, c->iov, c->nr_out,
					c->iov + c->nr_out, c->nr_in);
			vq_push(vq, c->head, len);
		}
	} while (vq_enable_kicks(vq));
	virtio_interrupt_queue(vdev, q);
}

static void fs_read_config(struct virtio_device *vdev, uint32_t off, void *buf,
			   uint32_t len)
{
	struct virtio_fs *fs = vdev->priv;

	virtio_config_copy(&fs->config, sizeof(fs->config), off, buf, len);
}

static void fs_reset(struct virtio_device *vdev)
{
	struct virtio_fs *fs = vdev->priv;

	passthrough_reset(&fs->pt);
}

static const struct virtio_device_ops fs_ops = {
	.name = "virtio-fs",
	.device_id = VIRTIO_ID_FS,
	.pci_class = PCI_CLASS_STORAGE_OTHER,
	.nr_queues = 2,
	.queue_size = VIRTIO_FS_QUEUE_SIZE,
	.config_size = sizeof(struct virtio_fs_config),
	.read_config = fs_read_config,
	.reset = fs_reset,
	.kick = virtio_fs_kick,
};

int virtio_fs_open(struct virtio_fs *fs, const char *path, const char *tag,
		   bool readonly, char *err, size_t errlen)
{
	size_t taglen = strlen(tag);
	int fd;

	memset(fs, 0, sizeof(*fs));
	if (taglen == 0 || taglen > VIRTIO_FS_TAG_MAX) {
		snprintf(err, errlen, "--share '%s': tag must be 1 to %d bytes",
			 path, VIRTIO_FS_TAG_MAX);
		return -1;
	}
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "--share '%s': %s", path,
			 errno == ENOTDIR ? "not a directory" :
					    strerror(errno));
		return -1;
	}
	if (passthrough_init(&fs->pt, fd, readonly, err, errlen)) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "--share '%s': %s", path, why);
		return -1;
	}
	memcpy(fs->config.tag, tag, taglen);
	fs->config.num_request_queues = 1;
	fs->opened = true;
	return 0;
}

int virtio_fs_setup(struct virtio_fs *fs, const struct hv *hv)
{
	return virtio_init(&fs->vdev, &fs_ops, fs, hv);
}

void virtio_fs_destroy(struct virtio_fs *fs)
{
	virtio_destroy(&fs->vdev);
	if (fs->opened)
		passthrough_destroy(&fs->pt);
	fs->opened = false;
}
