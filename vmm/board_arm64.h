/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_BOARD_ARM64_H
#define KESTREL_VMM_BOARD_ARM64_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arm64/fdt.h"
#include "arch/arm64/image.h"
#include "devices/pl031.h"

/* What kernels this board runs, for messages. */
#define BOARD_GUEST_ARCH "arm64"

/*
 * Guest RAM on a 2 MiB boundary: KVM maps a huge page into the guest only
 * where the host address and the guest address agree modulo 2 MiB, and
 * mmap gives 4 KiB alignment. Measured (bench/arm64_boot.sh, nested): an
 * unaligned 512 MiB guest took a stage-2 fault per 4 KiB page, ran 1.68x
 * QEMU's time by its own clock (1.06x aligned) and took 0.78 s to exit
 * (0.05 s aligned).
 */
#define BOARD_RAM_ALIGN (2ULL << 20)

/* KVM has no NMI to inject on arm64. */
#define BOARD_HAS_NMI false

/* vCPUs the GICv3's redistributor region has room for (a GICv2: 8). */
#define BOARD_MAX_CPUS 123
#define BOARD_MAX_CPUS_GICV2 8

/* The ITS translates an MSI by its requester ID. */
#define BOARD_MSI_DEVID true

/* The GIC's SPIs routed by default (GSI n is SPI n); MSIs come after. */
#define BOARD_NR_SPI_ROUTES 64
#define BOARD_FIRST_MSI_GSI BOARD_NR_SPI_ROUTES

/* The board's state beside what every VM has. */
struct board_state {
	struct arm64_boot_state boot;
	char *cmdline; /* until the device tree takes it */
	enum arm64_gic gic;
	int gic_fd, its_fd; /* -1: none */
};

/* The board's devices beside the UART, PCI and virtio. */
struct board_devices {
	struct pl031 rtc;
};

#endif
