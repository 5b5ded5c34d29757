// SPDX-License-Identifier: MIT
/* The GDB remote serial protocol: gdb's commands as target operations. */
#include "vmm/gdb_commands.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/gdb_regs.h"

/* Memory one m reply carries (two hex digits a byte); gdb asks again. */
#define GDB_MEM_MAX (GDB_PACKET_MAX / 2)
#define THREADS_PER_REPLY 64

static unsigned int nr_cpus(struct gdb_stub *s)
{
	return s->ops->nr_cpus(s->ctx);
}

/* A thread id from gdb: -1 (all) and 0 (any) give 0. */
static bool arg_thread(struct gdb_args *a, unsigned int *tid)
{
	uint64_t v;

	if (gdb_arg_prefix(a, "-1")) {
		*tid = 0;
		return true;
	}
	if (!gdb_arg_hex(a, &v) || v > UINT_MAX)
		return false;
	*tid = (unsigned int)v;
	return true;
}

static bool thread_exists(struct gdb_stub *s, unsigned int tid)
{
	return tid >= 1 && tid <= nr_cpus(s);
}

/* The vCPU c, s and their addresses act on: Hc's, else the stopped one. */
static unsigned int current_cpu(struct gdb_stub *s)
{
	return s->c_thread ? s->c_thread - 1 : s->stop_cpu;
}

static bool set_pc(struct gdb_stub *s, unsigned int cpu, uint64_t pc)
{
	struct x86_cpu_state st;

	if (s->ops->get_regs(s->ctx, cpu, &st))
		return false;
	st.rip = pc;
	return s->ops->set_regs(s->ctx, cpu, &st) == 0;
}

/*
 * Each command replies itself and returns 0, or returns the errno the
 * dispatcher replies with.
 */

/* --- run control --- */

/* c, s, C, S: [sig][;addr] or [addr], as has_sig says. */
static int resume_cmd(struct gdb_stub *s, struct gdb_args *a, bool step,
		      bool has_sig)
{
	unsigned int cpu = current_cpu(s);
	uint64_t sig, pc;
	bool has_pc;

	if (has_sig && (!gdb_arg_hex(a, &sig) ||
			(!gdb_arg_done(a) && !gdb_arg_prefix(a, ";"))))
		return EINVAL;
	has_pc = !gdb_arg_done(a);
	if (has_pc && (!gdb_arg_hex(a, &pc) || !gdb_arg_done(a)))
		return EINVAL;
	if (has_pc && !set_pc(s, cpu, pc))
		return EIO;
	return gdb_resume(s, step ? (int)cpu : -1);
}

static int cmd_continue(struct gdb_stub *s, struct gdb_args *a)
{
	return resume_cmd(s, a, false, false);
}

static int cmd_continue_signal(struct gdb_stub *s, struct gdb_args *a)
{
	return resume_cmd(s, a, false, true);
}

static int cmd_step(struct gdb_stub *s, struct gdb_args *a)
{
	return resume_cmd(s, a, true, false);
}

static int cmd_step_signal(struct gdb_stub *s, struct gdb_args *a)
{
	return resume_cmd(s, a, true, true);
}

static int cmd_vcont_query(struct gdb_stub *s, struct gdb_args *a)
{
	(void)a;
	gdb_reply(s, "vCont;c;C;s;S");
	return 0;
}

/*
 * vCont;ACTION[:THREAD]...: the first step named is the one done, all
 * else continues; with no step, every vCPU continues.
 */
static int cmd_vcont(struct gdb_stub *s, struct gdb_args *a)
{
	int step_cpu = -1;
	bool any = false;

	while (gdb_arg_prefix(a, ";")) {
		uint8_t action = a->p < a->end ? *a->p++ : 0;
		unsigned int tid = 0;
		uint64_t sig;

		if ((action == 'C' || action == 'S') && !gdb_arg_hex(a, &sig))
			return EINVAL;
		if (action != 'c' && action != 's' && action != 'C' &&
		    action != 'S')
			return EINVAL;
		if (gdb_arg_prefix(a, ":") &&
		    (!arg_thread(a, &tid) || (tid && !thread_exists(s, tid))))
			return EINVAL;
		if ((action == 's' || action == 'S') && step_cpu < 0)
			step_cpu = (int)(tid ? tid - 1 : current_cpu(s));
		any = true;
	}
	if (!any || !gdb_arg_done(a))
		return EINVAL;
	return gdb_resume(s, step_cpu);
}

