/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_GDB_REGS_H
#define KESTREL_ARCH_X86_GDB_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/cpu_state.h"

/*
 * An x86-64 vCPU's registers as gdb sees them: the target description
 * gdb reads (qXfer:features:read:target.xml) and, numbered as it numbers
 * them, each register's size and where struct x86_cpu_state keeps it.
 *
 *   0-15 rax rbx rcx rdx rsi rdi rbp rsp r8-r15   8 bytes
 *   16 rip 8, 17 eflags 4, 18-23 cs ss ds es fs gs 4 (the selectors)
 *   24-31 st0-st7 10, 32-39 fctrl fstat ftag fiseg fioff foseg fooff fop 4
 *   40-55 xmm0-xmm15 16, 56 mxcsr 4
 *   57 fs_base, 58 gs_base, 59 k_gs_base, 60-65 cr0 cr2 cr3 cr4 cr8 efer 8
 *
 * gdb's amd64 support refuses a description without the x87 registers
 * (and needs SSE's for its calling convention), but struct x86_cpu_state
 * has neither: they read as unavailable and writes to them are dropped.
 */
#define GDB_X86_NR_REGS 66
#define GDB_X86_REG_MAX 16 /* bytes of the widest */

extern const char gdb_x86_target_xml[];
extern const size_t gdb_x86_target_xml_len;

/* Bytes of register regno in gdb's packets; 0 past the last. */
unsigned int gdb_x86_reg_size(unsigned int regno);

/* Its value, little-endian; false when the state has none. */
bool gdb_x86_reg_get(const struct x86_cpu_state *s, unsigned int regno,
		     uint8_t *out);

/*
 * Sets it from little-endian bytes; false (and s untouched) when the state
 * has no such register. A selector keeps the low 16 bits, eflags the high
 * half of rflags.
 */
bool gdb_x86_reg_set(struct x86_cpu_state *s, unsigned int regno,
		     const uint8_t *in);

#endif
