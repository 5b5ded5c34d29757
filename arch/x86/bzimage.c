// SPDX-License-Identifier: MIT
/*
 * Linux x86 boot protocol, 64-bit entry: the protected-mode kernel is copied
 * to its preferred address and entered in long mode at +0x200 with RSI
 * pointing at a zero page that carries the setup header, command line,
 * initrd and e820 map (Documentation/arch/x86/boot.rst).
 */
#include <asm/bootparam.h>
#include <stddef.h>
#include <string.h>

#include "arch/x86/boot.h"
#include "arch/x86/layout.h"

#define BOOT_FLAG_MAGIC 0xaa55
#define MIN_PROTOCOL 0x020c /* 2.12: xloadflags, so XLF_KERNEL_64 */
#define SETUP_HDR_OFF offsetof(struct boot_params, hdr)

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int bzimage_load(const struct x86_boot_input *in, struct x86_boot_state *out,
		 char *err, size_t errlen)
{
	struct boot_params bp;
	struct setup_header hdr;
	size_t hdr_len, setup_len, payload_len;
	uint64_t low, high, load, need, initrd_addr, initrd_max;

	if (in->kernel_len < SETUP_HDR_OFF + sizeof(hdr)) {
		boot_err(err, errlen, "truncated bzImage (%zu bytes)",
			 in->kernel_len);
		return -1;
	}
	memcpy(&hdr, in->kernel + SETUP_HDR_OFF, sizeof(hdr));
	if (hdr.boot_flag != BOOT_FLAG_MAGIC) {
		boot_err(err, errlen, "not a bzImage (bad boot flag)");
		return -1;
	}
	if (hdr.version < MIN_PROTOCOL || !(hdr.xloadflags & XLF_KERNEL_64)) {
		boot_err(
			err, errlen,
			"bzImage has no 64-bit entry point (boot protocol %u.%02u, need 2.12 or later built for x86_64)",
			hdr.version >> 8, hdr.version & 0xff);
		return -1;
	}
	if (!(hdr.loadflags & LOADED_HIGH)) {
		boot_err(err, errlen,
			 "zImage kernels (loaded low) are not supported");
		return -1;
	}
	setup_len = ((size_t)(hdr.setup_sects ? hdr.setup_sects : 4) + 1) * 512;
	if (in->kernel_len <= setup_len ||
	    in->kernel_len - setup_len < (uint64_t)hdr.syssize * 16) {
		boot_err(err, errlen,
			 "truncated bzImage: %zu bytes, header promises %zu",
			 in->kernel_len, setup_len + (size_t)hdr.syssize * 16);
		return -1;
	}
	payload_len = in->kernel_len - setup_len;

	/*
	 * Load at the kernel's preferred address when it fits: a relocatable
	 * kernel then decompresses without first moving itself.
	 */
	x86_ram_split(in->mem_size, &low, &high);
	need = hdr.init_size > payload_len ? hdr.init_size : payload_len;
	load = hdr.pref_address;
	if (load < X86_KERNEL_MIN_ADDR || load > low || need > low - load) {
		load = X86_KERNEL_MIN_ADDR;
		if (hdr.relocatable_kernel && hdr.kernel_alignment &&
		    !(hdr.kernel_alignment & (hdr.kernel_alignment - 1)))
			load = align_up(load, hdr.kernel_alignment);
	}
	if (load > low || need > low - load) {
		boot_err(
			err, errlen,
			"guest memory too small for this kernel: it needs %llu MiB; give the guest more --memory",
			(unsigned long long)((load + need) >> 20) + 1);
		return -1;
	}
	if (!gm_write(in->gm, load, in->kernel + setup_len, payload_len)) {
		boot_err(err, errlen, "kernel does not fit in guest RAM");
		return -1;
	}

	if (boot_write_cmdline(in, hdr.cmdline_size ? hdr.cmdline_size : 255,
			       err, errlen))
		return -1;
	initrd_max = hdr.initrd_addr_max ? (uint64_t)hdr.initrd_addr_max + 1 :
					   0x38000000ULL;
	if (boot_place_initrd(in, load + need, initrd_max, &initrd_addr, err,
			      errlen))
		return -1;

	memset(&bp, 0, sizeof(bp));
	/* The setup header ends at 0x202 + the jump offset at 0x201. */
	hdr_len = 0x202 + in->kernel[0x201] - SETUP_HDR_OFF;
	if (hdr_len > sizeof(bp.hdr))
		hdr_len = sizeof(bp.hdr);
	memcpy(&bp.hdr, in->kernel + SETUP_HDR_OFF, hdr_len);
	bp.hdr.type_of_loader = 0xff; /* "undefined" boot loader */
	bp.hdr.code32_start = (uint32_t)load;
	bp.hdr.cmd_line_ptr = (uint32_t)X86_CMDLINE_ADDR;
	bp.hdr.ramdisk_image = (uint32_t)initrd_addr;
	bp.hdr.ramdisk_size = (uint32_t)in->initrd_len;
	bp.acpi_rsdp_addr = in->rsdp_addr;
	for (unsigned int i = 0;
	     i < in->nr_e820 && i < E820_MAX_ENTRIES_ZEROPAGE; i++) {
		bp.e820_table[i].addr = in->e820[i].addr;
		bp.e820_table[i].size = in->e820[i].size;
		bp.e820_table[i].type = in->e820[i].type;
		bp.e820_entries = i + 1;
	}
	if (!gm_write(in->gm, X86_ZERO_PAGE_ADDR, &bp, sizeof(bp))) {
		boot_err(err, errlen, "no guest RAM for the zero page");
		return -1;
	}

	out->mode = X86_ENTRY_LINUX64;
	out->entry = load + 0x200;
	out->info_addr = X86_ZERO_PAGE_ADDR;
	out->kernel_addr = load;
	out->kernel_end = load + need;
	out->initrd_addr = initrd_addr;
	return 0;
}
