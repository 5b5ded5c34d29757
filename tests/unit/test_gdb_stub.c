// SPDX-License-Identifier: MIT
/* The gdb stub against a fake target: framing, commands, breakpoints. */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>

#include "arch/x86/gdb_regs.h"
#include "fake_gdb_target.h"
#include "vmm/gdb_stub.h"

struct t {
	struct gdb_stub stub;
	struct fake_gdb_target f;
	bool no_ack;
};

static struct gdb_stub *S(void **state)
{
	return &((struct t *)*state)->stub;
}

static struct fake_gdb_target *F(void **state)
{
	return &((struct t *)*state)->f;
}

static void feed(void **state, const void *buf, size_t len)
{
	gdb_stub_input(S(state), buf, len);
}

static void feed_str(void **state, const char *text)
{
	feed(state, text, strlen(text));
}

static uint8_t checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

/* Sends data framed as gdb frames it. */
static void send_data(void **state, const void *data, size_t len)
{
	static char frame[GDB_PACKET_MAX * 2];

	assert_true(len + 4 <= sizeof(frame));
	frame[0] = '$';
	memcpy(frame + 1, data, len);
	snprintf(frame + 1 + len, 4, "#%02x", checksum(data, len));
	feed(state, frame, len + 4);
}

static void send_pkt(void **state, const char *data)
{
	send_data(state, data, strlen(data));
}

/* data as a packet on the wire. */
static const char *framed(const char *data)
{
	static char frame[GDB_PACKET_MAX + 8];

	snprintf(frame, sizeof(frame), "$%s#%02x", data,
		 checksum(data, strlen(data)));
	return frame;
}

/* What the stub sent since last asked, as one string. */
static const char *take_out(void **state)
{
	static char out[FAKE_GDB_OUT_MAX];
	struct fake_gdb_target *f = F(state);

	assert_false(f->out_overflow);
	memcpy(out, f->out, f->out_len + 1);
	fake_gdb_clear_out(f);
	return out;
}

/* The data of the one packet out holds. */
static const char *packet_data(const char *out)
{
	static char data[GDB_PACKET_MAX + 1];
	const char *hash;
	unsigned int sum;
	size_t len;

	assert_int_equal(out[0], '$');
	hash = strchr(out, '#');
	assert_non_null(hash);
	assert_int_equal(strlen(hash), 3);
	len = (size_t)(hash - out - 1);
	assert_true(len <= GDB_PACKET_MAX);
	memcpy(data, out + 1, len);
	data[len] = '\0';
	assert_int_equal(sscanf(hash + 1, "%2x", &sum), 1);
	assert_int_equal(sum, checksum(data, len));
	return data;
}

/* The data of the one packet (behind its ack) the stub sent. */
static const char *reply_of(void **state)
{
	const char *out = take_out(state);

	if (!((struct t *)*state)->no_ack) {
		assert_int_equal(out[0], '+');
		out++;
	}
	return packet_data(out);
}

static const char *ask(void **state, const char *data)
{
	send_pkt(state, data);
	return reply_of(state);
}

static void expect(void **state, const char *data, const char *reply)
{
	assert_string_equal(ask(state, data), reply);
}

/* Connected, stopped, with two vCPUs whose memory holds its offsets. */
static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	fake_gdb_init(&t->f, 2);
	for (size_t i = 0; i < FAKE_GDB_MEM_SIZE; i++)
		t->f.mem[i] = (uint8_t)i;
	assert_int_equal(gdb_stub_init(&t->stub, &fake_gdb_ops, &t->f), 0);
	gdb_stub_connected(&t->stub);
	assert_int_equal(t->f.interrupts, 1);
	fake_gdb_stop(&t->f, &t->stub, GDB_STOP_INTERRUPT, 0, 0);
	assert_int_equal(t->f.out_len, 0); /* gdb asks with '?' */
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(F(state)->misuse, 0);
	free(*state);
	return 0;
}

/* Continues with c and stops the vCPUs again as the target would. */
static const char *cont_and_stop(void **state, enum gdb_stop_kind kind,
				 unsigned int cpu, uint64_t dr6)
{
	send_pkt(state, "c");
	assert_string_equal(take_out(state),
			    ((struct t *)*state)->no_ack ? "" : "+");
	assert_true(F(state)->running);
	fake_gdb_stop(F(state), S(state), kind, cpu, dr6);
	return packet_data(take_out(state));
}

/* --- framing --- */

static void test_ack_and_reply(void **state)
{
	feed_str(state, "+"); /* gdb's first ack: nothing to answer */
	assert_string_equal(take_out(state), "");
	send_pkt(state, "?");
	assert_string_equal(take_out(state), "+$T05thread:1;#d7");
}

static void test_bad_checksum_nacked(void **state)
{
	feed_str(state, "$?#00");
	assert_string_equal(take_out(state), "-");
	feed_str(state, "$?#zz"); /* not even hex */
	assert_string_equal(take_out(state), "-");
	feed_str(state, "$?#3");
	assert_string_equal(take_out(state), "");
	feed_str(state, "f"); /* the right digits, split */
	assert_string_equal(take_out(state), "+$T05thread:1;#d7");
}

