// SPDX-License-Identifier: MIT
/* Virtio over PCI (virtio 1.x section 4.1), modern interface only. */
#include "devices/virtio/pci.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "runtime/log.h"

/* virtio_pci_cap.cfg_type */
enum {
	CAP_COMMON = 1,
	CAP_NOTIFY = 2,
	CAP_ISR = 3,
	CAP_DEVICE = 4,
	CAP_PCI_CFG = 5,
};

/* Offsets of virtio_pci_common_cfg's fields. */
enum {
	CC_DEVICE_FEATURE_SELECT = 0x00,
	CC_DEVICE_FEATURE = 0x04,
	CC_DRIVER_FEATURE_SELECT = 0x08,
	CC_DRIVER_FEATURE = 0x0c,
	CC_CONFIG_MSIX_VECTOR = 0x10,
	CC_NUM_QUEUES = 0x12,
	CC_DEVICE_STATUS = 0x14,
	CC_CONFIG_GENERATION = 0x15,
	CC_QUEUE_SELECT = 0x16,
	CC_QUEUE_SIZE = 0x18,
	CC_QUEUE_MSIX_VECTOR = 0x1a,
	CC_QUEUE_ENABLE = 0x1c,
	CC_QUEUE_NOTIFY_OFF = 0x1e,
	CC_QUEUE_DESC = 0x20,
	CC_QUEUE_DRIVER = 0x28,
	CC_QUEUE_DEVICE = 0x30,
	CC_QUEUE_NOTIFY_DATA = 0x38,
	CC_SIZE = 0x3a,
};

static const struct {
	uint8_t off, width;
} common_fields[] = {
	{ CC_DEVICE_FEATURE_SELECT, 4 }, { CC_DEVICE_FEATURE, 4 },
	{ CC_DRIVER_FEATURE_SELECT, 4 }, { CC_DRIVER_FEATURE, 4 },
	{ CC_CONFIG_MSIX_VECTOR, 2 },	 { CC_NUM_QUEUES, 2 },
	{ CC_DEVICE_STATUS, 1 },	 { CC_CONFIG_GENERATION, 1 },
	{ CC_QUEUE_SELECT, 2 },		 { CC_QUEUE_SIZE, 2 },
	{ CC_QUEUE_MSIX_VECTOR, 2 },	 { CC_QUEUE_ENABLE, 2 },
	{ CC_QUEUE_NOTIFY_OFF, 2 },	 { CC_QUEUE_DESC, 8 },
	{ CC_QUEUE_DRIVER, 8 },		 { CC_QUEUE_DEVICE, 8 },
	{ CC_QUEUE_NOTIFY_DATA, 2 },
};

#define MSIX_CONTROL_ENABLE 0x8000
#define MSIX_CONTROL_MASKALL 0x4000
#define MSIX_ENTRY_CONTROL 12
#define MSIX_ENTRY_MASKED 1

/*
 * Keeps vector v's irqfd assigned exactly while the vector may fire.
 * While it is masked the device's signals stay counted in the eventfd,
 * and KVM delivers them the moment the irqfd is assigned again.
 */
static void update_vector(struct virtio_pci *vp, unsigned int v)
{
	struct virtio_pci_vector *vec = &vp->vec[v];
	const struct hv *hv = vp->vdev->hv;
	bool want = vp->msix_enabled && !vp->msix_masked &&
		    !(pci_get_u32(vec->entry + MSIX_ENTRY_CONTROL) &
		      MSIX_ENTRY_MASKED);
	int err;

	if (want && vec->gsi < 0) {
		err = hv->msi_route(
			hv->ctx, &vec->gsi,
			pci_get_u32(vec->entry) |
				(uint64_t)pci_get_u32(vec->entry + 4) << 32,
			pci_get_u32(vec->entry + 8), vp->pci.slot << 3);
		if (err) {
			log_warn("%s: no MSI route: %s", vp->vdev->ops->name,
				 strerror(-err));
			return;
		}
	}
	if (want == vec->irqfd)
		return;
	err = hv->irqfd(hv->ctx, vec->gsi, vec->fd, want);
	if (err)
		log_warn("%s: irqfd: %s", vp->vdev->ops->name, strerror(-err));
	else
		vec->irqfd = want;
}

