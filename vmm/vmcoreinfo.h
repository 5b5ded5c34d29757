/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_VMCOREINFO_H
#define KESTREL_VMM_VMCOREINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A Linux guest's VMCOREINFO: the ELF note (name "VMCOREINFO", type 0)
 * whose text tells dump readers the kernel's release, KASLR offset,
 * phys_base and structure layouts. Since Linux 4.13 the kernel writes it
 * early in boot at the start of pages of its own (the address that
 * /sys/kernel/vmcoreinfo shows). A dump that carries it as a note is one
 * drgn takes for a kernel's. It is guest data: every length is checked,
 * and it is trusted for nothing but to be copied. Pure; any thread.
 */

/* The kernel's VMCOREINFO_BYTES: its text never exceeds a page. */
#define VMCOREINFO_TEXT_MAX 4096u

/*
 * Does the kernel's note start at p, with len bytes of guest RAM from
 * there? If so, *text and *text_len are its text.
 */
bool vmcoreinfo_at(const uint8_t *p, uint64_t len, const uint8_t **text,
		   uint32_t *text_len);

#endif
