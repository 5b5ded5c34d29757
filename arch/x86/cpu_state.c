// SPDX-License-Identifier: MIT
/* A vCPU's registers between KVM's structures and struct x86_cpu_state. */
#include "arch/x86/cpu_state_kvm.h"

#include <errno.h>
#include <stddef.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#define MSR_KERNEL_GS_BASE 0xc0000102

static void from_kvm_segment(struct x86_segment *to,
			     const struct kvm_segment *s)
{
	to->selector = s->selector;
	to->base = s->base;
	to->limit = s->limit;
	to->attrib = s->type | s->s << 4 | s->dpl << 5 | s->present << 7 |
		     s->avl << 12 | s->l << 13 | s->db << 14 | s->g << 15;
}

/* Where each of gdb's general registers (enum x86_gpr) is in kvm_regs. */
static const size_t kvm_gpr_offset[X86_NR_GPRS] = {
	[X86_RAX] = offsetof(struct kvm_regs, rax),
	[X86_RBX] = offsetof(struct kvm_regs, rbx),
	[X86_RCX] = offsetof(struct kvm_regs, rcx),
	[X86_RDX] = offsetof(struct kvm_regs, rdx),
	[X86_RSI] = offsetof(struct kvm_regs, rsi),
	[X86_RDI] = offsetof(struct kvm_regs, rdi),
	[X86_RBP] = offsetof(struct kvm_regs, rbp),
	[X86_RSP] = offsetof(struct kvm_regs, rsp),
	[X86_R8] = offsetof(struct kvm_regs, r8),
	[X86_R9] = offsetof(struct kvm_regs, r9),
	[X86_R10] = offsetof(struct kvm_regs, r10),
	[X86_R11] = offsetof(struct kvm_regs, r11),
	[X86_R12] = offsetof(struct kvm_regs, r12),
	[X86_R13] = offsetof(struct kvm_regs, r13),
	[X86_R14] = offsetof(struct kvm_regs, r14),
	[X86_R15] = offsetof(struct kvm_regs, r15),
};

static uint64_t *kvm_gpr(struct kvm_regs *regs, unsigned int i)
{
	return (uint64_t *)((char *)regs + kvm_gpr_offset[i]);
}

int x86_cpu_state_get(int vcpu_fd, struct x86_cpu_state *s)
{
	/* struct kvm_msrs with room for its one entry */
	union {
		struct kvm_msrs hdr;
		uint8_t room[sizeof(struct kvm_msrs) +
			     sizeof(struct kvm_msr_entry)];
	} msrs;
	const struct kvm_segment *seg[X86_NR_SEGS];
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (ioctl(vcpu_fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < X86_NR_GPRS; i++)
		s->gpr[i] = *kvm_gpr(&regs, i);
	s->rip = regs.rip;
	s->rflags = regs.rflags;
	seg[X86_CS] = &sregs.cs;
	seg[X86_SS] = &sregs.ss;
	seg[X86_DS] = &sregs.ds;
	seg[X86_ES] = &sregs.es;
	seg[X86_FS] = &sregs.fs;
	seg[X86_GS] = &sregs.gs;
	for (unsigned int i = 0; i < X86_NR_SEGS; i++)
		from_kvm_segment(&s->seg[i], seg[i]);
	s->cr0 = sregs.cr0;
	s->cr2 = sregs.cr2;
	s->cr3 = sregs.cr3;
	s->cr4 = sregs.cr4;
	s->cr8 = sregs.cr8;
	s->efer = sregs.efer;
	s->gdt_base = sregs.gdt.base;
	s->gdt_limit = sregs.gdt.limit;
	s->idt_base = sregs.idt.base;
	s->idt_limit = sregs.idt.limit;
	memset(&msrs, 0, sizeof(msrs));
	msrs.hdr.nmsrs = 1;
	msrs.hdr.entries[0].index = MSR_KERNEL_GS_BASE;
	if (ioctl(vcpu_fd, KVM_GET_MSRS, &msrs) == 1)
		s->kernel_gs_base = msrs.hdr.entries[0].data;
	return 0;
}

int x86_cpu_state_set(int vcpu_fd, const struct x86_cpu_state *s)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (ioctl(vcpu_fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	for (unsigned int i = 0; i < X86_NR_GPRS; i++)
		*kvm_gpr(&regs, i) = s->gpr[i];
	regs.rip = s->rip;
	regs.rflags = s->rflags;
	/* Selectors without descriptors mean nothing; the bases do. */
	sregs.fs.base = s->seg[X86_FS].base;
	sregs.gs.base = s->seg[X86_GS].base;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	return 0;
}
