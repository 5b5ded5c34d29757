// SPDX-License-Identifier: MIT
/*
 * libFuzzer target racing two vCPUs on the virtio-mmio transport
 * (devices/virtio/mmio.c) of a virtio-rng and a virtio-console, while a
 * device thread runs the queue kicks: the register paths' locking, which
 * the single-threaded fuzz_virtio_mmio cannot reach. Fresh devices for
 * each input; the threads are fuzz_race()'s (tests/fuzz/fuzz_guest.h).
 *
 * Input: a sequence of FUZZ_OP_SIZE-byte operations
 *
 *   [0]      bits 0-2: what (0-2: an MMIO access to the rng's registers,
 *            3-5: to the console's, at off % VIRTIO_MMIO_SIZE; 6: store
 *            the 8-byte value in guest RAM at off % (both regions);
 *            7: sync or spin, see fuzz_race());
 *            bit 6: done by vCPU 1 (else vCPU 0); bit 7: a write
 *   [1]      size: 1 + b % 8
 *   [2..5]   off (32 bit)
 *   [6..13]  value (64 bit)
 *
 * Oracles besides ASan/UBSan, checked by the device thread after each
 * round of handlers and at the end: every live queue uses the rings its
 * registers describe at the size they hold; InterruptStatus holds only
 * its two defined bits; set_irq only drives the devices' own lines, at
 * level 0 or 1; whatever the console transmits lies in guest RAM.
 */
#include <pthread.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_devpair.h"
#include "tests/fuzz/fuzz_guest.h"

#define MAX_OPS 512

static struct fuzz_guest guest;
static struct fuzz_devpair_mmio pair;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	fuzz_devpair_mmio_setup(&pair, &guest);
	return 0;
}

static void check_transport(struct virtio_mmio *vm)
{
	struct virtio_device *vdev = vm->vdev;

	pthread_mutex_lock(&vdev->lock);
	if (vm->interrupt_status & ~3U)
		fuzz_fail("%s: InterruptStatus %#x", vdev->ops->name,
			  vm->interrupt_status);
	fuzz_check_live_queues(&guest, vdev);
	pthread_mutex_unlock(&vdev->lock);
}

static void check(void)
{
	check_transport(&pair.rng_mmio);
	check_transport(&pair.con_mmio);
}

static void vcpu_op(const uint8_t *op)
{
	switch (op[0] & 7) {
	case 0:
	case 1:
	case 2:
		fuzz_op_mmio(&pair.bus, FUZZ_DEVPAIR_RNG_BASE, VIRTIO_MMIO_SIZE,
			     op);
		break;
	case 6:
		fuzz_op_store(&guest, FUZZ_RAM_SIZE + FUZZ_RAM2_SIZE, op);
		break;
	default:
		fuzz_op_mmio(&pair.bus, FUZZ_DEVPAIR_CON_BASE, VIRTIO_MMIO_SIZE,
			     op);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_guest_load(&guest, NULL, 0);
	fuzz_devpair_mmio_init(&pair, &guest);
	fuzz_race(&guest, data, size, FUZZ_OP_SIZE, MAX_OPS, vcpu_op, check);
	fuzz_devpair_trace(&pair.dev, "int", pair.rng_mmio.interrupt_status,
			   pair.con_mmio.interrupt_status);
	fuzz_devpair_destroy(&pair.dev);
	return 0;
}
