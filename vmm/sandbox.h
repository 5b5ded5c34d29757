/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_SANDBOX_H
#define KESTREL_VMM_SANDBOX_H

#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/cli.h"

/*
 * The sandbox a running kestrel lives in: a seccomp allow-list per kind of
 * thread, no new privileges, only the capabilities the run needs, and no
 * core dumps or same-user ptrace unless core dumps were asked for.
 *
 * Threads. The main thread opens everything (kernel, disks, TAP devices,
 * sockets, shares, /dev/kvm) and creates the VM unfiltered, then becomes
 * the device thread: it runs the event loop and, after the VM stops, the
 * teardown, so the device list covers both. Each vCPU thread installs the
 * vCPU list itself before its first KVM_RUN; the main thread creates the
 * vCPU threads before it installs the device list, so none inherits it,
 * and holds them back until it has (vm_run). No thread is created after a
 * filter is in place, and no library kestrel links starts one, so neither
 * list allows clone.
 *
 * A forbidden system call is trapped (SIGSYS): kestrel prints one line
 * naming the thread kind and the call, and exits 125.
 */
enum sandbox_kind { SANDBOX_VCPU, SANDBOX_DEVICE, SANDBOX_NR_KINDS };

/* What a run uses, deciding which conditional rules and capabilities apply. */
enum sandbox_needs {
	SANDBOX_DISK = 1 << 0, /* --disk */
	SANDBOX_NET_USER = 1 << 1, /* --net user (libslirp's sockets) */
	SANDBOX_NET_TAP = 1 << 2, /* --net tap */
	SANDBOX_SHARE = 1 << 3, /* --share or --rootfs: the FUSE server */
	SANDBOX_RW_SHARE = 1 << 4, /* a share the guest may write */
	SANDBOX_CONTROL = 1 << 5, /* --control: the control socket's server */
	SANDBOX_GDB = 1 << 6, /* --gdb: the stub's socket, guest debug */
	SANDBOX_DUMP = 1 << 7, /* dumps: --control or --dump-on-panic */
	SANDBOX_PANIC_DUMP = 1 << 8, /* --dump-on-panic creates its file */
};

#define SANDBOX_MAX_ARGS 3

/* A datum that stands for kestrel's own process ID, filled in on install. */
#define SANDBOX_OWN_PID ((scmp_datum_t)-1)

/*
 * One allowed system call, under conditions on its arguments that must all
 * hold (an .op of 0 ends the list). Rows for the same call add up.
 */
struct sandbox_rule {
	const char *name; /* as libseccomp spells it */
	unsigned int
		needs; /* enum sandbox_needs bits, any of them; 0: always */
	struct scmp_arg_cmp arg[SANDBOX_MAX_ARGS];
};

struct sandbox_table {
	const char *kind; /* for the violation message: "vCPU", "device" */
	const struct sandbox_rule *rule;
	size_t nr;
};

/*
 * sandbox_rules.c: the allow-lists, indexed by enum sandbox_kind, and what
 * every kind's list has on top.
 */
extern const struct sandbox_table sandbox_tables[SANDBOX_NR_KINDS];
extern const struct sandbox_table sandbox_common;

/* The enum sandbox_needs bits of a configuration. */
unsigned int sandbox_needs_of(const struct vm_config *cfg);

/*
 * The capabilities (a CAP_* bit mask) a run with these needs keeps, of
 * those kestrel has: the FUSE server's, and only with shares.
 */
uint64_t sandbox_caps_for(unsigned int needs);

/*
 * Whether to stay dumpable: only when the core size limit lets a core be
 * written, that is when whoever started kestrel asked for cores.
 */
bool sandbox_stay_dumpable(uint64_t core_limit);

/*
 * Process-wide steps, on the main thread before any vCPU thread exists and
 * after everything is opened: the SIGSYS reporter, no new privileges,
 * capabilities and their bounding set cut to sandbox_caps_for(needs),
 * dumpability. on_violation (or NULL) runs in the SIGSYS handler before
 * kestrel exits, so must be async-signal-safe (it restores the terminal).
 * Returns 0, or -1 after logging why.
 */
int sandbox_prepare(unsigned int needs, void (*on_violation)(void));

/*
 * Installs kind's allow-list, with the rows for needs, on the calling
 * thread (and the threads it creates later). Returns 0, or -1 after
 * logging why. After sandbox_prepare().
 */
int sandbox_enter(enum sandbox_kind kind, unsigned int needs);

#endif
