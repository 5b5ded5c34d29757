/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_ARM64_IMAGE_H
#define KESTREL_ARCH_ARM64_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/guest_mem.h"

/* The most a device tree may be (booting.rst), and gzip's inflated cap. */
#define ARM64_DTB_MAX_SIZE (2ULL << 20)
#define ARM64_GZIP_MAX_SIZE (256ULL << 20)

/* What the loader needs: guest RAM (already mapped) and the images. */
struct arm64_boot_input {
	struct guest_mem *gm;
	uint64_t ram_base;
	uint64_t ram_size;
	const uint8_t *kernel; /* a raw Image, or a gzip of one */
	size_t kernel_len;
	const uint8_t *initrd; /* NULL: none */
	size_t initrd_len;
	size_t dtb_max; /* room to reserve for the device tree, 1..2 MiB */
};

/*
 * Where things were put. The boot CPU starts at entry with x0 = dtb_addr;
 * the device tree itself is the caller's to write.
 */
struct arm64_boot_state {
	uint64_t kernel_addr; /* a 2 MiB-aligned base + text_offset */
	uint64_t kernel_end; /* kernel_addr + image_size (bss included) */
	uint64_t entry; /* == kernel_addr */
	uint64_t initrd_addr; /* page aligned; 0 with initrd_size 0: none */
	uint64_t initrd_size;
	uint64_t dtb_addr; /* 8-byte aligned, dtb_max bytes of RAM free */
};

/*
 * Loads an arm64 Linux Image (Documentation/arch/arm64/booting.rst), raw
 * or gzip-compressed, into guest RAM, places the initrd and reserves the
 * device tree's room. Returns 0, or -1 with one line in err.
 */
int arm64_load_kernel(const struct arm64_boot_input *in,
		      struct arm64_boot_state *out, char *err, size_t errlen);

/*
 * The release of an arm64 Image (raw or gzip'd), "6.1.0-57-arm64", from
 * its "Linux version " banner, into buf. Returns 0, or -1 if there is none.
 */
int arm64_kernel_release(const uint8_t *kernel, size_t len, char *buf,
			 size_t buflen);

#endif