static void update_vectors(struct virtio_pci *vp)
{
	for (unsigned int v = 0; v < vp->nr_vectors; v++)
		update_vector(vp, v);
}

static void msix_table_write(struct virtio_pci *vp, uint64_t off,
			     unsigned int size, uint64_t value)
{
	unsigned int v = off / 16, field = off % 16;
	struct virtio_pci_vector *vec;

	if (v >= vp->nr_vectors || field + size > 16)
		return;
	vec = &vp->vec[v];
	for (unsigned int i = 0; i < size; i++)
		vec->entry[field + i] = value >> (8 * i);
	if (field < MSIX_ENTRY_CONTROL && vec->gsi >= 0) {
		const struct hv *hv = vp->vdev->hv;

		hv->msi_route(hv->ctx, &vec->gsi,
			      pci_get_u32(vec->entry) |
				      (uint64_t)pci_get_u32(vec->entry + 4)
					      << 32,
			      pci_get_u32(vec->entry + 8), vp->pci.slot << 3);
	}
	update_vector(vp, v);
}

static uint64_t msix_table_read(struct virtio_pci *vp, uint64_t off,
				unsigned int size)
{
	unsigned int v = off / 16, field = off % 16;
	uint64_t value = 0;

	if (v >= vp->nr_vectors || field + size > 16)
		return 0;
	for (unsigned int i = 0; i < size; i++)
		value |= (uint64_t)vp->vec[v].entry[field + i] << (8 * i);
	return value;
}

static void signal_vector(struct virtio_pci *vp, uint16_t vector,
			  uint8_t isr_bit)
{
	uint64_t one = 1;

	if (vp->msix_enabled) {
		if (vector < vp->nr_vectors &&
		    write(vp->vec[vector].fd, &one, sizeof(one)) < 0)
			log_warn("%s: interrupt eventfd: %s",
				 vp->vdev->ops->name, strerror(errno));
		return;
	}
	vp->isr |= isr_bit;
	pci_device_set_intx(&vp->pci, true);
}

static void interrupt_queue(struct virtio_device *vdev, unsigned int q)
{
	struct virtio_pci *vp = vdev->transport_priv;

	signal_vector(vp, vp->queue_vector[q], 1);
}

static void interrupt_config(struct virtio_device *vdev)
{
	struct virtio_pci *vp = vdev->transport_priv;

	signal_vector(vp, vp->config_vector, 2);
}

static const struct virtio_transport_ops transport_ops = {
	.interrupt_queue = interrupt_queue,
	.interrupt_config = interrupt_config,
};

static uint16_t checked_vector(const struct virtio_pci *vp, uint16_t v)
{
	return v < vp->nr_vectors ? v : VIRTIO_NO_VECTOR;
}