static void test_split_and_joined_packets(void **state)
{
	const char *two = "$?#3f$qC#b4";

	for (size_t i = 0; i < strlen(two); i++)
		feed(state, two + i, 1);
	assert_string_equal(take_out(state), "+$T05thread:1;#d7+$QC1#c5");
	feed_str(state, "junk+$qC#b4$?#3f");
	assert_string_equal(take_out(state), "+$QC1#c5+$T05thread:1;#d7");
}

static void test_dollar_restarts_packet(void **state)
{
	feed_str(state, "$qSupp$?#3f");
	assert_string_equal(take_out(state), "+$T05thread:1;#d7");
}

static void test_oversized_packet_dropped(void **state)
{
	static char big[GDB_PACKET_MAX + 100];

	memset(big, 'm', sizeof(big));
	send_data(state, big, sizeof(big));
	assert_string_equal(take_out(state), "-");
	/* Exactly the limit is a packet (an unknown one). */
	send_data(state, big, GDB_PACKET_MAX);
	assert_string_equal(reply_of(state), "E22");
	expect(state, "?", "T05thread:1;");
}

static void test_no_ack_mode(void **state)
{
	struct t *t = *state;

	expect(state, "QStartNoAckMode", "OK");
	t->no_ack = true;
	feed_str(state, "+"); /* gdb acks the OK */
	expect(state, "?", "T05thread:1;");
	feed_str(state, "$?#00"); /* dropped, not nacked */
	assert_string_equal(take_out(state), "");
	feed_str(state, "-"); /* and nothing is resent */
	assert_string_equal(take_out(state), "");
}

static void test_nack_resends(void **state)
{
	static char three[3 * (GDB_PACKET_MAX + 8)];

	expect(state, "qC", "QC1");
	snprintf(three, sizeof(three), "%s%s%s", framed("QC1"), framed("QC1"),
		 framed("QC1"));
	/* As often as gdb would ask, no more. */
	feed_str(state, "---");
	assert_string_equal(take_out(state), three);
	feed_str(state, "-");
	assert_string_equal(take_out(state), "");
	expect(state, "qC", "QC1");
	feed_str(state, "-");
	assert_string_equal(take_out(state), framed("QC1"));
}

static void test_unknown_packets_empty(void **state)
{
	expect(state, "vMustReplyEmpty", "");
	expect(state, "qTStatus", "");
	expect(state, "qOffsets", "");
	expect(state, "", "");
	expect(state, "qXfer:threads:read::0,100", "");
	expect(state, "Z9,1000,1", "");
}

static void test_binary_bytes_in_packet(void **state)
{
	/* 0x03 and '$'-free binary inside a packet is data, not an interrupt. */
	static const uint8_t x[] = "X1000,2:\x03\x7d\x5d";

	send_data(state, x, sizeof(x) - 1);
	assert_string_equal(reply_of(state), "OK");
	assert_int_equal(F(state)->interrupts, 1);
	assert_int_equal(F(state)->mem[0], 0x03);
	assert_int_equal(F(state)->mem[1], 0x7d);
}

/* --- connection and run control --- */

static void test_packets_wait_for_first_stop(void **state)
{
	struct gdb_stub *s = S(state);
	struct fake_gdb_target *f = F(state);

	gdb_stub_disconnected(s);
	assert_true(f->running);
	fake_gdb_clear_out(f);
	gdb_stub_connected(s);
	assert_int_equal(f->interrupts, 2);
	send_pkt(state, "qSupported:swbreak+;hwbreak+");
	send_pkt(state, "?"); /* gdb never does this: dropped */
	feed_str(state, "\x03"); /* the stop is on its way already */
	assert_int_equal(f->interrupts, 2);
	assert_string_equal(take_out(state), "++");
	fake_gdb_stop(f, s, GDB_STOP_INTERRUPT, 1, 0);
	assert_string_equal(take_out(state),
			    framed("PacketSize=4000;qXfer:features:read+;"
				   "swbreak+;hwbreak+;QStartNoAckMode+;"
				   "vContSupported+"));
	expect(state, "?", "T05thread:2;");
	expect(state, "qC", "QC2");
}

static void test_interrupt_while_running(void **state)
{
	struct fake_gdb_target *f = F(state);

	feed_str(state, "\x03"); /* stopped: nothing to interrupt */
	assert_int_equal(f->interrupts, 1);
	send_pkt(state, "c");
	assert_int_equal(f->resumes, 1);
	assert_int_equal(f->step_cpu, -1);
	feed_str(state, "\x03\x03");
	assert_int_equal(f->interrupts, 2);
	fake_gdb_stop(f, S(state), GDB_STOP_INTERRUPT, 1, 0);
	assert_string_equal(reply_of(state), "T02thread:2;");
	/* Hg follows the stopped thread, as gdb assumes. */
	expect(state, "qC", "QC2");
}

