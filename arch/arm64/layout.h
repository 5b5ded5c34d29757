/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_ARM64_LAYOUT_H
#define KESTREL_ARCH_ARM64_LAYOUT_H

/*
 * The guest-physical memory map of kestrel's arm64 board, close to QEMU's
 * `virt` so that what a kernel developer knows of one holds for the other.
 *
 *   0x0800_0000  GIC distributor (64 KiB)
 *   0x0801_0000  GICv2 CPU interface (8 KiB)
 *   0x0802_0000  GICv2m MSI frame (4 KiB)
 *   0x0808_0000  GICv3 ITS (128 KiB)
 *   0x080a_0000  GICv3 redistributors (128 KiB per vCPU)
 *   0x0900_0000  16550 UART (ttyS0)
 *   0x0901_0000  PL031 RTC
 *   0x0a00_0000  virtio-mmio devices, 4 KiB each
 *   0x1000_0000  PCI memory window (32-bit BARs)
 *   0x3f00_0000  PCI ECAM (bus 0)
 *   0x4000_0000  RAM
 */
#define ARM64_GIC_DIST_BASE 0x08000000ULL
#define ARM64_GIC_DIST_SIZE 0x10000ULL
#define ARM64_GIC_CPU_BASE 0x08010000ULL
#define ARM64_GIC_CPU_SIZE 0x2000ULL
#define ARM64_GIC_V2M_BASE 0x08020000ULL
#define ARM64_GIC_V2M_SIZE 0x1000ULL
#define ARM64_GIC_ITS_BASE 0x08080000ULL
#define ARM64_GIC_ITS_SIZE 0x20000ULL
#define ARM64_GIC_REDIST_BASE 0x080a0000ULL
#define ARM64_GIC_REDIST_SIZE 0x20000ULL /* per vCPU */
#define ARM64_GIC_REDIST_MAX_SIZE 0xf60000ULL /* 123 vCPUs */

#define ARM64_UART_BASE 0x09000000ULL
#define ARM64_UART_SIZE 0x1000ULL
#define ARM64_RTC_BASE 0x09010000ULL
#define ARM64_RTC_SIZE 0x1000ULL
#define ARM64_VIRTIO_MMIO_BASE 0x0a000000ULL
#define ARM64_VIRTIO_MMIO_SIZE 0x1000ULL /* per device */

#define ARM64_PCI_WINDOW_BASE 0x10000000ULL
#define ARM64_PCI_WINDOW_SIZE 0x20000000ULL
#define ARM64_PCI_ECAM_BASE 0x3f000000ULL
#define ARM64_PCI_ECAM_SIZE 0x100000ULL /* bus 0 */

#define ARM64_RAM_BASE 0x40000000ULL

/*
 * Shared peripheral interrupts (SPI numbers, as a device tree's
 * `interrupts` names them; the GIC's INTID is 32 more).
 */
#define ARM64_UART_SPI 1
#define ARM64_RTC_SPI 2
/* INTx of slot s, pin p (0: INTA): 16 + (s + p) % 8, as devices/pci.c has it */
#define ARM64_PCI_INTX_SPI 16
#define ARM64_PCI_INTX_LINES 8
#define ARM64_VIRTIO_MMIO_SPI 32 /* the i-th device: 32 + i */
#define ARM64_GIC_V2M_SPI_BASE 64
#define ARM64_GIC_V2M_SPI_COUNT 64

/* Private peripheral interrupts of the architected timer (PPI numbers). */
#define ARM64_TIMER_PPI_SEC 13
#define ARM64_TIMER_PPI_PHYS 14
#define ARM64_TIMER_PPI_VIRT 11
#define ARM64_TIMER_PPI_HYP 10

#endif