static uint64_t common_get(struct virtio_pci *vp, unsigned int field)
{
	struct virtio_device *vdev = vp->vdev;
	unsigned int q = vdev->queue_select;
	bool qok = q < vdev->ops->nr_queues;
	uint64_t features = virtio_offered_features(vdev);

	switch (field) {
	case CC_DEVICE_FEATURE_SELECT:
		return vdev->device_feature_select;
	case CC_DEVICE_FEATURE:
		return vdev->device_feature_select < 2 ?
			       (uint32_t)(features >>
					  (32 * vdev->device_feature_select)) :
			       0;
	case CC_DRIVER_FEATURE_SELECT:
		return vdev->driver_feature_select;
	case CC_DRIVER_FEATURE:
		return vdev->driver_feature_select < 2 ?
			       (uint32_t)(vdev->driver_features >>
					  (32 * vdev->driver_feature_select)) :
			       0;
	case CC_CONFIG_MSIX_VECTOR:
		return vp->config_vector;
	case CC_NUM_QUEUES:
		return vdev->ops->nr_queues;
	case CC_DEVICE_STATUS:
		return vdev->status;
	case CC_CONFIG_GENERATION:
		return vdev->config_generation;
	case CC_QUEUE_SELECT:
		return q;
	case CC_QUEUE_SIZE:
		return qok ? vdev->vq[q].size : 0;
	case CC_QUEUE_MSIX_VECTOR:
		return qok ? vp->queue_vector[q] : VIRTIO_NO_VECTOR;
	case CC_QUEUE_ENABLE:
		return qok && vdev->queue_enabled[q];
	case CC_QUEUE_NOTIFY_OFF:
	case CC_QUEUE_NOTIFY_DATA:
		return qok ? q : 0;
	case CC_QUEUE_DESC:
		return qok ? vdev->vq[q].desc_gpa : 0;
	case CC_QUEUE_DRIVER:
		return qok ? vdev->vq[q].avail_gpa : 0;
	case CC_QUEUE_DEVICE:
		return qok ? vdev->vq[q].used_gpa : 0;
	}
	return 0;
}

static void reset_vectors(struct virtio_pci *vp)
{
	vp->config_vector = VIRTIO_NO_VECTOR;
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vp->queue_vector[q] = VIRTIO_NO_VECTOR;
}

static void common_set(struct virtio_pci *vp, unsigned int field,
		       uint64_t value)
{
	struct virtio_device *vdev = vp->vdev;
	unsigned int q = vdev->queue_select;
	/* Queue setup is frozen once the queue is enabled. */
	bool qok = q < vdev->ops->nr_queues && !vdev->queue_enabled[q];
	unsigned int shift;

	switch (field) {
	case CC_DEVICE_FEATURE_SELECT:
		vdev->device_feature_select = (uint32_t)value;
		break;
	case CC_DRIVER_FEATURE_SELECT:
		vdev->driver_feature_select = (uint32_t)value;
		break;
	case CC_DRIVER_FEATURE:
		if (vdev->driver_feature_select >= 2 ||
		    (vdev->status & VIRTIO_STATUS_FEATURES_OK))
			break;
		shift = 32 * vdev->driver_feature_select;
		vdev->driver_features =
			(vdev->driver_features & ~(0xffffffffULL << shift)) |
			((value & 0xffffffffULL) << shift);
		break;
	case CC_CONFIG_MSIX_VECTOR:
		vp->config_vector = checked_vector(vp, (uint16_t)value);
		break;
	case CC_DEVICE_STATUS:
		virtio_set_status(vdev, (uint8_t)value);
		if (value == 0) {
			vp->isr = 0;
			pci_device_set_intx(&vp->pci, false);
			reset_vectors(vp);
		}
		break;
	case CC_QUEUE_SELECT:
		vdev->queue_select = (uint16_t)value;
		break;
	case CC_QUEUE_SIZE:
		if (qok && value && value <= vdev->ops->queue_size)
			vdev->vq[q].size = (uint16_t)value;
		break;
	case CC_QUEUE_MSIX_VECTOR:
		if (q < vdev->ops->nr_queues)
			vp->queue_vector[q] =
				checked_vector(vp, (uint16_t)value);
		break;
	case CC_QUEUE_ENABLE:
		if (qok && value == 1)
			virtio_enable_queue(vdev, q);
		break;
	case CC_QUEUE_DESC:
		if (qok)
			vdev->vq[q].desc_gpa = value;
		break;
	case CC_QUEUE_DRIVER:
		if (qok)
			vdev->vq[q].avail_gpa = value;
		break;
	case CC_QUEUE_DEVICE:
		if (qok)
			vdev->vq[q].used_gpa = value;
		break;
	}
}

/* The common config field holding byte `off`, or -1. */
static int common_field(uint64_t off, unsigned int size)
{
	for (unsigned int i = 0;
	     i < sizeof(common_fields) / sizeof(common_fields[0]); i++) {
		unsigned int f = common_fields[i].off,
			     w = common_fields[i].width;

		if (off >= f && off + size <= f + w)
			return (int)i;
	}
	return -1;
}

