// SPDX-License-Identifier: MIT
/* What the control socket's commands do to the VM. */
#include "vmm/vm_control.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmm/control.h"
#include "vmm/exit_status.h"
#include "vmm/gdb_kvm.h"
#include "runtime/log.h"
#include "vmm/vm.h"

/* A pause waits this long for every vCPU to finish the exit it is in. */
#define PAUSE_TIMEOUT_MS 5000

static const char *state_of(struct vm *vm)
{
	if (atomic_load(&vm->exit_status) >= 0)
		return "stopping";
	if (vm_held(vm, HOLD_USER))
		return "paused";
	if (vm_held(vm, HOLD_GDB))
		return "stopped by gdb";
	return "running";
}

static uint64_t uptime_ms(const struct vm *vm)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec -
		vm->liveness.start_ns) /
	       1000000ULL;
}

/* Appends ", " (unless first) and the formatted text, within len. */
static void add_item(char *buf, size_t len, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_item(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;

	if (*n && *n < len)
		*n += snprintf(buf + *n, len - *n, ", ");
	if (*n >= len)
		return;
	va_start(ap, fmt);
	*n += vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
}

/* "ttyS0, vda disk.img ro, eth0 user, share0 /srv ro" */
static void describe_devices(const struct vm_config *cfg, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	add_item(buf, len, &n, "%s",
		 cfg->console == CONSOLE_VIRTIO ? "hvc0" : "ttyS0");
	for (unsigned int i = 0; i < cfg->nr_disks; i++)
		add_item(buf, len, &n, "vd%c %s%s", 'a' + i, cfg->disk[i].path,
			 cfg->disk[i].readonly ? " ro" :
			 cfg->disk[i].snapshot ? " snapshot" :
						 "");
	for (unsigned int i = 0; i < cfg->nr_nets; i++)
		add_item(buf, len, &n, "eth%u %s", i,
			 cfg->net[i].kind == NET_TAP ? cfg->net[i].ifname :
						       "user");
	for (unsigned int i = 0; i < cfg->nr_shares; i++)
		add_item(buf, len, &n, "%s %s%s", cfg->share[i].tag,
			 cfg->share[i].path,
			 cfg->share[i].readonly ? " ro" : "");
}

static int do_status(void *ctx, struct json_writer *w, char *err, size_t errlen)
{
	struct vm *vm = ctx;
	char devices[1024];

	(void)err;
	(void)errlen;
	describe_devices(vm->cfg, devices, sizeof(devices));
	json_add_str(w, "state", state_of(vm));
	json_add_uint(w, "vcpus", vm->nr_vcpus);
	json_add_uint(w, "memory", vm->cfg->mem_size);
	json_add_uint(w, "uptime_ms", uptime_ms(vm));
	json_add_str(w, "kernel", vm->kernel_path);
	json_add_str(w, "devices", devices);
	if (vm->gdb)
		json_add_str(w, "gdb", vm->gdb->where);
	return 0;
}

static int do_pause(void *ctx, char *err, size_t errlen)
{
	struct vm *vm = ctx;

	if (vm_hold_wait(vm, HOLD_USER, PAUSE_TIMEOUT_MS)) {
		snprintf(
			err, errlen,
			"the vCPUs did not all stop within %d s (the guest stays paused as they do)",
			PAUSE_TIMEOUT_MS / 1000);
		return -1;
	}
	return 0;
}

static int do_resume(void *ctx, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	vm_release(ctx, HOLD_USER);
	return 0;
}

static int do_stop(void *ctx, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	log_error("stopped through the control socket");
	vm_stop(ctx, EXIT_SIGNAL_BASE + SIGTERM);
	return 0;
}

static int do_sysrq(void *ctx, char key, char *err, size_t errlen)
{
	struct vm *vm = ctx;
	int ret;

	if (vm->cfg->console != CONSOLE_SERIAL) {
		snprintf(
			err, errlen,
			"SysRq goes through the serial console, and this guest's console is hvc0 (--console virtio)");
		return -1;
	}
	ret = serial_sysrq(&vm->platform.com1, key);
	if (ret == -EAGAIN)
		snprintf(err, errlen,
			 "the guest's serial driver is not taking input (yet)");
	else if (ret)
		snprintf(err, errlen,
			 "the guest's serial input is full; try again");
	return ret ? -1 : 0;
}

static int do_nmi(void *ctx, char *err, size_t errlen)
{
	if (!BOARD_HAS_NMI) {
		snprintf(err, errlen,
			 "%s guests have no NMI kestrel can send; try sysrq",
			 BOARD_GUEST_ARCH);
		return -1;
	}
	vm_nmi(ctx);
	return 0;
}

static int do_dump(void *ctx, int fd, char *err, size_t errlen)
{
	return vm_dump(ctx, fd, err, errlen);
}

static const struct control_ops vm_control_ops = {
	.status = do_status,
	.pause = do_pause,
	.resume = do_resume,
	.stop = do_stop,
	.sysrq = do_sysrq,
	.nmi = do_nmi,
	.dump = do_dump,
};

int vm_control_init(struct vm *vm)
{
	char err[CONTROL_ERR_MAX];

	if (!vm->cfg->control)
		return 0;
	vm->control = calloc(1, sizeof(*vm->control));
	if (!vm->control) {
		log_error("out of memory");
		return -1;
	}
	if (control_init(vm->control, vm->cfg->control, &vm->loop,
			 &vm_control_ops, vm, err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

void vm_control_destroy(struct vm *vm)
{
	if (!vm->control)
		return;
	control_destroy(vm->control);
	free(vm->control);
	vm->control = NULL;
}
