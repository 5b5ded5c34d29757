/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_MMIO_H
#define KESTREL_DEVICES_VIRTIO_MMIO_H

#include <stdint.h>

#include "devices/virtio/virtio.h"
#include "runtime/iobus.h"

/*
 * Virtio over MMIO (virtio 1.x section 4.2), version 2 registers: for
 * guests without PCI. The guest finds the devices in the DSDT (LNRO0005).
 */
#define VIRTIO_MMIO_SIZE 0x200

struct virtio_mmio {
	struct virtio_device *vdev;
	uint64_t base;
	uint32_t gsi;
	uint32_t interrupt_status; /* vdev locked */
	bool ioeventfds;
};

/*
 * The register window: called on vCPU threads, any number at once; each
 * access takes vdev->lock itself (the caller holds no device lock).
 */
extern const struct io_ops virtio_mmio_io_ops;

/*
 * Sets up the transport at base with interrupt line gsi, before any vCPU
 * runs; 0 or -errno.
 */
int virtio_mmio_init(struct virtio_mmio *vm, struct virtio_device *vdev,
		     uint64_t base, uint32_t gsi);

#endif
