// SPDX-License-Identifier: MIT
/*
 * The PCI host: config space through ports 0xCF8-0xCFF and ECAM, BAR
 * sizing and placement, BAR decode of the MMIO window, capabilities and
 * shared INTx lines, driven the way a guest's PCI core drives them.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>

#include "devices/pci.h"

#define WINDOW_BASE 0xc0000000ULL
#define WINDOW_SIZE 0x20000000ULL
#define ALL_ONES 0xffffffffU
#define NR_FAKES 12

/* What the interrupt controller saw. */
struct irq_rec {
	unsigned int calls;
	uint32_t last_gsi;
	int level[64]; /* per GSI, -1 until set */
};

/* One access a BAR's io_ops saw. */
struct access {
	uint64_t off;
	unsigned int size;
	uint64_t value;
	bool write;
};

/* A bar_moved() notification. */
struct move {
	unsigned int bar;
	uint32_t old_addr, new_addr;
};

/* A test device: two memory BARs, recording what reaches it. */
struct fake {
	struct pci_device pci;
	struct access acc[16];
	unsigned int nr_acc;
	struct move moves[16];
	unsigned int nr_moves;
	unsigned int cfg_writes, cfg_reads;
	unsigned int last_cfg_off, last_cfg_size;
};

struct fixture {
	struct pci_bus bus;
	struct irq_rec irq;
	struct fake fake[NR_FAKES];
};

static void set_irq(void *ctx, uint32_t gsi, int level)
{
	struct irq_rec *r = ctx;

	assert_true(gsi < 64);
	r->calls++;
	r->last_gsi = gsi;
	r->level[gsi] = level;
}

static uint64_t bar_read(void *opaque, uint64_t off, unsigned int size)
{
	struct fake *f = opaque;

	assert_true(f->nr_acc < 16);
	f->acc[f->nr_acc++] = (struct access){ off, size, 0, false };
	/* A value that says what was read. */
	return 0x5a5a000000000000ULL | off << 8 | size;
}

static void bar_write(void *opaque, uint64_t off, unsigned int size,
		      uint64_t value)
{
	struct fake *f = opaque;

	assert_true(f->nr_acc < 16);
	f->acc[f->nr_acc++] = (struct access){ off, size, value, true };
}

static const struct io_ops fake_bar_ops = {
	.read = bar_read,
	.write = bar_write,
};

static void fake_config_write(struct pci_device *d, unsigned int off,
			      unsigned int size)
{
	struct fake *f = d->opaque;

	f->cfg_writes++;
	f->last_cfg_off = off;
	f->last_cfg_size = size;
}

static void fake_config_read(struct pci_device *d, unsigned int off,
			     unsigned int size)
{
	struct fake *f = d->opaque;

	f->cfg_reads++;
	f->last_cfg_off = off;
	f->last_cfg_size = size;
}

static void fake_bar_moved(struct pci_device *d, unsigned int bar,
			   uint32_t old_addr, uint32_t new_addr)
{
	struct fake *f = d->opaque;

	assert_true(f->nr_moves < 16);
	f->moves[f->nr_moves++] = (struct move){ bar, old_addr, new_addr };
}

static const struct pci_device_ops fake_ops = {
	.config_write = fake_config_write,
	.config_read = fake_config_read,
	.bar_moved = fake_bar_moved,
};

/* BAR 0: 32 KiB, BAR 2: 4 KiB; BARs 1, 3-5 absent. */
static void fake_init(struct fake *f, uint16_t device)
{
	memset(f, 0, sizeof(*f));
	pci_device_init(&f->pci, 0x1af4, device, 0x018000, 0x01, 0x1af4, 0x1100,
			&fake_ops, f);
	pci_device_add_bar(&f->pci, 0, 0x8000, &fake_bar_ops, f);
	pci_device_add_bar(&f->pci, 2, 0x1000, &fake_bar_ops, f);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	for (unsigned int i = 0; i < 64; i++)
		fx->irq.level[i] = -1;
	pci_bus_init(&fx->bus, WINDOW_BASE, WINDOW_SIZE, set_irq, &fx->irq);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	pthread_rwlock_destroy(&fx->bus.lock);
	pthread_mutex_destroy(&fx->bus.intx_lock);
	free(fx);
	return 0;
}

/* Adds fake i (device ID 0x1000 + i) in the next free slot. */
static struct fake *add_fake(struct fixture *fx, unsigned int i)
{
	struct fake *f = &fx->fake[i];

	fake_init(f, (uint16_t)(0x1000 + i));
	assert_int_equal(pci_bus_add(&fx->bus, &f->pci), 0);
	return f;
}

static uint32_t mask(unsigned int size)
{
	return size == 4 ? ALL_ONES : (1U << (8 * size)) - 1;
}

/* ---- config access the two ways a guest does it ---- */

static uint32_t conf1_addr(unsigned int bus, unsigned int slot, unsigned int fn,
			   unsigned int reg)
{
	return 0x80000000U | bus << 16 | slot << 11 | fn << 8 | (reg & 0xfc);
}

static uint32_t conf1_read_bdf(struct fixture *fx, unsigned int bus,
			       unsigned int slot, unsigned int fn,
			       unsigned int reg, unsigned int size)
{
	pci_conf1_io_ops.write(&fx->bus, 0, 4, conf1_addr(bus, slot, fn, reg));
	return (uint32_t)pci_conf1_io_ops.read(&fx->bus, 4 + (reg & 3), size) &
	       mask(size);
}

static uint32_t conf1_read(struct fixture *fx, unsigned int slot,
			   unsigned int reg, unsigned int size)
{
	return conf1_read_bdf(fx, 0, slot, 0, reg, size);
}

