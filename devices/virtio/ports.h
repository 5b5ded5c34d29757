/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_PORTS_H
#define KESTREL_DEVICES_VIRTIO_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/virtio/virtio.h"

#define VIRTIO_PORTS_MAX 4
#define VIRTIO_PORTS_PENDING 32

/*
 * One named port: a byte stream between a guest program (/dev/vportNpM,
 * found by its name in /sys/class/virtio-ports) and the host, not a tty.
 */
struct virtio_port {
	const char *name;
	/* What the guest writes (device thread); NULL discards it. */
	void (*output)(void *ctx, const uint8_t *buf, size_t len);
	/* The guest can take input again (any thread, device locked). */
	void (*rx_ready)(void *ctx);
	void *ctx;

	bool ready; /* the driver set the port up */
	bool guest_open; /* a guest program has it open */
	bool host_closed; /* end of input: reads return 0 once drained */
	bool open_sent; /* the guest was told the host end is open */
};

struct virtio_port_ctrl {
	uint32_t id;
	uint16_t event, value;
};

/*
 * virtio-console with VIRTIO_CONSOLE_F_MULTIPORT and ports that are not
 * consoles (virtio 1.x section 5.3.6): what `kestrel run ... -- COMMAND`
 * uses for the command's stdin, stdout, stderr and exit status. Ports are
 * fixed at creation; messages for the control queue wait in `pending` until
 * the driver has posted buffers for them.
 */
struct virtio_ports {
	struct virtio_device vdev;
	struct virtio_port port[VIRTIO_PORTS_MAX];
	unsigned int nr_ports;
	struct vq_chain chain;
	struct virtio_port_ctrl pending[VIRTIO_PORTS_PENDING];
	unsigned int pending_head, pending_len;
};

/* ports[0..n) are copied; n <= VIRTIO_PORTS_MAX. Returns 0 or -errno. */
int virtio_ports_init(struct virtio_ports *vp, const struct hv *hv,
		      const struct virtio_port *ports, unsigned int n);
void virtio_ports_destroy(struct virtio_ports *vp);

/*
 * Host input for port `id` (device thread): returns how much the guest
 * took, 0 until a guest program has opened the port and posted buffers.
 */
size_t virtio_ports_receive(struct virtio_ports *vp, unsigned int id,
			    const uint8_t *buf, size_t len);
/* The queue on which port `id` transmits. */
unsigned int virtio_ports_tx_queue(unsigned int id);
/* No more input for port `id`: the guest reads end of file after it. */
void virtio_ports_close_input(struct virtio_ports *vp, unsigned int id);

#endif
