// SPDX-License-Identifier: MIT
/* Kernel image detection and what both boot protocols share. */
#include "arch/x86/boot.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/layout.h"

void boot_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int x86_load_kernel(const struct x86_boot_input *in, struct x86_boot_state *out,
		    char *err, size_t errlen)
{
	static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

	memset(out, 0, sizeof(*out));
	if (in->kernel_len >= 4 && !memcmp(in->kernel, elf_magic, 4))
		return pvh_load(in, out, err, errlen);
	if (in->kernel_len >= 0x206 && !memcmp(in->kernel + 0x202, "HdrS", 4))
		return bzimage_load(in, out, err, errlen);
	boot_err(err, errlen,
		 "not a Linux kernel (neither a bzImage nor an ELF vmlinux)");
	return -1;
}

int boot_place_initrd(const struct x86_boot_input *in, uint64_t floor,
		      uint64_t ceiling, uint64_t *addr, char *err,
		      size_t errlen)
{
	uint64_t low, high, top;

	*addr = 0;
	if (!in->initrd)
		return 0;
	x86_ram_split(in->mem_size, &low, &high);
	top = ceiling < low ? ceiling : low;
	/* Highest page-aligned spot below top that clears the kernel. */
	if (in->initrd_len > top ||
	    ((top - in->initrd_len) & ~0xfffULL) < floor) {
		boot_err(
			err, errlen,
			"the initrd (%zu MiB) and kernel do not fit in guest memory; give the guest more --memory",
			in->initrd_len >> 20);
		return -1;
	}
	*addr = (top - in->initrd_len) & ~0xfffULL;
	if (!gm_write(in->gm, *addr, in->initrd, in->initrd_len)) {
		boot_err(err, errlen, "initrd does not fit in guest RAM");
		return -1;
	}
	return 0;
}

int boot_write_cmdline(const struct x86_boot_input *in, uint64_t max_len,
		       char *err, size_t errlen)
{
	size_t len = strlen(in->cmdline);

	if (max_len > X86_CMDLINE_MAX - 1)
		max_len = X86_CMDLINE_MAX - 1;
	if (len > max_len) {
		boot_err(
			err, errlen,
			"kernel command line is %zu bytes; this kernel takes at most %llu",
			len, (unsigned long long)max_len);
		return -1;
	}
	if (!gm_write(in->gm, X86_CMDLINE_ADDR, in->cmdline, len + 1)) {
		boot_err(err, errlen, "no guest RAM for the command line");
		return -1;
	}
	return 0;
}
