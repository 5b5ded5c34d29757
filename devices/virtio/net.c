// SPDX-License-Identifier: MIT
/* virtio-net (virtio 1.x section 5.1): one receive and one transmit queue. */
#include "devices/virtio/net.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio/iov.h"
#include "runtime/log.h"

#define RX VIRTIO_NET_RX_QUEUE
#define TX VIRTIO_NET_TX_QUEUE
#define PCI_CLASS_ETHERNET 0x020000
#define NUM_BUFFERS_OFF 10 /* in struct virtio_net_hdr */

enum rx_result { RX_DONE, RX_NO_BUFFERS, RX_BROKEN };

static void set_rx_paused(struct virtio_net *net, bool paused)
{
	if (net->rx_paused == paused)
		return;
	net->rx_paused = paused;
	net->be->ops->pause_rx(net->be, paused);
}

/* Hands the chains of a frame the guest cannot take back, empty. */
static void return_unused(struct virtqueue *vq, const uint16_t *heads,
			  unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		vq_add_used(vq, heads[i], 0);
	vq_publish_used(vq);
}

/*
 * Copies the waiting frame into receive chains: one chain, or as many as
 * it needs with VIRTIO_NET_F_MRG_RXBUF (num_buffers in the header says how
 * many). They go back to the driver together. When the ring runs out part
 * way, the chains are put back and the frame waits.
 */
static enum rx_result deliver(struct virtio_net *net)
{
	struct virtqueue *vq = &net->vdev.vq[RX];
	bool merge = virtio_has_feature(&net->vdev, VIRTIO_NET_F_MRG_RXBUF);
	struct iovec num_buffers[2];
	int nr_nb = 0;
	unsigned int n = 0;
	size_t off = 0;

	while (off < net->rx_len) {
		enum vq_pop_result r = vq_pop(vq, &net->chain);
		const struct vq_chain *c = &net->chain;
		size_t got;

		if (r == VQ_EMPTY) {
			vq_unpop(vq, n);
			return RX_NO_BUFFERS;
		}
		if (r == VQ_BROKEN) {
			virtio_needs_reset(&net->vdev);
			return RX_BROKEN;
		}
		if (r == VQ_BAD_CHAIN) {
			vq_push(vq, c->head, 0);
			if (n == 0)
				continue;
			/* Part way through a frame: putting chains back
			 * would skip the bad one's slot, so the frame goes. */
			net->rx_dropped++;
			return_unused(vq, net->rx_heads, n);
			return RX_DONE;
		}
		if (n == 0) {
			nr_nb = iov_slice(c->iov + c->nr_out, c->nr_in,
					  NUM_BUFFERS_OFF, 2, num_buffers, 2);
			if (nr_nb < 0) {
				log_guest(
					"virtio-net: receive buffer of %zu bytes cannot hold the header",
					c->in_len);
				vq_push(vq, c->head, 0);
				return RX_DONE; /* the frame is dropped */
			}
		}
		got = iov_from_buf(c->iov + c->nr_out, c->nr_in, 0,
				   net->rx_frame + off, net->rx_len - off);
		net->rx_heads[n] = c->head;
		net->rx_lens[n] = (uint32_t)got;
		n++;
		off += got;
		if (off < net->rx_len && (!merge || n == vq->num)) {
			log_guest(
				"virtio-net: a %zu-byte frame does not fit the receive buffers",
				net->rx_len);
			net->rx_dropped++;
			return_unused(vq, net->rx_heads, n);
			return RX_DONE;
		}
	}
	if (n) {
		uint16_t count = (uint16_t)n;

		iov_from_buf(num_buffers, (unsigned int)nr_nb, 0, &count,
			     sizeof(count));
		for (unsigned int i = 0; i < n; i++)
			vq_add_used(vq, net->rx_heads[i], net->rx_lens[i]);
		vq_publish_used(vq);
	}
	return RX_DONE;
}

static void rx_work(struct virtio_net *net)
{
	struct virtqueue *vq = &net->vdev.vq[RX];

	set_rx_paused(net, false);
	for (;;) {
		enum rx_result r;

		if (!net->rx_len) {
			net->rx_len = net->be->ops->recv(net->be, net->rx_frame,
							 sizeof(net->rx_frame));
			if (!net->rx_len)
				break;
		}
		r = deliver(net);
		if (r == RX_BROKEN)
			return;
		if (r == RX_DONE) {
			net->rx_len = 0;
			continue;
		}
		/* Out of buffers; out of budget comes back by itself. */
		if (vq->yielded)
			break;
		if (vq_kick_on_more(vq))
			continue;
		set_rx_paused(net, true);
		break;
	}
	virtio_interrupt_queue(&net->vdev, RX);
}

