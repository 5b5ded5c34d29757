/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_PCI_H
#define KESTREL_DEVICES_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/pci.h"
#include "devices/virtio/virtio.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_MAX_VECTORS (VIRTIO_MAX_QUEUES + 1)

/* BAR 0 holds everything, one 4 KiB page per region. */
#define VIRTIO_PCI_COMMON 0x0000
#define VIRTIO_PCI_ISR 0x1000
#define VIRTIO_PCI_DEVICE 0x2000
#define VIRTIO_PCI_NOTIFY 0x3000
#define VIRTIO_PCI_MSIX_TABLE 0x4000
#define VIRTIO_PCI_MSIX_PBA 0x5000
#define VIRTIO_PCI_BAR_SIZE 0x8000
#define VIRTIO_PCI_NOTIFY_MULTIPLIER 4

struct virtio_pci_vector {
	uint8_t entry[16]; /* MSI-X table entry: address, data, control */
	int gsi; /* KVM route, -1 until first needed */
	int fd; /* eventfd the device signals; an irqfd while unmasked */
	bool irqfd;
};

/*
 * A virtio device on the PCI bus, virtio 1.x "modern" interface only.
 * vCPU threads reach it through config space (bus lock held for writing)
 * and BAR 0 (bus lock held for reading); each takes vdev->lock, which
 * guards everything here but `pci` and the capability offsets. The
 * device thread signals interrupts with only vdev->lock, so what it needs
 * from config space (MSI-X enable and mask-all) is mirrored under it.
 */
struct virtio_pci {
	struct virtio_device *vdev;
	struct pci_device pci;
	uint8_t isr;
	uint16_t config_vector;
	uint16_t queue_vector[VIRTIO_MAX_QUEUES];
	unsigned int nr_vectors;
	struct virtio_pci_vector vec[VIRTIO_PCI_MAX_VECTORS];
	bool msix_enabled, msix_masked; /* the MSI-X control bits */
	unsigned int msix_cap, cfg_cap; /* config space offsets */
	uint32_t notify_base; /* where queue kicks land; 0: nowhere */
};

/* Puts vdev on bus, before any vCPU runs. Returns 0 or -errno. */
int virtio_pci_init(struct virtio_pci *vp, struct virtio_device *vdev,
		    struct pci_bus *bus);
void virtio_pci_destroy(struct virtio_pci *vp);

#endif
