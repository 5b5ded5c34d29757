// SPDX-License-Identifier: MIT
/* PCI host: configuration space, BAR decode, INTx. */
#include "devices/pci.h"

#include <string.h>

#define CONF1_ENABLE 0x80000000U
#define HOST_BRIDGE_VENDOR 0x1b36 /* the Red Hat/QEMU range */
#define HOST_BRIDGE_DEVICE 0x0008 /* "PCIe host bridge" */
#define CLASS_HOST_BRIDGE 0x060000

static bool is_bar_reg(unsigned int off)
{
	return off >= PCI_BAR0 && off < PCI_BAR0 + 4 * PCI_NR_BARS;
}

static bool decodes_memory(const struct pci_device *d)
{
	return pci_get_u16(d->cfg + PCI_COMMAND) & PCI_COMMAND_MEMORY;
}

/* Where BAR b decodes now, 0 if it does not. */
static uint32_t bar_decode_addr(const struct pci_device *d, unsigned int b)
{
	return d->bar[b].size && decodes_memory(d) ? d->bar[b].addr : 0;
}

static uint8_t cfg_byte(const struct pci_device *d, unsigned int off)
{
	if (is_bar_reg(off)) {
		const struct pci_bar *b = &d->bar[(off - PCI_BAR0) / 4];

		/* Memory space, 32-bit, not prefetchable: flag bits 0. */
		return b->size ? (uint8_t)(b->addr >> (8 * (off & 3))) : 0;
	}
	/* The device thread changes the interrupt bit without the bus lock,
	 * so it lives apart from config space. */
	if (off == PCI_STATUS)
		return d->cfg[off] |
		       (__atomic_load_n(&d->intx_level, __ATOMIC_RELAXED) ?
				PCI_STATUS_INTERRUPT :
				0);
	return off < PCI_CFG_SIZE ? d->cfg[off] : 0;
}

static uint32_t cfg_read(struct pci_device *d, unsigned int off,
			 unsigned int size)
{
	uint32_t v = 0;

	if (d->ops && d->ops->config_read && off < PCI_CFG_SIZE)
		d->ops->config_read(d, off, size);
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)cfg_byte(d, off + i) << (8 * i);
	return v;
}

static void set_intx_disabled(struct pci_device *d, bool disabled);

static void cfg_write(struct pci_device *d, unsigned int off, unsigned int size,
		      uint32_t v)
{
	uint32_t before[PCI_NR_BARS];
	uint16_t old_cmd = pci_get_u16(d->cfg + PCI_COMMAND);

	for (unsigned int b = 0; b < PCI_NR_BARS; b++)
		before[b] = bar_decode_addr(d, b);
	for (unsigned int i = 0; i < size && off + i < PCI_CFG_SIZE; i++) {
		unsigned int o = off + i;
		uint8_t byte = v >> (8 * i);

		if (is_bar_reg(o)) {
			struct pci_bar *b = &d->bar[(o - PCI_BAR0) / 4];
			unsigned int shift = 8 * (o & 3);

			if (!b->size)
				continue;
			b->addr = (b->addr & ~(0xffU << shift)) |
				  ((uint32_t)byte << shift);
			b->addr &= ~(b->size - 1);
			continue;
		}
		d->cfg[o] = (d->cfg[o] & ~d->wmask[o]) | (byte & d->wmask[o]);
	}
	for (unsigned int b = 0; b < PCI_NR_BARS; b++) {
		uint32_t after = bar_decode_addr(d, b);

		if (after != before[b] && d->ops && d->ops->bar_moved)
			d->ops->bar_moved(d, b, before[b], after);
	}
	if ((old_cmd ^ pci_get_u16(d->cfg + PCI_COMMAND)) &
	    PCI_COMMAND_INTX_DISABLE)
		set_intx_disabled(d, pci_get_u16(d->cfg + PCI_COMMAND) &
					     PCI_COMMAND_INTX_DISABLE);
	if (d->ops && d->ops->config_write && off < PCI_CFG_SIZE)
		d->ops->config_write(d, off, size);
}

/* The device at bus 0 slot `slot` function `fn`, or NULL. */
static struct pci_device *lookup(struct pci_bus *bus, unsigned int busnr,
				 unsigned int slot, unsigned int fn)
{
	if (busnr != 0 || fn != 0 || slot >= PCI_SLOTS)
		return NULL;
	return bus->dev[slot];
}

