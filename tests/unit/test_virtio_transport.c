// SPDX-License-Identifier: MIT
/*
 * The virtio transports' register paths (virtio-mmio, virtio-pci) with
 * vCPUs racing each other: a register access that had to wait for the
 * device lock decides on what it finds once it holds the lock, and the
 * device's work happens on the device thread. A virtio-rng is the device;
 * tests/unit/fake_driver.h the guest.
 */
#include "unit.h"

#include "arch/x86/layout.h"
#include "devices/pci.h"
#include "devices/virtio/mmio.h"
#include "devices/virtio/pci.h"
#include "devices/virtio/rng.h"
#include "fake_driver.h"
#include "runtime/log.h"

/* virtio-mmio registers (virtio 1.x section 4.2.2). */
enum {
	MMIO_QUEUE_SEL = 0x030,
	MMIO_QUEUE_NUM = 0x038,
	MMIO_QUEUE_READY = 0x044,
	MMIO_STATUS = 0x070,
	MMIO_QUEUE_DESC_LOW = 0x080,
	MMIO_QUEUE_DESC_HIGH = 0x084,
	MMIO_QUEUE_DRIVER_LOW = 0x090,
	MMIO_QUEUE_DEVICE_LOW = 0x0a0,
	MMIO_DRIVER_FEATURES = 0x020,
	MMIO_DRIVER_FEATURES_SEL = 0x024,
};

/* virtio-pci common config (virtio 1.x section 4.1.4.3), in BAR 0. */
enum {
	CC_DRIVER_FEATURE_SELECT = 0x08,
	CC_DRIVER_FEATURE = 0x0c,
	CC_DEVICE_STATUS = 0x14,
	CC_QUEUE_SELECT = 0x16,
	CC_QUEUE_SIZE = 0x18,
	CC_QUEUE_ENABLE = 0x1c,
	CC_QUEUE_DESC = 0x20,
	CC_QUEUE_DRIVER = 0x28,
	CC_QUEUE_DEVICE = 0x30,
};

#define FEATURES_DONE                                       \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
	 VIRTIO_STATUS_FEATURES_OK)
#define RUNNING (FEATURES_DONE | VIRTIO_STATUS_DRIVER_OK)
#define BIG_QSIZE 64 /* what the rng offers: more than FD_QSIZE */

struct fixture {
	struct fake_driver fd;
	struct virtio_rng rng;
	struct virtio_mmio mmio;
	struct pci_bus bus;
	struct virtio_pci pci;
	bool on_pci;
};

static void no_irq(void *ctx, uint32_t gsi, int level)
{
	(void)ctx, (void)gsi, (void)level;
}

static int setup(void **state, bool on_pci)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || fd_init(&fx->fd) || virtio_rng_init(&fx->rng, &fx->fd.hv))
		return -1;
	fx->fd.vdev = &fx->rng.vdev;
	fx->on_pci = on_pci;
	if (on_pci) {
		pci_bus_init(&fx->bus, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE,
			     no_irq, NULL);
		if (virtio_pci_init(&fx->pci, &fx->rng.vdev, &fx->bus))
			return -1;
		/* Memory decode on, as firmware leaves it. */
		pci_ecam_io_ops.write(&fx->bus,
				      (uint64_t)fx->pci.pci.slot << 15 |
					      PCI_COMMAND,
				      2, PCI_COMMAND_MEMORY);
	} else if (virtio_mmio_init(&fx->mmio, &fx->rng.vdev, 0xd0000000, 5)) {
		return -1;
	}
	*state = fx;
	return 0;
}

static int setup_mmio(void **state)
{
	return setup(state, false);
}

static int setup_pci(void **state)
{
	return setup(state, true);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->on_pci)
		virtio_pci_destroy(&fx->pci);
	virtio_rng_destroy(&fx->rng);
	fd_destroy(&fx->fd);
	free(fx);
	return 0;
}

/* The register window: an MMIO device's, or the BAR 0 of a PCI one. */
static const struct io_ops *regs(struct fixture *fx, void **opaque,
				 uint64_t *base)
{
	if (!fx->on_pci) {
		*opaque = &fx->mmio;
		*base = 0;
		return &virtio_mmio_io_ops;
	}
	*opaque = &fx->bus;
	*base = fx->pci.pci.bar[0].addr - X86_PCI_WINDOW_BASE;
	return &pci_window_io_ops;
}

static void reg_write(struct fixture *fx, uint64_t off, unsigned int size,
		      uint64_t v)
{
	void *opaque;
	uint64_t base;
	const struct io_ops *ops = regs(fx, &opaque, &base);

	ops->write(opaque, base + off, size, v);
}

