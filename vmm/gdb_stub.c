// SPDX-License-Identifier: MIT
/* The GDB remote serial protocol: the session with gdb and run control. */
#include "vmm/gdb_stub.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/gdb_commands.h"
#include "runtime/log.h"

#define GDB_SIGINT 2
#define GDB_SIGTRAP 5
/*
 * gdb itself nacks a packet three times before it gives up; more '-'
 * would only make one byte from the peer cost a whole packet each.
 */
#define GDB_MAX_RESENDS 3

static void send_bytes(struct gdb_stub *s, const void *buf, size_t len)
{
	/* A connection gone is the target's to notice and report. */
	(void)s->ops->send(s->ctx, buf, len);
}

void gdb_reply_end(struct gdb_stub *s)
{
	s->tx_sent = gdb_tx_end(&s->tx);
	s->tx_resends = 0;
	send_bytes(s, s->tx.buf, s->tx_sent);
}

void gdb_reply(struct gdb_stub *s, const char *text)
{
	gdb_tx_begin(&s->tx);
	gdb_tx_str(&s->tx, text);
	gdb_reply_end(s);
}

/* gdb reads no meaning into the number; errno values, as QEMU sends. */
void gdb_reply_error(struct gdb_stub *s, int err)
{
	gdb_tx_begin(&s->tx);
	gdb_tx_fmt(&s->tx, "E%02d", err % 100);
	gdb_reply_end(s);
}

static unsigned int nr_cpus(struct gdb_stub *s)
{
	return s->ops->nr_cpus(s->ctx);
}

static void record_stop(struct gdb_stub *s, const struct gdb_stop *stop)
{
	static const char *const watch[GDB_BP_NR_TYPES] = {
		[GDB_WATCH_WRITE] = "watch",
		[GDB_WATCH_READ] = "rwatch",
		[GDB_WATCH_ACCESS] = "awatch",
	};
	unsigned int cpu = stop->cpu < nr_cpus(s) ? stop->cpu : 0;
	int sig = GDB_SIGTRAP, n;
	char why[48] = "";

	if (stop->kind == GDB_STOP_INTERRUPT && s->report_stop)
		sig = GDB_SIGINT; /* gdb's 0x03; at the connection, a trap */
	if (stop->kind == GDB_STOP_SW_BREAKPOINT && s->swbreak_ok)
		snprintf(why, sizeof(why), "swbreak:;");
	n = stop->kind == GDB_STOP_DEBUG_TRAP ? gdb_bp_hit(&s->bps, stop->dr6) :
						-1;
	if (n >= 0 && s->bps.dr[n].type == GDB_BP_HARDWARE && s->hwbreak_ok)
		snprintf(why, sizeof(why), "hwbreak:;");
	else if (n >= 0 && s->bps.dr[n].type != GDB_BP_HARDWARE)
		snprintf(why, sizeof(why), "%s:%llx;", watch[s->bps.dr[n].type],
			 (unsigned long long)s->bps.dr[n].addr);
	snprintf(s->stop_reply, sizeof(s->stop_reply), "T%02xthread:%x;%s", sig,
		 cpu + 1, why);
	s->stop_cpu = cpu;
	/* gdb takes the thread that stopped as the one Hg names now. */
	s->g_cpu = cpu;
}

int gdb_resume(struct gdb_stub *s, int step_cpu)
{
	struct gdb_debug_state d = { .single_step = step_cpu >= 0 };

	gdb_bp_debug_state(&s->bps, &d);
	if (s->ops->set_debug(s->ctx, &d))
		return EIO;
	s->run = GDB_RUNNING;
	s->report_stop = true;
	s->interrupting = false;
	s->ops->resume(s->ctx, step_cpu);
	return 0;
}

static void interrupt(struct gdb_stub *s)
{
	if (s->run != GDB_RUNNING || s->interrupting)
		return;
	s->interrupting = true;
	s->ops->interrupt(s->ctx);
}

