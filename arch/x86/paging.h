/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_PAGING_H
#define KESTREL_ARCH_X86_PAGING_H

#include <stdint.h>

#include "runtime/guest_mem.h"

/* The paging state of one vCPU that a translation depends on. */
struct x86_paging {
	uint64_t cr0, cr3, cr4, efer;
};

/*
 * Guest virtual to guest physical address, walking the guest's page tables
 * the way the vCPU would (no paging, 32-bit, PAE, 4- and 5-level; 4 KiB,
 * 2/4 MiB and 1 GiB pages), every table read through guest_mem. Returns 0
 * with *gpa and *left (bytes from gpa to the end of its page), or -1 when
 * the address is not mapped or a table is not in RAM. Access rights are
 * not checked: a debugger may read what the guest may not.
 */
int x86_translate(const struct guest_mem *gm, const struct x86_paging *p,
		  uint64_t gva, uint64_t *gpa, uint64_t *left);

#endif
