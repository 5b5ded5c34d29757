/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_CPU_STATE_KVM_H
#define KESTREL_ARCH_X86_CPU_STATE_KVM_H

#include "arch/x86/cpu_state.h"

/*
 * Read a vCPU's registers (general, segment, control, KERNEL_GS_BASE) and
 * write back what a debugger may change: the general registers, rip,
 * rflags and the fs/gs bases. The vCPU must not be in KVM_RUN (its thread
 * is held or it is this thread). Return 0 or -errno.
 */
int x86_cpu_state_get(int vcpu_fd, struct x86_cpu_state *s);
int x86_cpu_state_set(int vcpu_fd, const struct x86_cpu_state *s);

#endif