static uint64_t common_read(struct virtio_pci *vp, uint64_t off,
			    unsigned int size)
{
	int i = common_field(off, size);
	unsigned int shift;
	uint64_t v;

	if (i < 0)
		return 0;
	shift = 8 * (unsigned int)(off - common_fields[i].off);
	v = common_get(vp, common_fields[i].off) >> shift;
	return size == 8 ? v : v & ((1ULL << (8 * size)) - 1);
}

/* A write of part of a field (a 64-bit address in two halves) merges. */
static void common_write(struct virtio_pci *vp, uint64_t off, unsigned int size,
			 uint64_t value)
{
	int i = common_field(off, size);
	unsigned int shift, f;
	uint64_t mask, v;

	if (i < 0)
		return;
	f = common_fields[i].off;
	shift = 8 * (unsigned int)(off - f);
	mask = (size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1) << shift;
	v = size == common_fields[i].width ? 0 : common_get(vp, f);
	common_set(vp, f, (v & ~mask) | ((value << shift) & mask));
}

static uint64_t bar_read(void *opaque, uint64_t off, unsigned int size)
{
	struct virtio_pci *vp = opaque;
	struct virtio_device *vdev = vp->vdev;
	uint64_t v = 0;

	pthread_mutex_lock(&vdev->lock);
	if (off < VIRTIO_PCI_ISR) {
		v = common_read(vp, off, size);
	} else if (off < VIRTIO_PCI_DEVICE) {
		if (off == VIRTIO_PCI_ISR) {
			/* Reading the ISR acknowledges the interrupt. */
			v = vp->isr;
			vp->isr = 0;
			pci_device_set_intx(&vp->pci, false);
		}
	} else if (off < VIRTIO_PCI_NOTIFY) {
		uint32_t o = (uint32_t)(off - VIRTIO_PCI_DEVICE);

		if (o + size <= vdev->ops->config_size &&
		    vdev->ops->read_config)
			vdev->ops->read_config(vdev, o, &v, size);
	} else if (off >= VIRTIO_PCI_MSIX_TABLE && off < VIRTIO_PCI_MSIX_PBA) {
		v = msix_table_read(vp, off - VIRTIO_PCI_MSIX_TABLE, size);
	}
	/* The notify area reads 0; the PBA reads as nothing pending. */
	pthread_mutex_unlock(&vdev->lock);
	return v;
}

static void bar_write(void *opaque, uint64_t off, unsigned int size,
		      uint64_t value)
{
	struct virtio_pci *vp = opaque;
	struct virtio_device *vdev = vp->vdev;

	pthread_mutex_lock(&vdev->lock);
	if (off < VIRTIO_PCI_ISR) {
		common_write(vp, off, size, value);
	} else if (off >= VIRTIO_PCI_DEVICE && off < VIRTIO_PCI_NOTIFY) {
		uint32_t o = (uint32_t)(off - VIRTIO_PCI_DEVICE);

		if (o + size <= vdev->ops->config_size &&
		    vdev->ops->write_config)
			vdev->ops->write_config(vdev, o, &value, size);
	} else if (off >= VIRTIO_PCI_NOTIFY && off < VIRTIO_PCI_MSIX_TABLE) {
		/* A kick that missed its ioeventfd: hand it to the device
		 * thread all the same. */
		uint64_t q = (off - VIRTIO_PCI_NOTIFY) /
			     VIRTIO_PCI_NOTIFY_MULTIPLIER;
		uint64_t one = 1;

		if (q < vdev->ops->nr_queues &&
		    write(vdev->kick[q].fd, &one, sizeof(one)) < 0)
			log_warn("%s: kick: %s", vdev->ops->name,
				 strerror(errno));
	} else if (off >= VIRTIO_PCI_MSIX_TABLE && off < VIRTIO_PCI_MSIX_PBA) {
		msix_table_write(vp, off - VIRTIO_PCI_MSIX_TABLE, size, value);
	}
	pthread_mutex_unlock(&vdev->lock);
}

