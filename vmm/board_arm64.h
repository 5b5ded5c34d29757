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
