// SPDX-License-Identifier: MIT
/* Holding vCPUs out of KVM_RUN: pause, gdb stops, dumps; NMIs; debug exits. */
#include "vmm/run_control.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "runtime/log.h"
#include "vmm/vm.h"

#define DB_VECTOR 1

int run_control_init(struct run_control *rc)
{
	pthread_condattr_t attr;

	memset(rc, 0, sizeof(*rc));
	rc->step_cpu = -1;
	rc->held_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rc->held_fd < 0)
		return -errno;
	pthread_mutex_init(&rc->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&rc->held_cond, &attr);
	pthread_cond_init(&rc->run_cond, NULL);
	pthread_condattr_destroy(&attr);
	return 0;
}

void run_control_destroy(struct run_control *rc)
{
	if (rc->held_fd < 0)
		return;
	close(rc->held_fd);
	rc->held_fd = -1;
	pthread_cond_destroy(&rc->held_cond);
	pthread_cond_destroy(&rc->run_cond);
	pthread_mutex_destroy(&rc->lock);
}

static bool must_hold(const struct run_control *rc, unsigned int id)
{
	return rc->hold && !(rc->hold == HOLD_GDB && rc->step_cpu == (int)id);
}

/* Lock held: one more vCPU is held or gone. */
void run_control_count_changed(struct run_control *rc)
{
	uint64_t one = 1;

	pthread_cond_broadcast(&rc->held_cond);
	if (rc->notify_held && rc->nr_held >= rc->nr_active) {
		rc->notify_held = false;
		if (write(rc->held_fd, &one, sizeof(one)) < 0)
			log_error("run control: eventfd: %s", strerror(errno));
	}
}

void run_control_kick_all(struct vm *vm, const struct vcpu *except)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (&vm->vcpus[i] != except)
			vcpu_kick(&vm->vcpus[i]);
}

void vm_hold(struct vm *vm, unsigned int reason)
{
	pthread_mutex_lock(&vm->rc.lock);
	vm->rc.hold |= reason;
	pthread_mutex_unlock(&vm->rc.lock);
	run_control_kick_all(vm, NULL);
}

int vm_hold_wait(struct vm *vm, unsigned int reason, int timeout_ms)
{
	struct run_control *rc = &vm->rc;
	struct timespec deadline;
	int ret = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	vm_hold(vm, reason);
	pthread_mutex_lock(&rc->lock);
	while (rc->nr_held < rc->nr_active &&
	       atomic_load(&vm->exit_status) < 0) {
		if (pthread_cond_timedwait(&rc->held_cond, &rc->lock,
					   &deadline) == ETIMEDOUT) {
			ret = rc->nr_held < rc->nr_active ? -1 : 0;
			break;
		}
	}
	pthread_mutex_unlock(&rc->lock);
	return ret;
}

void vm_release(struct vm *vm, unsigned int reason)
{
	pthread_mutex_lock(&vm->rc.lock);
	vm->rc.hold &= ~reason;
	pthread_cond_broadcast(&vm->rc.run_cond);
	pthread_mutex_unlock(&vm->rc.lock);
}

bool vm_held(struct vm *vm, unsigned int reason)
{
	bool held;

	pthread_mutex_lock(&vm->rc.lock);
	held = vm->rc.hold & reason;
	pthread_mutex_unlock(&vm->rc.lock);
	return held;
}

void vm_nmi(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		atomic_store(&vm->vcpus[i].nmi_pending, true);
	run_control_kick_all(vm, NULL);
}

void run_control_wake_all(struct vm *vm)
{
	pthread_mutex_lock(&vm->rc.lock);
	pthread_cond_broadcast(&vm->rc.run_cond);
	pthread_cond_broadcast(&vm->rc.held_cond);
	pthread_mutex_unlock(&vm->rc.lock);
}

void run_control_checkpoint(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct run_control *rc = &vm->rc;

	if (atomic_exchange(&v->nmi_pending, false) &&
	    ioctl(v->fd, KVM_NMI, 0) < 0)
		log_error("vCPU %u: KVM_NMI failed: %s", v->id,
			  strerror(errno));
	pthread_mutex_lock(&rc->lock);
	while (must_hold(rc, v->id) && atomic_load(&vm->exit_status) < 0) {
		rc->nr_held++;
		run_control_count_changed(rc);
		pthread_cond_wait(&rc->run_cond, &rc->lock);
		rc->nr_held--;
	}
	/*
	 * The kick that brought this vCPU here is spent. A hold or stop
	 * after this store kicks again; one before it was seen above or is
	 * seen in exit_status by the caller (hence the fence).
	 */
	v->run->immediate_exit = 0;
	atomic_thread_fence(memory_order_seq_cst);
	pthread_mutex_unlock(&rc->lock);
}

void run_control_vcpu_exit(struct vcpu *v)
{
	struct run_control *rc = &v->vm->rc;

	pthread_mutex_lock(&rc->lock);
	rc->nr_active--;
	run_control_count_changed(rc);
	pthread_mutex_unlock(&rc->lock);
}
