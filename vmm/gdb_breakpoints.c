// SPDX-License-Identifier: MIT
/* gdb's breakpoints and watchpoints: int3 bytes and debug registers. */
#include "vmm/gdb_breakpoints.h"

#include <errno.h>
#include <string.h>

#include "runtime/log.h"

/* DR7: enables and conditions of DR0-DR3 (Intel SDM vol. 3, 18.2.4). */
#define DR7_L(n) (1ULL << (2 * (n)))
#define DR7_LE (1ULL << 8)
#define DR7_GE (1ULL << 9)
#define DR7_RW_SHIFT(n) (16 + 4 * (n))
#define DR7_LEN_SHIFT(n) (18 + 4 * (n))
#define DR7_RW_EXEC 0ULL
#define DR7_RW_WRITE 1ULL
#define DR7_RW_ACCESS 3ULL

void gdb_bp_init(struct gdb_breakpoints *b, const struct gdb_target_ops *ops,
		 void *ctx)
{
	memset(b, 0, sizeof(*b));
	b->ops = ops;
	b->ctx = ctx;
}

static struct gdb_sw_breakpoint *find_sw(struct gdb_breakpoints *b,
					 uint64_t addr)
{
	for (unsigned int i = 0; i < b->nr_sw; i++)
		if (b->sw[i].addr == addr)
			return &b->sw[i];
	return NULL;
}

static int insert_sw(struct gdb_breakpoints *b, unsigned int cpu, uint64_t addr)
{
	static const uint8_t int3 = GDB_INT3;
	uint8_t saved;

	if (find_sw(b, addr))
		return 0;
	if (b->nr_sw == GDB_MAX_SW_BREAKPOINTS)
		return -ENOSPC;
	if (b->ops->read_mem(b->ctx, cpu, addr, &saved, 1) != 1 ||
	    b->ops->write_mem(b->ctx, cpu, addr, &int3, 1) != 1)
		return -EFAULT;
	b->sw[b->nr_sw++] = (struct gdb_sw_breakpoint){ addr, cpu, saved };
	return 0;
}

/*
 * Puts the saved byte back, unless the guest has since written over our
 * int3 (the kernel patches its own text): then its byte stays.
 */
static int restore(struct gdb_breakpoints *b,
		   const struct gdb_sw_breakpoint *bp)
{
	uint8_t now;

	if (b->ops->read_mem(b->ctx, bp->cpu, bp->addr, &now, 1) != 1)
		return -EFAULT;
	if (now != GDB_INT3)
		return 0;
	if (b->ops->write_mem(b->ctx, bp->cpu, bp->addr, &bp->saved, 1) != 1)
		return -EFAULT;
	return 0;
}

static int remove_sw(struct gdb_breakpoints *b, uint64_t addr)
{
	struct gdb_sw_breakpoint *bp = find_sw(b, addr);
	int err;

	if (!bp)
		return 0;
	err = restore(b, bp);
	if (err)
		return err;
	*bp = b->sw[--b->nr_sw];
	return 0;
}

static bool same_dr(const struct gdb_debug_reg *dr, enum gdb_bp_type type,
		    uint64_t addr, uint64_t len)
{
	return dr->used && dr->type == type && dr->addr == addr &&
	       (type == GDB_BP_HARDWARE || dr->len == len);
}

static int insert_dr(struct gdb_breakpoints *b, enum gdb_bp_type type,
		     uint64_t addr, uint64_t len)
{
	int free_dr = -1;

	if (type == GDB_BP_HARDWARE)
		len = 1; /* an instruction breakpoint's LEN must be 0 */
	else if ((len != 1 && len != 2 && len != 4 && len != 8) || addr % len)
		return -EINVAL;
	for (int n = 0; n < GDB_NR_DEBUG_REGS; n++) {
		if (same_dr(&b->dr[n], type, addr, len))
			return 0;
		if (!b->dr[n].used && free_dr < 0)
			free_dr = n;
	}
	if (free_dr < 0)
		return -ENOSPC;
	b->dr[free_dr] = (struct gdb_debug_reg){ .used = true,
						 .type = type,
						 .addr = addr,
						 .len = (unsigned int)len };
	return 0;
}

