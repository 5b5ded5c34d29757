/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_NET_H
#define KESTREL_DEVICES_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/net/backend.h"
#include "devices/virtio/virtio.h"

#define VIRTIO_NET_QUEUE_SIZE 256
#define VIRTIO_NET_RX_QUEUE 0
#define VIRTIO_NET_TX_QUEUE 1

/* Feature bits (virtio 1.x section 5.1.3). */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_GUEST_ECN 9
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_HOST_ECN 13
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16

#define VIRTIO_NET_S_LINK_UP 1

struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __attribute__((packed));

struct virtio_net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
} __attribute__((packed));

struct virtio_net {
	struct virtio_device_ops ops; /* offloads depend on the back end */
	struct virtio_device vdev;
	struct virtio_net_config config;
	struct net_backend *be;
	bool rx_paused;
	/* A frame taken from the back end that did not fit the guest's
	 * buffers yet: it goes first when buffers come. */
	size_t rx_len;
	uint8_t rx_frame[NET_MAX_FRAME];
	/* Where a frame spread over several chains went, before they are
	 * handed back together. */
	uint16_t rx_heads[VIRTIO_NET_QUEUE_SIZE];
	uint32_t rx_lens[VIRTIO_NET_QUEUE_SIZE];
	struct vq_chain chain;
	uint64_t rx_dropped, tx_dropped;
};

/* A virtio-net device on back end `be` (which it then owns); 0 or -errno. */
int virtio_net_init(struct virtio_net *net, const uint8_t mac[6],
		    struct net_backend *be, const struct hv *hv);
void virtio_net_destroy(struct virtio_net *net);

/* The queue handlers, exposed for tests and fuzzing (vdev locked). */
void virtio_net_kick(struct virtio_device *vdev, unsigned int q);

#endif