static void tx_work(struct virtio_net *net)
{
	struct virtqueue *vq = &net->vdev.vq[TX];
	const struct vq_chain *c = &net->chain;
	enum vq_pop_result r;

	do {
		vq_disable_kicks(vq);
		while ((r = vq_pop(vq, &net->chain)) != VQ_EMPTY) {
			if (r == VQ_BROKEN) {
				virtio_needs_reset(&net->vdev);
				return;
			}
			if (r == VQ_CHAIN) {
				if (c->out_len < NET_HDR_LEN ||
				    c->out_len > NET_MAX_FRAME) {
					log_guest(
						"virtio-net: dropped a %zu-byte transmit buffer",
						c->out_len);
					net->tx_dropped++;
				} else if (!net->be->ops->send(net->be, c->iov,
							       c->nr_out)) {
					net->tx_dropped++;
				}
			}
			vq_push(vq, c->head, 0);
		}
	} while (vq_enable_kicks(vq));
	virtio_interrupt_queue(&net->vdev, TX);
}

void virtio_net_kick(struct virtio_device *vdev, unsigned int q)
{
	struct virtio_net *net = vdev->priv;

	if (q == RX)
		rx_work(net);
	else if (q == TX)
		tx_work(net);
}

/* From the back end: frames are waiting. Deferred to the receive queue's
 * kick, since the back end may call in while the device is locked. */
static void rx_ready(void *dev)
{
	struct virtio_net *net = dev;
	uint64_t one = 1;

	if (write(net->vdev.kick[RX].fd, &one, sizeof(one)) < 0) {
		/* Only fails when the counter is saturated: kicked anyway. */
	}
}

static void net_start(struct virtio_device *vdev)
{
	struct virtio_net *net = vdev->priv;

	net->be->ops->set_offloads(net->be, vdev->driver_features);
	set_rx_paused(net, false);
}

/* Until the driver is back, frames wait in the host. */
static void net_reset(struct virtio_device *vdev)
{
	struct virtio_net *net = vdev->priv;

	net->rx_len = 0;
	set_rx_paused(net, true);
	net->be->ops->set_offloads(net->be, 0);
}

static void net_read_config(struct virtio_device *vdev, uint32_t off, void *buf,
			    uint32_t len)
{
	struct virtio_net *net = vdev->priv;

	virtio_config_copy(&net->config, sizeof(net->config), off, buf, len);
}

int virtio_net_init(struct virtio_net *net, const uint8_t mac[6],
		    struct net_backend *be, const struct hv *hv)
{
	int err;

	memset(net, 0, sizeof(*net));
	net->be = be;
	memcpy(net->config.mac, mac, 6);
	net->config.status = VIRTIO_NET_S_LINK_UP;
	net->config.max_virtqueue_pairs = 1;
	net->ops = (struct virtio_device_ops){
		.name = "virtio-net",
		.device_id = VIRTIO_ID_NET,
		.pci_class = PCI_CLASS_ETHERNET,
		.nr_queues = 2,
		.queue_size = VIRTIO_NET_QUEUE_SIZE,
		.features = (1ULL << VIRTIO_NET_F_MAC) |
			    (1ULL << VIRTIO_NET_F_STATUS) |
			    (1ULL << VIRTIO_NET_F_MRG_RXBUF) | be->offloads,
		.config_size = sizeof(net->config),
		.read_config = net_read_config,
		.start = net_start,
		.reset = net_reset,
		.kick = virtio_net_kick,
	};
	err = virtio_init(&net->vdev, &net->ops, net, hv);
	if (err)
		return err;
	be->dev = net;
	be->rx_ready = rx_ready;
	net->rx_paused = true;
	return be->ops->attach(be, hv->loop);
}

void virtio_net_destroy(struct virtio_net *net)
{
	virtio_destroy(&net->vdev);
	if (net->be) {
		net->be->ops->destroy(net->be);
		net->be = NULL;
	}
}