/* Gives the stopped vCPUs back to the VMM with nothing of gdb's left. */
static void release(struct gdb_stub *s)
{
	struct gdb_debug_state d = { 0 };

	gdb_bp_clear(&s->bps);
	if (s->ops->set_debug(s->ctx, &d))
		log_warn("gdb: cannot clear the vCPUs' debug state");
	s->run = GDB_IDLE;
	s->ops->resume(s->ctx, -1);
}

/* What gdb changed in the run no longer matters: it is over. */
void gdb_kill(struct gdb_stub *s)
{
	s->connected = false;
	s->has_waiting = false;
	s->run = GDB_IDLE;
	gdb_bp_init(&s->bps, s->ops, s->ctx);
	s->ops->kill(s->ctx);
}

static void packet(struct gdb_stub *s)
{
	if (s->run == GDB_STOPPED) {
		gdb_dispatch(s, s->rx.buf, s->rx.len);
	} else if (!s->has_waiting) {
		memcpy(s->waiting, s->rx.buf, s->rx.len);
		s->waiting_len = s->rx.len;
		s->has_waiting = true;
	}
}

static void ack(struct gdb_stub *s, char c)
{
	if (!s->no_ack)
		send_bytes(s, &c, 1);
}

/* --- the API --- */

int gdb_stub_init(struct gdb_stub *s, const struct gdb_target_ops *ops,
		  void *ctx)
{
	if (!ops->nr_cpus || !ops->get_regs || !ops->set_regs ||
	    !ops->read_mem || !ops->write_mem || !ops->set_debug ||
	    !ops->resume || !ops->interrupt || !ops->kill || !ops->send)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->ctx = ctx;
	s->run = GDB_IDLE;
	gdb_bp_init(&s->bps, ops, ctx);
	gdb_rx_reset(&s->rx);
	return 0;
}

void gdb_stub_connected(struct gdb_stub *s)
{
	if (s->connected)
		gdb_stub_disconnected(s);
	s->connected = true;
	s->no_ack = false;
	s->swbreak_ok = s->hwbreak_ok = false;
	s->report_stop = false;
	s->has_waiting = false;
	s->tx_sent = 0;
	s->g_cpu = 0;
	s->c_thread = 0;
	gdb_rx_reset(&s->rx);
	if (s->run == GDB_IDLE) {
		/* The stop this asks for is not one gdb waits to be told. */
		s->run = GDB_RUNNING;
		interrupt(s);
	}
}

void gdb_stub_input(struct gdb_stub *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len && s->connected; i++) {
		switch (gdb_rx_byte(&s->rx, p[i])) {
		case GDB_RX_NONE:
			break;
		case GDB_RX_PACKET:
			ack(s, '+');
			packet(s);
			break;
		case GDB_RX_BAD:
			ack(s, '-');
			break;
		case GDB_RX_INTERRUPT:
			interrupt(s);
			break;
		case GDB_RX_NACK:
			if (s->no_ack || !s->tx_sent ||
			    s->tx_resends == GDB_MAX_RESENDS)
				break;
			s->tx_resends++;
			send_bytes(s, s->tx.buf, s->tx_sent);
			break;
		}
	}
}

void gdb_stub_stopped(struct gdb_stub *s, const struct gdb_stop *stop)
{
	if (s->run != GDB_RUNNING)
		return;
	s->run = GDB_STOPPED;
	s->interrupting = false;
	if (!s->connected) {
		release(s);
		return;
	}
	record_stop(s, stop);
	if (s->report_stop) {
		s->report_stop = false;
		gdb_reply(s, s->stop_reply);
	}
	if (s->has_waiting) {
		s->has_waiting = false;
		gdb_dispatch(s, s->waiting, s->waiting_len);
	}
}

void gdb_stub_disconnected(struct gdb_stub *s)
{
	if (!s->connected)
		return;
	s->connected = false;
	s->has_waiting = false;
	if (s->run == GDB_STOPPED)
		release(s);
	else
		interrupt(s); /* release() follows the stop */
}
