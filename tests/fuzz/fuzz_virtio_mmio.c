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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "devices/virtio/console.h"
#include "devices/virtio/mmio.h"
#include "devices/virtio/rng.h"
#include "tests/fuzz/fuzz_guest.h"
#include "vmm/iobus.h"

#define MAX_OPS 512
#define RNG_BASE 0xd0000000ULL
#define CON_BASE (RNG_BASE + VIRTIO_MMIO_SIZE)
#define RNG_GSI 5
#define CON_GSI 6

static struct fuzz_guest guest;
static struct virtio_rng rng;
static struct virtio_console con;
static struct virtio_mmio rng_mmio, con_mmio;
static struct iobus mmio = { .name = "mmio" };

static void set_irq(void *ctx, uint32_t gsi, int level)
{
	(void)ctx;
	if ((gsi != RNG_GSI && gsi != CON_GSI) || (level != 0 && level != 1))
		fuzz_fail("set_irq(%u, %d)", gsi, level);
}

static void console_output(void *ctx, const uint8_t *buf, size_t len)
{
	size_t budget = 64 * 1024;
	struct iovec iov = { (void *)buf, len };

	(void)ctx;
	fuzz_touch_iov(&guest, &iov, 1, 0, &budget);
}

static void console_rx_ready(void *ctx)
{
	(void)ctx;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	guest.hv.set_irq = set_irq;
	if (iobus_register(&mmio, RNG_BASE, VIRTIO_MMIO_SIZE,
			   &virtio_mmio_io_ops, &rng_mmio) ||
	    iobus_register(&mmio, CON_BASE, VIRTIO_MMIO_SIZE,
			   &virtio_mmio_io_ops, &con_mmio))
		fuzz_fail("cannot register the virtio-mmio ranges");
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
		fuzz_op_mmio(&mmio, CON_BASE, VIRTIO_MMIO_SIZE, op);
		break;
	case 5:
		fuzz_guest_run_ready(&guest);
		break;
	case 6:
		fuzz_op_store(&guest, FUZZ_RAM_SIZE, op);
		break;
	case 7:
		virtio_console_receive(&con, op + 6, fuzz_le32(op + 2) % 9);
		break;
	default:
		fuzz_op_mmio(&mmio, RNG_BASE, VIRTIO_MMIO_SIZE, op);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int err;

	fuzz_guest_load(&guest, NULL, 0);
	err = virtio_rng_init(&rng, &guest.hv);
	if (!err)
		err = virtio_mmio_init(&rng_mmio, &rng.vdev, RNG_BASE, RNG_GSI);
	if (!err)
		err = virtio_console_init(&con, &guest.hv, console_output,
					  console_rx_ready, NULL);
	if (!err)
		err = virtio_mmio_init(&con_mmio, &con.vdev, CON_BASE, CON_GSI);
	if (err)
		fuzz_fail("cannot create the devices: %d", err);

	for (size_t i = 0;
	     i + FUZZ_OP_SIZE <= size && i / FUZZ_OP_SIZE < MAX_OPS;
	     i += FUZZ_OP_SIZE) {
		do_op(data + i);
		check_transport(&rng_mmio);
		check_transport(&con_mmio);
	}
	if (fuzz_verbose)
		fprintf(stderr,
			"rng: status %#x, used %u, int %#x; console: status "
			"%#x, rx used %u, tx used %u, int %#x\n",
			rng.vdev.status, rng.vdev.vq[0].used,
			rng_mmio.interrupt_status, con.vdev.status,
			con.vdev.vq[0].used, con.vdev.vq[1].used,
			con_mmio.interrupt_status);

	virtio_console_destroy(&con);
	virtio_rng_destroy(&rng);
	pthread_mutex_destroy(&con.vdev.lock);
	pthread_mutex_destroy(&rng.vdev.lock);
	return 0;
}
