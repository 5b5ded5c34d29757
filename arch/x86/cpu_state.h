/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_CPU_STATE_H
#define KESTREL_ARCH_X86_CPU_STATE_H

#include <stdint.h>

/*
 * One vCPU's registers as debuggers and dumps see them, independent of
 * KVM's structures: what the gdb stub reports and an ELF core's
 * NT_PRSTATUS and QEMU-style CPU notes carry.
 */
enum x86_gpr {
	X86_RAX,
	X86_RBX,
	X86_RCX,
	X86_RDX,
	X86_RSI,
	X86_RDI,
	X86_RBP,
	X86_RSP,
	X86_R8,
	X86_R9,
	X86_R10,
	X86_R11,
	X86_R12,
	X86_R13,
	X86_R14,
	X86_R15,
	X86_NR_GPRS
};

enum x86_seg { X86_CS, X86_SS, X86_DS, X86_ES, X86_FS, X86_GS, X86_NR_SEGS };

struct x86_segment {
	uint16_t selector;
	uint64_t base;
	uint32_t limit;
	uint32_t attrib; /* type | s << 4 | dpl << 5 | p << 7 | ... as QEMU */
};

struct x86_cpu_state {
	uint64_t gpr[X86_NR_GPRS]; /* gdb's order: rax rbx rcx rdx ... */
	uint64_t rip, rflags;
	struct x86_segment
		seg[X86_NR_SEGS]; /* gdb's order: cs ss ds es fs gs */
	uint64_t kernel_gs_base;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer;
	uint64_t gdt_base, idt_base;
	uint16_t gdt_limit, idt_limit;
};

#endif