/* --- registers --- */

static void put_reg(struct gdb_stub *s, const struct x86_cpu_state *st,
		    unsigned int regno)
{
	static const char unavailable[2 * GDB_X86_REG_MAX + 1] =
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
	unsigned int size = gdb_x86_reg_size(regno);
	uint8_t v[GDB_X86_REG_MAX];

	if (gdb_x86_reg_get(st, regno, v))
		gdb_tx_hex(&s->tx, v, size);
	else
		gdb_tx_fmt(&s->tx, "%.*s", (int)(2 * size), unavailable);
}

static int cmd_read_regs(struct gdb_stub *s, struct gdb_args *a)
{
	struct x86_cpu_state st;

	if (!gdb_arg_done(a))
		return EINVAL;
	if (s->ops->get_regs(s->ctx, s->g_cpu, &st))
		return EIO;
	gdb_tx_begin(&s->tx);
	for (unsigned int r = 0; r < GDB_X86_NR_REGS; r++)
		put_reg(s, &st, r);
	gdb_reply_end(s);
	return 0;
}

static int cmd_read_reg(struct gdb_stub *s, struct gdb_args *a)
{
	struct x86_cpu_state st;
	uint64_t r;

	if (!gdb_arg_hex(a, &r) || !gdb_arg_done(a) || r >= GDB_X86_NR_REGS)
		return EINVAL;
	if (s->ops->get_regs(s->ctx, s->g_cpu, &st))
		return EIO;
	gdb_tx_begin(&s->tx);
	put_reg(s, &st, (unsigned int)r);
	gdb_reply_end(s);
	return 0;
}

static int set_regs(struct gdb_stub *s, const struct x86_cpu_state *st)
{
	if (s->ops->set_regs(s->ctx, s->g_cpu, st))
		return EIO;
	gdb_reply(s, "OK");
	return 0;
}

/*
 * G: registers from 0 on, as many whole ones as gdb sends; those kestrel
 * does not keep are parsed and dropped.
 */
static int cmd_write_regs(struct gdb_stub *s, struct gdb_args *a)
{
	struct x86_cpu_state st;
	uint8_t v[GDB_X86_REG_MAX];

	if (s->ops->get_regs(s->ctx, s->g_cpu, &st))
		return EIO;
	for (unsigned int r = 0; r < GDB_X86_NR_REGS && !gdb_arg_done(a); r++) {
		if (!gdb_arg_hex_bytes(a, v, gdb_x86_reg_size(r)))
			return EINVAL;
		gdb_x86_reg_set(&st, r, v);
	}
	if (!gdb_arg_done(a))
		return EINVAL;
	return set_regs(s, &st);
}

static int cmd_write_reg(struct gdb_stub *s, struct gdb_args *a)
{
	struct x86_cpu_state st;
	uint8_t v[GDB_X86_REG_MAX];
	uint64_t r;

	if (!gdb_arg_hex(a, &r) || r >= GDB_X86_NR_REGS ||
	    !gdb_arg_prefix(a, "=") ||
	    !gdb_arg_hex_bytes(a, v, gdb_x86_reg_size((unsigned int)r)) ||
	    !gdb_arg_done(a))
		return EINVAL;
	if (s->ops->get_regs(s->ctx, s->g_cpu, &st))
		return EIO;
	if (!gdb_x86_reg_set(&st, (unsigned int)r, v)) {
		gdb_reply(s, "OK"); /* one kestrel does not keep */
		return 0;
	}
	return set_regs(s, &st);
}

/* --- memory --- */

