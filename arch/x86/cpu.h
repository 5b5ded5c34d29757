/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_CPU_H
#define KESTREL_ARCH_X86_CPU_H

#include <linux/kvm.h>
#include <stdbool.h>

#include "arch/x86/boot.h"
#include "runtime/guest_mem.h"

/* GDT and identity page tables (0-4 GiB) the boot CPU starts on. */
int x86_write_boot_tables(struct guest_mem *gm);

/*
 * Sets up vCPU `id`: CPUID (a patched copy of `supported`), MSRs and FPU;
 * the boot CPU (id 0) also gets registers for the entry in `boot`. The
 * others wait for the guest's INIT/SIPI in the in-kernel LAPIC.
 * Returns 0 or -errno, with the failing step in *what.
 */
int x86_vcpu_init(int vcpu_fd, const struct kvm_cpuid2 *supported,
		  unsigned int id, unsigned int ncpus, bool tsc_deadline,
		  const struct x86_boot_state *boot, const char **what);

#endif