static void test_continue_sets_debug_first(void **state)
{
	struct fake_gdb_target *f = F(state);

	expect(state, "Z0,1010,1", "OK");
	assert_string_equal(cont_and_stop(state, GDB_STOP_SW_BREAKPOINT, 0, 0),
			    "T05thread:1;");
	assert_int_equal(f->set_debugs, 1);
	assert_false(f->debug.single_step);
	assert_int_equal(f->debug.nr_sw_bp, 1);
	assert_int_equal(f->debug.sw_bp[0], 0x1010);
	assert_int_equal(f->debug.dr7, 0);
}

static void test_swbreak_reported_when_gdb_knows(void **state)
{
	expect(state,
	       "qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386",
	       "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;"
	       "QStartNoAckMode+;vContSupported+");
	assert_string_equal(cont_and_stop(state, GDB_STOP_SW_BREAKPOINT, 1, 0),
			    "T05thread:2;swbreak:;");
	expect(state, "?", "T05thread:2;swbreak:;");
}

static void test_step_and_signals(void **state)
{
	struct fake_gdb_target *f = F(state);

	send_pkt(state, "s");
	assert_int_equal(f->step_cpu, 0);
	assert_true(f->debug.single_step);
	fake_gdb_stop(f, S(state), GDB_STOP_DEBUG_TRAP, 0, 1 << 14);
	assert_string_equal(reply_of(state), "T05thread:1;");
	expect(state, "Hc2", "OK");
	send_pkt(state, "S05");
	assert_int_equal(f->step_cpu, 1);
	fake_gdb_stop(f, S(state), GDB_STOP_DEBUG_TRAP, 1, 1 << 14);
	assert_string_equal(reply_of(state), "T05thread:2;");
	send_pkt(state, "C0b");
	assert_int_equal(f->step_cpu, -1);
	assert_false(f->debug.single_step);
	fake_gdb_stop(f, S(state), GDB_STOP_INTERRUPT, 0, 0);
	assert_string_equal(reply_of(state), "T02thread:1;");
	expect(state, "C", "E22");
	expect(state, "sxyz", "E22");
	assert_false(f->running);
}

static void test_continue_and_step_at_address(void **state)
{
	struct fake_gdb_target *f = F(state);

	send_pkt(state, "c2000");
	assert_int_equal(f->regs[0].rip, 0x2000);
	fake_gdb_stop(f, S(state), GDB_STOP_INTERRUPT, 0, 0);
	reply_of(state);
	send_pkt(state, "S05;3000");
	assert_int_equal(f->regs[0].rip, 0x3000);
	assert_int_equal(f->step_cpu, 0);
	fake_gdb_stop(f, S(state), GDB_STOP_DEBUG_TRAP, 0, 1 << 14);
	assert_string_equal(reply_of(state), "T05thread:1;");
}

static void test_vcont(void **state)
{
	struct fake_gdb_target *f = F(state);

	expect(state, "vCont?", "vCont;c;C;s;S");
	send_pkt(state, "vCont;s:2;c");
	assert_int_equal(f->step_cpu, 1);
	assert_true(f->debug.single_step);
	fake_gdb_stop(f, S(state), GDB_STOP_DEBUG_TRAP, 1, 1 << 14);
	assert_string_equal(reply_of(state), "T05thread:2;");
	send_pkt(state, "vCont;c:1");
	assert_int_equal(f->step_cpu, -1);
	fake_gdb_stop(f, S(state), GDB_STOP_INTERRUPT, 0, 0);
	reply_of(state);
	send_pkt(state, "vCont;S05:-1");
	assert_int_equal(f->step_cpu, 0); /* the thread that stopped */
	fake_gdb_stop(f, S(state), GDB_STOP_DEBUG_TRAP, 0, 1 << 14);
	reply_of(state);
	send_pkt(state, "vCont;C05");
	assert_int_equal(f->step_cpu, -1);
	fake_gdb_stop(f, S(state), GDB_STOP_INTERRUPT, 0, 0);
	reply_of(state);
	expect(state, "vCont", "E22");
	expect(state, "vCont;t", "E22");
	expect(state, "vCont;s:3", "E22");
	expect(state, "vCont;s:1x", "E22");
	expect(state, "vCont;C", "E22");
	assert_int_equal(f->resumes, 4);
}

static void test_stop_inside_resume(void **state)
{
	struct fake_gdb_target *f = F(state);

	f->stop_at_once = S(state);
	expect(state, "s", "T05thread:1;");
	assert_false(f->running);
	expect(state, "vCont;s:2", "T05thread:2;");
	expect(state, "Z0,1010,1", "OK");
	expect(state, "c", "T05thread:1;");
	/* A stop nobody awaits is ignored. */
	fake_gdb_stop(f, S(state), GDB_STOP_INTERRUPT, 1, 0);
	assert_string_equal(take_out(state), "");
	expect(state, "qC", "QC1");
	f->stop_at_once = NULL;
}

