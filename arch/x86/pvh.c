// SPDX-License-Identifier: MIT
/*
 * PVH boot of an uncompressed ELF vmlinux: load the PT_LOAD segments at their
 * physical addresses and enter, in 32-bit flat protected mode with paging
 * off, at the address of the XEN_ELFNOTE_PHYS32_ENTRY note, with EBX
 * pointing at an hvm_start_info (Xen's public "PVH start info" ABI).
 */
#include <elf.h>
#include <string.h>

#include "arch/x86/boot.h"
#include "arch/x86/layout.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578
#define PVH_CMDLINE_MAX 2047 /* x86 COMMAND_LINE_SIZE - 1 */

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* Looks for the PVH entry note in one PT_NOTE segment; 0 if absent. */
static uint64_t find_pvh_entry(const uint8_t *p, uint64_t len)
{
	uint64_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_off, desc_off, next;

		memcpy(&nh, p + off, sizeof(nh));
		name_off = off + sizeof(nh);
		desc_off = name_off + (((uint64_t)nh.n_namesz + 3) & ~3ULL);
		next = desc_off + (((uint64_t)nh.n_descsz + 3) & ~3ULL);
		if (next > len)
			return 0;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    !memcmp(p + name_off, "Xen", 4)) {
			uint32_t e32;
			uint64_t e64;

			if (nh.n_descsz == 4) {
				memcpy(&e32, p + desc_off, 4);
				return e32;
			}
			if (nh.n_descsz == 8) {
				memcpy(&e64, p + desc_off, 8);
				return e64;
			}
			return 0;
		}
		off = next;
	}
	return 0;
}

int pvh_load(const struct x86_boot_input *in, struct x86_boot_state *out,
	     char *err, size_t errlen)
{
	struct hvm_start_info si = { 0 };
	struct hvm_modlist_entry mod = { 0 };
	struct hvm_memmap_entry map[X86_E820_MAX];
	Elf64_Ehdr eh;
	uint64_t entry = 0, kernel_start = UINT64_MAX, kernel_end = 0;
	uint64_t low, high, initrd_addr, addr;

	if (in->kernel_len < sizeof(eh)) {
		boot_err(err, errlen, "truncated ELF kernel");
		return -1;
	}
	memcpy(&eh, in->kernel, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
		boot_err(err, errlen, "ELF kernel is not an x86_64 vmlinux");
		return -1;
	}
	if (eh.e_phentsize < sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phoff > in->kernel_len ||
	    (uint64_t)eh.e_phnum * eh.e_phentsize >
		    in->kernel_len - eh.e_phoff) {
		boot_err(err, errlen, "truncated ELF kernel (program headers)");
		return -1;
	}

	x86_ram_split(in->mem_size, &low, &high);
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph,
		       in->kernel + eh.e_phoff + (uint64_t)i * eh.e_phentsize,
		       sizeof(ph));
		if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
			continue;
		if (ph.p_offset > in->kernel_len ||
		    ph.p_filesz > in->kernel_len - ph.p_offset) {
			boot_err(
				err, errlen,
				"truncated ELF kernel: segment %u ends past the end of the file",
				i);
			return -1;
		}
		if (ph.p_type == PT_NOTE) {
			if (!entry)
				entry = find_pvh_entry(in->kernel + ph.p_offset,
						       ph.p_filesz);
			continue;
		}
		if (ph.p_filesz > ph.p_memsz ||
		    ph.p_paddr < X86_KERNEL_MIN_ADDR ||
		    ph.p_paddr + ph.p_memsz < ph.p_paddr ||
		    ph.p_paddr + ph.p_memsz > low) {
			boot_err(
				err, errlen,
				"ELF segment %u (%#llx+%#llx) does not fit in guest RAM; give the guest more --memory",
				i, (unsigned long long)ph.p_paddr,
				(unsigned long long)ph.p_memsz);
			return -1;
		}
		{
			uint8_t *dst = gm_ptr(in->gm, ph.p_paddr, ph.p_memsz);

			if (!dst) {
				boot_err(
					err, errlen,
					"ELF segment %u lies outside guest RAM",
					i);
				return -1;
			}
			memcpy(dst, in->kernel + ph.p_offset, ph.p_filesz);
			memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		}
		if (ph.p_paddr < kernel_start)
			kernel_start = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > kernel_end)
			kernel_end = ph.p_paddr + ph.p_memsz;
	}
	if (!entry) {
		boot_err(
			err, errlen,
			"ELF kernel has no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY); boot its bzImage or build it with CONFIG_PVH=y");
		return -1;
	}
	if (!kernel_end) {
		boot_err(err, errlen, "ELF kernel has no loadable segments");
		return -1;
	}

	if (boot_write_cmdline(in, PVH_CMDLINE_MAX, err, errlen) ||
	    boot_place_initrd(in, kernel_end, low, &initrd_addr, err, errlen))
		return -1;

	/* start_info, then the module list, then the memory map. */
	addr = X86_PVH_INFO_ADDR + sizeof(si);
	if (in->initrd) {
		mod.paddr = initrd_addr;
		mod.size = in->initrd_len;
		si.nr_modules = 1;
		si.modlist_paddr = addr;
		gm_write(in->gm, addr, &mod, sizeof(mod));
		addr += sizeof(mod);
	}
	for (unsigned int i = 0; i < in->nr_e820 && i < X86_E820_MAX; i++) {
		map[i] = (struct hvm_memmap_entry){ in->e820[i].addr,
						    in->e820[i].size,
						    in->e820[i].type, 0 };
		si.memmap_entries = i + 1;
	}
	si.magic = HVM_START_MAGIC;
	si.version = 1;
	si.cmdline_paddr = X86_CMDLINE_ADDR;
	si.rsdp_paddr = in->rsdp_addr;
	si.memmap_paddr = addr;
	if (!gm_write(in->gm, addr, map, si.memmap_entries * sizeof(map[0])) ||
	    !gm_write(in->gm, X86_PVH_INFO_ADDR, &si, sizeof(si))) {
		boot_err(err, errlen, "no guest RAM for the PVH start info");
		return -1;
	}

	out->mode = X86_ENTRY_PVH32;
	out->entry = entry;
	out->info_addr = X86_PVH_INFO_ADDR;
	out->kernel_addr = kernel_start;
	out->kernel_end = kernel_end;
	out->initrd_addr = initrd_addr;
	return 0;
}
