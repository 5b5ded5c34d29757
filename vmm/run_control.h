/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_RUN_CONTROL_H
#define KESTREL_VMM_RUN_CONTROL_H

#include <pthread.h>
#include <stdbool.h>

#include "vmm/gdb_target.h"

struct vm;
struct vcpu;

/*
 * Holding the vCPUs out of KVM_RUN: for a pause the user asked for, while
 * gdb has the guest stopped, and while a dump copies guest memory. A vCPU
 * thread checks in before each KVM_RUN (run_control_checkpoint) and waits
 * there while any hold is on; requesters kick the vCPUs out of KVM_RUN.
 * With every vCPU held, the device thread may use their fds (registers,
 * guest debug): KVM serialises vCPU ioctls, and none is inside KVM_RUN.
 *
 * Every field below is guarded by `lock`.
 */
enum hold_reason {
	HOLD_USER = 1 << 0, /* kestrel ctl pause */
	HOLD_GDB = 1 << 1, /* gdb has the guest stopped */
	HOLD_DUMP = 1 << 2, /* a dump is being written */
};

struct run_control {
	pthread_mutex_t lock;
	pthread_cond_t held_cond; /* a vCPU was held or left */
	pthread_cond_t run_cond; /* a hold was taken off */
	unsigned int hold; /* enum hold_reason bits */
	/* While HOLD_GDB is the only hold, this vCPU runs (one step). */
	int step_cpu;
	unsigned int nr_held, nr_active;
	/* Write held_fd once every active vCPU is held (for gdb). */
	bool notify_held;
	int held_fd; /* eventfd the device thread reads */
	/* What stopped the vCPUs for gdb, recorded by the first to stop. */
	bool stop_recorded;
	struct gdb_stop stop;
	/* The guest debug state gdb set (its int3s are kestrel's). */
	struct gdb_debug_state debug;
	/* KVM can keep interrupts out of a single step (set at creation). */
	bool step_blocks_irqs;
};

int run_control_init(struct run_control *rc);
void run_control_destroy(struct run_control *rc);

/* Puts `reason` on and kicks every vCPU out of KVM_RUN; any thread. */
void vm_hold(struct vm *vm, unsigned int reason);
/*
 * vm_hold(), then waits until every vCPU still running is held (at most
 * timeout_ms). Returns 0, or -1 if they did not all stop in time (the
 * hold stays on). Device thread only.
 */
int vm_hold_wait(struct vm *vm, unsigned int reason, int timeout_ms);
/* Takes `reason` off; the vCPUs run again when no hold is left. */
void vm_release(struct vm *vm, unsigned int reason);
/* Is any vCPU held for `reason`? */
bool vm_held(struct vm *vm, unsigned int reason);

/*
 * For the gdb target (device thread). set_debug keeps the state gdb wants;
 * resume applies it to every held vCPU and lets them run (all, or step_cpu
 * alone for one instruction); interrupt holds them all. Once every vCPU is
 * held after a resume or an interrupt, held_fd becomes readable and
 * take_stop says why.
 */
void run_control_set_debug(struct vm *vm, const struct gdb_debug_state *d);
int run_control_gdb_resume(struct vm *vm, int step_cpu);
void run_control_gdb_interrupt(struct vm *vm);
bool run_control_take_stop(struct vm *vm, struct gdb_stop *stop);

/* Injects an NMI into every vCPU, from its own thread. */
void vm_nmi(struct vm *vm);

/* vCPU thread: before each KVM_RUN; waits while held. */
void run_control_checkpoint(struct vcpu *v);
/* vCPU thread: it is leaving for good. */
void run_control_vcpu_exit(struct vcpu *v);
/* vCPU thread: KVM_EXIT_DEBUG. Stops for gdb or hands the trap back. */
void run_control_debug_exit(struct vcpu *v);
/* Wakes held vCPUs so they see the VM has stopped. */
void run_control_wake_all(struct vm *vm);

/*
 * For gdb_run_control.c. Lock held: one more vCPU is held or gone. Kicks
 * every vCPU but `except` out of KVM_RUN.
 */
void run_control_count_changed(struct run_control *rc);
void run_control_kick_all(struct vm *vm, const struct vcpu *except);
#endif