static void test_set_debug_failure(void **state)
{
	struct fake_gdb_target *f = F(state);

	f->fail_set_debug = true;
	expect(state, "c", "E05");
	assert_int_equal(f->resumes, 0);
	expect(state, "?", "T05thread:1;");
}

static void test_kill(void **state)
{
	struct fake_gdb_target *f = F(state);

	expect(state, "Z0,1010,1", "OK");
	send_pkt(state, "k");
	assert_string_equal(take_out(state), "+");
	assert_int_equal(f->kills, 1);
	send_pkt(state, "?");
	assert_string_equal(take_out(state), "");
	gdb_stub_disconnected(S(state));
	assert_int_equal(f->resumes, 0);
}

static void test_detach_cleans_up(void **state)
{
	struct fake_gdb_target *f = F(state);

	expect(state, "Z0,1010,1", "OK");
	expect(state, "Z0,2020,1", "OK");
	expect(state, "Z2,1100,4", "OK");
	assert_int_equal(f->mem[0x10], GDB_INT3);
	send_pkt(state, "D;1");
	assert_string_equal(reply_of(state), "OK");
	assert_int_equal(f->mem[0x10], 0x10);
	assert_int_equal(f->mem[0x1020], 0x20);
	assert_int_equal(f->set_debugs, 1);
	assert_int_equal(f->debug.nr_sw_bp, 0);
	assert_int_equal(f->debug.dr7, 0);
	assert_false(f->debug.single_step);
	assert_int_equal(f->step_cpu, -1);
	assert_true(f->running);
	send_pkt(state, "?"); /* detached: nothing more is answered */
	assert_string_equal(take_out(state), "");
	gdb_stub_disconnected(S(state));
	assert_int_equal(f->resumes, 1);
	assert_int_equal(f->interrupts, 1);
}

static void test_disconnect_while_running(void **state)
{
	struct gdb_stub *s = S(state);
	struct fake_gdb_target *f = F(state);

	expect(state, "Z0,1010,1", "OK");
	expect(state, "Z1,1020,1", "OK");
	send_pkt(state, "c");
	take_out(state);
	gdb_stub_disconnected(s);
	/* Memory waits for the vCPUs to stop. */
	assert_int_equal(f->interrupts, 2);
	assert_int_equal(f->mem[0x10], GDB_INT3);
	fake_gdb_stop(f, s, GDB_STOP_INTERRUPT, 0, 0);
	assert_string_equal(take_out(state), "");
	assert_int_equal(f->mem[0x10], 0x10);
	assert_int_equal(f->debug.nr_sw_bp, 0);
	assert_int_equal(f->debug.dr7, 0);
	assert_true(f->running);
	assert_int_equal(f->resumes, 2);
	/* A new gdb finds nothing of the old one's. */
	gdb_stub_connected(s);
	fake_gdb_stop(f, s, GDB_STOP_INTERRUPT, 0, 0);
	expect(state, "m1010,1", "10");
	expect(state, "?", "T05thread:1;");
}

static void test_reconnect_before_stop(void **state)
{
	struct gdb_stub *s = S(state);
	struct fake_gdb_target *f = F(state);

	send_pkt(state, "c");
	take_out(state);
	gdb_stub_disconnected(s);
	gdb_stub_connected(s); /* the stop asked for serves the new gdb */
	assert_int_equal(f->interrupts, 2);
	send_pkt(state, "?");
	fake_gdb_stop(f, s, GDB_STOP_INTERRUPT, 1, 0);
	assert_string_equal(reply_of(state), "T05thread:2;");
	assert_false(f->running);
}

static void test_init_checks_ops(void **state)
{
	struct gdb_target_ops ops = fake_gdb_ops;
	struct gdb_stub *s = malloc(sizeof(*s));

	assert_non_null(s);
	ops.kill = NULL;
	assert_int_equal(gdb_stub_init(s, &ops, F(state)), -EINVAL);
	free(s);
}

/* --- threads --- */

static void test_threads(void **state)
{
	struct fake_gdb_target *f = F(state);
	char first[512] = "m", next[512] = "m";

	expect(state, "qfThreadInfo", "m1,2");
	expect(state, "qsThreadInfo", "l");
	expect(state, "T1", "OK");
	expect(state, "T2", "OK");
	expect(state, "T3", "E22");
	expect(state, "T0", "E22");
	expect(state, "Tz", "E22");
	expect(state, "qThreadExtraInfo,2", "4350552331"); /* CPU#1 */
	expect(state, "qThreadExtraInfo,5", "E22");
	expect(state, "qAttached", "1");
	expect(state, "qAttached:1", "1");
	expect(state, "qSymbol::", "OK");
	/* Many vCPUs: the list comes in pieces. */
	f->nr_cpus = 100;
	for (unsigned int i = 1; i <= 100; i++) {
		char *list = i <= 64 ? first : next;

		snprintf(list + strlen(list), 8, "%s%x",
			 (i == 1 || i == 65) ? "" : ",", i);
	}
	expect(state, "qfThreadInfo", first);
	expect(state, "qsThreadInfo", next);
	expect(state, "qsThreadInfo", "l");
	expect(state, "T64", "OK");
	f->nr_cpus = 2;
}

