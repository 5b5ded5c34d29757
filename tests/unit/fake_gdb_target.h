/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_FAKE_GDB_TARGET_H
#define KESTREL_TESTS_FAKE_GDB_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vmm/gdb_stub.h"
#include "vmm/gdb_target.h"

/*
 * A machine for the gdb stub to debug, shared by its unit tests and its
 * fuzz target: registers for FAKE_GDB_MAX_CPUS vCPUs (nr_cpus may claim
 * more, for thread lists), guest memory mapped flat (virtual address =
 * physical) at FAKE_GDB_MEM_BASE with an unmapped page FAKE_GDB_HOLE in
 * it, and a record of every call the stub makes. Calls the target's
 * contract forbids are counted in misuse: registers, memory or set_debug
 * while the vCPUs run, resume while they run, an int3 missing at an
 * address set_debug names.
 */
#define FAKE_GDB_MAX_CPUS 4
#define FAKE_GDB_MEM_BASE 0x1000ULL
#define FAKE_GDB_MEM_SIZE 0x6000ULL
#define FAKE_GDB_HOLE 0x5000ULL /* one page */
#define FAKE_GDB_OUT_MAX 65536

struct fake_gdb_target {
	unsigned int nr_cpus;
	struct x86_cpu_state regs[FAKE_GDB_MAX_CPUS];
	uint8_t mem[FAKE_GDB_MEM_SIZE];
	bool running; /* the vCPUs run */
	bool stop_owed; /* resume() or interrupt() since the last stop */
	bool fail_set_debug;
	bool fail_regs; /* get_regs and set_regs fail */
	/* Stop from inside resume() and interrupt(), as a target may. */
	struct gdb_stub *stop_at_once;
	unsigned int resumes, interrupts, kills, set_debugs, set_regs_calls;
	int step_cpu; /* resume()'s last */
	struct gdb_debug_state debug; /* set_debug()'s last */
	unsigned int misuse;
	char out[FAKE_GDB_OUT_MAX]; /* what the stub sent */
	size_t out_len;
	bool out_overflow;
};

static inline bool fake_gdb_mapped(uint64_t gva)
{
	return gva >= FAKE_GDB_MEM_BASE &&
	       gva - FAKE_GDB_MEM_BASE < FAKE_GDB_MEM_SIZE &&
	       (gva < FAKE_GDB_HOLE || gva >= FAKE_GDB_HOLE + 0x1000);
}

static inline uint8_t *fake_gdb_byte(struct fake_gdb_target *f, uint64_t gva)
{
	return &f->mem[gva - FAKE_GDB_MEM_BASE];
}

static unsigned int fake_gdb_nr_cpus(void *ctx)
{
	return ((struct fake_gdb_target *)ctx)->nr_cpus;
}

static int fake_gdb_get_regs(void *ctx, unsigned int cpu,
			     struct x86_cpu_state *s)
{
	struct fake_gdb_target *f = ctx;

	if (f->running)
		f->misuse++;
	if (cpu >= FAKE_GDB_MAX_CPUS || cpu >= f->nr_cpus || f->fail_regs)
		return -1;
	*s = f->regs[cpu];
	return 0;
}

static int fake_gdb_set_regs(void *ctx, unsigned int cpu,
			     const struct x86_cpu_state *s)
{
	struct fake_gdb_target *f = ctx;

	if (f->running)
		f->misuse++;
	if (cpu >= FAKE_GDB_MAX_CPUS || cpu >= f->nr_cpus || f->fail_regs)
		return -1;
	f->regs[cpu] = *s;
	f->set_regs_calls++;
	return 0;
}

static size_t fake_gdb_read_mem(void *ctx, unsigned int cpu, uint64_t gva,
				void *buf, size_t len)
{
	struct fake_gdb_target *f = ctx;
	size_t n;

	if (f->running || cpu >= f->nr_cpus)
		f->misuse++;
	for (n = 0; n < len && gva + n >= gva && fake_gdb_mapped(gva + n); n++)
		((uint8_t *)buf)[n] = *fake_gdb_byte(f, gva + n);
	return n;
}

