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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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
#define TOUCH_BUDGET (256 * 1024)

static struct fuzz_guest guest;
static struct virtio_rng rng;
static struct virtio_console con;
static struct virtio_mmio rng_mmio, con_mmio;
static struct iobus mmio = { .name = "mmio" };
static size_t budget; /* the console's output is serialised by its lock */

static void set_irq(void *ctx, uint32_t gsi, int level)
{
	(void)ctx;
	if ((gsi != RNG_GSI && gsi != CON_GSI) || (level != 0 && level != 1))
		fuzz_fail("set_irq(%u, %d)", gsi, level);
}

static void console_output(void *ctx, const uint8_t *buf, size_t len)
{
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
	check_transport(&rng_mmio);
	check_transport(&con_mmio);
}

static void vcpu_op(const uint8_t *op)
{
	switch (op[0] & 7) {
	case 0:
	case 1:
	case 2:
		fuzz_op_mmio(&mmio, RNG_BASE, VIRTIO_MMIO_SIZE, op);
		break;
	case 6:
		fuzz_op_store(&guest, FUZZ_RAM_SIZE + FUZZ_RAM2_SIZE, op);
		break;
	default:
		fuzz_op_mmio(&mmio, CON_BASE, VIRTIO_MMIO_SIZE, op);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int err;

	fuzz_guest_load(&guest, NULL, 0);
	budget = TOUCH_BUDGET;
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

	fuzz_race(&guest, data, size, FUZZ_OP_SIZE, MAX_OPS, vcpu_op, check);
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