static void test_set_thread(void **state)
{
	struct fake_gdb_target *f = F(state);
	const char *regs;

	f->regs[1].gpr[X86_RAX] = 0x1122334455667788ULL;
	expect(state, "Hg2", "OK");
	regs = ask(state, "g");
	assert_memory_equal(regs, "8877665544332211", 16);
	expect(state, "qC", "QC2");
	expect(state, "Hg0", "OK"); /* any: stays */
	expect(state, "qC", "QC2");
	expect(state, "Hg3", "E22");
	expect(state, "Hc-1", "OK");
	expect(state, "Hc1", "OK");
	expect(state, "Hx1", "E22");
	expect(state, "Hg", "E22");
	expect(state, "Hgp1.1", "E22");
}

/* --- registers --- */

/* v as gdb's packets carry it: little-endian hex. */
static const char *le_hex(uint64_t v, unsigned int bytes)
{
	static char hex[17];

	for (unsigned int i = 0; i < bytes; i++)
		snprintf(hex + 2 * i, 3, "%02x",
			 (unsigned int)(v >> (8 * i)) & 0xff);
	return hex;
}

static void test_read_registers(void **state)
{
	static const uint64_t sys[9] = { 0x7f0000001000ULL,
					 0xffff888000000000ULL,
					 0x1234,
					 0x80050033,
					 0xdead000,
					 0x1000,
					 0x3406f0,
					 0xf,
					 0xd01 };
	struct x86_cpu_state *r = &F(state)->regs[0];
	const char *g;

	for (int i = 0; i < X86_NR_GPRS; i++)
		r->gpr[i] = 0x0101010101010101ULL * (uint64_t)(i + 1);
	r->rip = 0xffffffff81000000ULL;
	r->rflags = 0x246;
	for (int i = 0; i < X86_NR_SEGS; i++)
		r->seg[i].selector = (uint16_t)(0x10 + i);
	r->seg[X86_FS].base = sys[0];
	r->seg[X86_GS].base = sys[1];
	r->kernel_gs_base = sys[2];
	r->cr0 = sys[3];
	r->cr2 = sys[4];
	r->cr3 = sys[5];
	r->cr4 = sys[6];
	r->cr8 = sys[7];
	r->efer = sys[8];
	g = ask(state, "g");
	/* 16 gprs, rip, eflags, 6 selectors, x87, SSE, the rest. */
	assert_int_equal(strlen(g), 2 * (16 * 8 + 8 + 4 + 6 * 4 + 8 * 10 +
					 8 * 4 + 16 * 16 + 4 + 9 * 8));
	for (int i = 0; i < X86_NR_GPRS; i++)
		assert_memory_equal(g + 16 * i, le_hex(r->gpr[i], 8), 16);
	assert_memory_equal(g + 256, le_hex(r->rip, 8), 16);
	assert_memory_equal(g + 272, "46020000", 8);
	for (int i = 0; i < X86_NR_SEGS; i++)
		assert_memory_equal(g + 280 + 8 * i, le_hex(0x10 + i, 4), 8);
	/* x87 and SSE: unavailable */
	assert_int_equal(strspn(g + 328, "x"), 2 * (80 + 32 + 256 + 4));
	for (int i = 0; i < 9; i++)
		assert_memory_equal(g + 1072 + 16 * i, le_hex(sys[i], 8), 16);
}

