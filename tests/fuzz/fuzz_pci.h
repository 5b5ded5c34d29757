/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_FUZZ_PCI_H
#define KESTREL_TESTS_FUZZ_PCI_H

#include <stdint.h>

struct iobus;
struct pci_bus;
struct pci_device;

/*
 * The PCI host where the vCPU loop reaches it: the config ports on pio,
 * ECAM and the BAR window on mmio, all dispatched to bus.
 */
void fuzz_pci_register(struct iobus *pio, struct iobus *mmio,
		       struct pci_bus *bus);
/*
 * A fresh bus over kestrel's BAR window whose INTx lines are an oracle:
 * only the bus's own GSIs, at level 0 or 1.
 */
void fuzz_pci_bus_init(struct pci_bus *bus);
/* Frees what pci_bus_init() made, once the devices on bus are gone. */
void fuzz_pci_bus_destroy(struct pci_bus *bus);
/* Bus locked: d still reads vendor:device, and each BAR is size-aligned. */
void fuzz_pci_check_device(const struct pci_device *d, uint16_t vendor,
			   uint16_t device);

#endif
