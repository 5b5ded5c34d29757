// SPDX-License-Identifier: MIT
/* One x86-64 vCPU as an ELF core's NT_PRSTATUS and QEMU CPU-state notes. */
#include "arch/x86/core_notes.h"

#include <stddef.h>
#include <string.h>

/* Little-endian fields written as the host holds them. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "core notes are written in host byte order");

/* user_regs_struct: the order of elf_prstatus.pr_reg on x86-64. */
enum user_reg {
	UR_R15,
	UR_R14,
	UR_R13,
	UR_R12,
	UR_RBP,
	UR_RBX,
	UR_R11,
	UR_R10,
	UR_R9,
	UR_R8,
	UR_RAX,
	UR_RCX,
	UR_RDX,
	UR_RSI,
	UR_RDI,
	UR_ORIG_RAX,
	UR_RIP,
	UR_CS,
	UR_EFLAGS,
	UR_RSP,
	UR_SS,
	UR_FS_BASE,
	UR_GS_BASE,
	UR_DS,
	UR_ES,
	UR_FS,
	UR_GS,
	UR_COUNT
};

struct prstatus_timeval {
	int64_t tv_sec, tv_usec;
};

struct prstatus {
	int32_t si_signo, si_code, si_errno; /* pr_info */
	int16_t pr_cursig;
	uint64_t pr_sigpend, pr_sighold;
	int32_t pr_pid, pr_ppid, pr_pgrp, pr_sid;
	struct prstatus_timeval pr_utime, pr_stime, pr_cutime, pr_cstime;
	uint64_t pr_reg[UR_COUNT];
	int32_t pr_fpvalid;
};
_Static_assert(offsetof(struct prstatus, pr_pid) == 32, "pr_pid");
_Static_assert(offsetof(struct prstatus, pr_reg) == 112, "pr_reg");
_Static_assert(sizeof(struct prstatus) == X86_CORE_PRSTATUS_SIZE,
	       "elf_prstatus");

struct qemu_segment {
	uint32_t selector, limit, flags, pad;
	uint64_t base;
};

struct qemu_state {
	uint32_t version, size;
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	struct qemu_segment cs, ds, es, fs, gs, ss, ldt, tr, gdt, idt;
	uint64_t cr[5];
	/* Added later without a new version: readers go by size. */
	uint64_t kernel_gs_base;
};
_Static_assert(offsetof(struct qemu_state, cr) == 392, "cr");
_Static_assert(sizeof(struct qemu_state) == X86_CORE_QEMU_STATE_SIZE,
	       "QEMUCPUState");

#define QEMU_STATE_VERSION 1

/*
 * QEMU keeps a segment's attributes where they sit in the descriptor's
 * high dword (type at bit 8 ... G at bit 23); x86_segment.attrib has the
 * same bits shifted down by 8, as VMX's access rights have them. Bits 8-11
 * and 16 up are not attributes there (VMX's "unusable" is bit 16).
 */
#define ATTRIB_DESCRIPTOR_BITS 0xf0ffu

void x86_core_prstatus(const struct x86_cpu_state *s, uint32_t pid, void *desc)
{
	struct prstatus p;

	memset(&p, 0, sizeof(p));
	p.pr_pid = (int32_t)pid;
	p.pr_reg[UR_R15] = s->gpr[X86_R15];
	p.pr_reg[UR_R14] = s->gpr[X86_R14];
	p.pr_reg[UR_R13] = s->gpr[X86_R13];
	p.pr_reg[UR_R12] = s->gpr[X86_R12];
	p.pr_reg[UR_RBP] = s->gpr[X86_RBP];
	p.pr_reg[UR_RBX] = s->gpr[X86_RBX];
	p.pr_reg[UR_R11] = s->gpr[X86_R11];
	p.pr_reg[UR_R10] = s->gpr[X86_R10];
	p.pr_reg[UR_R9] = s->gpr[X86_R9];
	p.pr_reg[UR_R8] = s->gpr[X86_R8];
	p.pr_reg[UR_RAX] = s->gpr[X86_RAX];
	p.pr_reg[UR_RCX] = s->gpr[X86_RCX];
	p.pr_reg[UR_RDX] = s->gpr[X86_RDX];
	p.pr_reg[UR_RSI] = s->gpr[X86_RSI];
	p.pr_reg[UR_RDI] = s->gpr[X86_RDI];
	/* No system call is being restarted: QEMU writes 0 here too. */
	p.pr_reg[UR_ORIG_RAX] = 0;
	p.pr_reg[UR_RIP] = s->rip;
	p.pr_reg[UR_CS] = s->seg[X86_CS].selector;
	p.pr_reg[UR_EFLAGS] = s->rflags;
	p.pr_reg[UR_RSP] = s->gpr[X86_RSP];
	p.pr_reg[UR_SS] = s->seg[X86_SS].selector;
	p.pr_reg[UR_FS_BASE] = s->seg[X86_FS].base;
	p.pr_reg[UR_GS_BASE] = s->seg[X86_GS].base;
	p.pr_reg[UR_DS] = s->seg[X86_DS].selector;
	p.pr_reg[UR_ES] = s->seg[X86_ES].selector;
	p.pr_reg[UR_FS] = s->seg[X86_FS].selector;
	p.pr_reg[UR_GS] = s->seg[X86_GS].selector;
	memcpy(desc, &p, sizeof(p));
}

static struct qemu_segment segment(const struct x86_segment *seg)
{
	return (struct qemu_segment){
		.selector = seg->selector,
		.limit = seg->limit,
		.flags = (seg->attrib & ATTRIB_DESCRIPTOR_BITS) << 8,
		.base = seg->base,
	};
}

void x86_core_qemu_state(const struct x86_cpu_state *s, void *desc)
{
	struct qemu_state q;

	memset(&q, 0, sizeof(q));
	q.version = QEMU_STATE_VERSION;
	q.size = sizeof(q);
	q.rax = s->gpr[X86_RAX];
	q.rbx = s->gpr[X86_RBX];
	q.rcx = s->gpr[X86_RCX];
	q.rdx = s->gpr[X86_RDX];
	q.rsi = s->gpr[X86_RSI];
	q.rdi = s->gpr[X86_RDI];
	q.rsp = s->gpr[X86_RSP];
	q.rbp = s->gpr[X86_RBP];
	q.r8 = s->gpr[X86_R8];
	q.r9 = s->gpr[X86_R9];
	q.r10 = s->gpr[X86_R10];
	q.r11 = s->gpr[X86_R11];
	q.r12 = s->gpr[X86_R12];
	q.r13 = s->gpr[X86_R13];
	q.r14 = s->gpr[X86_R14];
	q.r15 = s->gpr[X86_R15];
	q.rip = s->rip;
	q.rflags = s->rflags;
	q.cs = segment(&s->seg[X86_CS]);
	q.ds = segment(&s->seg[X86_DS]);
	q.es = segment(&s->seg[X86_ES]);
	q.fs = segment(&s->seg[X86_FS]);
	q.gs = segment(&s->seg[X86_GS]);
	q.ss = segment(&s->seg[X86_SS]);
	/* cpu_state.h has no LDT or TR; the Linux readers use neither. */
	q.gdt.base = s->gdt_base;
	q.gdt.limit = s->gdt_limit;
	q.idt.base = s->idt_base;
	q.idt.limit = s->idt_limit;
	q.cr[0] = s->cr0;
	q.cr[2] = s->cr2;
	q.cr[3] = s->cr3;
	q.cr[4] = s->cr4;
	q.kernel_gs_base = s->kernel_gs_base;
	memcpy(desc, &q, sizeof(q));
}