/* m ADDR,LEN: up to GDB_MEM_MAX bytes; fewer where memory ends. */
static int cmd_read_mem(struct gdb_stub *s, struct gdb_args *a)
{
	uint64_t addr, len;
	size_t done;

	if (!gdb_arg_hex(a, &addr) || !gdb_arg_prefix(a, ",") ||
	    !gdb_arg_hex(a, &len) || !gdb_arg_done(a))
		return EINVAL;
	if (len > GDB_MEM_MAX)
		len = GDB_MEM_MAX;
	if (len && addr + len - 1 < addr)
		len = 0 - addr; /* up to the top of the address space */
	if (!len) {
		gdb_reply(s, "");
		return 0;
	}
	done = gdb_bp_read(&s->bps, s->g_cpu, addr, s->mem, len);
	if (!done)
		return EFAULT;
	gdb_tx_begin(&s->tx);
	gdb_tx_hex(&s->tx, s->mem, done);
	gdb_reply_end(s);
	return 0;
}

static int write_mem(struct gdb_stub *s, uint64_t addr, size_t len)
{
	if (len && addr + len - 1 < addr)
		return EFAULT;
	if (gdb_bp_write(&s->bps, s->g_cpu, addr, s->mem, len) != len)
		return EFAULT;
	gdb_reply(s, "OK");
	return 0;
}

/* M ADDR,LEN:HEX */
static int cmd_write_mem(struct gdb_stub *s, struct gdb_args *a)
{
	uint64_t addr, len;

	if (!gdb_arg_hex(a, &addr) || !gdb_arg_prefix(a, ",") ||
	    !gdb_arg_hex(a, &len) || !gdb_arg_prefix(a, ":") ||
	    len > sizeof(s->mem) || !gdb_arg_hex_bytes(a, s->mem, len) ||
	    !gdb_arg_done(a))
		return EINVAL;
	return write_mem(s, addr, len);
}

/* X ADDR,LEN:BINARY; gdb probes for it with LEN 0. */
static int cmd_write_binary(struct gdb_stub *s, struct gdb_args *a)
{
	uint64_t addr, len;
	size_t got;

	if (!gdb_arg_hex(a, &addr) || !gdb_arg_prefix(a, ",") ||
	    !gdb_arg_hex(a, &len) || !gdb_arg_prefix(a, ":") ||
	    !gdb_arg_binary(a, s->mem, sizeof(s->mem), &got) || got != len)
		return EINVAL;
	return write_mem(s, addr, got);
}

/* --- breakpoints --- */

/* Z/z TYPE,ADDR,KIND; a type the stub lacks gets the empty reply. */
static int breakpoint_cmd(struct gdb_stub *s, struct gdb_args *a, bool insert)
{
	uint64_t type, addr, kind;
	int err;

	if (!gdb_arg_hex(a, &type) || !gdb_arg_prefix(a, ",") ||
	    !gdb_arg_hex(a, &addr) || !gdb_arg_prefix(a, ",") ||
	    !gdb_arg_hex(a, &kind) || !gdb_arg_done(a))
		return EINVAL;
	if (type >= GDB_BP_NR_TYPES) {
		gdb_reply(s, "");
		return 0;
	}
	if (insert)
		err = gdb_bp_insert(&s->bps, s->g_cpu, (enum gdb_bp_type)type,
				    addr, kind);
	else
		err = gdb_bp_remove(&s->bps, (enum gdb_bp_type)type, addr,
				    kind);
	if (err)
		return -err;
	gdb_reply(s, "OK");
	return 0;
}

static int cmd_insert(struct gdb_stub *s, struct gdb_args *a)
{
	return breakpoint_cmd(s, a, true);
}

static int cmd_remove(struct gdb_stub *s, struct gdb_args *a)
{
	return breakpoint_cmd(s, a, false);
}

/* --- threads --- */

