// SPDX-License-Identifier: MIT
/* One thread per vCPU: KVM_RUN, and dispatch of the exits that reach us. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/exit_status.h"
#include "runtime/log.h"
#include "vmm/sandbox.h"
#include "vmm/vm.h"

/* Interrupts KVM_RUN; the handler has nothing to do. */
#define KICK_SIGNAL SIGUSR1

static void kick_handler(int sig)
{
	(void)sig;
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;

	/* A string instruction (rep ins/outs) moves `count` items. */
	for (uint32_t i = 0; i < run->io.count; i++) {
		if (!iobus_access(&v->vm->pio, run->io.port,
				  data + (size_t)i * run->io.size, run->io.size,
				  out))
			log_debug("unclaimed port %s %#x (size %u)",
				  out ? "write" : "read", run->io.port,
				  run->io.size);
	}
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	if (!iobus_access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data,
			  run->mmio.len, run->mmio.is_write))
		log_guest("unclaimed MMIO %s at %#llx (size %u)",
			  run->mmio.is_write ? "write" : "read",
			  (unsigned long long)run->mmio.phys_addr,
			  run->mmio.len);
}

void vcpu_log_position(struct vcpu *v)
{
	board_vcpu_log_position(v, NULL);
}

void vcpu_ask_position(struct vcpu *v)
{
	if (!atomic_load(&v->running))
		return;
	atomic_store(&v->position_asked, true);
	/* Only the vCPU's own thread can read its registers while it runs. */
	pthread_kill(v->thread, KICK_SIGNAL);
}

/* Returns false when this vCPU must stop. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vm *vm = v->vm;
	char why[96];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		liveness_mark_pio(&vm->liveness, run->io.port);
		handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		liveness_mark(&vm->liveness);
		handle_mmio(v);
		return true;
	case KVM_EXIT_DEBUG:
		run_control_debug_exit(v);
		return true;
	case KVM_EXIT_SHUTDOWN:
		guest_event(&vm->events, GUEST_CRASH);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			guest_event(&vm->events, GUEST_POWEROFF);
			break;
		case KVM_SYSTEM_EVENT_RESET:
			guest_event(&vm->events, GUEST_RESET);
			break;
		default:
			guest_event(&vm->events, GUEST_CRASH);
			break;
		}
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof(why),
			 "KVM could not enter the guest (reason %#llx)",
			 (unsigned long long)
				 run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(why, sizeof(why), "KVM internal error (suberror %u)",
			 run->internal.suberror);
		break;
	default:
		snprintf(why, sizeof(why), "unexpected KVM exit reason %u",
			 run->exit_reason);
		break;
	}
	board_vcpu_log_position(v, why);
	vm_stop(vm, EXIT_KESTREL_FAILED);
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	if (!vm->cfg->no_sandbox &&
	    sandbox_enter(SANDBOX_VCPU, sandbox_needs_of(vm->cfg))) {
		vm_stop(vm, EXIT_KESTREL_FAILED);
		run_control_vcpu_exit(v);
		return NULL;
	}
	pthread_mutex_lock(&vm->start_lock);
	while (!vm->started)
		pthread_cond_wait(&vm->start_cond, &vm->start_lock);
	pthread_mutex_unlock(&vm->start_lock);

	while (atomic_load(&vm->exit_status) < 0) {
		run_control_checkpoint(v);
		if (atomic_load(&vm->exit_status) >= 0)
			break;
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				if (atomic_exchange(&v->position_asked, false))
					vcpu_log_position(v);
				continue;
			}
			log_error("vCPU %u: KVM_RUN failed: %s", v->id,
				  strerror(errno));
			vm_stop(vm, EXIT_KESTREL_FAILED);
			break;
		}
		if (!handle_exit(v))
			break;
	}
	run_control_vcpu_exit(v);
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	static bool handler_installed;
	int err;

	if (!handler_installed) {
		struct sigaction sa = { .sa_handler = kick_handler };

		sigemptyset(&sa.sa_mask);
		sigaction(KICK_SIGNAL, &sa, NULL);
		handler_installed = true;
	}
	err = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (err)
		return err;
	atomic_store(&v->running, true);
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	if (!atomic_load(&v->running))
		return;
	/* Makes a KVM_RUN that has not begun yet return at once ... */
	v->run->immediate_exit = 1;
	/* ... and one in progress return with EINTR. */
	pthread_kill(v->thread, KICK_SIGNAL);
}