static const struct io_ops bar_ops = {
	.read = bar_read,
	.write = bar_write,
};

/* Queue kicks go to the device thread's eventfds without an exit. */
static void set_ioeventfds(struct virtio_pci *vp, uint32_t base, bool assign)
{
	struct virtio_device *vdev = vp->vdev;
	const struct hv *hv = vdev->hv;

	for (unsigned int q = 0; q < vdev->ops->nr_queues; q++) {
		struct hv_ioeventfd io = {
			.addr = base + VIRTIO_PCI_NOTIFY +
				q * VIRTIO_PCI_NOTIFY_MULTIPLIER,
			.len = 0, /* whatever width the driver writes */
			.fd = vdev->kick[q].fd,
		};
		int err = hv->ioeventfd(hv->ctx, &io, assign);

		if (err == -EINVAL) {
			io.len = 2; /* a KVM without any-length ioeventfds */
			err = hv->ioeventfd(hv->ctx, &io, assign);
		}
		if (err && assign)
			log_warn("%s: queue %u ioeventfd: %s; kicks will exit",
				 vdev->ops->name, q, strerror(-err));
	}
}

static void bar_moved(struct pci_device *d, unsigned int bar, uint32_t old_addr,
		      uint32_t new_addr)
{
	struct virtio_pci *vp = d->opaque;

	if (bar != 0)
		return;
	pthread_mutex_lock(&vp->vdev->lock);
	if (old_addr)
		set_ioeventfds(vp, old_addr, false);
	if (new_addr)
		set_ioeventfds(vp, new_addr, true);
	vp->notify_base = new_addr;
	pthread_mutex_unlock(&vp->vdev->lock);
}

/* The VIRTIO_PCI_CAP_PCI_CFG window: BAR access through config space. */
static bool cfg_window_hit(const struct virtio_pci *vp, unsigned int off,
			   unsigned int size)
{
	unsigned int data = vp->cfg_cap + 16;

	return off < data + 4 && off + size > data;
}

static void cfg_window_access(struct virtio_pci *vp, bool write)
{
	uint8_t *cap = vp->pci.cfg + vp->cfg_cap;
	uint32_t off = pci_get_u32(cap + 8), len = pci_get_u32(cap + 12);
	uint64_t v;

	if (cap[4] != 0 || (len != 1 && len != 2 && len != 4) ||
	    off > VIRTIO_PCI_BAR_SIZE - len)
		return;
	if (write) {
		bar_write(vp, off, len, pci_get_u32(cap + 16));
	} else {
		v = bar_read(vp, off, len);
		pci_set_u32(cap + 16, (uint32_t)v);
	}
}

static void config_read(struct pci_device *d, unsigned int off,
			unsigned int size)
{
	struct virtio_pci *vp = d->opaque;

	if (cfg_window_hit(vp, off, size))
		cfg_window_access(vp, false);
}

static void config_write(struct pci_device *d, unsigned int off,
			 unsigned int size)
{
	struct virtio_pci *vp = d->opaque;

	if (cfg_window_hit(vp, off, size))
		cfg_window_access(vp, true);
	if (off < vp->msix_cap + 4 && off + size > vp->msix_cap + 2) {
		uint16_t control = pci_get_u16(vp->pci.cfg + vp->msix_cap + 2);

		pthread_mutex_lock(&vp->vdev->lock);
		vp->msix_enabled = control & MSIX_CONTROL_ENABLE;
		vp->msix_masked = control & MSIX_CONTROL_MASKALL;
		update_vectors(vp);
		pthread_mutex_unlock(&vp->vdev->lock);
	}
}

static const struct pci_device_ops pci_ops = {
	.config_write = config_write,
	.config_read = config_read,
	.bar_moved = bar_moved,
};

