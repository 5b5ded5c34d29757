// SPDX-License-Identifier: MIT
/* vCPU register, MSR and CPUID state at power-on. */
#include "arch/x86/cpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/x86/cpuid.h"
#include "arch/x86/layout.h"

#define CR0_PE (1ULL << 0)
#define CR0_ET (1ULL << 4)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

#define PTE_P 1ULL
#define PTE_RW 2ULL
#define PTE_PS 0x80ULL

#define BOOT_CS 0x10 /* the boot protocol's __BOOT_CS and __BOOT_DS */
#define BOOT_DS 0x18
#define BOOT_TSS 0x20

#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

#define MISC_ENABLE_FAST_STRING 1ULL
#define MTRR_ENABLE (1ULL << 11)
#define MTRR_TYPE_WB 6ULL

/* A GDT descriptor from base, limit and the flags/access bits. */
static uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000) << 32) |
	       ((uint64_t)(flags & 0xf0ff) << 40) |
	       ((uint64_t)(limit & 0x000f0000) << 32) |
	       ((uint64_t)(base & 0x00ffffff) << 16) | (limit & 0x0000ffff);
}

int x86_write_boot_tables(struct guest_mem *gm)
{
	const uint64_t gdt[] = {
		0,
		0,
		gdt_entry(0xa09b, 0, 0xfffff), /* 0x10: 64-bit code */
		gdt_entry(0xc093, 0, 0xfffff), /* 0x18: data */
		gdt_entry(0x008b, 0, 0xfffff), /* 0x20: TSS */
	};
	uint64_t *pml4 = gm_ptr(gm, X86_PML4_ADDR, 4096);
	uint64_t *pdpt = gm_ptr(gm, X86_PDPT_ADDR, 4096);
	uint64_t *pd = gm_ptr(gm, X86_PD_ADDR, 4 * 4096);

	if (!pml4 || !pdpt || !pd ||
	    !gm_write(gm, X86_GDT_ADDR, gdt, sizeof(gdt)))
		return -ENOMEM;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = X86_PDPT_ADDR | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (X86_PD_ADDR + i * 4096) | PTE_P | PTE_RW;
	/* 2048 2-MiB pages: an identity map of the first 4 GiB. */
	for (uint64_t i = 0; i < 2048; i++)
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static struct kvm_segment segment(uint16_t sel, uint8_t type, bool code64)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = !code64,
		.s = 1,
		.l = code64,
		.g = 1,
	};
}

static int set_boot_regs(int fd, const struct x86_boot_state *boot,
			 const char **what)
{
	bool long_mode = boot->mode == X86_ENTRY_LINUX64;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rflags = 2, .rip = boot->entry };

	*what = "KVM_GET_SREGS";
	if (ioctl(fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs = segment(BOOT_CS, 0xb, long_mode);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		segment(BOOT_DS, 0x3, false);
	sregs.tr = (struct kvm_segment){
		.selector = BOOT_TSS, .limit = 0xffff, .type = 0xb, .present = 1
	};
	sregs.gdt.base = X86_GDT_ADDR;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	if (long_mode) {
		sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
		sregs.cr3 = X86_PML4_ADDR;
		sregs.cr4 = CR4_PAE;
		sregs.efer = EFER_LME | EFER_LMA;
		regs.rsi = boot->info_addr;
		regs.rsp = regs.rbp = X86_BOOT_STACK_ADDR;
	} else {
		sregs.cr0 = CR0_PE | CR0_ET;
		sregs.cr3 = 0;
		sregs.cr4 = 0;
		sregs.efer = 0;
		regs.rbx = boot->info_addr;
	}
	*what = "KVM_SET_SREGS";
	if (ioctl(fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	*what = "KVM_SET_REGS";
	if (ioctl(fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}

static int set_msrs(int fd)
{
	static const struct {
		uint32_t index;
		uint64_t data;
	} init[] = {
		{ MSR_IA32_SYSENTER_CS, 0 },
		{ MSR_IA32_SYSENTER_ESP, 0 },
		{ MSR_IA32_SYSENTER_EIP, 0 },
		{ MSR_STAR, 0 },
		{ MSR_LSTAR, 0 },
		{ MSR_CSTAR, 0 },
		{ MSR_SYSCALL_MASK, 0 },
		{ MSR_KERNEL_GS_BASE, 0 },
		{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING },
		/* No variable MTRRs: all of memory is write-back. */
		{ MSR_MTRR_DEF_TYPE, MTRR_ENABLE | MTRR_TYPE_WB },
	};
	const unsigned int n = sizeof(init) / sizeof(init[0]);
	struct kvm_msrs *msrs =
		calloc(1, sizeof(*msrs) + n * sizeof(msrs->entries[0]));
	int ret;

	if (!msrs)
		return -ENOMEM;
	msrs->nmsrs = n;
	for (unsigned int i = 0; i < n; i++)
		msrs->entries[i] =
			(struct kvm_msr_entry){ .index = init[i].index,
						.data = init[i].data };
	ret = ioctl(fd, KVM_SET_MSRS, msrs);
	ret = ret < 0 ? -errno : ret == (int)n ? 0 : -EINVAL;
	free(msrs);
	return ret;
}

int x86_vcpu_init(int vcpu_fd, const struct kvm_cpuid2 *supported,
		  unsigned int id, unsigned int ncpus, bool tsc_deadline,
		  const struct x86_boot_state *boot, const char **what)
{
	size_t size = sizeof(*supported) +
		      supported->nent * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *cpuid = malloc(size);
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	int ret = 0;

	*what = "allocating CPUID";
	if (!cpuid)
		return -ENOMEM;
	memcpy(cpuid, supported, size);
	x86_cpuid_patch(cpuid, id, ncpus, tsc_deadline);
	*what = "KVM_SET_CPUID2";
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
		ret = -errno;
	free(cpuid);
	if (ret)
		return ret;
	*what = "KVM_SET_MSRS";
	ret = set_msrs(vcpu_fd);
	if (ret)
		return ret;
	*what = "KVM_SET_FPU";
	if (ioctl(vcpu_fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	if (id == 0)
		return set_boot_regs(vcpu_fd, boot, what);
	return 0;
}