static int cmd_set_thread(struct gdb_stub *s, struct gdb_args *a)
{
	bool general = gdb_arg_prefix(a, "g");
	unsigned int tid;

	if (!general && !gdb_arg_prefix(a, "c"))
		return EINVAL;
	if (!arg_thread(a, &tid) || !gdb_arg_done(a) ||
	    (tid && !thread_exists(s, tid)))
		return EINVAL;
	if (general && tid)
		s->g_cpu = tid - 1;
	else if (!general)
		s->c_thread = tid;
	gdb_reply(s, "OK");
	return 0;
}

static int cmd_thread_alive(struct gdb_stub *s, struct gdb_args *a)
{
	unsigned int tid;

	if (!arg_thread(a, &tid) || !gdb_arg_done(a) || !thread_exists(s, tid))
		return EINVAL;
	gdb_reply(s, "OK");
	return 0;
}

static int send_threads(struct gdb_stub *s)
{
	unsigned int nr = nr_cpus(s);

	if (s->next_thread >= nr) {
		gdb_reply(s, "l");
		return 0;
	}
	gdb_tx_begin(&s->tx);
	gdb_tx_str(&s->tx, "m");
	for (unsigned int i = 0; i < THREADS_PER_REPLY && s->next_thread < nr;
	     i++, s->next_thread++)
		gdb_tx_fmt(&s->tx, "%s%x", i ? "," : "", s->next_thread + 1);
	gdb_reply_end(s);
	return 0;
}

static int cmd_threads_first(struct gdb_stub *s, struct gdb_args *a)
{
	(void)a;
	s->next_thread = 0;
	return send_threads(s);
}

static int cmd_threads_next(struct gdb_stub *s, struct gdb_args *a)
{
	(void)a;
	return send_threads(s);
}

static int cmd_current_thread(struct gdb_stub *s, struct gdb_args *a)
{
	(void)a;
	gdb_tx_begin(&s->tx);
	gdb_tx_fmt(&s->tx, "QC%x", s->g_cpu + 1);
	gdb_reply_end(s);
	return 0;
}

static int cmd_thread_extra(struct gdb_stub *s, struct gdb_args *a)
{
	unsigned int tid;
	char name[24];
	int n;

	if (!gdb_arg_prefix(a, ",") || !arg_thread(a, &tid) ||
	    !gdb_arg_done(a) || !thread_exists(s, tid))
		return EINVAL;
	n = snprintf(name, sizeof(name), "CPU#%u", tid - 1);
	gdb_tx_begin(&s->tx);
	gdb_tx_hex(&s->tx, name, (size_t)n);
	gdb_reply_end(s);
	return 0;
}

/* --- the connection --- */

static int cmd_status(struct gdb_stub *s, struct gdb_args *a)
{
	(void)a;
	gdb_reply(s, s->stop_reply);
	return 0;
}

/* Whether gdb's qSupported list has feature (as "name+"). */
static bool gdb_has(const struct gdb_args *a, const char *feature)
{
	size_t n = strlen(feature);

	for (const uint8_t *p = a->p; p < a->end;) {
		const uint8_t *end = memchr(p, ';', (size_t)(a->end - p));

		if (!end)
			end = a->end;
		if ((size_t)(end - p) == n && memcmp(p, feature, n) == 0)
			return true;
		p = end == a->end ? end : end + 1;
	}
	return false;
}

static int cmd_supported(struct gdb_stub *s, struct gdb_args *a)
{
	gdb_arg_prefix(a, ":");
	s->swbreak_ok = gdb_has(a, "swbreak+");
	s->hwbreak_ok = gdb_has(a, "hwbreak+");
	gdb_tx_begin(&s->tx);
	gdb_tx_fmt(&s->tx,
		   "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;"
		   "QStartNoAckMode+;vContSupported+",
		   GDB_PACKET_MAX);
	gdb_reply_end(s);
	return 0;
}

