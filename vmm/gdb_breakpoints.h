/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_GDB_BREAKPOINTS_H
#define KESTREL_VMM_GDB_BREAKPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/gdb_target.h"

/*
 * gdb's breakpoints and watchpoints in an x86 guest. A software
 * breakpoint is an int3 (0xcc) the stub writes over the byte it saves; a
 * hardware breakpoint or watchpoint takes one of the four debug registers.
 * Memory goes through the target by guest virtual address, in the page
 * tables of the vCPU the caller names (gdb's current thread): an int3 is
 * removed through the same vCPU it was inserted through, which suits the
 * kernel's addresses, the same in every address space.
 *
 * Device thread only, and only while every vCPU is stopped.
 */
#define GDB_NR_DEBUG_REGS 4
#define GDB_INT3 0xcc

/* As gdb's Z packets number them. */
enum gdb_bp_type {
	GDB_BP_SOFTWARE,
	GDB_BP_HARDWARE,
	GDB_WATCH_WRITE,
	GDB_WATCH_READ, /* x86 has none: set as read/write */
	GDB_WATCH_ACCESS,
	GDB_BP_NR_TYPES
};

struct gdb_sw_breakpoint {
	uint64_t addr;
	unsigned int cpu; /* whose page tables it was written through */
	uint8_t saved; /* the byte under the int3 */
};

struct gdb_debug_reg {
	bool used;
	enum gdb_bp_type type;
	uint64_t addr;
	unsigned int len;
};

struct gdb_breakpoints {
	const struct gdb_target_ops *ops;
	void *ctx;
	struct gdb_sw_breakpoint sw[GDB_MAX_SW_BREAKPOINTS];
	unsigned int nr_sw;
	struct gdb_debug_reg dr[GDB_NR_DEBUG_REGS];
};

void gdb_bp_init(struct gdb_breakpoints *b, const struct gdb_target_ops *ops,
		 void *ctx);

/*
 * gdb's Z and z. Inserting what is already there, or removing what is not,
 * succeeds. Returns 0; -EINVAL for a watchpoint the debug registers cannot
 * express (a length other than 1, 2, 4 or 8, or unaligned); -ENOSPC when
 * the table or the debug registers are full; -EFAULT when the int3's byte
 * cannot be read or written (the breakpoint is then left as it was).
 */
int gdb_bp_insert(struct gdb_breakpoints *b, unsigned int cpu,
		  enum gdb_bp_type type, uint64_t addr, uint64_t len);
int gdb_bp_remove(struct gdb_breakpoints *b, enum gdb_bp_type type,
		  uint64_t addr, uint64_t len);

/* Removes everything, restoring what int3 bytes it can. */
void gdb_bp_clear(struct gdb_breakpoints *b);

/*
 * Guest memory as gdb should see it: reads show the saved bytes under our
 * int3s; writes keep the int3s in place and save gdb's bytes under them
 * instead. Return the bytes done, as the target's read_mem and write_mem.
 * gdb_bp_write clobbers buf.
 */
size_t gdb_bp_read(struct gdb_breakpoints *b, unsigned int cpu, uint64_t addr,
		   uint8_t *buf, size_t len);
size_t gdb_bp_write(struct gdb_breakpoints *b, unsigned int cpu, uint64_t addr,
		    uint8_t *buf, size_t len);

/*
 * The debug state that carries them out: sw_bp, dr[] and dr7 (0 when no
 * debug register is in use; otherwise Ln, R/Wn and LENn of each one used,
 * plus LE and GE).
 */
void gdb_bp_debug_state(const struct gdb_breakpoints *b,
			struct gdb_debug_state *d);

/*
 * The debug register behind a #DB, from DR6's B0-B3: a watchpoint's
 * first, else a hardware breakpoint's; -1 for none of ours.
 */
int gdb_bp_hit(const struct gdb_breakpoints *b, uint64_t dr6);

#endif
