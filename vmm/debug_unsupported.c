// SPDX-License-Identifier: MIT
/*
 * Where kestrel has no gdb stub and no guest dumps yet (arm64): the
 * options that ask for them are refused before a VM exists, and the
 * control socket's `dump` says why.
 */
#include "runtime/log.h"
#include "vmm/vm.h"

#include <stdio.h>

int gdb_server_init(struct gdb_server *g, struct vm *vm,
		    const struct gdb_listen_config *cfg, char *err,
		    size_t errlen)
{
	(void)g;
	(void)vm;
	(void)cfg;
	snprintf(err, errlen, "--gdb: not available on %s guests yet",
		 BOARD_GUEST_ARCH);
	return -1;
}

void gdb_server_destroy(struct gdb_server *g)
{
	(void)g;
}

int vm_dump(struct vm *vm, int fd, char *err, size_t errlen)
{
	(void)vm;
	(void)fd;
	snprintf(err, errlen, "dumps of %s guests are not available yet",
		 BOARD_GUEST_ARCH);
	return -1;
}

int vm_panic_dump_open(struct vm *vm)
{
	vm->panic_dump.dir_fd = vm->panic_dump.src.fd = -1;
	if (!vm->cfg->dump_on_panic)
		return 0;
	log_error("--dump-on-panic: not available on %s guests yet",
		  BOARD_GUEST_ARCH);
	return -1;
}

int vm_panic_dump_init(struct vm *vm)
{
	(void)vm;
	return 0;
}

void vm_panic_dump_request(struct vm *vm)
{
	(void)vm;
}

void vm_panic_dump_finish(struct vm *vm)
{
	(void)vm;
}

void vm_panic_dump_close(struct vm *vm)
{
	(void)vm;
}

/* No guest debugging is ever enabled, so KVM never exits for it. */
void run_control_debug_exit(struct vcpu *v)
{
	(void)v;
}
