/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_BOOT_H
#define KESTREL_ARCH_X86_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/e820.h"
#include "runtime/guest_mem.h"

/* What a loader needs: guest RAM (already mapped), the images, the map. */
struct x86_boot_input {
	struct guest_mem *gm;
	uint64_t mem_size;
	const uint8_t *kernel;
	size_t kernel_len;
	const uint8_t *initrd; /* NULL: none */
	size_t initrd_len;
	const char *cmdline;
	const struct e820_entry *e820;
	unsigned int nr_e820;
	uint64_t rsdp_addr;
};

enum x86_entry_mode {
	X86_ENTRY_LINUX64, /* 64-bit boot protocol: long mode, RSI = zero page */
	X86_ENTRY_PVH32, /* PVH: 32-bit flat protected mode, EBX = start_info */
};

/* Where the boot CPU starts, and where things were put (for tests). */
struct x86_boot_state {
	enum x86_entry_mode mode;
	uint64_t entry;
	uint64_t info_addr;
	uint64_t kernel_addr;
	uint64_t kernel_end;
	uint64_t initrd_addr;
};

/*
 * Loads a bzImage or an ELF vmlinux with a PVH note into guest memory and
 * writes the boot structures. Returns 0, or -1 with one line in err.
 */
int x86_load_kernel(const struct x86_boot_input *in, struct x86_boot_state *out,
		    char *err, size_t errlen);

/*
 * The release of a kernel image (bzImage or ELF vmlinux), "6.1.0-27-amd64",
 * into buf. Returns 0, or -1 if the image does not say.
 */
int x86_kernel_release(const uint8_t *kernel, size_t len, char *buf,
		       size_t buflen);

/* Shared by the loaders (boot.c). */
int bzimage_load(const struct x86_boot_input *in, struct x86_boot_state *out,
		 char *err, size_t errlen);
int pvh_load(const struct x86_boot_input *in, struct x86_boot_state *out,
	     char *err, size_t errlen);
int boot_place_initrd(const struct x86_boot_input *in, uint64_t floor,
		      uint64_t ceiling, uint64_t *addr, char *err,
		      size_t errlen);
int boot_write_cmdline(const struct x86_boot_input *in, uint64_t max_len,
		       char *err, size_t errlen);
void boot_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
