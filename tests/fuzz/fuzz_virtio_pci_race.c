// SPDX-License-Identifier: MIT
/*
 * libFuzzer target racing two vCPUs on virtio-pci (devices/virtio/pci.c)
 * and the PCI host (devices/pci.c) with a virtio-rng and a virtio-console
 * on the bus, while a device thread runs the queue kicks: common config,
 * ISR, notify, MSI-X table/PBA and config space from two threads at once,
 * which the single-threaded fuzz_pci_config cannot reach. A fresh bus and
 * devices for each input; the threads are fuzz_race()'s
 * (tests/fuzz/fuzz_guest.h).
 *
 * Input: a sequence of FUZZ_OP_SIZE-byte operations
 *
 *   [0]      bits 0-2: what (0: port I/O at 0xCF8 + (off & 7), 1: ECAM
 *            at off % 1 MiB, 2-4: the BAR window at off % 64 KiB (where
 *            kestrel places both BAR 0s), 5: the BAR window at off %
 *            512 MiB, 6: store the 8-byte value in guest RAM at off %
 *            (both regions), 7: sync or spin, see fuzz_race());
 *            bit 6: done by vCPU 1 (else vCPU 0); bit 7: a write
 *   [1]      size: port I/O 1 << (b % 3), MMIO 1 + b % 8
 *   [2..5]   off (32 bit)
 *   [6..13]  value (64 bit)
 *
 * Oracles besides ASan/UBSan, checked by the device thread after each
 * round of handlers and at the end: identity registers and the capability
 * list stay put, BARs stay size-aligned, every live queue uses the rings
 * its registers describe at the size they hold, queue sizes and MSI-X
 * vectors stay in range, set_irq only drives INTx lines at level 0 or 1,
 * whatever the console transmits lies in guest RAM; at the end, each
 * device's Status register shows an interrupt exactly while its INTx is
 * asserted.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/layout.h"
#include "devices/pci.h"
#include "devices/virtio/pci.h"
#include "tests/fuzz/fuzz_devpair.h"
#include "tests/fuzz/fuzz_guest.h"
#include "tests/fuzz/fuzz_pci.h"
#include "runtime/iobus.h"

#define MAX_OPS 512

static struct fuzz_guest guest;
static struct pci_bus bus;
static struct fuzz_devpair pair;
static struct virtio_pci rng_pci, con_pci;
static struct iobus pio = { .name = "pio" }, mmio = { .name = "mmio" };
static uint16_t host_vendor, host_device;
static uint8_t host_caps, rng_caps, con_caps;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	fuzz_pci_register(&pio, &mmio, &bus);
	return 0;
}

/* Bus locked. */
static void check_header(const struct pci_device *d, uint16_t vendor,
			 uint16_t device, uint8_t caps)
{
	fuzz_pci_check_device(d, vendor, device);
	if (d->cfg[PCI_CAPABILITY_LIST] != caps)
		fuzz_fail("slot %u: capability list moved to %#x", d->slot,
			  d->cfg[PCI_CAPABILITY_LIST]);
}

static void check_virtio(struct virtio_pci *vp)
{
	struct virtio_device *vdev = vp->vdev;

	pthread_mutex_lock(&vdev->lock);
	fuzz_check_live_queues(&guest, vdev);
	for (unsigned int q = 0; q < vdev->ops->nr_queues; q++) {
		if (!vdev->vq[q].size ||
		    vdev->vq[q].size > vdev->ops->queue_size)
			fuzz_fail("%s: queue %u has size %u", vdev->ops->name,
				  q, vdev->vq[q].size);
		if (vp->queue_vector[q] != VIRTIO_NO_VECTOR &&
		    vp->queue_vector[q] >= vp->nr_vectors)
			fuzz_fail("%s: queue %u vector %u of %u",
				  vdev->ops->name, q, vp->queue_vector[q],
				  vp->nr_vectors);
	}
	if (vp->config_vector != VIRTIO_NO_VECTOR &&
	    vp->config_vector >= vp->nr_vectors)
		fuzz_fail("%s: config vector %u of %u", vdev->ops->name,
			  vp->config_vector, vp->nr_vectors);
	pthread_mutex_unlock(&vdev->lock);
}

static void check(void)
{
	pthread_rwlock_rdlock(&bus.lock);
	check_header(&bus.host_bridge, host_vendor, host_device, host_caps);
	check_header(&rng_pci.pci, VIRTIO_PCI_VENDOR, 0x1040 + VIRTIO_ID_RNG,
		     rng_caps);
	check_header(&con_pci.pci, VIRTIO_PCI_VENDOR,
		     0x1040 + VIRTIO_ID_CONSOLE, con_caps);
	pthread_rwlock_unlock(&bus.lock);
	check_virtio(&rng_pci);
	check_virtio(&con_pci);
}

/* Quiescent: the Status register's interrupt bit is the INTx level. */
static void check_intx_status(const struct virtio_pci *vp)
{
	uint64_t ecam = X86_PCI_ECAM_BASE + ((uint64_t)vp->pci.slot << 15);
	uint16_t status = 0;

	iobus_access(&mmio, ecam + PCI_STATUS, &status, 2, false);
	if (!!(status & PCI_STATUS_INTERRUPT) != vp->pci.intx_level)
		fuzz_fail("%s: Status %#x with INTx %s", vp->vdev->ops->name,
			  status, vp->pci.intx_level ? "asserted" : "clear");
}

static void vcpu_op(const uint8_t *op)
{
	switch (op[0] & 7) {
	case 0:
		fuzz_op_pio(&pio, PCI_CONF1_PORT, PCI_CONF1_PORTS, op);
		break;
	case 1:
		fuzz_op_mmio(&mmio, X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE, op);
		break;
	case 5:
		fuzz_op_mmio(&mmio, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE,
			     op);
		break;
	case 6:
		fuzz_op_store(&guest, FUZZ_RAM_SIZE + FUZZ_RAM2_SIZE, op);
		break;
	default:
		fuzz_op_mmio(&mmio, X86_PCI_WINDOW_BASE, 0x10000, op);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int err;

	fuzz_guest_load(&guest, NULL, 0);
	fuzz_pci_bus_init(&bus);
	fuzz_devpair_init(&pair, &guest);
	err = virtio_pci_init(&rng_pci, &pair.rng.vdev, &bus);
	if (!err)
		err = virtio_pci_init(&con_pci, &pair.con.vdev, &bus);
	if (err)
		fuzz_fail("cannot create the transports: %d", err);
	host_vendor = pci_get_u16(bus.host_bridge.cfg + PCI_VENDOR_ID);
	host_device = pci_get_u16(bus.host_bridge.cfg + PCI_DEVICE_ID);
	host_caps = bus.host_bridge.cfg[PCI_CAPABILITY_LIST];
	rng_caps = rng_pci.pci.cfg[PCI_CAPABILITY_LIST];
	con_caps = con_pci.pci.cfg[PCI_CAPABILITY_LIST];

	fuzz_race(&guest, data, size, FUZZ_OP_SIZE, MAX_OPS, vcpu_op, check);
	check_intx_status(&rng_pci);
	check_intx_status(&con_pci);
	fuzz_devpair_trace(&pair, "isr", rng_pci.isr, con_pci.isr);

	virtio_pci_destroy(&con_pci);
	virtio_pci_destroy(&rng_pci);
	fuzz_devpair_destroy(&pair);
	fuzz_pci_bus_destroy(&bus);
	return 0;
}
