/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_CONSOLE_H
#define KESTREL_DEVICES_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "devices/virtio/virtio.h"

/*
 * virtio-console with a single port: the guest's /dev/hvc0. What the guest
 * transmits goes to `output`; virtio_console_receive() hands it host input
 * as long as it has posted buffers, and `rx_ready` says when it posts more.
 */
struct virtio_console {
	struct virtio_device vdev;
	void (*output)(void *ctx, const uint8_t *buf, size_t len);
	void (*rx_ready)(void *ctx);
	void *ctx;
	struct vq_chain chain;
};

int virtio_console_init(struct virtio_console *con, const struct hv *hv,
			void (*output)(void *ctx, const uint8_t *buf,
				       size_t len),
			void (*rx_ready)(void *ctx), void *ctx);
void virtio_console_destroy(struct virtio_console *con);

/* Host input for the guest (device thread); returns how much it took. */
size_t virtio_console_receive(struct virtio_console *con, const uint8_t *buf,
			      size_t len);

#endif
