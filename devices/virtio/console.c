// SPDX-License-Identifier: MIT
/* virtio-console (virtio 1.x section 5.3), one port, no multiport. */
#include "devices/virtio/console.h"

#include "devices/virtio/iov.h"

#define RX_QUEUE 0
#define TX_QUEUE 1
#define CONSOLE_QUEUE_SIZE 128
#define PCI_CLASS_COMMUNICATION_OTHER 0x078000

static void console_kick(struct virtio_device *vdev, unsigned int q)
{
	struct virtio_console *con = vdev->priv;
	struct virtqueue *vq = &vdev->vq[q];
	enum vq_pop_result r;

	if (q == RX_QUEUE) {
		/* New receive buffers: held host input can come in. */
		if (con->rx_ready)
			con->rx_ready(con->ctx);
		return;
	}
	do {
		vq_disable_kicks(vq);
		while ((r = vq_pop(vq, &con->chain)) != VQ_EMPTY) {
			if (r == VQ_BROKEN) {
				virtio_needs_reset(vdev);
				return;
			}
			if (r == VQ_CHAIN)
				virtio_transmit(&con->chain, con->output,
						con->ctx);
			vq_push(vq, con->chain.head, 0);
			if (!con->port_open) {
				con->port_open = true;
				if (con->rx_ready)
					con->rx_ready(con->ctx);
			}
		}
	} while (vq_enable_kicks(vq));
	virtio_interrupt_queue(vdev, q);
}

static void console_reset(struct virtio_device *vdev)
{
	struct virtio_console *con = vdev->priv;

	con->port_open = false;
}

size_t virtio_console_receive(struct virtio_console *con, const uint8_t *buf,
			      size_t len)
{
	struct virtio_device *vdev = &con->vdev;
	struct virtqueue *vq = &vdev->vq[RX_QUEUE];
	size_t done;
	bool again;

	pthread_mutex_lock(&vdev->lock);
	if (!(vdev->status & VIRTIO_STATUS_DRIVER_OK) ||
	    (vdev->status & VIRTIO_STATUS_NEEDS_RESET) || !vq->ready ||
	    !con->port_open) {
		pthread_mutex_unlock(&vdev->lock);
		return 0;
	}
	done = virtio_receive(vdev, RX_QUEUE, &con->chain, buf, len, &again);
	if (again && con->rx_ready)
		con->rx_ready(con->ctx);
	pthread_mutex_unlock(&vdev->lock);
	return done;
}

static const struct virtio_device_ops console_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.pci_class = PCI_CLASS_COMMUNICATION_OTHER,
	.nr_queues = 2,
	.queue_size = CONSOLE_QUEUE_SIZE,
	.kick = console_kick,
	.reset = console_reset,
};

int virtio_console_init(struct virtio_console *con, const struct hv *hv,
			void (*output)(void *ctx, const uint8_t *buf,
				       size_t len),
			void (*rx_ready)(void *ctx), void *ctx)
{
	int err;

	con->output = output;
	con->rx_ready = rx_ready;
	con->ctx = ctx;
	err = virtio_init(&con->vdev, &console_ops, con, hv);
	return err;
}

void virtio_console_destroy(struct virtio_console *con)
{
	virtio_destroy(&con->vdev);
}