static size_t fake_gdb_write_mem(void *ctx, unsigned int cpu, uint64_t gva,
				 const void *buf, size_t len)
{
	struct fake_gdb_target *f = ctx;
	size_t n;

	if (f->running || cpu >= f->nr_cpus)
		f->misuse++;
	for (n = 0; n < len && gva + n >= gva && fake_gdb_mapped(gva + n); n++)
		*fake_gdb_byte(f, gva + n) = ((const uint8_t *)buf)[n];
	return n;
}

static int fake_gdb_set_debug(void *ctx, const struct gdb_debug_state *d)
{
	struct fake_gdb_target *f = ctx;

	if (f->running || d->nr_sw_bp > GDB_MAX_SW_BREAKPOINTS)
		f->misuse++;
	for (unsigned int i = 0; i < d->nr_sw_bp && i < GDB_MAX_SW_BREAKPOINTS;
	     i++)
		if (!fake_gdb_mapped(d->sw_bp[i]) ||
		    *fake_gdb_byte(f, d->sw_bp[i]) != GDB_INT3)
			f->misuse++;
	if (f->fail_set_debug) {
		/* It failed, and the vCPUs are left with no debug state. */
		memset(&f->debug, 0, sizeof(f->debug));
		return -1;
	}
	f->debug = *d;
	f->set_debugs++;
	return 0;
}

static void fake_gdb_resume(void *ctx, int step_cpu)
{
	struct fake_gdb_target *f = ctx;

	if (f->running || step_cpu >= (int)f->nr_cpus)
		f->misuse++;
	f->running = true;
	f->stop_owed = true;
	f->step_cpu = step_cpu;
	f->resumes++;
	/* With nothing to stop at, a run goes on. */
	if (f->stop_at_once &&
	    (step_cpu >= 0 || f->debug.nr_sw_bp || f->debug.dr7)) {
		struct gdb_stop stop = { GDB_STOP_DEBUG_TRAP, 0, 1 << 14 };

		if (step_cpu < 0)
			stop.kind = GDB_STOP_SW_BREAKPOINT;
		else
			stop.cpu = (unsigned int)step_cpu;
		f->running = f->stop_owed = false;
		gdb_stub_stopped(f->stop_at_once, &stop);
	}
}

static void fake_gdb_interrupt(void *ctx)
{
	struct fake_gdb_target *f = ctx;

	if (!f->running)
		f->misuse++;
	f->stop_owed = true;
	f->interrupts++;
	if (f->stop_at_once) {
		struct gdb_stop stop = { GDB_STOP_INTERRUPT, 0, 0 };

		f->running = f->stop_owed = false;
		gdb_stub_stopped(f->stop_at_once, &stop);
	}
}

static void fake_gdb_kill(void *ctx)
{
	((struct fake_gdb_target *)ctx)->kills++;
}

static int fake_gdb_send(void *ctx, const void *buf, size_t len)
{
	struct fake_gdb_target *f = ctx;

	if (len > sizeof(f->out) - 1 - f->out_len) {
		f->out_overflow = true;
		return 0;
	}
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	f->out[f->out_len] = '\0';
	return 0;
}

static const struct gdb_target_ops fake_gdb_ops = {
	.nr_cpus = fake_gdb_nr_cpus,
	.get_regs = fake_gdb_get_regs,
	.set_regs = fake_gdb_set_regs,
	.read_mem = fake_gdb_read_mem,
	.write_mem = fake_gdb_write_mem,
	.set_debug = fake_gdb_set_debug,
	.resume = fake_gdb_resume,
	.interrupt = fake_gdb_interrupt,
	.kill = fake_gdb_kill,
	.send = fake_gdb_send,
};

/* The guest runs, as before any gdb connects. */
static inline void fake_gdb_init(struct fake_gdb_target *f, unsigned int nr)
{
	memset(f, 0, sizeof(*f));
	f->nr_cpus = nr;
	f->running = true;
	f->step_cpu = -2;
}

/* The vCPUs stop, for a reason of the target's. */
static inline void fake_gdb_stop(struct fake_gdb_target *f, struct gdb_stub *s,
				 enum gdb_stop_kind kind, unsigned int cpu,
				 uint64_t dr6)
{
	struct gdb_stop stop = { .kind = kind, .cpu = cpu, .dr6 = dr6 };

	f->running = false;
	f->stop_owed = false;
	gdb_stub_stopped(s, &stop);
}

static inline void fake_gdb_clear_out(struct fake_gdb_target *f)
{
	f->out_len = 0;
	f->out[0] = '\0';
}

#endif
