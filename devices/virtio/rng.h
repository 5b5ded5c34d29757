/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_RNG_H
#define KESTREL_DEVICES_VIRTIO_RNG_H

#include "devices/virtio/virtio.h"

/* virtio-rng: the guest's /dev/hwrng, fed from the host's getrandom(2). */
struct virtio_rng {
	struct virtio_device vdev;
	struct vq_chain chain;
};

int virtio_rng_init(struct virtio_rng *rng, const struct hv *hv);
void virtio_rng_destroy(struct virtio_rng *rng);

/* Fills the writable buffers of c with random bytes; returns how many. */
uint32_t virtio_rng_fill(const struct vq_chain *c);

#endif
