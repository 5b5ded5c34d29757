// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the virtio-mmio transport (devices/virtio/mmio.c)
 * with a virtio-rng and a virtio-console behind it (devices/virtio/rng.c,
 * devices/virtio/console.c), register accesses dispatched through
 * iobus_access() as the vCPU loop does. Fresh devices for each input.
 *
 * Input: a sequence of FUZZ_OP_SIZE-byte operations
 *
 *   [0]      bits 0-2: what (0-3: an MMIO access to the rng's registers,
 *            4: to the console's, at off % VIRTIO_MMIO_SIZE; 5: run the
 *            device thread's ready handlers (queue kicks); 6: store the
 *            8-byte value in guest RAM at off % 64 KiB; 7: host input for
 *            the console: the 8 value bytes, off % 9 of them);
 *            bit 7: a write (else a read)
 *   [1]      size: 1 + b % 8
 *   [2..5]   off (32 bit)
 *   [6..13]  value (64 bit)
 *
 * Oracles besides ASan/UBSan: set_irq only ever drives the devices' own
 * lines, at level 0 or 1; InterruptStatus holds only the two defined
 * bits; queue sizes stay within what the devices offer; whatever the
 * console transmits lies in guest RAM.
 */
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

static void check_transport(const struct virtio_mmio *vm)
{
	const struct virtio_device *vdev = vm->vdev;

	if (vm->interrupt_status & ~3U)
		fuzz_fail("%s: InterruptStatus %#x", vdev->ops->name,
			  vm->interrupt_status);
	for (unsigned int q = 0; q < vdev->ops->nr_queues; q++)
		if (!vdev->vq[q].size ||
		    vdev->vq[q].size > vdev->ops->queue_size)
			fuzz_fail("%s: queue %u has size %u", vdev->ops->name,
				  q, vdev->vq[q].size);
}

static void do_op(const uint8_t *op)
{
	switch (op[0] & 7) {
	case 4:
		fuzz_op_mmio(&pair.bus, FUZZ_DEVPAIR_CON_BASE, VIRTIO_MMIO_SIZE,
			     op);
		break;
	case 5:
		fuzz_guest_run_ready(&guest);
		break;
	case 6:
		fuzz_op_store(&guest, FUZZ_RAM_SIZE, op);
		break;
	case 7:
		virtio_console_receive(&pair.dev.con, op + 6,
				       fuzz_le32(op + 2) % 9);
		break;
	default:
		fuzz_op_mmio(&pair.bus, FUZZ_DEVPAIR_RNG_BASE, VIRTIO_MMIO_SIZE,
			     op);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_guest_load(&guest, NULL, 0);
	fuzz_devpair_mmio_init(&pair, &guest);
	for (size_t i = 0;
	     i + FUZZ_OP_SIZE <= size && i / FUZZ_OP_SIZE < MAX_OPS;
	     i += FUZZ_OP_SIZE) {
		do_op(data + i);
		check_transport(&pair.rng_mmio);
		check_transport(&pair.con_mmio);
	}
	fuzz_devpair_trace(&pair.dev, "int", pair.rng_mmio.interrupt_status,
			   pair.con_mmio.interrupt_status);
	fuzz_devpair_destroy(&pair.dev);
	return 0;
}
