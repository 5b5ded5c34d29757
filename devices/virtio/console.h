/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_CONSOLE_H
#define KESTREL_DEVICES_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/virtio/virtio.h"

/*
 * virtio-console with a single port: the guest's /dev/hvc0. What the guest
 * transmits goes to `output`; virtio_console_receive() hands it host input
 * once the port is open and as long as it has posted buffers, and
 * `rx_ready` says when that may have changed.
 */
struct virtio_console {
	struct virtio_device vdev;
	void (*output)(void *ctx, const uint8_t *buf, size_t len);
	void (*rx_ready)(void *ctx);
	void *ctx;
	struct vq_chain chain;
	/*
	 * The guest has transmitted since the last reset. Without multiport
	 * there is no "port open" message, and Linux posts receive buffers
	 * before it marks the port connected: input arriving in between is
	 * discarded. Its first output comes after, so input waits for it.
	 */
	bool port_open;
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
