// SPDX-License-Identifier: MIT
/* The e820 memory map kestrel hands to the guest kernel. */
#include "arch/x86/e820.h"

#include "arch/x86/layout.h"

void x86_ram_split(uint64_t mem_size, uint64_t *low, uint64_t *high)
{
	*low = mem_size < X86_MMIO_HOLE_START ? mem_size : X86_MMIO_HOLE_START;
	*high = mem_size - *low;
}

static unsigned int add(struct e820_entry *e, unsigned int n, unsigned int max,
			uint64_t addr, uint64_t size, uint32_t type)
{
	if (n < max && size)
		e[n++] = (struct e820_entry){ addr, size, type };
	return n;
}

unsigned int x86_e820_build(uint64_t mem_size, struct e820_entry *e,
			    unsigned int max)
{
	uint64_t low, high;
	unsigned int n = 0;

	x86_ram_split(mem_size, &low, &high);
	n = add(e, n, max, 0, X86_EBDA_ADDR, E820_TYPE_RAM);
	n = add(e, n, max, X86_EBDA_ADDR, X86_HIGH_RAM_START - X86_EBDA_ADDR,
		E820_TYPE_RESERVED);
	if (low > X86_HIGH_RAM_START)
		n = add(e, n, max, X86_HIGH_RAM_START, low - X86_HIGH_RAM_START,
			E820_TYPE_RAM);
	/* Linux trusts ECAM only where the firmware reserved it. */
	n = add(e, n, max, X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE,
		E820_TYPE_RESERVED);
	n = add(e, n, max, X86_4G, high, E820_TYPE_RAM);
	return n;
}