static void conf1_write(struct fixture *fx, unsigned int slot, unsigned int reg,
			unsigned int size, uint32_t v)
{
	pci_conf1_io_ops.write(&fx->bus, 0, 4, conf1_addr(0, slot, 0, reg));
	pci_conf1_io_ops.write(&fx->bus, 4 + (reg & 3), size, v);
}

static uint64_t ecam_off(unsigned int bus, unsigned int slot, unsigned int fn,
			 unsigned int reg)
{
	return (uint64_t)bus << 20 | slot << 15 | fn << 12 | reg;
}

static uint32_t ecam_read_bdf(struct fixture *fx, unsigned int bus,
			      unsigned int slot, unsigned int fn,
			      unsigned int reg, unsigned int size)
{
	return (uint32_t)pci_ecam_io_ops.read(
		       &fx->bus, ecam_off(bus, slot, fn, reg), size) &
	       mask(size);
}

static uint32_t ecam_read(struct fixture *fx, unsigned int slot,
			  unsigned int reg, unsigned int size)
{
	return ecam_read_bdf(fx, 0, slot, 0, reg, size);
}

static void ecam_write(struct fixture *fx, unsigned int slot, unsigned int reg,
		       unsigned int size, uint32_t v)
{
	pci_ecam_io_ops.write(&fx->bus, ecam_off(0, slot, 0, reg), size, v);
}

/* Reads through both mechanisms, which must agree. */
static uint32_t cfg_read(struct fixture *fx, unsigned int slot,
			 unsigned int reg, unsigned int size)
{
	uint32_t a = conf1_read(fx, slot, reg, size);

	assert_int_equal(ecam_read(fx, slot, reg, size), a);
	return a;
}

static uint64_t mmio_read(struct fixture *fx, uint64_t gpa, unsigned int size)
{
	assert_true(gpa >= WINDOW_BASE && gpa < WINDOW_BASE + WINDOW_SIZE);
	return pci_window_io_ops.read(&fx->bus, gpa - WINDOW_BASE, size);
}

static void mmio_write(struct fixture *fx, uint64_t gpa, unsigned int size,
		       uint64_t v)
{
	assert_true(gpa >= WINDOW_BASE && gpa < WINDOW_BASE + WINDOW_SIZE);
	pci_window_io_ops.write(&fx->bus, gpa - WINDOW_BASE, size, v);
}

static void set_command(struct fixture *fx, unsigned int slot, uint16_t cmd)
{
	conf1_write(fx, slot, PCI_COMMAND, 2, cmd);
	assert_int_equal(cfg_read(fx, slot, PCI_COMMAND, 2), cmd);
}

/* ---- tests ---- */

