/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_ARM64_FDT_H
#define KESTREL_ARCH_ARM64_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The flattened device tree that tells an arm64 guest kernel what the
 * board has (arch/arm64/layout.h's memory map). Pure data: no KVM, so it
 * is unit-tested on any host.
 */

enum arm64_gic { ARM64_GICV3, ARM64_GICV2 };

/* A virtio-mmio transport: its register window and its SPI. */
struct arm64_fdt_mmio_dev {
	uint64_t base, size;
	uint32_t spi;
};

struct arm64_fdt_config {
	uint64_t ram_base, ram_size;
	unsigned int nr_cpus;
	/* nr_cpus MPIDR_EL1 values; a cpu node's reg is the affinity fields. */
	const uint64_t *mpidr;
	enum arm64_gic gic;
	/* GICv3: an ITS (msi-map on the PCI host); GICv2: a v2m frame. */
	bool msi;
	bool pci; /* a pci-host-ecam-generic host bridge */
	const struct arm64_fdt_mmio_dev *virtio;
	unsigned int nr_virtio;
	const char *bootargs; /* NULL: no bootargs */
	uint64_t initrd_start,
		initrd_end; /* initrd_end == initrd_start: none */
	/*
	 * Random bytes for the guest, 0 or more than 8 of them: the first 8
	 * become /chosen/kaslr-seed and the rest rng-seed, so that no byte
	 * both places the kernel and seeds its RNG.
	 */
	const uint8_t *rng_seed;
	size_t rng_seed_len;
	uint32_t uart_clock_hz; /* the 16550's clock-frequency */
};

/*
 * Builds the blob into buf (size bytes; libfdt wants a few more than the
 * blob's final size while it writes). Returns the blob's size, or -1 with
 * one line in err. Any thread; touches nothing but buf and err.
 */
int arm64_fdt_build(const struct arm64_fdt_config *c, void *buf, size_t size,
		    char *err, size_t errlen);

#endif
