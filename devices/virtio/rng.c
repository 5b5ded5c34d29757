// SPDX-License-Identifier: MIT
/* virtio-rng (virtio 1.x section 5.4). */
#include "devices/virtio/rng.h"

#include <errno.h>
#include <sys/random.h>

/* What one request may ask for; the driver asks again for more. */
#define RNG_MAX_PER_REQUEST (64 * 1024)
#define RNG_QUEUE_SIZE 64
#define PCI_CLASS_OTHER 0x00ff00

uint32_t virtio_rng_fill(const struct vq_chain *c)
{
	uint32_t done = 0;

	for (unsigned int i = c->nr_out; i < c->nr_out + c->nr_in; i++) {
		uint8_t *p = c->iov[i].iov_base;
		size_t left = c->iov[i].iov_len;

		while (left && done < RNG_MAX_PER_REQUEST) {
			size_t want = left;
			ssize_t n;

			if (want > RNG_MAX_PER_REQUEST - done)
				want = RNG_MAX_PER_REQUEST - done;
			n = getrandom(p, want, 0);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return done;
			}
			p += n;
			left -= n;
			done += n;
		}
	}
	return done;
}

static void rng_kick(struct virtio_device *vdev, unsigned int q)
{
	struct virtio_rng *rng = vdev->priv;
	struct virtqueue *vq = &vdev->vq[q];
	enum vq_pop_result r;

	do {
		vq_disable_kicks(vq);
		while ((r = vq_pop(vq, &rng->chain)) != VQ_EMPTY) {
			if (r == VQ_BROKEN) {
				virtio_needs_reset(vdev);
				return;
			}
			vq_push(vq, rng->chain.head,
				r == VQ_CHAIN ? virtio_rng_fill(&rng->chain) :
						0);
		}
	} while (vq_enable_kicks(vq));
	virtio_interrupt_queue(vdev, q);
}

static const struct virtio_device_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.pci_class = PCI_CLASS_OTHER,
	.nr_queues = 1,
	.queue_size = RNG_QUEUE_SIZE,
	.kick = rng_kick,
};

int virtio_rng_init(struct virtio_rng *rng, const struct hv *hv)
{
	return virtio_init(&rng->vdev, &rng_ops, rng, hv);
}

void virtio_rng_destroy(struct virtio_rng *rng)
{
	virtio_destroy(&rng->vdev);
}