static int cmd_no_ack(struct gdb_stub *s, struct gdb_args *a)
{
	(void)a;
	gdb_reply(s, "OK"); /* acked still: the mode starts after it */
	s->no_ack = true;
	return 0;
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH, the only object. */
static int cmd_xfer(struct gdb_stub *s, struct gdb_args *a)
{
	const char *xml = gdb_x86_target_xml;
	size_t size = gdb_x86_target_xml_len, n;
	uint64_t off, len;

	if (!gdb_arg_prefix(a, ":features:read:")) {
		gdb_reply(s, "");
		return 0;
	}
	if (!gdb_arg_prefix(a, "target.xml:"))
		return ENOENT;
	if (!gdb_arg_hex(a, &off) || !gdb_arg_prefix(a, ",") ||
	    !gdb_arg_hex(a, &len) || !gdb_arg_done(a))
		return EINVAL;
	if (off >= size) {
		gdb_reply(s, "l");
		return 0;
	}
	n = size - off < len ? size - off : len;
	gdb_tx_begin(&s->tx);
	n = gdb_binary_fit(xml + off, n, gdb_tx_room(&s->tx) - 1);
	gdb_tx_str(&s->tx, off + n == size ? "l" : "m");
	gdb_tx_binary(&s->tx, xml + off, n);
	gdb_reply_end(s);
	return 0;
}

static int cmd_attached(struct gdb_stub *s, struct gdb_args *a)
{
	(void)a;
	gdb_reply(s, "1"); /* so gdb detaches when it quits */
	return 0;
}

static int cmd_symbol(struct gdb_stub *s, struct gdb_args *a)
{
	(void)a;
	gdb_reply(s, "OK");
	return 0;
}

static int cmd_detach(struct gdb_stub *s, struct gdb_args *a)
{
	(void)a;
	gdb_reply(s, "OK");
	gdb_stub_disconnected(s);
	return 0;
}

/* k: the target ends the run. */
static int cmd_kill(struct gdb_stub *s, struct gdb_args *a)
{
	(void)a;
	gdb_kill(s);
	return 0;
}

struct command {
	const char *name;
	int (*run)(struct gdb_stub *s, struct gdb_args *a);
};

/* One letter, or for q, Q and v the name up to ':', ',' or ';'. */
static const struct command commands[] = {
	{ "?", cmd_status },
	{ "c", cmd_continue },
	{ "C", cmd_continue_signal },
	{ "s", cmd_step },
	{ "S", cmd_step_signal },
	{ "vCont?", cmd_vcont_query },
	{ "vCont", cmd_vcont },
	{ "g", cmd_read_regs },
	{ "G", cmd_write_regs },
	{ "p", cmd_read_reg },
	{ "P", cmd_write_reg },
	{ "m", cmd_read_mem },
	{ "M", cmd_write_mem },
	{ "X", cmd_write_binary },
	{ "Z", cmd_insert },
	{ "z", cmd_remove },
	{ "H", cmd_set_thread },
	{ "T", cmd_thread_alive },
	{ "qfThreadInfo", cmd_threads_first },
	{ "qsThreadInfo", cmd_threads_next },
	{ "qC", cmd_current_thread },
	{ "qThreadExtraInfo", cmd_thread_extra },
	{ "qSupported", cmd_supported },
	{ "QStartNoAckMode", cmd_no_ack },
	{ "qXfer", cmd_xfer },
	{ "qAttached", cmd_attached },
	{ "qSymbol", cmd_symbol },
	{ "D", cmd_detach },
	{ "k", cmd_kill },
};

void gdb_dispatch(struct gdb_stub *s, const uint8_t *pkt, size_t len)
{
	struct gdb_args a = { pkt, pkt + len };
	size_t name_len = len ? 1 : 0;
	int err;

	if (len && (pkt[0] == 'q' || pkt[0] == 'Q' || pkt[0] == 'v'))
		while (name_len < len && !memchr(":,;", pkt[name_len], 3))
			name_len++;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];

		if (strlen(c->name) != name_len ||
		    memcmp(c->name, pkt, name_len) != 0)
			continue;
		a.p += name_len;
		err = c->run(s, &a);
		if (err)
			gdb_reply_error(s, err);
		return;
	}
	gdb_reply(s, ""); /* gdb's word for "not supported" */
}
