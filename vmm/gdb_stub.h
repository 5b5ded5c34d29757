/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_GDB_STUB_H
#define KESTREL_VMM_GDB_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/gdb_breakpoints.h"
#include "vmm/gdb_packet.h"
#include "vmm/gdb_target.h"

/*
 * The GDB remote serial protocol for an x86-64 guest, over the target of
 * vmm/gdb_target.h: all-stop, one thread per vCPU (thread id = vCPU + 1),
 * registers numbered as arch/x86/gdb_regs.h lists them, memory by guest
 * virtual address in the current (Hg) thread's page tables.
 *
 * The stub answers packets only while every vCPU is stopped: one that
 * arrives while they run (gdb's first ones, before the stop that
 * gdb_stub_connected() asks for) waits for gdb_stub_stopped(); while one
 * waits, any other but 0x03 is dropped (gdb sends nothing else before a
 * reply). Continuing resumes every vCPU, whatever thread vCont names; a
 * step runs only the thread stepped, the others stay stopped. Signals in
 * C, S and vCont are ignored.
 *
 * A software breakpoint's stop must leave rip at the int3 (as KVM reports
 * it): the stub says swbreak, and gdb takes the address as it is. x86
 * has no read-only watchpoint: gdb's rwatch becomes a read/write one,
 * whose stops say rwatch even when the access was a write. gdb's k calls
 * kill() and ends the session: the run is over, so the stub forgets its
 * breakpoints without restoring them and makes no other call for it.
 *
 * struct gdb_stub holds its packet buffers (about 66 KiB): embed it in
 * something allocated, or allocate it; not on a stack. gdb_stub_init()
 * sets it up (0, or -EINVAL when ops lacks a function); it holds nothing
 * else, so there is nothing to free. Every
 * call comes from one thread (the VMM's device thread), the target's
 * calls included; the target may call gdb_stub_stopped() from inside
 * resume() or interrupt().
 */
enum gdb_run_state {
	GDB_IDLE, /* nobody debugging: the vCPUs are the VMM's */
	GDB_RUNNING, /* the vCPUs run; gdb_stub_stopped() is awaited */
	GDB_STOPPED, /* every vCPU is stopped, for gdb */
};

struct gdb_stub {
	const struct gdb_target_ops *ops;
	void *ctx;
	bool connected;
	bool no_ack; /* QStartNoAckMode */
	bool swbreak_ok, hwbreak_ok; /* gdb knows these stop reasons */
	enum gdb_run_state run;
	bool report_stop; /* gdb resumed, so waits for a stop reply */
	bool interrupting; /* interrupt() asked, its stop not in yet */
	char stop_reply[64]; /* for the last stop, and '?' */
	unsigned int stop_cpu;
	unsigned int g_cpu; /* Hg: registers and memory */
	unsigned int c_thread; /* Hc: 0 for any */
	unsigned int next_thread; /* qsThreadInfo's place */
	struct gdb_breakpoints bps;
	struct gdb_rx rx;
	struct gdb_tx tx;
	size_t tx_sent; /* bytes of tx.buf last sent, for a '-' */
	unsigned int tx_resends;
	uint8_t waiting[GDB_PACKET_MAX]; /* a packet that came while running */
	size_t waiting_len;
	bool has_waiting;
	uint8_t mem[GDB_PACKET_MAX]; /* m, M and X data */
};

int gdb_stub_init(struct gdb_stub *s, const struct gdb_target_ops *ops,
		  void *ctx);

/* A gdb connected: the stub asks the target to stop (interrupt()). */
void gdb_stub_connected(struct gdb_stub *s);

/* Bytes from gdb, split anyhow. */
void gdb_stub_input(struct gdb_stub *s, const void *buf, size_t len);

/*
 * Every vCPU has stopped: after interrupt(), or after resume() at a
 * breakpoint, a watchpoint or the end of a step. One call per resume()
 * or interrupt(); a call the stub awaits none for is ignored.
 */
void gdb_stub_stopped(struct gdb_stub *s, const struct gdb_stop *stop);

/*
 * The connection ended. The stub removes every breakpoint and watchpoint
 * (int3 bytes restored, set_debug() with an empty state) and resumes the
 * vCPUs; if they were running it first interrupts them, and does this
 * when their stop comes in. gdb's D does the same.
 */
void gdb_stub_disconnected(struct gdb_stub *s);

#endif
