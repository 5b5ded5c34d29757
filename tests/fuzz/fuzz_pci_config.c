// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the PCI host (devices/pci.c) and virtio-pci
 * (devices/virtio/pci.c): config space through ports 0xCF8-0xCFF and
 * ECAM, the BAR window, with a virtio-rng device (devices/virtio/rng.c)
 * on the bus, everything dispatched through iobus_access() as the vCPU
 * loop does. A fresh bus and device for each input.
 *
 * Input: a sequence of FUZZ_OP_SIZE-byte operations
 *
 *   [0]      bits 0-2: what (0: port I/O at 0xCF8 + (off & 7), 1: ECAM
 *            at off % 1 MiB, 2, 5-7: the BAR window at off % 512 MiB,
 *            3: run the device thread's ready handlers (queue kicks),
 *            4: store the 8-byte value in guest RAM at off % 64 KiB);
 *            bit 7: a write (else a read)
 *   [1]      size: port I/O 1 << (b % 3), MMIO 1 + b % 8
 *   [2..5]   off (32 bit)
 *   [6..13]  value (64 bit)
 *
 * Oracles besides ASan/UBSan: read-only identity registers stay put, BAR
 * addresses stay size-aligned, queue sizes stay within what the device
 * offers.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "arch/x86/layout.h"
#include "devices/pci.h"
#include "devices/virtio/pci.h"
#include "devices/virtio/rng.h"
#include "tests/fuzz/fuzz_guest.h"
#include "tests/fuzz/fuzz_pci.h"
#include "runtime/iobus.h"

#define MAX_OPS 512

static struct fuzz_guest guest;
static struct pci_bus bus;
static struct virtio_rng rng;
static struct virtio_pci vp;
static struct iobus pio = { .name = "pio" }, mmio = { .name = "mmio" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	fuzz_pci_register(&pio, &mmio, &bus);
	return 0;
}

static void check_state(uint16_t host_vendor, uint16_t host_device,
			uint8_t rng_caps)
{
	const struct virtio_device *vdev = &rng.vdev;

	fuzz_pci_check_device(&bus.host_bridge, host_vendor, host_device);
	fuzz_pci_check_device(&vp.pci, VIRTIO_PCI_VENDOR,
			      0x1040 + VIRTIO_ID_RNG);
	if (vp.pci.cfg[PCI_CAPABILITY_LIST] != rng_caps)
		fuzz_fail("capability list moved to %#x",
			  vp.pci.cfg[PCI_CAPABILITY_LIST]);
	for (unsigned int q = 0; q < vdev->ops->nr_queues; q++)
		if (!vdev->vq[q].size ||
		    vdev->vq[q].size > vdev->ops->queue_size)
			fuzz_fail("queue %u has size %u", q, vdev->vq[q].size);
	if (vp.config_vector != VIRTIO_NO_VECTOR &&
	    vp.config_vector >= vp.nr_vectors)
		fuzz_fail("config vector %u of %u", vp.config_vector,
			  vp.nr_vectors);
}

static void do_op(const uint8_t *op)
{
	switch (op[0] & 7) {
	case 0:
		fuzz_op_pio(&pio, PCI_CONF1_PORT, PCI_CONF1_PORTS, op);
		break;
	case 1:
		fuzz_op_mmio(&mmio, X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE, op);
		break;
	case 3:
		fuzz_guest_run_ready(&guest);
		break;
	case 4:
		fuzz_op_store(&guest, FUZZ_RAM_SIZE, op);
		break;
	default:
		fuzz_op_mmio(&mmio, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE,
			     op);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t host_vendor, host_device;
	uint8_t rng_caps;
	int err;

	fuzz_guest_load(&guest, NULL, 0);
	fuzz_pci_bus_init(&bus);
	err = virtio_rng_init(&rng, &guest.hv);
	if (err)
		fuzz_fail("virtio_rng_init: %d", err);
	err = virtio_pci_init(&vp, &rng.vdev, &bus);
	if (err)
		fuzz_fail("virtio_pci_init: %d", err);
	host_vendor = pci_get_u16(bus.host_bridge.cfg + PCI_VENDOR_ID);
	host_device = pci_get_u16(bus.host_bridge.cfg + PCI_DEVICE_ID);
	rng_caps = vp.pci.cfg[PCI_CAPABILITY_LIST];

	for (size_t i = 0;
	     i + FUZZ_OP_SIZE <= size && i / FUZZ_OP_SIZE < MAX_OPS;
	     i += FUZZ_OP_SIZE) {
		do_op(data + i);
		check_state(host_vendor, host_device, rng_caps);
	}

	if (fuzz_verbose)
		fprintf(stderr,
			"rng: status %#x, queue ready %d used %u, isr %#x, "
			"BAR0 %#x, command %#x, MSI-X control %#x\n",
			rng.vdev.status, rng.vdev.vq[0].ready,
			rng.vdev.vq[0].used, vp.isr, vp.pci.bar[0].addr,
			pci_get_u16(vp.pci.cfg + PCI_COMMAND),
			pci_get_u16(vp.pci.cfg + vp.msix_cap + 2));
	virtio_pci_destroy(&vp);
	virtio_rng_destroy(&rng);
	fuzz_pci_bus_destroy(&bus);
	pthread_mutex_destroy(&rng.vdev.lock);
	return 0;
}
