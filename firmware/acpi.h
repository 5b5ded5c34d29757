/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_FIRMWARE_ACPI_H
#define KESTREL_FIRMWARE_ACPI_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the ACPI tables describe: a hardware-reduced ACPI PC (no SCI, no
 * legacy PIC/PIT/PM timer use) whose power-off and reset go through the I/O
 * ports below, with `ncpus` local APICs and one IOAPIC.
 */
struct acpi_config {
	unsigned int ncpus;
	uint16_t sleep_control_port;
	uint16_t sleep_status_port;
	uint16_t reset_port;
	uint8_t reset_value;
	uint32_t lapic_addr;
	uint32_t ioapic_addr;
	uint64_t ecam_base; /* PCI ECAM for bus 0 .. ecam_last_bus */
	uint8_t ecam_last_bus;
	uint32_t virtio_mmio_slots; /* bit n: the DSDT's slot n is present */
};

/* The value of VMMS in dsdt.asl that acpi_build() replaces. */
#define ACPI_VMMS_PLACEHOLDER 0x4D4D564BU

/* The _S5 SLP_TYP value in dsdt.asl: what the guest writes to power off. */
#define ACPI_SLP_TYP_S5 5
/* Bits of the hardware-reduced sleep control register. */
#define ACPI_SLEEP_TYPE_SHIFT 2
#define ACPI_SLEEP_TYPE_MASK 7
#define ACPI_SLEEP_ENABLE (1 << 5)

/*
 * Builds RSDP, XSDT, FADT, DSDT, MADT and MCFG into buf, to be placed at guest
 * physical address `gpa` (the RSDP comes first, at gpa). Returns the bytes
 * used, or 0 if len is too small.
 */
size_t acpi_build(const struct acpi_config *cfg, uint64_t gpa, uint8_t *buf,
		  size_t len);

/* The 8-bit sum that makes a table's bytes add up to zero. */
uint8_t acpi_checksum(const void *data, size_t len);

#endif
