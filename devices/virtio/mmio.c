// SPDX-License-Identifier: MIT
/* virtio-mmio transport, register layout version 2. */
#include "devices/virtio/mmio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/log.h"

#define MAGIC 0x74726976 /* "virt" */
#define VENDOR 0x4c54534b /* "KSTL" */

enum {
	REG_MAGIC = 0x000,
	REG_VERSION = 0x004,
	REG_DEVICE_ID = 0x008,
	REG_VENDOR_ID = 0x00c,
	REG_DEVICE_FEATURES = 0x010,
	REG_DEVICE_FEATURES_SEL = 0x014,
	REG_DRIVER_FEATURES = 0x020,
	REG_DRIVER_FEATURES_SEL = 0x024,
	REG_QUEUE_SEL = 0x030,
	REG_QUEUE_NUM_MAX = 0x034,
	REG_QUEUE_NUM = 0x038,
	REG_QUEUE_READY = 0x044,
	REG_QUEUE_NOTIFY = 0x050,
	REG_INTERRUPT_STATUS = 0x060,
	REG_INTERRUPT_ACK = 0x064,
	REG_STATUS = 0x070,
	REG_QUEUE_DESC_LOW = 0x080,
	REG_QUEUE_DESC_HIGH = 0x084,
	REG_QUEUE_DRIVER_LOW = 0x090,
	REG_QUEUE_DRIVER_HIGH = 0x094,
	REG_QUEUE_DEVICE_LOW = 0x0a0,
	REG_QUEUE_DEVICE_HIGH = 0x0a4,
	REG_CONFIG_GENERATION = 0x0fc,
	REG_CONFIG = 0x100,
};

#define INT_USED_BUFFER 1
#define INT_CONFIG 2

static void update_line(struct virtio_mmio *vm)
{
	const struct hv *hv = vm->vdev->hv;

	hv->set_irq(hv->ctx, vm->gsi, vm->interrupt_status != 0);
}

/* A level-triggered line, up while any interrupt status bit is set. */
static void interrupt_queue(struct virtio_device *vdev, unsigned int q)
{
	struct virtio_mmio *vm = vdev->transport_priv;

	(void)q;
	vm->interrupt_status |= INT_USED_BUFFER;
	update_line(vm);
}

static void interrupt_config(struct virtio_device *vdev)
{
	struct virtio_mmio *vm = vdev->transport_priv;

	vm->interrupt_status |= INT_CONFIG;
	update_line(vm);
}

static const struct virtio_transport_ops transport_ops = {
	.interrupt_queue = interrupt_queue,
	.interrupt_config = interrupt_config,
};

/* Queue kicks are writes of the queue index to QueueNotify. */
static void set_ioeventfds(struct virtio_mmio *vm, bool assign)
{
	struct virtio_device *vdev = vm->vdev;
	const struct hv *hv = vdev->hv;

	for (unsigned int q = 0; q < vdev->ops->nr_queues; q++) {
		struct hv_ioeventfd io = {
			.addr = vm->base + REG_QUEUE_NOTIFY,
			.len = 4,
			.fd = vdev->kick[q].fd,
			.datamatch = true,
			.data = q,
		};
		int err = hv->ioeventfd(hv->ctx, &io, assign);

		if (err && assign)
			log_warn("%s: queue %u ioeventfd: %s; kicks will exit",
				 vdev->ops->name, q, strerror(-err));
	}
	vm->ioeventfds = assign;
}

static uint32_t *queue_addr_half(struct virtqueue *vq, uint64_t reg)
{
	uint64_t *field;

	switch (reg & ~7ULL) {
	case REG_QUEUE_DESC_LOW:
		field = &vq->desc_gpa;
		break;
	case REG_QUEUE_DRIVER_LOW:
		field = &vq->avail_gpa;
		break;
	default:
		field = &vq->used_gpa;
		break;
	}
	return (uint32_t *)field + ((reg & 4) ? 1 : 0);
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned int size)
{
	struct virtio_mmio *vm = opaque;
	struct virtio_device *vdev = vm->vdev;
	unsigned int q;
	uint64_t v = 0;

	pthread_mutex_lock(&vdev->lock);
	q = vdev->queue_select;
	if (off >= REG_CONFIG) {
		uint32_t o = (uint32_t)(off - REG_CONFIG);

		if (o + size <= vdev->ops->config_size &&
		    vdev->ops->read_config)
			vdev->ops->read_config(vdev, o, &v, size);
		pthread_mutex_unlock(&vdev->lock);
		return v;
	}
	if (size != 4) { /* registers are 32-bit wide (section 4.2.2.2) */
		pthread_mutex_unlock(&vdev->lock);
		return 0;
	}
	switch (off) {
	case REG_MAGIC:
		v = MAGIC;
		break;
	case REG_VERSION:
		v = 2;
		break;
	case REG_DEVICE_ID:
		v = vdev->ops->device_id;
		break;
	case REG_VENDOR_ID:
		v = VENDOR;
		break;
	case REG_DEVICE_FEATURES:
		if (vdev->device_feature_select < 2)
			v = (uint32_t)(virtio_offered_features(vdev) >>
				       (32 * vdev->device_feature_select));
		break;
	case REG_QUEUE_NUM_MAX:
		v = q < vdev->ops->nr_queues ? vdev->ops->queue_size : 0;
		break;
	case REG_QUEUE_READY:
		v = q < vdev->ops->nr_queues && vdev->queue_enabled[q];
		break;
	case REG_INTERRUPT_STATUS:
		v = vm->interrupt_status;
		break;
	case REG_STATUS:
		v = vdev->status;
		break;
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
	case REG_QUEUE_DEVICE_LOW:
	case REG_QUEUE_DEVICE_HIGH:
		if (q < vdev->ops->nr_queues)
			v = *queue_addr_half(&vdev->vq[q], off);
		break;
	case REG_CONFIG_GENERATION:
		v = vdev->config_generation;
		break;
	}
	pthread_mutex_unlock(&vdev->lock);
	return v;
}

