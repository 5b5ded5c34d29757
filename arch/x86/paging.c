// SPDX-License-Identifier: MIT
/* Walking a guest's page tables for the debugger and dumps. */
#include "arch/x86/paging.h"

#include <stdbool.h>

#define CR0_PG (1ULL << 31)
#define CR4_PSE (1ULL << 4)
#define CR4_PAE (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define EFER_LMA (1ULL << 10)

#define PTE_P (1ULL << 0)
#define PTE_PS (1ULL << 7)
#define ADDR_MASK 0x000ffffffffff000ULL

static int done(uint64_t base, uint64_t offset_mask, uint64_t gva,
		uint64_t *gpa, uint64_t *left)
{
	uint64_t off = gva & offset_mask;

	*gpa = base + off;
	*left = offset_mask + 1 - off;
	return 0;
}

static bool read_entry(const struct guest_mem *gm, uint64_t gpa, bool wide,
		       uint64_t *e)
{
	uint32_t e32;

	if (wide)
		return gm_read(gm, e, gpa, 8);
	if (!gm_read(gm, &e32, gpa, 4))
		return false;
	*e = e32;
	return true;
}

/* 32-bit paging: two levels of 4-byte entries, 4 MiB pages with PSE. */
static int walk_32(const struct guest_mem *gm, const struct x86_paging *p,
		   uint32_t gva, uint64_t *gpa, uint64_t *left)
{
	uint64_t pde, pte;

	if (!read_entry(gm, (p->cr3 & 0xfffff000) + ((gva >> 22) << 2), false,
			&pde) ||
	    !(pde & PTE_P))
		return -1;
	if ((pde & PTE_PS) && (p->cr4 & CR4_PSE))
		/* PSE-36: physical address bits 32+ sit in bits 13..20 */
		return done((pde & 0xffc00000) | ((pde >> 13 & 0xff) << 32),
			    0x3fffff, gva, gpa, left);
	if (!read_entry(gm, (pde & 0xfffff000) + (((gva >> 12) & 0x3ff) << 2),
			false, &pte) ||
	    !(pte & PTE_P))
		return -1;
	return done(pte & 0xfffff000, 0xfff, gva, gpa, left);
}

/*
 * PAE and long mode: 8-byte entries, 9 index bits a level, from `levels`
 * (2 below a PAE PDPTE, 4 or 5 from CR3) down; PS ends the walk at the
 * 1 GiB and 2 MiB levels.
 */
static int walk_wide(const struct guest_mem *gm, uint64_t table,
		     unsigned int levels, uint64_t gva, uint64_t *gpa,
		     uint64_t *left)
{
	for (unsigned int level = levels; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t e;

		if (!read_entry(gm, table + (((gva >> shift) & 0x1ff) << 3),
				true, &e) ||
		    !(e & PTE_P))
			return -1;
		if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS)))
			return done(e & ADDR_MASK & ~((1ULL << shift) - 1),
				    (1ULL << shift) - 1, gva, gpa, left);
		table = e & ADDR_MASK;
	}
	return -1;
}

int x86_translate(const struct guest_mem *gm, const struct x86_paging *p,
		  uint64_t gva, uint64_t *gpa, uint64_t *left)
{
	uint64_t pdpte;

	if (!(p->cr0 & CR0_PG))
		return done(gva & ~0xfffULL, 0xfff, gva, gpa, left);
	if (p->efer & EFER_LMA)
		return walk_wide(gm, p->cr3 & ADDR_MASK,
				 (p->cr4 & CR4_LA57) ? 5 : 4, gva, gpa, left);
	gva &= 0xffffffff;
	if (!(p->cr4 & CR4_PAE))
		return walk_32(gm, p, gva, gpa, left);
	if (!read_entry(gm, (p->cr3 & 0xffffffe0) + ((gva >> 30) << 3), true,
			&pdpte) ||
	    !(pdpte & PTE_P))
		return -1;
	return walk_wide(gm, pdpte & ADDR_MASK, 2, gva, gpa, left);
}
