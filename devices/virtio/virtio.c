// SPDX-License-Identifier: MIT
/* Transport-independent virtio device state: features, status, queues. */
#include "devices/virtio/virtio.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/virtio/iov.h"
#include "runtime/log.h"

static bool live(const struct virtio_device *vdev)
{
	return (vdev->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vdev->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void on_kick(struct ev_source *src, uint32_t events)
{
	struct virtio_device *vdev = src->opaque;
	unsigned int q = (unsigned int)(src - vdev->kick);
	uint64_t count;

	(void)events;
	if (read(src->fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&vdev->lock);
	virtio_kick(vdev, q);
	pthread_mutex_unlock(&vdev->lock);
}

void virtio_kick(struct virtio_device *vdev, unsigned int q)
{
	struct virtqueue *vq = &vdev->vq[q];

	if (q >= vdev->ops->nr_queues || !live(vdev) || !vq->ready)
		return;
	vq_new_round(vq);
	vdev->ops->kick(vdev, q);
	/* Out of budget: come back after the loop's other sources. */
	if (vq->yielded)
		virtio_notify(vdev, q);
}

void virtio_notify(struct virtio_device *vdev, unsigned int q)
{
	uint64_t one = 1;

	if (q < vdev->ops->nr_queues && vdev->kick[q].fd >= 0 &&
	    write(vdev->kick[q].fd, &one, sizeof(one)) < 0) {
		/* Only fails when the counter is saturated: kicked anyway. */
	}
}

int virtio_init(struct virtio_device *vdev, const struct virtio_device_ops *ops,
		void *priv, const struct hv *hv)
{
	memset(vdev, 0, sizeof(*vdev));
	vdev->ops = ops;
	vdev->priv = priv;
	vdev->hv = hv;
	pthread_mutex_init(&vdev->lock, NULL);
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vdev->kick[q].fd = -1;
	for (unsigned int q = 0; q < ops->nr_queues; q++) {
		struct ev_source *k = &vdev->kick[q];
		int err;

		vdev->vq[q].size = ops->queue_size;
		k->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (k->fd < 0)
			return -errno;
		k->handler = on_kick;
		k->opaque = vdev;
		err = evloop_add(hv->loop, k, EPOLLIN);
		if (err)
			return err;
	}
	return 0;
}

void virtio_destroy(struct virtio_device *vdev)
{
	if (!vdev->hv)
		return; /* never initialised */
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (vdev->kick[q].fd >= 0) {
			evloop_remove(vdev->hv->loop, &vdev->kick[q]);
			close(vdev->kick[q].fd);
			vdev->kick[q].fd = -1;
		}
	}
}

uint64_t virtio_offered_features(const struct virtio_device *vdev)
{
	return vdev->ops->features | (1ULL << VIRTIO_F_VERSION_1) |
	       (1ULL << VIRTIO_F_INDIRECT_DESC) | (1ULL << VIRTIO_F_EVENT_IDX);
}

bool virtio_has_feature(const struct virtio_device *vdev, unsigned int bit)
{
	return vdev->driver_features & (1ULL << bit);
}

static void reset(struct virtio_device *vdev)
{
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
	for (unsigned int q = 0; q < vdev->ops->nr_queues; q++) {
		vq_stop(&vdev->vq[q]);
		vdev->vq[q].size = vdev->ops->queue_size;
		vdev->vq[q].desc_gpa = vdev->vq[q].avail_gpa = 0;
		vdev->vq[q].used_gpa = 0;
		vdev->queue_enabled[q] = false;
	}
	vdev->status = 0;
	vdev->driver_features = 0;
	vdev->device_feature_select = vdev->driver_feature_select = 0;
	vdev->queue_select = 0;
}

void virtio_set_status(struct virtio_device *vdev, uint8_t status)
{
	uint8_t old = vdev->status;

	if (status == 0) {
		reset(vdev);
		return;
	}
	/* FEATURES_OK sticks only for a subset of what was offered, with
	 * VERSION_1: kestrel speaks no legacy virtio. */
	if ((status & VIRTIO_STATUS_FEATURES_OK) &&
	    !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    (!(vdev->driver_features & (1ULL << VIRTIO_F_VERSION_1)) ||
	     (vdev->driver_features & ~virtio_offered_features(vdev))))
		status &= ~VIRTIO_STATUS_FEATURES_OK;
	vdev->status = status | (old & VIRTIO_STATUS_NEEDS_RESET);
	if ((status & VIRTIO_STATUS_DRIVER_OK) &&
	    !(old & VIRTIO_STATUS_DRIVER_OK) && live(vdev)) {
		if (vdev->ops->start)
			vdev->ops->start(vdev);
		/* Buffers queued before DRIVER_OK were not kicked for. */
		for (unsigned int q = 0; q < vdev->ops->nr_queues; q++)
			virtio_notify(vdev, q);
	}
}

bool virtio_enable_queue(struct virtio_device *vdev, unsigned int q)
{
	struct virtqueue *vq = &vdev->vq[q];

	vq->event_idx = virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX);
	vq->indirect = virtio_has_feature(vdev, VIRTIO_F_INDIRECT_DESC);
	if (vq_start(vq, vdev->hv->mem)) {
		log_guest("%s: queue %u rings (size %u) are not in guest RAM",
			  vdev->ops->name, q, vq->size);
		virtio_needs_reset(vdev);
		return false;
	}
	vdev->queue_enabled[q] = true;
	if (live(vdev))
		virtio_notify(vdev, q);
	return true;
}

void virtio_interrupt_queue(struct virtio_device *vdev, unsigned int q)
{
	if (vq_should_interrupt(&vdev->vq[q]))
		vdev->transport->interrupt_queue(vdev, q);
}

void virtio_needs_reset(struct virtio_device *vdev)
{
	if (vdev->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	vdev->status |= VIRTIO_STATUS_NEEDS_RESET;
	vdev->config_generation++;
	if (vdev->status & VIRTIO_STATUS_DRIVER_OK)
		vdev->transport->interrupt_config(vdev);
}

void virtio_config_copy(const void *config, uint32_t config_size, uint32_t off,
			void *buf, uint32_t len)
{
	memset(buf, 0, len);
	if (off < config_size)
		memcpy(buf, (const uint8_t *)config + off,
		       len < config_size - off ? len : config_size - off);
}

size_t virtio_receive(struct virtio_device *vdev, unsigned int q,
		      struct vq_chain *chain, const uint8_t *buf, size_t len,
		      bool *again)
{
	struct virtqueue *vq = &vdev->vq[q];
	size_t done = 0;
	enum vq_pop_result r;

	vq_new_round(vq);
	while (done < len && (r = vq_pop(vq, chain)) != VQ_EMPTY) {
		size_t n = 0;

		if (r == VQ_BROKEN) {
			virtio_needs_reset(vdev);
			*again = false;
			return done;
		}
		if (r == VQ_CHAIN)
			n = iov_from_buf(chain->iov + chain->nr_out,
					 chain->nr_in, 0, buf + done,
					 len - done);
		vq_push(vq, chain->head, (uint32_t)n);
		done += n;
	}
	if (done)
		virtio_interrupt_queue(vdev, q);
	/*
	 * With event idx a driver kicks only when asked to: input left and
	 * no buffers means asking, so the rest is not stranded.
	 */
	*again = (done < len && vq_kick_on_more(vq)) || vq->yielded;
	return done;
}

size_t virtio_transmit(const struct vq_chain *c,
		       void (*output)(void *ctx, const uint8_t *buf,
				      size_t len),
		       void *ctx)
{
	size_t done = 0;

	for (unsigned int i = 0; i < c->nr_out; i++) {
		size_t len = c->iov[i].iov_len;

		if (len > VIRTIO_TX_CHAIN_MAX - done)
			len = VIRTIO_TX_CHAIN_MAX - done;
		if (len)
			output(ctx, c->iov[i].iov_base, len);
		done += len;
	}
	if (done < c->out_len)
		log_guest("a %zu-byte transmit chain: only the first %u bytes "
			  "were passed on",
			  c->out_len, VIRTIO_TX_CHAIN_MAX);
	return done;
}
