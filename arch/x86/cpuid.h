/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_CPUID_H
#define KESTREL_ARCH_X86_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>

/* KVM_GET_SUPPORTED_CPUID, grown until it fits; NULL with errno on error. */
struct kvm_cpuid2 *x86_supported_cpuid(int kvm_fd);

/*
 * Adjusts KVM's supported CPUID for vCPU `id` of `ncpus`: one package of
 * ncpus single-thread cores with APIC IDs 0..ncpus-1, the hypervisor bit,
 * and the TSC-deadline timer when KVM emulates it.
 */
void x86_cpuid_patch(struct kvm_cpuid2 *c, unsigned int id, unsigned int ncpus,
		     bool tsc_deadline);

#endif