static uint64_t reg_read(struct fixture *fx, uint64_t off, unsigned int size)
{
	void *opaque;
	uint64_t base;
	const struct io_ops *ops = regs(fx, &opaque, &base);

	return ops->read(opaque, base + off, size);
}

/* Another vCPU's access, which will have to wait for the device lock. */
static void vcpu_start(struct fixture *fx, struct fd_vcpu *v, uint64_t off,
		       unsigned int size, uint64_t value)
{
	void *opaque;
	uint64_t base;
	const struct io_ops *ops = regs(fx, &opaque, &base);

	fd_vcpu_start(v, ops, opaque, base + off, size, value, true);
}

static uint8_t status(struct fixture *fx)
{
	return (uint8_t)reg_read(fx,
				 fx->on_pci ? CC_DEVICE_STATUS : MMIO_STATUS,
				 fx->on_pci ? 1 : 4);
}

static void set_status(struct fixture *fx, uint8_t s)
{
	if (fx->on_pci)
		reg_write(fx, CC_DEVICE_STATUS, 1, s);
	else
		reg_write(fx, MMIO_STATUS, 4, s);
}

/* Negotiation up to FEATURES_OK, as a driver does it. */
static void negotiate(struct fixture *fx)
{
	set_status(fx, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(fx, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	if (fx->on_pci) {
		reg_write(fx, CC_DRIVER_FEATURE_SELECT, 4, 1);
		reg_write(fx, CC_DRIVER_FEATURE, 4, 1); /* VERSION_1 */
	} else {
		reg_write(fx, MMIO_DRIVER_FEATURES_SEL, 4, 1);
		reg_write(fx, MMIO_DRIVER_FEATURES, 4, 1);
	}
	set_status(fx, FEATURES_DONE);
	assert_int_equal(status(fx), FEATURES_DONE);
}

/* Queue 0's size and rings, as fake_driver.h lays them out; not enabled. */
static void setup_queue(struct fixture *fx)
{
	if (fx->on_pci) {
		reg_write(fx, CC_QUEUE_SELECT, 2, 0);
		reg_write(fx, CC_QUEUE_SIZE, 2, FD_QSIZE);
		reg_write(fx, CC_QUEUE_DESC, 8, fd_desc(0));
		reg_write(fx, CC_QUEUE_DRIVER, 8, fd_avail(0));
		reg_write(fx, CC_QUEUE_DEVICE, 8, fd_used(0));
		return;
	}
	reg_write(fx, MMIO_QUEUE_SEL, 4, 0);
	reg_write(fx, MMIO_QUEUE_NUM, 4, FD_QSIZE);
	reg_write(fx, MMIO_QUEUE_DESC_LOW, 4, fd_desc(0));
	reg_write(fx, MMIO_QUEUE_DRIVER_LOW, 4, fd_avail(0));
	reg_write(fx, MMIO_QUEUE_DEVICE_LOW, 4, fd_used(0));
}

static void enable_queue(struct fixture *fx)
{
	if (fx->on_pci)
		reg_write(fx, CC_QUEUE_ENABLE, 2, 1);
	else
		reg_write(fx, MMIO_QUEUE_READY, 4, 1);
}

/*
 * vCPU A writes a queue register (off, value) while vCPU B, holding the
 * device lock, makes the queue live: A's access waits for the lock, then
 * must find the queue live and leave it alone.
 */
static void race_with_enable(struct fixture *fx, uint64_t off,
			     unsigned int size, uint64_t value)
{
	struct virtio_device *vdev = &fx->rng.vdev;
	struct fd_vcpu a;

	pthread_mutex_lock(&vdev->lock);
	vcpu_start(fx, &a, off, size, value);
	fd_vcpu_wait_blocked(&a);
	/* What B's QueueReady / queue_enable write does under the lock. */
	assert_true(virtio_enable_queue(vdev, 0));
	pthread_mutex_unlock(&vdev->lock);
	fd_vcpu_join(&a);
}

/*
 * The audit's case: a QueueNum write decided before the lock resized the
 * queue B had just made live, and the device then walked descriptors and
 * wrote used entries past the 16-entry rings it had checked.
 */
static void queue_size_raced_with_enable(void **state)
{
	struct fixture *fx = *state;
	struct fd_seg s = { fd_alloc(&fx->fd, 64), 64, true };
	uint16_t id;
	uint32_t len;

	negotiate(fx);
	setup_queue(fx);
	race_with_enable(fx, fx->on_pci ? CC_QUEUE_SIZE : MMIO_QUEUE_NUM,
			 fx->on_pci ? 2 : 4, BIG_QSIZE);
	if (fx->on_pci)
		assert_int_equal(reg_read(fx, CC_QUEUE_SIZE, 2), FD_QSIZE);
	set_status(fx, RUNNING);
	fd_run_ready(&fx->fd);

	/* The ring works at the size it was checked for ... */
	fd_post(&fx->fd, 0, &s, 1);
	fd_kick(&fx->fd, 0);
	assert_true(fd_next_used(&fx->fd, 0, &id, &len));
	assert_int_equal(len, 64);
	/* ... and a head valid only for the bigger size breaks it. */
	fd_w16(&fx->fd, fd_avail(0) + 4 + 2 * fx->fd.avail_idx[0], 20);
	fd_w16(&fx->fd, fd_avail(0) + 2, ++fx->fd.avail_idx[0]);
	fd_kick(&fx->fd, 0);
	assert_false(fd_next_used(&fx->fd, 0, &id, &len));
	assert_true(status(fx) & VIRTIO_STATUS_NEEDS_RESET);
}

/* A ring address that waited for the lock does not move a live queue. */
static void queue_address_raced_with_enable(void **state)
{
	struct fixture *fx = *state;
	const uint64_t elsewhere = FD_DATA_GPA + 0x10000;

	negotiate(fx);
	setup_queue(fx);
	if (fx->on_pci) {
		race_with_enable(fx, CC_QUEUE_DESC, 8, elsewhere);
		assert_int_equal(reg_read(fx, CC_QUEUE_DESC, 8), fd_desc(0));
	} else {
		race_with_enable(fx, MMIO_QUEUE_DESC_LOW, 4, elsewhere);
		assert_int_equal(reg_read(fx, MMIO_QUEUE_DESC_LOW, 4),
				 fd_desc(0));
		assert_int_equal(reg_read(fx, MMIO_QUEUE_DESC_HIGH, 4), 0);
	}
	assert_ptr_equal(fx->rng.vdev.vq[0].desc,
			 fd_hva(&fx->fd, fd_desc(0), 16));
}

/*
 * DRIVER_OK and a queue enabled after it notify the device thread; the
 * vCPU that wrote the register does none of the device's work (it would
 * race the device thread's own, on state only that thread owns).
 */
static void device_work_stays_on_device_thread(void **state)
{
	struct fixture *fx = *state;
	struct fd_seg s = { fd_alloc(&fx->fd, 32), 32, true };

	negotiate(fx);
	setup_queue(fx);
	enable_queue(fx);
	fd_post(&fx->fd, 0, &s, 1);
	set_status(fx, RUNNING);
	assert_int_equal(fd_used_idx(&fx->fd, 0), 0);
	assert_int_equal(fd_run_ready(&fx->fd), 1);
	assert_int_equal(fd_used_idx(&fx->fd, 0), 1);

	/* Reset, then a queue enabled when the device is already running. */
	set_status(fx, 0);
	memset(fd_hva(&fx->fd, fd_desc(0), 3 * 0x1000), 0, 3 * 0x1000);
	fx->fd.avail_idx[0] = fx->fd.next_desc[0] = fx->fd.used_seen[0] = 0;
	negotiate(fx);
	setup_queue(fx);
	set_status(fx, RUNNING);
	fd_run_ready(&fx->fd);
	fd_post(&fx->fd, 0, &s, 1);
	enable_queue(fx);
	assert_int_equal(fd_used_idx(&fx->fd, 0), 0);
	assert_int_equal(fd_run_ready(&fx->fd), 1);
	assert_int_equal(fd_used_idx(&fx->fd, 0), 1);
}

int main(void)
{
#define MMIO(fn)                                            \
	{                                                   \
		"mmio_" #fn, fn, setup_mmio, teardown, NULL \
	}
#define PCI(fn)                                           \
	{                                                 \
		"pci_" #fn, fn, setup_pci, teardown, NULL \
	}
	const struct CMUnitTest tests[] = {
		MMIO(queue_size_raced_with_enable),
		MMIO(queue_address_raced_with_enable),
		MMIO(device_work_stays_on_device_thread),
		PCI(queue_size_raced_with_enable),
		PCI(queue_address_raced_with_enable),
		PCI(device_work_stays_on_device_thread),
	};
#undef MMIO
#undef PCI

	/* The broken ring is expected to be reported. */
	log_threshold = LOG_ERROR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
