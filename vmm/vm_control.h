/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_VM_CONTROL_H
#define KESTREL_VMM_VM_CONTROL_H

struct vm;

/*
 * --control: the control socket's commands, done to this VM (status,
 * pause, resume, stop, sysrq, nmi, dump). Listens before the sandbox is
 * entered. Returns 0, or -1 after logging one line.
 */
int vm_control_init(struct vm *vm);
void vm_control_destroy(struct vm *vm);

#endif
