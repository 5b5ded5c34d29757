/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_ARCH_X86_CORE_NOTES_H
#define KESTREL_ARCH_X86_CORE_NOTES_H

#include <stdint.h>

#include "arch/x86/cpu_state.h"

/*
 * The two descriptions of one x86-64 vCPU that an ELF core of a guest
 * carries (vmm/core_dump.c puts them in notes): the kernel's NT_PRSTATUS,
 * which gdb, crash and drgn read registers from, and QEMU's CPU state,
 * from which crash takes CR3 and the IDT base to find a KASLR kernel.
 * Pure functions of the state; any thread.
 */

/* struct elf_prstatus as x86-64 Linux writes it, for note "CORE". */
#define X86_CORE_PRSTATUS_SIZE 336
/* QEMUCPUState version 1 with kernel_gs_base, for note "QEMU". */
#define X86_CORE_QEMU_STATE_SIZE 440

/* Fills X86_CORE_PRSTATUS_SIZE bytes at desc; pid is vCPU index + 1. */
void x86_core_prstatus(const struct x86_cpu_state *s, uint32_t pid, void *desc);

/* Fills X86_CORE_QEMU_STATE_SIZE bytes at desc. */
void x86_core_qemu_state(const struct x86_cpu_state *s, void *desc);

#endif
