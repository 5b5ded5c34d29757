/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_VM_DUMP_H
#define KESTREL_VMM_VM_DUMP_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "runtime/evloop.h"

struct vm;

/*
 * --dump-on-panic FILE. FILE's directory is opened with the rest of what
 * the user names, before the VM exists (so a bad path is a 125 at start);
 * FILE itself only when the guest panics. The panic is seen on whatever
 * thread the console is (a vCPU's for the UART): it holds the vCPUs at
 * once, where the kernel panicked, and the device thread writes the dump
 * and lets them go on; a run that ends first (a reboot the hold missed)
 * still gets its dump after the event loop.
 */
struct vm_panic_dump {
	int dir_fd;
	char name[NAME_MAX + 1];
	struct ev_source src; /* eventfd: write the dump now */
	atomic_bool requested;
	bool written; /* device thread only */
};

/*
 * A dump of the whole guest into fd: the vCPUs are held only while their
 * registers and RAM are copied. Device thread. Returns 0, or -1 with one
 * line in err.
 */
int vm_dump(struct vm *vm, int fd, char *err, size_t errlen);

int vm_panic_dump_open(struct vm *vm); /* vm_load; logs, returns -1 */
int vm_panic_dump_init(struct vm *vm); /* vm_create; -errno */
void vm_panic_dump_request(struct vm *vm); /* the guest panicked: any thread */
void vm_panic_dump_finish(struct vm *vm); /* after the event loop */
void vm_panic_dump_close(struct vm *vm);

#endif