static void test_read_one_register(void **state)
{
	struct fake_gdb_target *f = F(state);

	f->regs[0].rip = 0x1000;
	f->regs[0].efer = 0x500;
	expect(state, "p10", "0010000000000000");
	expect(state, "p18", "xxxxxxxxxxxxxxxxxxxx"); /* st0 */
	expect(state, "p28", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"); /* xmm0 */
	expect(state, "p38", "xxxxxxxx"); /* mxcsr */
	expect(state, "p41", "0005000000000000");
	expect(state, "p42", "E22");
	expect(state, "p", "E22");
	expect(state, "pffffffffffffffffff", "E22");
}

static void test_write_one_register(void **state)
{
	struct fake_gdb_target *f = F(state);

	f->regs[0].rflags = 0xffffffff00000002ULL; /* high half: kept */
	expect(state, "P10=efbeadde00000000", "OK");
	assert_int_equal(f->regs[0].rip, 0xdeadbeef);
	expect(state, "P11=46020000", "OK");
	assert_int_equal(f->regs[0].rflags, 0xffffffff00000246ULL);
	expect(state, "P12=33000000", "OK");
	assert_int_equal(f->regs[0].seg[X86_CS].selector, 0x33);
	expect(state, "P3e=0080000000000000", "OK"); /* cr3 */
	assert_int_equal(f->regs[0].cr3, 0x8000);
	assert_int_equal(f->set_regs_calls, 4);
	expect(state, "P18=00000000000000000000", "OK"); /* st0: dropped */
	assert_int_equal(f->set_regs_calls, 4);
	expect(state, "P10=efbeadde", "E22");
	expect(state, "P10=efbeadde0000000000", "E22");
	expect(state, "P10=efbeadde0000000g", "E22");
	expect(state, "P42=00", "E22");
	expect(state, "P10", "E22");
	expect(state, "Hg2", "OK");
	expect(state, "P10=0100000000000000", "OK");
	assert_int_equal(f->regs[1].rip, 1);
}

static void test_write_all_registers(void **state)
{
	struct fake_gdb_target *f = F(state);
	char g[GDB_PACKET_MAX + 1] = "G";
	struct x86_cpu_state *r = &f->regs[0];
	size_t end;

	r->gpr[X86_RSP] = 0x8000;
	r->rflags = 0x202;
	r->seg[X86_SS].selector = 0x18;
	r->seg[X86_SS].base = 0x5555; /* not in gdb's view: stays */
	r->cr4 = 0x20;
	strcat(g, ask(state, "g"));
	/* gdb sends what it has: unavailable registers as zeros */
	for (char *x = strchr(g, 'x'); x; x = strchr(x, 'x'))
		*x = '0';
	memcpy(g + 1, "0200000000000000", 16); /* rax */
	memset(r, 0, sizeof(*r));
	expect(state, g, "OK");
	assert_int_equal(r->gpr[X86_RAX], 2);
	assert_int_equal(r->gpr[X86_RSP], 0x8000);
	assert_int_equal(r->rflags, 0x202);
	assert_int_equal(r->seg[X86_SS].selector, 0x18);
	assert_int_equal(r->seg[X86_SS].base, 0);
	assert_int_equal(r->cr4, 0x20);
	/* As many whole registers as sent; none cut. */
	expect(state, "G0300000000000000", "OK");
	assert_int_equal(r->gpr[X86_RAX], 3);
	assert_int_equal(r->gpr[X86_RSP], 0x8000);
	expect(state, "G03000000000000", "E22");
	end = strlen(g);
	g[end - 1] = 'q';
	expect(state, g, "E22");
	g[end - 1] = '0';
	strcat(g, "00"); /* past the last register */
	expect(state, g, "E22");
}

/* --- memory --- */

static void test_read_memory(void **state)
{
	char expected[2 * 0x2000 + 1];

	expect(state, "m1000,4", "00010203");
	expect(state, "m10fe,4", "feff0001");
	expect(state, "m1000,0", "");
	/* Up to the hole, then an error where nothing is readable. */
	expect(state, "m4ffe,4", "feff");
	expect(state, "m5000,1", "E14");
	expect(state, "m0,10", "E14");
	expect(state, "mffffffffffffffff,10", "E14");
	/* A reply carries at most half a packet. */
	for (int i = 0; i < 0x2000; i++)
		snprintf(expected + 2 * i, 3, "%02x", i & 0xff);
	expect(state, "m5000,ffff", "E14");
	expect(state, "m1000,ffffffff", expected);
	expect(state, "m1000", "E22");
	expect(state, "m1000,", "E22");
	expect(state, "m,4", "E22");
	expect(state, "m1000,4x", "E22");
	expect(state, "m10000000000000000,1", "E22");
}

static void test_write_memory(void **state)
{
	struct fake_gdb_target *f = F(state);

	expect(state, "M1000,3:aabbcc", "OK");
	assert_memory_equal(f->mem, "\xaa\xbb\xcc\x03", 4);
	expect(state, "M1000,0:", "OK");
	expect(state, "M4fff,2:1122", "E14"); /* runs into the hole */
	assert_int_equal(f->mem[0x3fff], 0x11);
	expect(state, "M5000,1:11", "E14");
	expect(state, "Mffffffffffffffff,2:1122", "E14");
	expect(state, "M1000,2:11", "E22");
	expect(state, "M1000,1:1122", "E22");
	expect(state, "M1000,1:1g", "E22");
	expect(state, "M1000,ffffffff:11", "E22");
	expect(state, "M1000,1", "E22");
}

static void test_write_binary_memory(void **state)
{
	struct fake_gdb_target *f = F(state);
	static const uint8_t esc[] = "X1004,4:}\x03}\x04}]*";

	expect(state, "X1000,0:", "OK"); /* gdb's probe */
	send_data(state, esc, sizeof(esc) - 1);
	assert_string_equal(reply_of(state), "OK");
	assert_memory_equal(f->mem + 4, "#$}*", 4);
	expect(state, "X1000,2:a", "E22");
	expect(state, "X1000,1:ab", "E22");
	send_data(state, "X1000,1:}", 9); /* escape with nothing after */
	assert_string_equal(reply_of(state), "E22");
	expect(state, "X5000,1:a", "E14");
}

/* --- breakpoints --- */

static void test_software_breakpoint_shadowed(void **state)
{
	struct fake_gdb_target *f = F(state);

	expect(state, "Z0,1010,1", "OK");
	expect(state, "Z0,1010,1", "OK"); /* again: the same one */
	assert_int_equal(f->mem[0x10], GDB_INT3);
	/* gdb sees the byte it expects, in any read that covers it. */
	expect(state, "m1010,1", "10");
	expect(state, "m100e,4", "0e0f1011");
	/* A write over it keeps the int3 and saves the new byte. */
	expect(state, "M100f,3:a1a2a3", "OK");
	assert_memory_equal(f->mem + 0xf, "\xa1\xcc\xa3", 3);
	expect(state, "m1010,1", "a2");
	expect(state, "z0,1010,1", "OK");
	assert_int_equal(f->mem[0x10], 0xa2);
	expect(state, "z0,1010,1", "OK"); /* gone already */
	assert_int_equal(f->mem[0x10], 0xa2);
	expect(state, "Z0,5000,1", "E14"); /* unmapped */
}

static void test_breakpoint_guest_rewrote(void **state)
{
	struct fake_gdb_target *f = F(state);

	expect(state, "Z0,1010,1", "OK");
	f->mem[0x10] = 0x90; /* the kernel patched its text meanwhile */
	expect(state, "z0,1010,1", "OK");
	assert_int_equal(f->mem[0x10], 0x90);
}

static void test_software_breakpoints_full(void **state)
{
	struct fake_gdb_target *f = F(state);
	char z[32];

	for (int i = 0; i < GDB_MAX_SW_BREAKPOINTS; i++) {
		snprintf(z, sizeof(z), "Z0,%x,1", 0x1000 + i);
		expect(state, z, "OK");
	}
	expect(state, "Z0,2000,1", "E28");
	expect(state, "z0,1005,1", "OK");
	expect(state, "Z0,2000,1", "OK");
	send_pkt(state, "c");
	assert_int_equal(f->debug.nr_sw_bp, GDB_MAX_SW_BREAKPOINTS);
	fake_gdb_stop(f, S(state), GDB_STOP_INTERRUPT, 0, 0);
	reply_of(state);
}

static void test_hardware_breakpoints_and_dr7(void **state)
{
	struct fake_gdb_target *f = F(state);

	expect(state, "Z1,ffffffff81000000,1", "OK");
	expect(state, "Z2,2000,4", "OK");
	expect(state, "Z3,2008,8", "OK");
	expect(state, "Z4,2011,1", "OK");
	expect(state, "Z4,2012,2", "E28"); /* four debug registers */
	expect(state, "Z2,2000,4", "OK"); /* already there */
	send_pkt(state, "c");
	assert_int_equal(f->debug.dr[0], 0xffffffff81000000ULL);
	assert_int_equal(f->debug.dr[1], 0x2000);
	assert_int_equal(f->debug.dr[2], 0x2008);
	assert_int_equal(f->debug.dr[3], 0x2011);
	/*
	 * L0-L3, LE|GE; DR0 exec (RW 00, LEN 00), DR1 write 4 bytes (01,
	 * 11), DR2 read/write 8 bytes (11, 10), DR3 read/write 1 byte (11,
	 * 00).
	 */
	assert_int_equal(f->debug.dr7, 0x3bd00355ULL);
	fake_gdb_stop(f, S(state), GDB_STOP_INTERRUPT, 0, 0);
	reply_of(state);
	expect(state, "z2,2000,4", "OK");
	expect(state, "z1,ffffffff81000000,1", "OK");
	expect(state, "z3,2008,4", "OK"); /* not that length: stays */
	send_pkt(state, "c");
	assert_int_equal(f->debug.dr[0], 0);
	assert_int_equal(f->debug.dr7, 0x3b000350ULL);
	fake_gdb_stop(f, S(state), GDB_STOP_INTERRUPT, 0, 0);
	reply_of(state);
	expect(state, "Z2,2001,2", "E22"); /* unaligned */
	expect(state, "Z2,2000,3", "E22");
	expect(state, "Z2,2000,10", "E22");
	expect(state, "Z2,2000", "E22");
	expect(state, "Z2,2000,4;X1,0", "E22");
	expect(state, "z4,2011,1", "OK");
	expect(state, "z3,2008,8", "OK");
	send_pkt(state, "s");
	assert_int_equal(f->debug.dr7, 0);
	assert_true(f->debug.single_step);
	fake_gdb_stop(f, S(state), GDB_STOP_DEBUG_TRAP, 0, 1 << 14);
	reply_of(state);
}

static void test_stop_reasons(void **state)
{
	expect(state, "qSupported:swbreak+;hwbreak+",
	       "PacketSize=4000;"
	       "qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+;"
	       "vContSupported+");
	expect(state, "Z1,1010,1", "OK");
	expect(state, "Z2,2000,8", "OK");
	expect(state, "Z3,2010,4", "OK");
	expect(state, "Z4,2020,2", "OK");
	assert_string_equal(cont_and_stop(state, GDB_STOP_DEBUG_TRAP, 1, 0x1),
			    "T05thread:2;hwbreak:;");
	assert_string_equal(cont_and_stop(state, GDB_STOP_DEBUG_TRAP, 0, 0x2),
			    "T05thread:1;watch:2000;");
	assert_string_equal(cont_and_stop(state, GDB_STOP_DEBUG_TRAP, 0, 0x4),
			    "T05thread:1;rwatch:2010;");
	assert_string_equal(cont_and_stop(state, GDB_STOP_DEBUG_TRAP, 0, 0x8),
			    "T05thread:1;awatch:2020;");
	/* A watchpoint says more than a breakpoint or a step. */
	assert_string_equal(
		cont_and_stop(state, GDB_STOP_DEBUG_TRAP, 0, 0x4009),
		"T05thread:1;awatch:2020;");
	assert_string_equal(
		cont_and_stop(state, GDB_STOP_DEBUG_TRAP, 0, 0x4000),
		"T05thread:1;");
	/* The stop remembers its reason after the watchpoint goes. */
	expect(state, "z4,2020,2", "OK");
	assert_string_equal(cont_and_stop(state, GDB_STOP_DEBUG_TRAP, 0, 0x8),
			    "T05thread:1;");
	assert_string_equal(cont_and_stop(state, GDB_STOP_DEBUG_TRAP, 0, 0x2),
			    "T05thread:1;watch:2000;");
	expect(state, "z2,2000,8", "OK");
	expect(state, "?", "T05thread:1;watch:2000;");
	/* A vCPU number the target should not give: the first thread. */
	assert_string_equal(cont_and_stop(state, GDB_STOP_SW_BREAKPOINT, 9, 0),
			    "T05thread:1;swbreak:;");
}

static void test_hwbreak_only_when_gdb_knows(void **state)
{
	expect(state, "Z1,1010,1", "OK");
	assert_string_equal(cont_and_stop(state, GDB_STOP_DEBUG_TRAP, 0, 0x1),
			    "T05thread:1;");
}

/* --- target description --- */

static void test_target_xml(void **state)
{
	struct t *t = *state;
	static char xml[32768];
	size_t len = 0;
	char q[64];
	const char *r;

	expect(state, "QStartNoAckMode", "OK");
	t->no_ack = true;
	/* In pieces as small as gdb could ask for, then all at once. */
	do {
		snprintf(q, sizeof(q), "qXfer:features:read:target.xml:%zx,%x",
			 len, 999);
		r = ask(state, q);
		assert_true(r[0] == 'm' || r[0] == 'l');
		assert_true(strlen(r + 1) <= 999);
		memcpy(xml + len, r + 1, strlen(r + 1));
		len += strlen(r + 1);
	} while (r[0] == 'm');
	assert_int_equal(len, gdb_x86_target_xml_len);
	assert_memory_equal(xml, gdb_x86_target_xml, len);
	r = ask(state, "qXfer:features:read:target.xml:0,ffff");
	assert_int_equal(r[0], 'l');
	assert_string_equal(r + 1, gdb_x86_target_xml);
	expect(state, "qXfer:features:read:target.xml:ffff,10", "l");
	expect(state, "qXfer:features:read:other.xml:0,10", "E02");
	expect(state, "qXfer:features:read:target.xml:0", "E22");
	expect(state, "qXfer:features:read:target.xml:,10", "E22");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_ack_and_reply),
		T(test_bad_checksum_nacked),
		T(test_split_and_joined_packets),
		T(test_dollar_restarts_packet),
		T(test_oversized_packet_dropped),
		T(test_no_ack_mode),
		T(test_nack_resends),
		T(test_unknown_packets_empty),
		T(test_binary_bytes_in_packet),
		T(test_packets_wait_for_first_stop),
		T(test_interrupt_while_running),
		T(test_continue_sets_debug_first),
		T(test_swbreak_reported_when_gdb_knows),
		T(test_step_and_signals),
		T(test_continue_and_step_at_address),
		T(test_vcont),
		T(test_stop_inside_resume),
		T(test_set_debug_failure),
		T(test_kill),
		T(test_detach_cleans_up),
		T(test_disconnect_while_running),
		T(test_reconnect_before_stop),
		T(test_init_checks_ops),
		T(test_threads),
		T(test_set_thread),
		T(test_read_registers),
		T(test_read_one_register),
		T(test_write_one_register),
		T(test_write_all_registers),
		T(test_read_memory),
		T(test_write_memory),
		T(test_write_binary_memory),
		T(test_software_breakpoint_shadowed),
		T(test_breakpoint_guest_rewrote),
		T(test_software_breakpoints_full),
		T(test_hardware_breakpoints_and_dr7),
		T(test_stop_reasons),
		T(test_hwbreak_only_when_gdb_knows),
		T(test_target_xml),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