static void test_host_bridge(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(cfg_read(fx, 0, PCI_VENDOR_ID, 2), 0x1b36);
	assert_int_equal(cfg_read(fx, 0, PCI_DEVICE_ID, 2), 0x0008);
	assert_int_equal(cfg_read(fx, 0, PCI_VENDOR_ID, 4), 0x00081b36);
	/* Class: bridge, host bridge; revision 0. */
	assert_int_equal(cfg_read(fx, 0, PCI_REVISION_ID, 4), 0x06000000);
	assert_int_equal(cfg_read(fx, 0, PCI_HEADER_TYPE, 1), 0);
	/* No interrupt pin, no BARs, no capabilities. */
	assert_int_equal(cfg_read(fx, 0, PCI_INTERRUPT_PIN, 1), 0);
	assert_int_equal(cfg_read(fx, 0, PCI_INTERRUPT_LINE, 1), 0);
	for (unsigned int b = 0; b < PCI_NR_BARS; b++)
		assert_int_equal(cfg_read(fx, 0, PCI_BAR0 + 4 * b, 4), 0);
	assert_int_equal(cfg_read(fx, 0, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST,
			 0);
	assert_ptr_equal(fx->bus.dev[0], &fx->bus.host_bridge);
	/* Placing it took no window space. */
	assert_int_equal(fx->bus.window_next, WINDOW_BASE);
}

static void test_absent_reads_all_ones(void **state)
{
	struct fixture *fx = *state;

	add_fake(fx, 0); /* slot 1 */
	/* Empty slots. */
	for (unsigned int slot = 2; slot < PCI_SLOTS; slot++) {
		assert_int_equal(conf1_read(fx, slot, PCI_VENDOR_ID, 4),
				 ALL_ONES);
		assert_int_equal(ecam_read(fx, slot, PCI_VENDOR_ID, 4),
				 ALL_ONES);
	}
	assert_int_equal(conf1_read(fx, 7, PCI_VENDOR_ID, 2), 0xffff);
	assert_int_equal(ecam_read(fx, 7, PCI_CLASS_PROG, 1), 0xff);
	/* Functions 1-7 of present devices: single-function devices. */
	for (unsigned int slot = 0; slot < 2; slot++) {
		for (unsigned int fn = 1; fn < 8; fn++) {
			assert_int_equal(conf1_read_bdf(fx, 0, slot, fn,
							PCI_VENDOR_ID, 4),
					 ALL_ONES);
			assert_int_equal(ecam_read_bdf(fx, 0, slot, fn,
						       PCI_VENDOR_ID, 4),
					 ALL_ONES);
		}
	}
	/* Other buses. */
	assert_int_equal(conf1_read_bdf(fx, 1, 1, 0, PCI_VENDOR_ID, 4),
			 ALL_ONES);
	assert_int_equal(conf1_read_bdf(fx, 255, 0, 0, PCI_VENDOR_ID, 4),
			 ALL_ONES);
	assert_int_equal(ecam_read_bdf(fx, 1, 0, 0, PCI_VENDOR_ID, 4),
			 ALL_ONES);
	/* The present ones are there, and wrote nothing anywhere. */
	assert_int_equal(cfg_read(fx, 1, PCI_VENDOR_ID, 4), 0x10001af4);
	/* Writes to nobody go nowhere. */
	conf1_write(fx, 5, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	ecam_write(fx, 5, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(conf1_read(fx, 5, PCI_COMMAND, 2), 0xffff);
	assert_int_equal(fx->fake[0].cfg_writes, 0);
	assert_int_equal(cfg_read(fx, 1, PCI_COMMAND, 2), 0);
}

static void test_conf1_enable_bit(void **state)
{
	struct fixture *fx = *state;

	add_fake(fx, 0);
	/* Without bit 31 the data port reaches no device. */
	pci_conf1_io_ops.write(&fx->bus, 0, 4,
			       conf1_addr(0, 1, 0, 0) & ~0x80000000U);
	assert_int_equal((uint32_t)pci_conf1_io_ops.read(&fx->bus, 4, 4),
			 ALL_ONES);
	pci_conf1_io_ops.write(&fx->bus, 4, 2, PCI_COMMAND_MEMORY);
	pci_conf1_io_ops.write(&fx->bus, 0, 4,
			       conf1_addr(0, 1, 0, PCI_COMMAND) & ~0x80000000U);
	pci_conf1_io_ops.write(&fx->bus, 4, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(cfg_read(fx, 1, PCI_COMMAND, 2), 0);
	assert_int_equal(fx->fake[0].cfg_writes, 0);
	assert_int_equal(fx->fake[0].nr_moves, 0);
}

/* The address register reads back; only dword writes to 0xCF8 latch. */
static void test_conf1_address_latch(void **state)
{
	struct fixture *fx = *state;
	const uint32_t a = conf1_addr(0, 0, 0, PCI_VENDOR_ID);

	pci_conf1_io_ops.write(&fx->bus, 0, 4, a);
	assert_int_equal((uint32_t)pci_conf1_io_ops.read(&fx->bus, 0, 4), a);
	/* Linux's type-1 check: outb(0x01, 0xCFB) must change nothing. */
	pci_conf1_io_ops.write(&fx->bus, 3, 1, 0x01);
	pci_conf1_io_ops.write(&fx->bus, 0, 1, 0x55);
	pci_conf1_io_ops.write(&fx->bus, 1, 1, 0x55);
	pci_conf1_io_ops.write(&fx->bus, 2, 1, 0x55);
	pci_conf1_io_ops.write(&fx->bus, 0, 2, 0x1234);
	pci_conf1_io_ops.write(&fx->bus, 2, 2, 0x1234);
	assert_int_equal((uint32_t)pci_conf1_io_ops.read(&fx->bus, 0, 4), a);
	/* The data port still reaches the host bridge's vendor ID. */
	assert_int_equal((uint32_t)pci_conf1_io_ops.read(&fx->bus, 4, 2),
			 0x1b36);
	/* Byte reads of the latch, as 0xCF8-0xCFB. */
	assert_int_equal((uint8_t)pci_conf1_io_ops.read(&fx->bus, 3, 1), 0x80);
	assert_int_equal((uint8_t)pci_conf1_io_ops.read(&fx->bus, 0, 1),
			 (uint8_t)a);
	/* And a dword write does latch. */
	pci_conf1_io_ops.write(&fx->bus, 0, 4, 0x80000000U);
	assert_int_equal((uint32_t)pci_conf1_io_ops.read(&fx->bus, 0, 4),
			 0x80000000U);
}

/* Byte and word accesses through the data port's four bytes and ECAM. */
static void test_sub_dword_access(void **state)
{
	struct fixture *fx = *state;

	struct fake *f = add_fake(fx, 3);

	assert_int_equal(cfg_read(fx, 1, PCI_VENDOR_ID, 4), 0x10031af4);
	assert_int_equal(cfg_read(fx, 1, PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(cfg_read(fx, 1, PCI_DEVICE_ID, 2), 0x1003);
	assert_int_equal(cfg_read(fx, 1, 0, 1), 0xf4);
	assert_int_equal(cfg_read(fx, 1, 1, 1), 0x1a);
	assert_int_equal(cfg_read(fx, 1, 2, 1), 0x03);
	assert_int_equal(cfg_read(fx, 1, 3, 1), 0x10);
	/* Class 01 80 00, revision 1. */
	assert_int_equal(cfg_read(fx, 1, PCI_REVISION_ID, 4), 0x01800001);
	assert_int_equal(cfg_read(fx, 1, 0x0b, 1), 0x01);
	assert_int_equal(cfg_read(fx, 1, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(cfg_read(fx, 1, PCI_SUBSYSTEM_ID, 2), 0x1100);
	/* The device hears of each access with its offset and size. */
	conf1_read(fx, 1, 0x0e, 1);
	assert_int_equal(f->last_cfg_off, 0x0e);
	assert_int_equal(f->last_cfg_size, 1);
	conf1_write(fx, 1, PCI_INTERRUPT_LINE, 1, 0x0b);
	assert_int_equal(f->last_cfg_off, PCI_INTERRUPT_LINE);
	assert_int_equal(f->last_cfg_size, 1);
	ecam_write(fx, 1, 0x0c, 2, 0x4010);
	assert_int_equal(f->last_cfg_off, 0x0c);
	assert_int_equal(f->last_cfg_size, 2);
	assert_int_equal(cfg_read(fx, 1, 0x0c, 2), 0x4010);
	/* Past the 256 bytes of PCI config space, ECAM reads 0. */
	assert_int_equal(ecam_read(fx, 1, 0x100, 4), 0);
	assert_int_equal(ecam_read(fx, 1, 0xffc, 4), 0);
	ecam_write(fx, 1, 0x100, 4, ALL_ONES);
	assert_int_equal(ecam_read(fx, 1, 0x100, 4), 0);
	/* Accesses of other sizes are refused. */
	assert_int_equal((uint32_t)pci_ecam_io_ops.read(
				 &fx->bus, ecam_off(0, 1, 0, 0), 3),
			 ALL_ONES);
	assert_int_equal((uint32_t)pci_ecam_io_ops.read(
				 &fx->bus, ecam_off(0, 1, 0, 0), 8),
			 ALL_ONES);
}

static void test_wmask(void **state)
{
	struct fixture *fx = *state;
	uint8_t before[PCI_CFG_SIZE];

	add_fake(fx, 0);
	for (unsigned int i = 0; i < PCI_CFG_SIZE; i++)
		before[i] = (uint8_t)cfg_read(fx, 1, i, 1);

	/* IDs, class, header type, subsystem IDs are read-only. */
	conf1_write(fx, 1, PCI_VENDOR_ID, 4, ALL_ONES);
	ecam_write(fx, 1, PCI_VENDOR_ID, 2, 0);
	conf1_write(fx, 1, PCI_REVISION_ID, 4, 0);
	conf1_write(fx, 1, 0x0c, 4, ALL_ONES);
	conf1_write(fx, 1, PCI_SUBSYSTEM_VENDOR_ID, 4, 0);
	conf1_write(fx, 1, PCI_CAPABILITY_LIST, 1, 0x80);
	conf1_write(fx, 1, PCI_INTERRUPT_LINE, 2, 0x0404);
	assert_int_equal(cfg_read(fx, 1, PCI_VENDOR_ID, 4), 0x10001af4);
	assert_int_equal(cfg_read(fx, 1, PCI_REVISION_ID, 4), 0x01800001);
	assert_int_equal(cfg_read(fx, 1, PCI_SUBSYSTEM_VENDOR_ID, 4),
			 0x11001af4);
	assert_int_equal(cfg_read(fx, 1, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(cfg_read(fx, 1, PCI_CAPABILITY_LIST, 1), 0);
	/* Cache line size and latency timer are writable. */
	assert_int_equal(cfg_read(fx, 1, 0x0c, 2), 0xffff);
	/* Interrupt line is writable, the pin is not. */
	assert_int_equal(cfg_read(fx, 1, PCI_INTERRUPT_LINE, 1), 0x04);
	assert_int_equal(cfg_read(fx, 1, PCI_INTERRUPT_PIN, 1), 1);

	/* Command: memory decode, bus master, INTx disable only. */
	conf1_write(fx, 1, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(cfg_read(fx, 1, PCI_COMMAND, 2),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
				 PCI_COMMAND_INTX_DISABLE);
	conf1_write(fx, 1, PCI_COMMAND, 2, 0);
	/* Status is read-only (no write-one-to-clear bits either). */
	conf1_write(fx, 1, PCI_STATUS, 2, 0xffff);
	assert_int_equal(cfg_read(fx, 1, PCI_STATUS, 2), 0);
	/* The rest of the header and the device area take nothing. */
	for (unsigned int i = 0x40; i < PCI_CFG_SIZE; i += 4)
		conf1_write(fx, 1, i, 4, 0xa5a5a5a5);

	for (unsigned int i = 0; i < PCI_CFG_SIZE; i++) {
		if (i == 0x0c || i == 0x0d || i == PCI_INTERRUPT_LINE)
			continue;
		if (i >= PCI_BAR0 && i < PCI_BAR0 + 24)
			continue;
		if (cfg_read(fx, 1, i, 1) != before[i])
			fail_msg("config byte %#x changed: %#x -> %#x", i,
				 before[i], cfg_read(fx, 1, i, 1));
	}
	/* The host bridge is just as protected. */
	conf1_write(fx, 0, PCI_VENDOR_ID, 4, 0);
	assert_int_equal(cfg_read(fx, 0, PCI_VENDOR_ID, 4), 0x00081b36);
}

static void test_bar_placement(void **state)
{
	struct fixture *fx = *state;
	uint32_t end = 0;

	for (unsigned int i = 0; i < 4; i++)
		add_fake(fx, i);
	for (unsigned int i = 0; i < 4; i++) {
		const struct pci_device *d = &fx->fake[i].pci;

		assert_int_equal(d->slot, i + 1);
		assert_ptr_equal(fx->bus.dev[i + 1], d);
		for (unsigned int b = 0; b < PCI_NR_BARS; b++) {
			const struct pci_bar *bar = &d->bar[b];

			if (!bar->size) {
				assert_int_equal(bar->addr, 0);
				continue;
			}
			/* Naturally aligned, in the window, not overlapping. */
			assert_int_equal(bar->addr & (bar->size - 1), 0);
			assert_true(bar->addr >= WINDOW_BASE);
			assert_true(bar->addr + (uint64_t)bar->size <=
				    WINDOW_BASE + WINDOW_SIZE);
			assert_true(bar->addr >= end);
			end = bar->addr + bar->size;
			assert_int_equal(
				cfg_read(fx, d->slot, PCI_BAR0 + 4 * b, 4),
				bar->addr);
		}
	}
	/* The first BAR of all starts the window. */
	assert_int_equal(fx->fake[0].pci.bar[0].addr, WINDOW_BASE);
}

static void test_bar_sizing(void **state)
{
	struct fixture *fx = *state;
	struct fake *f = add_fake(fx, 0);
	uint32_t bar0 = cfg_read(fx, 1, PCI_BAR0, 4);
	uint32_t bar2 = cfg_read(fx, 1, PCI_BAR0 + 8, 4);

	/* The way pci_read_bases() sizes them: all ones, read, restore. */
	conf1_write(fx, 1, PCI_BAR0, 4, ALL_ONES);
	/* Memory BAR, 32-bit, not prefetchable: flag bits 0. */
	assert_int_equal(cfg_read(fx, 1, PCI_BAR0, 4), ~(0x8000U - 1));
	conf1_write(fx, 1, PCI_BAR0, 4, bar0);
	assert_int_equal(cfg_read(fx, 1, PCI_BAR0, 4), bar0);
	ecam_write(fx, 1, PCI_BAR0 + 8, 4, ALL_ONES);
	assert_int_equal(cfg_read(fx, 1, PCI_BAR0 + 8, 4), ~(0x1000U - 1));
	ecam_write(fx, 1, PCI_BAR0 + 8, 4, bar2);
	assert_int_equal(cfg_read(fx, 1, PCI_BAR0 + 8, 4), bar2);
	/* Absent BARs are hardwired to 0. */
	for (unsigned int b = 1; b < PCI_NR_BARS; b++) {
		if (b == 2)
			continue;
		conf1_write(fx, 1, PCI_BAR0 + 4 * b, 4, ALL_ONES);
		assert_int_equal(cfg_read(fx, 1, PCI_BAR0 + 4 * b, 4), 0);
	}
	/* Low bits below the size never stick, whatever the access width. */
	conf1_write(fx, 1, PCI_BAR0, 1, 0xff);
	conf1_write(fx, 1, PCI_BAR0 + 1, 1, 0x7f);
	ecam_write(fx, 1, PCI_BAR0, 2, 0x7fff);
	assert_int_equal(cfg_read(fx, 1, PCI_BAR0, 4), bar0);
	conf1_write(fx, 1, PCI_BAR0, 4, 0xd0004321);
	assert_int_equal(cfg_read(fx, 1, PCI_BAR0, 4), 0xd0000000);
	assert_int_equal(f->pci.bar[0].addr, 0xd0000000);
	/* Decode was off throughout: nothing decoded, nothing moved. */
	assert_int_equal(f->nr_moves, 0);
}

static void expect_move(const struct fake *f, unsigned int i, unsigned int bar,
			uint32_t old_addr, uint32_t new_addr)
{
	assert_true(i < f->nr_moves);
	assert_int_equal(f->moves[i].bar, bar);
	assert_int_equal(f->moves[i].old_addr, old_addr);
	assert_int_equal(f->moves[i].new_addr, new_addr);
}

static void test_bar_moved(void **state)
{
	struct fixture *fx = *state;
	struct fake *f = add_fake(fx, 0);
	uint32_t bar0 = f->pci.bar[0].addr, bar2 = f->pci.bar[2].addr;

	/* Moving a BAR with decode off is no move. */
	conf1_write(fx, 1, PCI_BAR0, 4, 0xc0100000);
	assert_int_equal(f->nr_moves, 0);
	conf1_write(fx, 1, PCI_BAR0, 4, bar0);
	/* Bus mastering alone changes nothing either. */
	set_command(fx, 1, PCI_COMMAND_MASTER);
	assert_int_equal(f->nr_moves, 0);

	/* Decode on: both BARs appear, from nowhere (0). */
	set_command(fx, 1, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(f->nr_moves, 2);
	expect_move(f, 0, 0, 0, bar0);
	expect_move(f, 1, 2, 0, bar2);
	/* Rewriting the command or a BAR unchanged moves nothing. */
	set_command(fx, 1, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	conf1_write(fx, 1, PCI_BAR0, 4, bar0);
	ecam_write(fx, 1, PCI_BAR0 + 8, 4, bar2);
	assert_int_equal(f->nr_moves, 2);

	/* A dword write moves BAR 0 once, old to new. */
	conf1_write(fx, 1, PCI_BAR0, 4, 0xc0100000);
	assert_int_equal(f->nr_moves, 3);
	expect_move(f, 2, 0, bar0, 0xc0100000);
	/* A word write to the upper half: one move, the whole address. */
	ecam_write(fx, 1, PCI_BAR0 + 2, 2, 0xc020);
	assert_int_equal(f->nr_moves, 4);
	expect_move(f, 3, 0, 0xc0100000, 0xc0200000);
	/* Sizing with decode on: the BAR passes by all ones and back. */
	conf1_write(fx, 1, PCI_BAR0 + 8, 4, ALL_ONES);
	conf1_write(fx, 1, PCI_BAR0 + 8, 4, bar2);
	assert_int_equal(f->nr_moves, 6);
	expect_move(f, 4, 2, bar2, 0xfffff000);
	expect_move(f, 5, 2, 0xfffff000, bar2);

	/* Decode off: both disappear, to 0. */
	set_command(fx, 1, PCI_COMMAND_MASTER);
	assert_int_equal(f->nr_moves, 8);
	expect_move(f, 6, 0, 0xc0200000, 0);
	expect_move(f, 7, 2, bar2, 0);
	/* Absent BARs never move. */
	for (unsigned int i = 0; i < f->nr_moves; i++)
		assert_true(f->moves[i].bar == 0 || f->moves[i].bar == 2);
	/* And decode back on uses the addresses programmed meanwhile. */
	conf1_write(fx, 1, PCI_BAR0, 4, 0xc0300000);
	assert_int_equal(f->nr_moves, 8);
	set_command(fx, 1, PCI_COMMAND_MEMORY);
	assert_int_equal(f->nr_moves, 10);
	expect_move(f, 8, 0, 0, 0xc0300000);
	expect_move(f, 9, 2, 0, bar2);
}

static void test_mmio_decode(void **state)
{
	struct fixture *fx = *state;
	struct fake *f = add_fake(fx, 0);
	struct fake *g = add_fake(fx, 1);
	uint32_t bar0 = f->pci.bar[0].addr, bar2 = f->pci.bar[2].addr;
	uint32_t g0 = g->pci.bar[0].addr;

	/* Decode off: all ones, and the device sees nothing. */
	assert_int_equal(mmio_read(fx, bar0, 4), ~0ULL);
	mmio_write(fx, bar0, 4, 1);
	assert_int_equal(f->nr_acc, 0);

	set_command(fx, 1, PCI_COMMAND_MEMORY);
	/* Reads and writes reach the BAR at their offset in it. */
	assert_int_equal(mmio_read(fx, bar0 + 0x14, 4),
			 0x5a5a000000000000ULL | 0x14 << 8 | 4);
	assert_int_equal(mmio_read(fx, bar0 + 0x3001, 1),
			 0x5a5a000000000000ULL | 0x3001 << 8 | 1);
	mmio_write(fx, bar2 + 0x10, 8, 0x1122334455667788ULL);
	assert_int_equal(f->nr_acc, 3);
	assert_int_equal(f->acc[2].off, 0x10);
	assert_int_equal(f->acc[2].size, 8);
	assert_int_equal(f->acc[2].value, 0x1122334455667788ULL);
	assert_true(f->acc[2].write);
	/* The last bytes of a BAR are in it. */
	mmio_read(fx, bar0 + 0x8000 - 4, 4);
	assert_int_equal(f->nr_acc, 4);
	assert_int_equal(f->acc[3].off, 0x7ffc);
	mmio_read(fx, bar2 + 0xfff, 1);
	assert_int_equal(f->acc[4].off, 0xfff);
	assert_int_equal(f->nr_acc, 5);
	/* Straddling the end, or past it: all ones, not the device. */
	assert_int_equal(mmio_read(fx, bar0 + 0x8000 - 2, 4), ~0ULL);
	assert_int_equal(mmio_read(fx, bar0 + 0x8000 - 1, 2), ~0ULL);
	assert_int_equal(mmio_read(fx, bar2 + 0xffc, 8), ~0ULL);
	mmio_write(fx, bar2 + 0xffe, 4, 0);
	assert_int_equal(mmio_read(fx, bar2 + 0x1000, 4), ~0ULL);
	assert_int_equal(f->nr_acc, 5);
	/* The other device's BAR, decode off: nobody answers. */
	assert_int_equal(mmio_read(fx, g0, 4), ~0ULL);
	assert_int_equal(g->nr_acc, 0);
	/* Nor in the window beyond all BARs. */
	assert_int_equal(mmio_read(fx, WINDOW_BASE + WINDOW_SIZE - 4, 4),
			 ~0ULL);

	/* Moved: the old place is empty, the new one answers. */
	conf1_write(fx, 1, PCI_BAR0, 4, 0xc1000000);
	assert_int_equal(mmio_read(fx, bar0, 4), ~0ULL);
	assert_int_equal(f->nr_acc, 5);
	mmio_read(fx, 0xc1000000 + 0x20, 2);
	assert_int_equal(f->nr_acc, 6);
	assert_int_equal(f->acc[5].off, 0x20);
	assert_int_equal(f->acc[5].size, 2);
	assert_false(f->acc[5].write);

	/* Decode off again: gone. */
	set_command(fx, 1, 0);
	assert_int_equal(mmio_read(fx, 0xc1000000, 4), ~0ULL);
	assert_int_equal(mmio_read(fx, bar2, 4), ~0ULL);
	assert_int_equal(f->nr_acc, 6);
}

static void test_capabilities(void **state)
{
	struct fixture *fx = *state;
	struct fake *f = &fx->fake[0];
	unsigned int c1, c2, c3, c4, c5;

	fake_init(f, 0x1000);
	assert_int_equal(f->pci.cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST, 0);
	c1 = pci_device_add_cap(&f->pci, PCI_CAP_ID_VNDR, 16);
	c2 = pci_device_add_cap(&f->pci, PCI_CAP_ID_MSIX, 12);
	c3 = pci_device_add_cap(&f->pci, PCI_CAP_ID_VNDR, 5);
	c4 = pci_device_add_cap(&f->pci, PCI_CAP_ID_VNDR, 2);
	/* After the standard header, dword-aligned, not overlapping. */
	assert_int_equal(c1, 0x40);
	assert_int_equal(c2, 0x50);
	assert_int_equal(c3, 0x5c);
	assert_int_equal(c4, 0x64);
	/* Too short or too long: refused, the list unchanged. */
	assert_int_equal(pci_device_add_cap(&f->pci, PCI_CAP_ID_VNDR, 1), 0);
	assert_int_equal(pci_device_add_cap(&f->pci, PCI_CAP_ID_VNDR,
					    PCI_CFG_SIZE - 0x68 + 1),
			 0);
	assert_int_equal(f->pci.cfg[c4 + 1], 0);
	/* Exactly up to the end of config space fits; then it is full. */
	c5 = pci_device_add_cap(&f->pci, PCI_CAP_ID_VNDR, PCI_CFG_SIZE - 0x68);
	assert_int_equal(c5, 0x68);
	assert_int_equal(pci_device_add_cap(&f->pci, PCI_CAP_ID_VNDR, 2), 0);
	assert_int_equal(pci_bus_add(&fx->bus, &f->pci), 0);

	/* Walk the list as the guest does. */
	assert_int_equal(cfg_read(fx, 1, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST,
			 PCI_STATUS_CAP_LIST);
	assert_int_equal(cfg_read(fx, 1, PCI_CAPABILITY_LIST, 1), c1);
	assert_int_equal(cfg_read(fx, 1, c1, 2), (c2 << 8) | PCI_CAP_ID_VNDR);
	assert_int_equal(cfg_read(fx, 1, c2, 2), (c3 << 8) | PCI_CAP_ID_MSIX);
	assert_int_equal(cfg_read(fx, 1, c3, 2), (c4 << 8) | PCI_CAP_ID_VNDR);
	assert_int_equal(cfg_read(fx, 1, c4, 2), (c5 << 8) | PCI_CAP_ID_VNDR);
	assert_int_equal(cfg_read(fx, 1, c5, 2), PCI_CAP_ID_VNDR);
	/* The links are read-only. */
	conf1_write(fx, 1, c1, 4, 0);
	ecam_write(fx, 1, PCI_CAPABILITY_LIST, 1, 0);
	assert_int_equal(cfg_read(fx, 1, c1 + 1, 1), c2);
	assert_int_equal(cfg_read(fx, 1, PCI_CAPABILITY_LIST, 1), c1);
	/* So is the status bit. */
	conf1_write(fx, 1, PCI_STATUS, 2, 0);
	assert_int_equal(cfg_read(fx, 1, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST,
			 PCI_STATUS_CAP_LIST);
}

/*
 * Capabilities that fill config space up to its last byte, then more that
 * cannot fit: refused, and nothing in the header changes.
 *
 * BUG (devices/pci.c pci_device_add_cap, cap_end in devices/pci.h): cap_end
 * is a uint8_t, so a capability ending at 0xfd-0x100 wraps it to 0. The next
 * pci_device_add_cap() then "places" its capability at offset 0: it returns
 * 0 (failure) but has written its ID over the vendor ID (0x1af4 -> 0x0011)
 * and linked itself from the last capability; the one after that returns 4
 * (success) with its header over the command register and its offset in
 * the vendor ID's high byte.
 */
static void test_capabilities_fill_config_space(void **state)
{
	struct fixture *fx = *state;
	struct fake *f = &fx->fake[0];
	uint8_t header[0x40];
	unsigned int last;

	fake_init(f, 0x1000);
	/* 0x40 .. 0xf8 in 12-byte steps, then 8 bytes up to 0x100. */
	while (f->pci.cap_end <= 0xf0)
		assert_int_not_equal(
			pci_device_add_cap(&f->pci, PCI_CAP_ID_VNDR, 12), 0);
	assert_int_equal(f->pci.cap_end, 0xf4);
	last = pci_device_add_cap(&f->pci, PCI_CAP_ID_VNDR, 12);
	assert_int_equal(last, 0xf4);
	memcpy(header, f->pci.cfg, sizeof(header));

	/* Full: refused, without side effects, however often. */
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(
			pci_device_add_cap(&f->pci, PCI_CAP_ID_MSIX, 4), 0);
		assert_int_equal(pci_get_u16(f->pci.cfg + PCI_VENDOR_ID),
				 0x1af4);
		assert_memory_equal(f->pci.cfg, header, sizeof(header));
		assert_int_equal(f->pci.cfg[last + 1], 0);
	}

	/* And the guest walks a list that ends at the last capability. */
	assert_int_equal(pci_bus_add(&fx->bus, &f->pci), 0);
	assert_int_equal(cfg_read(fx, 1, PCI_VENDOR_ID, 2), 0x1af4);
	{
		unsigned int at = cfg_read(fx, 1, PCI_CAPABILITY_LIST, 1),
			     n = 0;

		while (at) {
			assert_true(at >= 0x40 && at <= 0xfc && !(at & 3));
			assert_true(++n <= 16);
			at = cfg_read(fx, 1, at + 1, 1);
		}
		assert_int_equal(n, 16);
	}
}

static void test_intx_routing(void **state)
{
	struct fixture *fx = *state;

	for (unsigned int i = 0; i < 10; i++)
		add_fake(fx, i);
	/* Slot s: INTA, GSI 16 + (s & 7), as the DSDT's _PRT says. */
	for (unsigned int slot = 1; slot <= 10; slot++) {
		assert_int_equal(cfg_read(fx, slot, PCI_INTERRUPT_PIN, 1), 1);
		assert_int_equal(cfg_read(fx, slot, PCI_INTERRUPT_LINE, 1),
				 16 + (slot & 7));
	}
}

static void test_intx_shared(void **state)
{
	struct fixture *fx = *state;
	struct pci_device *s1, *s9, *s2;

	for (unsigned int i = 0; i < 9; i++)
		add_fake(fx, i);
	s1 = &fx->fake[0].pci;
	s2 = &fx->fake[1].pci;
	s9 = &fx->fake[8].pci;
	assert_int_equal(s1->slot, 1);
	assert_int_equal(s9->slot, 9);

	pci_device_set_intx(s1, true);
	assert_int_equal(fx->irq.calls, 1);
	assert_int_equal(fx->irq.last_gsi, 17);
	assert_int_equal(fx->irq.level[17], 1);
	assert_int_equal(cfg_read(fx, 1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT,
			 PCI_STATUS_INTERRUPT);
	/* The second device on the line: already high. */
	pci_device_set_intx(s9, true);
	assert_int_equal(fx->irq.calls, 1);
	/* Asserting again is no change. */
	pci_device_set_intx(s1, true);
	assert_int_equal(fx->irq.calls, 1);
	/* One deasserts: the line stays high for the other. */
	pci_device_set_intx(s1, false);
	assert_int_equal(fx->irq.calls, 1);
	assert_int_equal(fx->irq.level[17], 1);
	assert_int_equal(cfg_read(fx, 1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT,
			 0);
	assert_int_equal(cfg_read(fx, 9, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT,
			 PCI_STATUS_INTERRUPT);
	/* Both low: the line drops. */
	pci_device_set_intx(s9, false);
	assert_int_equal(fx->irq.calls, 2);
	assert_int_equal(fx->irq.level[17], 0);
	pci_device_set_intx(s9, false);
	assert_int_equal(fx->irq.calls, 2);

	/* Another line is independent. */
	pci_device_set_intx(s1, true);
	pci_device_set_intx(s2, true);
	assert_int_equal(fx->irq.level[17], 1);
	assert_int_equal(fx->irq.level[18], 1);
	pci_device_set_intx(s2, false);
	assert_int_equal(fx->irq.level[18], 0);
	assert_int_equal(fx->irq.level[17], 1);
	pci_device_set_intx(s1, false);
	assert_int_equal(fx->irq.level[17], 0);
	assert_int_equal(fx->irq.calls, 6);
}

static void test_intx_disable(void **state)
{
	struct fixture *fx = *state;
	struct pci_device *s1, *s9;

	for (unsigned int i = 0; i < 9; i++)
		add_fake(fx, i);
	s1 = &fx->fake[0].pci;
	s9 = &fx->fake[8].pci;

	pci_device_set_intx(s1, true);
	assert_int_equal(fx->irq.level[17], 1);
	/* The driver masks INTx: the line drops, the status still shows. */
	set_command(fx, 1, PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(fx->irq.level[17], 0);
	assert_int_equal(cfg_read(fx, 1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT,
			 PCI_STATUS_INTERRUPT);
	/* While masked, the device's edges do not reach the line. */
	pci_device_set_intx(s1, false);
	pci_device_set_intx(s1, true);
	assert_int_equal(fx->irq.level[17], 0);
	assert_int_equal(fx->irq.calls, 2);
	/* Unmasked while asserted: the line rises again. */
	set_command(fx, 1, 0);
	assert_int_equal(fx->irq.level[17], 1);
	assert_int_equal(fx->irq.calls, 3);

	/* Masking one sharer leaves the other's interrupt standing. */
	pci_device_set_intx(s9, true);
	set_command(fx, 1, PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(fx->irq.level[17], 1);
	pci_device_set_intx(s9, false);
	assert_int_equal(fx->irq.level[17], 0);
	assert_int_equal(fx->irq.calls, 4);
	/* Other command bits leave the line alone. */
	set_command(fx, 1, PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_MEMORY);
	set_command(fx, 1, PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(fx->irq.calls, 4);
	/* Unmasked: slot 1 still asserts, so the line rises. */
	set_command(fx, 1, 0);
	assert_int_equal(fx->irq.calls, 5);
	assert_int_equal(fx->irq.level[17], 1);
}

static void test_bus_full(void **state)
{
	struct fixture *fx = *state;
	struct pci_device *devs = calloc(PCI_SLOTS, sizeof(*devs));

	assert_non_null(devs);
	/* Slot 0 is the host bridge: 31 more fit. */
	for (unsigned int i = 0; i < PCI_SLOTS - 1; i++) {
		pci_device_init(&devs[i], 0x1af4, (uint16_t)i, 0, 0, 0, 0, NULL,
				NULL);
		assert_int_equal(pci_bus_add(&fx->bus, &devs[i]), 0);
		assert_int_equal(devs[i].slot, i + 1);
	}
	pci_device_init(&devs[PCI_SLOTS - 1], 0x1af4, 0xffff, 0, 0, 0, 0, NULL,
			NULL);
	assert_int_equal(pci_bus_add(&fx->bus, &devs[PCI_SLOTS - 1]), -1);
	assert_int_equal(cfg_read(fx, 31, PCI_DEVICE_ID, 2), 30);
	assert_null(devs[PCI_SLOTS - 1].bus);
	/* Devices without ops take config writes too. */
	conf1_write(fx, 31, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(cfg_read(fx, 31, PCI_COMMAND, 2),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
				 PCI_COMMAND_INTX_DISABLE);
	/* INTx disabled: slot 31's interrupt stays off its line (GSI 23). */
	pci_device_set_intx(&devs[30], true);
	assert_int_equal(fx->irq.calls, 0);
	conf1_write(fx, 31, PCI_COMMAND, 2, 0);
	assert_int_equal(fx->irq.calls, 1);
	assert_int_equal(fx->irq.last_gsi, 23);
	assert_int_equal(fx->irq.level[23], 1);
	free(devs);
}

static void test_window_full(void **state)
{
	struct fixture *fx = *state;
	struct pci_bus small;
	struct fake *f = &fx->fake[0], *g = &fx->fake[1];

	/* A window with room for one 32 KiB BAR and a 4 KiB one, no more. */
	pci_bus_init(&small, 0xd0000000, 0x9000, NULL, NULL);
	fake_init(f, 0x1000);
	assert_int_equal(pci_bus_add(&small, &f->pci), 0);
	fake_init(g, 0x1001);
	assert_int_equal(pci_bus_add(&small, &g->pci), -1);
	/* Refused: not on the bus. */
	assert_null(small.dev[2]);
	assert_int_equal(small.window_next, 0xd0009000);
	pthread_rwlock_destroy(&small.lock);
	pthread_mutex_destroy(&small.intx_lock);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_host_bridge),
		T(test_absent_reads_all_ones),
		T(test_conf1_enable_bit),
		T(test_conf1_address_latch),
		T(test_sub_dword_access),
		T(test_wmask),
		T(test_bar_placement),
		T(test_bar_sizing),
		T(test_bar_moved),
		T(test_mmio_decode),
		T(test_capabilities),
		T(test_capabilities_fill_config_space),
		T(test_intx_routing),
		T(test_intx_shared),
		T(test_intx_disable),
		T(test_bus_full),
		T(test_window_full),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