int gdb_bp_insert(struct gdb_breakpoints *b, unsigned int cpu,
		  enum gdb_bp_type type, uint64_t addr, uint64_t len)
{
	if (type == GDB_BP_SOFTWARE)
		return insert_sw(b, cpu, addr);
	return insert_dr(b, type, addr, len);
}

int gdb_bp_remove(struct gdb_breakpoints *b, enum gdb_bp_type type,
		  uint64_t addr, uint64_t len)
{
	if (type == GDB_BP_SOFTWARE)
		return remove_sw(b, addr);
	for (unsigned int n = 0; n < GDB_NR_DEBUG_REGS; n++)
		if (same_dr(&b->dr[n], type, addr, len))
			b->dr[n].used = false;
	return 0;
}

void gdb_bp_clear(struct gdb_breakpoints *b)
{
	for (unsigned int i = 0; i < b->nr_sw; i++)
		if (restore(b, &b->sw[i]))
			log_warn("gdb: cannot remove the breakpoint at %#llx",
				 (unsigned long long)b->sw[i].addr);
	b->nr_sw = 0;
	memset(b->dr, 0, sizeof(b->dr));
}

size_t gdb_bp_read(struct gdb_breakpoints *b, unsigned int cpu, uint64_t addr,
		   uint8_t *buf, size_t len)
{
	size_t done = b->ops->read_mem(b->ctx, cpu, addr, buf, len);

	if (done > len)
		done = len;
	for (unsigned int i = 0; i < b->nr_sw; i++) {
		uint64_t off = b->sw[i].addr - addr;

		if (off < done)
			buf[off] = b->sw[i].saved;
	}
	return done;
}

size_t gdb_bp_write(struct gdb_breakpoints *b, unsigned int cpu, uint64_t addr,
		    uint8_t *buf, size_t len)
{
	uint8_t wanted[GDB_MAX_SW_BREAKPOINTS];
	size_t done;

	for (unsigned int i = 0; i < b->nr_sw; i++) {
		uint64_t off = b->sw[i].addr - addr;

		if (off < len) {
			wanted[i] = buf[off];
			buf[off] = GDB_INT3;
		}
	}
	done = b->ops->write_mem(b->ctx, cpu, addr, buf, len);
	if (done > len)
		done = len;
	for (unsigned int i = 0; i < b->nr_sw; i++)
		if (b->sw[i].addr - addr < done)
			b->sw[i].saved = wanted[i];
	return done;
}

static uint64_t dr7_bits(const struct gdb_debug_reg *dr, unsigned int n)
{
	uint64_t rw, len;

	switch (dr->type) {
	case GDB_BP_HARDWARE:
		rw = DR7_RW_EXEC;
		break;
	case GDB_WATCH_WRITE:
		rw = DR7_RW_WRITE;
		break;
	default:
		rw = DR7_RW_ACCESS;
		break;
	}
	/* LEN: 00 one byte, 01 two, 11 four, 10 eight. */
	len = dr->len == 8 ? 2 : dr->len - 1;
	return DR7_L(n) | rw << DR7_RW_SHIFT(n) | len << DR7_LEN_SHIFT(n);
}

void gdb_bp_debug_state(const struct gdb_breakpoints *b,
			struct gdb_debug_state *d)
{
	for (unsigned int i = 0; i < b->nr_sw; i++)
		d->sw_bp[i] = b->sw[i].addr;
	d->nr_sw_bp = b->nr_sw;
	d->dr7 = 0;
	for (unsigned int n = 0; n < GDB_NR_DEBUG_REGS; n++) {
		d->dr[n] = b->dr[n].used ? b->dr[n].addr : 0;
		if (b->dr[n].used)
			d->dr7 |= dr7_bits(&b->dr[n], n);
	}
	if (d->dr7)
		d->dr7 |= DR7_LE | DR7_GE;
}

int gdb_bp_hit(const struct gdb_breakpoints *b, uint64_t dr6)
{
	int hit = -1;

	for (int n = 0; n < GDB_NR_DEBUG_REGS; n++) {
		if (!(dr6 & (1ULL << n)) || !b->dr[n].used)
			continue;
		if (b->dr[n].type != GDB_BP_HARDWARE)
			return n;
		if (hit < 0)
			hit = n;
	}
	return hit;
}