static void mmio_write(void *opaque, uint64_t off, unsigned int size,
		       uint64_t value)
{
	struct virtio_mmio *vm = opaque;
	struct virtio_device *vdev = vm->vdev;
	uint32_t v = (uint32_t)value;
	uint64_t one = 1;
	unsigned int q;
	bool qok;

	/*
	 * Every decision below reads state another vCPU or the device thread
	 * may change, so it is made under the lock, in the same hold as the
	 * change it allows.
	 */
	pthread_mutex_lock(&vdev->lock);
	q = vdev->queue_select;
	/* Queue setup is frozen once the queue is enabled. */
	qok = q < vdev->ops->nr_queues && !vdev->queue_enabled[q];
	if (off >= REG_CONFIG) {
		uint32_t o = (uint32_t)(off - REG_CONFIG);

		if (o + size <= vdev->ops->config_size &&
		    vdev->ops->write_config)
			vdev->ops->write_config(vdev, o, &value, size);
		pthread_mutex_unlock(&vdev->lock);
		return;
	}
	if (size != 4) {
		pthread_mutex_unlock(&vdev->lock);
		return;
	}
	switch (off) {
	case REG_DEVICE_FEATURES_SEL:
		vdev->device_feature_select = v;
		break;
	case REG_DRIVER_FEATURES:
		if (vdev->driver_feature_select < 2 &&
		    !(vdev->status & VIRTIO_STATUS_FEATURES_OK)) {
			unsigned int shift = 32 * vdev->driver_feature_select;

			vdev->driver_features = (vdev->driver_features &
						 ~(0xffffffffULL << shift)) |
						((uint64_t)v << shift);
		}
		break;
	case REG_DRIVER_FEATURES_SEL:
		vdev->driver_feature_select = v;
		break;
	case REG_QUEUE_SEL:
		vdev->queue_select = (uint16_t)v;
		break;
	case REG_QUEUE_NUM:
		if (qok && v && v <= vdev->ops->queue_size)
			vdev->vq[q].size = (uint16_t)v;
		break;
	case REG_QUEUE_READY:
		if (qok && v == 1)
			virtio_enable_queue(vdev, q);
		break;
	case REG_QUEUE_NOTIFY:
		/* A kick that missed its ioeventfd. */
		if (v < vdev->ops->nr_queues &&
		    write(vdev->kick[v].fd, &one, sizeof(one)) < 0)
			log_warn("%s: kick: %s", vdev->ops->name,
				 strerror(errno));
		break;
	case REG_INTERRUPT_ACK:
		vm->interrupt_status &= ~v;
		update_line(vm);
		break;
	case REG_STATUS:
		virtio_set_status(vdev, (uint8_t)v);
		if (v == 0) {
			vm->interrupt_status = 0;
			update_line(vm);
		}
		break;
	case REG_QUEUE_DESC_LOW:
	case REG_QUEUE_DESC_HIGH:
	case REG_QUEUE_DRIVER_LOW:
	case REG_QUEUE_DRIVER_HIGH:
	case REG_QUEUE_DEVICE_LOW:
	case REG_QUEUE_DEVICE_HIGH:
		if (qok)
			*queue_addr_half(&vdev->vq[q], off) = v;
		break;
	}
	pthread_mutex_unlock(&vdev->lock);
}

const struct io_ops virtio_mmio_io_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

int virtio_mmio_init(struct virtio_mmio *vm, struct virtio_device *vdev,
		     uint64_t base, uint32_t gsi)
{
	vm->vdev = vdev;
	vm->base = base;
	vm->gsi = gsi;
	vm->interrupt_status = 0;
	vdev->transport = &transport_ops;
	vdev->transport_priv = vm;
	set_ioeventfds(vm, true);
	return 0;
}
