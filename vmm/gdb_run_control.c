// SPDX-License-Identifier: MIT
/*
 * Run control for gdb on x86: guest debug state (int3s, debug registers,
 * single steps) applied to held vCPUs, debug exits taken or handed back.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "runtime/log.h"
#include "vmm/vm.h"

#define DR6_BS (1ULL << 14) /* single step */
#define BP_VECTOR 3

static bool is_gdb_breakpoint(const struct gdb_debug_state *d, uint64_t pc)
{
	for (unsigned int i = 0; i < d->nr_sw_bp; i++)
		if (d->sw_bp[i] == pc)
			return true;
	return false;
}

/* Bit n set: gdb enabled DRn (DR7's Ln or Gn). */
static unsigned int enabled_drs(uint64_t dr7)
{
	unsigned int mask = 0;

	for (unsigned int n = 0; n < 4; n++)
		if ((dr7 >> (2 * n)) & 3)
			mask |= 1u << n;
	return mask;
}

/*
 * Lock held: what KVM_SET_GUEST_DEBUG gets for vCPU id. A step keeps
 * interrupts out where KVM can, except for a halted vCPU, which only an
 * interrupt can move on (its step ends in the handler, as on hardware).
 */
static struct kvm_guest_debug kvm_debug_of(const struct run_control *rc,
					   unsigned int id, bool halted)
{
	const struct gdb_debug_state *d = &rc->debug;
	struct kvm_guest_debug dbg = { 0 };

	if (d->nr_sw_bp)
		dbg.control |= KVM_GUESTDBG_USE_SW_BP;
	if (enabled_drs(d->dr7)) {
		dbg.control |= KVM_GUESTDBG_USE_HW_BP;
		for (unsigned int n = 0; n < 4; n++)
			dbg.arch.debugreg[n] = d->dr[n];
		dbg.arch.debugreg[7] = d->dr7;
	}
	if (d->single_step && rc->step_cpu == (int)id)
		dbg.control |= KVM_GUESTDBG_SINGLESTEP |
			       (rc->step_blocks_irqs && !halted ?
					KVM_GUESTDBG_BLOCKIRQ :
					0);
	if (dbg.control)
		dbg.control |= KVM_GUESTDBG_ENABLE;
	return dbg;
}

void run_control_set_debug(struct vm *vm, const struct gdb_debug_state *d)
{
	pthread_mutex_lock(&vm->rc.lock);
	vm->rc.debug = *d;
	pthread_mutex_unlock(&vm->rc.lock);
}

int run_control_gdb_resume(struct vm *vm, int step_cpu)
{
	struct run_control *rc = &vm->rc;
	int ret = 0;

	pthread_mutex_lock(&rc->lock);
	rc->step_cpu = step_cpu;
	log_debug("gdb: resume %d: %u int3s, dr7 %#llx", step_cpu,
		  rc->debug.nr_sw_bp, (unsigned long long)rc->debug.dr7);
	/* Every vCPU is held: their fds are free for the device thread. */
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_mp_state mp = { 0 };
		struct kvm_guest_debug dbg;

		if ((int)i == step_cpu)
			ioctl(vm->vcpus[i].fd, KVM_GET_MP_STATE, &mp);
		dbg = kvm_debug_of(rc, i, mp.mp_state == KVM_MP_STATE_HALTED);

		if (ioctl(vm->vcpus[i].fd, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
			log_error("vCPU %u: KVM_SET_GUEST_DEBUG failed: %s", i,
				  strerror(errno));
			ret = -1;
		}
	}
	rc->stop_recorded = false;
	if (step_cpu < 0)
		rc->hold &= ~HOLD_GDB;
	pthread_cond_broadcast(&rc->run_cond);
	pthread_mutex_unlock(&rc->lock);
	return ret;
}

void run_control_gdb_interrupt(struct vm *vm)
{
	struct run_control *rc = &vm->rc;

	pthread_mutex_lock(&rc->lock);
	rc->hold |= HOLD_GDB;
	rc->step_cpu = -1;
	if (!rc->stop_recorded) {
		rc->stop_recorded = true;
		rc->stop = (struct gdb_stop){ .kind = GDB_STOP_INTERRUPT };
	}
	rc->notify_held = true;
	run_control_count_changed(rc); /* they may all be held already */
	pthread_mutex_unlock(&rc->lock);
	run_control_kick_all(vm, NULL);
}

bool run_control_take_stop(struct vm *vm, struct gdb_stop *stop)
{
	struct run_control *rc = &vm->rc;
	bool recorded;

	pthread_mutex_lock(&rc->lock);
	recorded = rc->stop_recorded && rc->nr_held >= rc->nr_active;
	if (recorded)
		*stop = rc->stop;
	pthread_mutex_unlock(&rc->lock);
	return recorded;
}

/* The guest's own int3 or #DB, taken by KVM for gdb: give it back. */
static void reinject(struct vcpu *v, const struct kvm_debug_exit_arch *e,
		     const struct kvm_guest_debug *dbg)
{
	struct kvm_guest_debug again = *dbg;
	struct kvm_regs regs;

	if (e->exception == BP_VECTOR) {
		/* int3 traps: the guest's handler expects rip past it. */
		if (ioctl(v->fd, KVM_GET_REGS, &regs) == 0) {
			regs.rip++;
			ioctl(v->fd, KVM_SET_REGS, &regs);
		}
		again.control |= KVM_GUESTDBG_INJECT_BP;
	} else {
		again.control |= KVM_GUESTDBG_INJECT_DB;
	}
	if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &again) < 0)
		log_error("vCPU %u: cannot hand trap %u back to the guest: %s",
			  v->id, e->exception, strerror(errno));
}

void run_control_debug_exit(struct vcpu *v)
{
	struct run_control *rc = &v->vm->rc;
	const struct kvm_debug_exit_arch *e = &v->run->debug.arch;
	struct kvm_guest_debug dbg;
	struct gdb_stop stop = { .cpu = v->id, .dr6 = e->dr6 };
	bool ours;

	pthread_mutex_lock(&rc->lock);
	if (e->exception == BP_VECTOR) {
		ours = is_gdb_breakpoint(&rc->debug, e->pc);
		stop.kind = GDB_STOP_SW_BREAKPOINT;
	} else {
		/* A step of this vCPU, or a debug register gdb enabled. */
		ours = ((e->dr6 & DR6_BS) && rc->step_cpu == (int)v->id) ||
		       (e->dr6 & enabled_drs(rc->debug.dr7));
		stop.kind = GDB_STOP_DEBUG_TRAP;
	}
	log_debug("vCPU %u: debug exit %u at %#llx, dr6 %#llx, dr7 %#llx: %s",
		  v->id, e->exception, (unsigned long long)e->pc,
		  (unsigned long long)e->dr6, (unsigned long long)e->dr7,
		  ours ? "gdb's" : "the guest's");
	if (!ours) {
		dbg = kvm_debug_of(rc, v->id, false);
		pthread_mutex_unlock(&rc->lock);
		reinject(v, e, &dbg);
		return;
	}
	if (!rc->stop_recorded) {
		rc->stop_recorded = true;
		rc->stop = stop;
	}
	rc->hold |= HOLD_GDB;
	rc->step_cpu = -1;
	rc->notify_held = true;
	pthread_mutex_unlock(&rc->lock);
	run_control_kick_all(v->vm, v);
}