/* A virtio_pci_cap describing `length` bytes at `offset` of BAR 0. */
static unsigned int add_virtio_cap(struct virtio_pci *vp, uint8_t type,
				   uint32_t offset, uint32_t length,
				   unsigned int cap_len)
{
	unsigned int at =
		pci_device_add_cap(&vp->pci, PCI_CAP_ID_VNDR, cap_len);
	uint8_t *c = vp->pci.cfg + at;

	if (!at)
		return 0;
	c[2] = (uint8_t)cap_len;
	c[3] = type;
	c[4] = 0; /* BAR 0 */
	pci_set_u32(c + 8, offset);
	pci_set_u32(c + 12, length);
	return at;
}

int virtio_pci_init(struct virtio_pci *vp, struct virtio_device *vdev,
		    struct pci_bus *bus)
{
	const struct virtio_device_ops *ops = vdev->ops;
	unsigned int at;

	memset(vp, 0, sizeof(*vp));
	vp->vdev = vdev;
	vdev->transport = &transport_ops;
	vdev->transport_priv = vp;
	vp->nr_vectors = ops->nr_queues + 1;
	for (unsigned int v = 0; v < VIRTIO_PCI_MAX_VECTORS; v++) {
		vp->vec[v].gsi = -1;
		vp->vec[v].fd = -1;
	}
	for (unsigned int v = 0; v < vp->nr_vectors; v++) {
		vp->vec[v].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->vec[v].fd < 0)
			return -errno;
		/* Vectors start masked (PCI spec). */
		vp->vec[v].entry[MSIX_ENTRY_CONTROL] = MSIX_ENTRY_MASKED;
	}
	reset_vectors(vp);

	pci_device_init(&vp->pci, VIRTIO_PCI_VENDOR, 0x1040 + ops->device_id,
			ops->pci_class, 1, VIRTIO_PCI_VENDOR, 0x1100, &pci_ops,
			vp);
	pci_device_add_bar(&vp->pci, 0, VIRTIO_PCI_BAR_SIZE, &bar_ops, vp);
	if (!add_virtio_cap(vp, CAP_COMMON, VIRTIO_PCI_COMMON, CC_SIZE, 16) ||
	    !add_virtio_cap(vp, CAP_ISR, VIRTIO_PCI_ISR, 1, 16) ||
	    (ops->config_size &&
	     !add_virtio_cap(vp, CAP_DEVICE, VIRTIO_PCI_DEVICE,
			     ops->config_size, 16)))
		return -ENOSPC;
	at = add_virtio_cap(vp, CAP_NOTIFY, VIRTIO_PCI_NOTIFY,
			    ops->nr_queues * VIRTIO_PCI_NOTIFY_MULTIPLIER, 20);
	if (!at)
		return -ENOSPC;
	pci_set_u32(vp->pci.cfg + at + 16, VIRTIO_PCI_NOTIFY_MULTIPLIER);
	vp->cfg_cap = add_virtio_cap(vp, CAP_PCI_CFG, 0, 0, 20);
	if (!vp->cfg_cap)
		return -ENOSPC;
	/* The driver picks BAR, offset and length, and moves data. */
	vp->pci.wmask[vp->cfg_cap + 4] = 0xff;
	memset(vp->pci.wmask + vp->cfg_cap + 8, 0xff, 12);

	vp->msix_cap = pci_device_add_cap(&vp->pci, PCI_CAP_ID_MSIX, 12);
	if (!vp->msix_cap)
		return -ENOSPC;
	pci_set_u16(vp->pci.cfg + vp->msix_cap + 2, vp->nr_vectors - 1);
	pci_set_u32(vp->pci.cfg + vp->msix_cap + 4, VIRTIO_PCI_MSIX_TABLE);
	pci_set_u32(vp->pci.cfg + vp->msix_cap + 8, VIRTIO_PCI_MSIX_PBA);
	vp->pci.wmask[vp->msix_cap + 3] = 0xc0; /* enable, mask all */

	if (pci_bus_add(bus, &vp->pci))
		return -ENOSPC;
	return 0;
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	for (unsigned int v = 0; v < vp->nr_vectors; v++)
		if (vp->vec[v].fd >= 0)
			close(vp->vec[v].fd);
}
