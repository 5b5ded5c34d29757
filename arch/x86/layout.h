/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_LAYOUT_H
#define KESTREL_ARCH_X86_LAYOUT_H

/*
 * The guest-physical memory map of kestrel's x86 PC.
 *
 *   0x0000_0500  boot GDT
 *   0x0000_6000  PVH hvm_start_info, its memory map and module list
 *   0x0000_7000  Linux zero page (struct boot_params)
 *   0x0000_8ff0  boot stack top
 *   0x0000_9000  boot page tables: PML4, PDPT, 4 PDs (identity map 0-4 GiB)
 *   0x0002_0000  kernel command line
 *   0x0009_fc00  reserved to 1 MiB (EBDA, VGA hole, BIOS area)
 *   0x000e_0000  ACPI tables (RSDP first, where legacy kernels scan for it)
 *   0x000f_fff0  reset vector: a stub that pulses the i8042 reset line
 *   0x0010_0000  RAM: kernel (at its preferred address when it fits), initrd
 *                at the top of low RAM
 *   0xc000_0000  32-bit MMIO hole: PCI BAR window (512 MiB),
 *   0xe000_0000    PCI ECAM (bus 0), virtio-mmio devices, IOAPIC, LAPIC
 *   0x1_0000_0000  RAM above the hole, when there is more than 3 GiB
 */
#define X86_GDT_ADDR 0x500ULL
#define X86_PVH_INFO_ADDR 0x6000ULL
#define X86_ZERO_PAGE_ADDR 0x7000ULL
#define X86_BOOT_STACK_ADDR 0x8ff0ULL
#define X86_PML4_ADDR 0x9000ULL
#define X86_PDPT_ADDR 0xa000ULL
#define X86_PD_ADDR 0xb000ULL /* four pages */
#define X86_CMDLINE_ADDR 0x20000ULL
#define X86_CMDLINE_MAX 0x10000ULL
#define X86_EBDA_ADDR 0x9fc00ULL
#define X86_ACPI_ADDR 0xe0000ULL
#define X86_ACPI_MAX 0x20000ULL
#define X86_RESET_VECTOR_ADDR 0xffff0ULL
#define X86_HIGH_RAM_START 0x100000ULL
#define X86_KERNEL_MIN_ADDR 0x100000ULL

#define X86_MMIO_HOLE_START 0xc0000000ULL
#define X86_4G 0x100000000ULL

#define X86_PCI_WINDOW_BASE 0xc0000000ULL
#define X86_PCI_WINDOW_SIZE 0x20000000ULL
#define X86_PCI_ECAM_BASE 0xe0000000ULL
#define X86_PCI_ECAM_SIZE 0x100000ULL /* bus 0: 32 slots x 8 functions x 4K */
#define X86_VIRTIO_MMIO_BASE 0xe8000000ULL
#define X86_VIRTIO_MMIO_SIZE 0x1000ULL /* per device */

#define X86_IOAPIC_ADDR 0xfec00000ULL
#define X86_LAPIC_ADDR 0xfee00000ULL
/* Scratch pages KVM needs on Intel hosts (real-mode TSS, identity map). */
#define X86_KVM_IDENTITY_MAP_ADDR 0xfeffc000ULL
#define X86_KVM_TSS_ADDR 0xfeffd000ULL

#endif