static uint64_t config_access(struct pci_bus *bus, struct pci_device *d,
			      unsigned int off, unsigned int size, bool write,
			      uint32_t v)
{
	uint64_t ret = 0;

	if (!d)
		return write ? 0 : ~0ULL; /* nobody home: all ones */
	if (size != 1 && size != 2 && size != 4)
		return write ? 0 : ~0ULL;
	pthread_rwlock_wrlock(&bus->lock);
	if (write)
		cfg_write(d, off, size, v);
	else
		ret = cfg_read(d, off, size);
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

static uint64_t conf1_read(void *opaque, uint64_t off, unsigned int size)
{
	struct pci_bus *bus = opaque;
	uint32_t a = __atomic_load_n(&bus->conf1_addr, __ATOMIC_RELAXED);

	if (off < 4) /* the address register, read back as latched */
		return (uint64_t)(a >> (8 * off));
	if (!(a & CONF1_ENABLE))
		return ~0ULL;
	return config_access(
		bus,
		lookup(bus, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7),
		(a & 0xfc) + (unsigned int)(off - 4), size, false, 0);
}

static void conf1_write(void *opaque, uint64_t off, unsigned int size,
			uint64_t value)
{
	struct pci_bus *bus = opaque;
	uint32_t a = __atomic_load_n(&bus->conf1_addr, __ATOMIC_RELAXED);

	if (off < 4) {
		/* Only dword writes latch an address; Linux's type-1 probe
		 * writes a byte to 0xCFB and expects nothing to happen. */
		if (off == 0 && size == 4)
			__atomic_store_n(&bus->conf1_addr, (uint32_t)value,
					 __ATOMIC_RELAXED);
		return;
	}
	if (!(a & CONF1_ENABLE))
		return;
	config_access(
		bus,
		lookup(bus, (a >> 16) & 0xff, (a >> 11) & 0x1f, (a >> 8) & 7),
		(a & 0xfc) + (unsigned int)(off - 4), size, true,
		(uint32_t)value);
}

const struct io_ops pci_conf1_io_ops = {
	.read = conf1_read,
	.write = conf1_write,
};

static uint64_t ecam_read(void *opaque, uint64_t off, unsigned int size)
{
	struct pci_bus *bus = opaque;

	return config_access(
		bus,
		lookup(bus, off >> 20, (off >> 15) & 0x1f, (off >> 12) & 7),
		off & 0xfff, size, false, 0);
}

static void ecam_write(void *opaque, uint64_t off, unsigned int size,
		       uint64_t value)
{
	struct pci_bus *bus = opaque;

	config_access(
		bus,
		lookup(bus, off >> 20, (off >> 15) & 0x1f, (off >> 12) & 7),
		off & 0xfff, size, true, (uint32_t)value);
}

const struct io_ops pci_ecam_io_ops = {
	.read = ecam_read,
	.write = ecam_write,
};

/* The BAR decoding guest address addr, with the offset into it. */
static const struct pci_bar *find_bar(struct pci_bus *bus, uint64_t addr,
				      unsigned int size, uint64_t *off)
{
	for (unsigned int s = 0; s < PCI_SLOTS; s++) {
		const struct pci_device *d = bus->dev[s];

		if (!d || !decodes_memory(d))
			continue;
		for (unsigned int b = 0; b < PCI_NR_BARS; b++) {
			const struct pci_bar *bar = &d->bar[b];

			if (bar->size && addr >= bar->addr &&
			    addr - bar->addr < bar->size &&
			    size <= bar->size - (addr - bar->addr)) {
				*off = addr - bar->addr;
				return bar;
			}
		}
	}
	return NULL;
}

static uint64_t window_read(void *opaque, uint64_t off, unsigned int size)
{
	struct pci_bus *bus = opaque;
	const struct pci_bar *bar;
	uint64_t v = ~0ULL, bar_off;

	pthread_rwlock_rdlock(&bus->lock);
	bar = find_bar(bus, bus->window_base + off, size, &bar_off);
	if (bar && bar->ops->read)
		v = bar->ops->read(bar->opaque, bar_off, size);
	pthread_rwlock_unlock(&bus->lock);
	return v;
}

static void window_write(void *opaque, uint64_t off, unsigned int size,
			 uint64_t value)
{
	struct pci_bus *bus = opaque;
	const struct pci_bar *bar;
	uint64_t bar_off;

	pthread_rwlock_rdlock(&bus->lock);
	bar = find_bar(bus, bus->window_base + off, size, &bar_off);
	if (bar && bar->ops->write)
		bar->ops->write(bar->opaque, bar_off, size, value);
	pthread_rwlock_unlock(&bus->lock);
}

const struct io_ops pci_window_io_ops = {
	.read = window_read,
	.write = window_write,
};

void pci_device_init(struct pci_device *d, uint16_t vendor, uint16_t device,
		     uint32_t class_code, uint8_t revision,
		     uint16_t subsys_vendor, uint16_t subsys_id,
		     const struct pci_device_ops *ops, void *opaque)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->opaque = opaque;
	pci_set_u16(d->cfg + PCI_VENDOR_ID, vendor);
	pci_set_u16(d->cfg + PCI_DEVICE_ID, device);
	d->cfg[PCI_REVISION_ID] = revision;
	d->cfg[PCI_CLASS_PROG] = class_code & 0xff;
	pci_set_u16(d->cfg + PCI_CLASS_PROG + 1, class_code >> 8);
	pci_set_u16(d->cfg + PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	pci_set_u16(d->cfg + PCI_SUBSYSTEM_ID, subsys_id);
	/* Command: memory decode, bus mastering, INTx disable. */
	pci_set_u16(d->wmask + PCI_COMMAND, PCI_COMMAND_MEMORY |
						    PCI_COMMAND_MASTER |
						    PCI_COMMAND_INTX_DISABLE);
	d->wmask[0x0c] = 0xff; /* cache line size */
	d->wmask[0x0d] = 0xff; /* latency timer */
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	d->cap_end = 0x40;
	d->cap_next = &d->cfg[PCI_CAPABILITY_LIST];
}

void pci_device_add_bar(struct pci_device *d, unsigned int bar, uint32_t size,
			const struct io_ops *ops, void *opaque)
{
	d->bar[bar] =
		(struct pci_bar){ .size = size, .ops = ops, .opaque = opaque };
}

unsigned int pci_device_add_cap(struct pci_device *d, uint8_t id,
				unsigned int len)
{
	unsigned int off = d->cap_end;

	if (len < 2 || len > PCI_CFG_SIZE || off + len > PCI_CFG_SIZE)
		return 0;
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	*d->cap_next = off;
	d->cap_next = &d->cfg[off + 1];
	d->cap_end = (off + len + 3) & ~3U;
	pci_set_u16(d->cfg + PCI_STATUS,
		    pci_get_u16(d->cfg + PCI_STATUS) | PCI_STATUS_CAP_LIST);
	return off;
}

static uint32_t intx_gsi(const struct pci_device *d)
{
	return PCI_INTX_GSI_BASE + (d->slot & (PCI_INTX_GSIS - 1));
}

/*
 * Drives the shared line: asserted while any of its devices asserts and
 * has INTx enabled. intx_lock held.
 */
static void update_intx(struct pci_device *d)
{
	struct pci_bus *bus = d->bus;
	unsigned int line = intx_gsi(d) - PCI_INTX_GSI_BASE;
	uint32_t old = bus->intx_slots[line];

	if (d->intx_level && !d->intx_disabled)
		bus->intx_slots[line] |= 1U << d->slot;
	else
		bus->intx_slots[line] &= ~(1U << d->slot);
	if (!old != !bus->intx_slots[line] && bus->set_irq)
		bus->set_irq(bus->irq_ctx, intx_gsi(d),
			     !!bus->intx_slots[line]);
}

/* The guest toggled the Command register's INTx disable (bus locked). */
static void set_intx_disabled(struct pci_device *d, bool disabled)
{
	pthread_mutex_lock(&d->bus->intx_lock);
	d->intx_disabled = disabled;
	update_intx(d);
	pthread_mutex_unlock(&d->bus->intx_lock);
}

void pci_device_set_intx(struct pci_device *d, bool level)
{
	pthread_mutex_lock(&d->bus->intx_lock);
	__atomic_store_n(&d->intx_level, level, __ATOMIC_RELAXED);
	update_intx(d);
	pthread_mutex_unlock(&d->bus->intx_lock);
}

int pci_bus_add(struct pci_bus *bus, struct pci_device *d)
{
	unsigned int slot;
	uint64_t next = bus->window_next;

	for (slot = 0; slot < PCI_SLOTS && bus->dev[slot]; slot++)
		;
	if (slot == PCI_SLOTS)
		return -1;
	for (unsigned int b = 0; b < PCI_NR_BARS; b++) {
		uint32_t size = d->bar[b].size;

		if (!size)
			continue;
		/* Placed as firmware would; the guest may move it. */
		next = (next + size - 1) & ~((uint64_t)size - 1);
		if (next + size > bus->window_base + bus->window_size)
			return -1;
		d->bar[b].addr = (uint32_t)next;
		next += size;
	}
	bus->window_next = next;
	d->bus = bus;
	d->slot = slot;
	d->cfg[PCI_INTERRUPT_PIN] = 1; /* INTA */
	d->cfg[PCI_INTERRUPT_LINE] = (uint8_t)intx_gsi(d);
	bus->dev[slot] = d;
	return 0;
}

void pci_bus_init(struct pci_bus *bus, uint64_t window_base,
		  uint64_t window_size,
		  void (*set_irq)(void *ctx, uint32_t gsi, int level),
		  void *irq_ctx)
{
	memset(bus, 0, sizeof(*bus));
	pthread_rwlock_init(&bus->lock, NULL);
	pthread_mutex_init(&bus->intx_lock, NULL);
	bus->window_base = bus->window_next = window_base;
	bus->window_size = window_size;
	bus->set_irq = set_irq;
	bus->irq_ctx = irq_ctx;
	pci_device_init(&bus->host_bridge, HOST_BRIDGE_VENDOR,
			HOST_BRIDGE_DEVICE, CLASS_HOST_BRIDGE, 0, 0, 0, NULL,
			NULL);
	pci_bus_add(bus, &bus->host_bridge);
	bus->host_bridge.cfg[PCI_INTERRUPT_PIN] = 0;
	bus->host_bridge.cfg[PCI_INTERRUPT_LINE] = 0;
}
