/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_MACHINE_H
#define KESTREL_ARCH_X86_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/boot.h"
#include "firmware/acpi.h"
#include "runtime/guest_mem.h"

/* Guest RAM regions for mem_size bytes: below the MMIO hole and above 4G. */
struct x86_ram_region {
	uint64_t gpa, size;
};
unsigned int x86_ram_regions(uint64_t mem_size, struct x86_ram_region *r);

/*
 * Fills guest RAM for boot: ACPI tables, boot GDT and page tables, the
 * kernel and initrd with their boot structures. Needs no KVM, so bad
 * images are refused before a VM exists. Returns 0 or -1 with err set.
 */
int x86_machine_load(struct guest_mem *gm, uint64_t mem_size,
		     const struct acpi_config *acpi,
		     const struct x86_boot_input *images,
		     struct x86_boot_state *out, char *err, size_t errlen);

/* VM-wide KVM state of a PC: in-kernel irqchip and PIT, Intel scratch. */
int x86_machine_kvm_init(int vm_fd, const char **what);

#endif
