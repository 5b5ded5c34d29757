/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_E820_H
#define KESTREL_ARCH_X86_E820_H

#include <stdint.h>

#define E820_TYPE_RAM 1
#define E820_TYPE_RESERVED 2

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

#define X86_E820_MAX 8

/* How much of mem_size lies below the MMIO hole and how much above 4 GiB. */
void x86_ram_split(uint64_t mem_size, uint64_t *low, uint64_t *high);

/* The guest's e820 map for mem_size bytes of RAM; returns the entry count. */
unsigned int x86_e820_build(uint64_t mem_size, struct e820_entry *e,
			    unsigned int max);

#endif
