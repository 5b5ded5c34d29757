// SPDX-License-Identifier: MIT
/* The PCI host as the fuzz targets with virtio-pci devices put it up. */
#include "tests/fuzz/fuzz_pci.h"

#include "arch/x86/layout.h"
#include "devices/pci.h"
#include "tests/fuzz/fuzz_guest.h"
#include "runtime/iobus.h"

void fuzz_pci_register(struct iobus *pio, struct iobus *mmio,
		       struct pci_bus *bus)
{
	if (iobus_register(pio, PCI_CONF1_PORT, PCI_CONF1_PORTS,
			   &pci_conf1_io_ops, bus) ||
	    iobus_register(mmio, X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE,
			   &pci_ecam_io_ops, bus) ||
	    iobus_register(mmio, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE,
			   &pci_window_io_ops, bus))
		fuzz_fail("cannot register the PCI ranges");
}

static void intx_set_irq(void *ctx, uint32_t gsi, int level)
{
	(void)ctx;
	if (gsi < PCI_INTX_GSI_BASE ||
	    gsi >= PCI_INTX_GSI_BASE + PCI_INTX_GSIS ||
	    (level != 0 && level != 1))
		fuzz_fail("set_irq(%u, %d)", gsi, level);
}

void fuzz_pci_bus_init(struct pci_bus *bus)
{
	pci_bus_init(bus, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE,
		     intx_set_irq, NULL);
}

void fuzz_pci_bus_destroy(struct pci_bus *bus)
{
	pthread_rwlock_destroy(&bus->lock);
	pthread_mutex_destroy(&bus->intx_lock);
}

void fuzz_pci_check_device(const struct pci_device *d, uint16_t vendor,
			   uint16_t device)
{
	if (pci_get_u16(d->cfg + PCI_VENDOR_ID) != vendor ||
	    pci_get_u16(d->cfg + PCI_DEVICE_ID) != device)
		fuzz_fail("slot %u: IDs now %04x:%04x", d->slot,
			  pci_get_u16(d->cfg + PCI_VENDOR_ID),
			  pci_get_u16(d->cfg + PCI_DEVICE_ID));
	for (unsigned int b = 0; b < PCI_NR_BARS; b++)
		if (d->bar[b].size && (d->bar[b].addr & (d->bar[b].size - 1)))
			fuzz_fail("slot %u BAR %u at %#x, size %#x", d->slot, b,
				  d->bar[b].addr, d->bar[b].size);
}
