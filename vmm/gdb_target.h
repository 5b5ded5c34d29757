/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_GDB_TARGET_H
#define KESTREL_VMM_GDB_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/cpu_state.h"

/*
 * What the gdb stub (vmm/gdb_stub.c, the protocol) asks of the machine it
 * debugs (vmm/gdb_kvm.c, the vCPUs under KVM). Every call comes from the
 * device thread; cpu is a vCPU index (gdb's thread id minus 1). Register
 * and memory calls are made only while every vCPU is stopped.
 */
#define GDB_MAX_SW_BREAKPOINTS 64

/* What the vCPUs run with, as KVM_SET_GUEST_DEBUG takes it. */
struct gdb_debug_state {
	bool single_step;
	/* int3 at these addresses stops the vCPU; any other is the guest's */
	uint64_t sw_bp[GDB_MAX_SW_BREAKPOINTS];
	unsigned int nr_sw_bp;
	uint64_t dr[4], dr7; /* hardware breakpoints and watchpoints */
};

/* Why the vCPUs stopped, as the target reports it to gdb_stub_stopped(). */
enum gdb_stop_kind {
	GDB_STOP_INTERRUPT, /* interrupt() or the start of the run */
	GDB_STOP_SW_BREAKPOINT, /* int3 at one of sw_bp[] */
	GDB_STOP_DEBUG_TRAP, /* #DB: dr6 says single step or which DRn */
};

struct gdb_stop {
	enum gdb_stop_kind kind;
	unsigned int cpu; /* the vCPU that stopped for it */
	uint64_t dr6;
};

struct gdb_target_ops {
	unsigned int (*nr_cpus)(void *ctx);
	int (*get_regs)(void *ctx, unsigned int cpu, struct x86_cpu_state *s);
	int (*set_regs)(void *ctx, unsigned int cpu,
			const struct x86_cpu_state *s);
	/*
	 * By guest virtual address through cpu's page tables. Return how many
	 * bytes were done: fewer than len where the range becomes unmapped.
	 */
	size_t (*read_mem)(void *ctx, unsigned int cpu, uint64_t gva, void *buf,
			   size_t len);
	size_t (*write_mem)(void *ctx, unsigned int cpu, uint64_t gva,
			    const void *buf, size_t len);
	/* Applies to every vCPU (single_step only to resume's step_cpu). */
	int (*set_debug)(void *ctx, const struct gdb_debug_state *d);
	/*
	 * Lets the vCPUs run: all of them (step_cpu < 0), or only step_cpu
	 * for one instruction. The target calls gdb_stub_stopped() when
	 * every vCPU has stopped again.
	 */
	void (*resume)(void *ctx, int step_cpu);
	/* Asks every vCPU to stop; gdb_stub_stopped() follows. */
	void (*interrupt)(void *ctx);
	/* gdb's "k": end the run. */
	void (*kill)(void *ctx);
	/* Bytes for gdb; returns 0, or -1 when the connection is gone. */
	int (*send)(void *ctx, const void *buf, size_t len);
};

#endif
