/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_VM_H
#define KESTREL_VMM_VM_H

#include <limits.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/board.h"
#include "vmm/cli.h"
#include "runtime/evloop.h"
#include "runtime/guest_event.h"
#include "runtime/guest_mem.h"
#include "vmm/host_console.h"
#include "runtime/hv.h"
#include "runtime/iobus.h"
#include "vmm/kvm_irq.h"
#include "vmm/liveness.h"
#include "vmm/platform.h"
#include "vmm/run_control.h"
#include "vmm/vm_dump.h"

struct vm;
struct gdb_server;
struct control;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	atomic_bool running;
	atomic_bool position_asked; /* by vcpu_ask_position() */
	atomic_bool nmi_pending; /* by vm_nmi() */
};

struct vm {
	const struct vm_config *cfg;
	char kernel_path[PATH_MAX];
	int kvm_fd, vm_fd;
	size_t run_size;

	struct guest_mem mem;
	struct board_state board;
	struct iobus pio, mmio;
	struct evloop loop;
	struct host_console console;
	int console_log_fd; /* until the console takes it */
	struct kvm_irq irq;
	struct hv hv;
	struct platform platform;
	struct guest_event_sink events;

	struct vcpu *vcpus;
	unsigned int nr_vcpus;
	/*
	 * vCPU threads wait here, their allow-list installed, until the
	 * device thread has its own (vmm/sandbox.h).
	 */
	pthread_mutex_t start_lock;
	pthread_cond_t start_cond;
	bool started;

	struct run_control rc;
	struct gdb_server *gdb; /* --gdb */
	struct control *control; /* --control */
	struct vm_panic_dump panic_dump;

	atomic_int exit_status; /* -1 while running */
	atomic_bool panicked;
	struct liveness liveness;
	struct ev_source signal_src, timeout_src, liveness_src;
};

/*
 * Building a VM, in the order main() calls it. Every step before vm_run()
 * only reports (one line, via log_error) and returns -1; the caller then
 * calls vm_destroy() and exits 125, so no VM ever half-starts.
 */
int vm_load(struct vm *vm, const struct vm_config *cfg); /* RAM, images */
int vm_create(struct vm *vm); /* KVM, devices, vCPUs */
int vm_run(struct vm *vm); /* returns the exit status */
void vm_destroy(struct vm *vm);

/* Ends the run with `status` unless it has already ended (any thread). */
void vm_stop(struct vm *vm, int status);

/* vcpu.c */
/* Creates the vCPU's thread; it waits for vm->started to run the guest. */
int vcpu_start(struct vcpu *vcpu);
void vcpu_kick(struct vcpu *vcpu);
/*
 * Has the vCPU log its rip and CPU mode from its own thread (KVM_RUN holds
 * the vCPU, so no other thread can read its registers while it runs).
 */
void vcpu_ask_position(struct vcpu *vcpu);
/* Logs rip and CPU mode: the vCPU's thread, or any once it has stopped. */
void vcpu_log_position(struct vcpu *vcpu);

#endif
