// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the gdb stub (vmm/gdb_stub.c, gdb_commands.c,
 * gdb_packet.c, gdb_breakpoints.c, arch/x86/gdb_regs.c): whatever a peer on the gdb
 * socket sends, interleaved with the target's stop reports, connections
 * and disconnections, against the fake machine of
 * tests/unit/fake_gdb_target.h.
 *
 * Input: one byte, then operations.
 *
 *   [0]  bits 0-1: vCPUs - 1; bit 2: the target reports each stop from
 *        inside resume() or interrupt()
 *   then, by the operation's first byte h:
 *   0x00-0x7f  the next (h + 1) bytes, as gdb_stub_input() gets them
 *   0x80-0xbf  a stop report: kind (h & 3) % 3, vCPU (h >> 2) & 7 (some
 *              past the last), DR6 from the next byte (bits 0-3 B0-B3,
 *              bit 4 BS); a real stop if the stub awaits one, else
 *              one it must ignore
 *   0xc0-0xdf  the next byte ((h & 0x1f) + 1) * 1024 times: packets past
 *              the limit
 *   0xe0       the connection ends; 0xe1 a gdb connects (unless k
 *              ended the run)
 *   0xe2       set_debug() starts or stops failing
 *   0xe3       get_regs() and set_regs() start or stop failing
 *   others     nothing
 *
 * The input starts connected and stopped. Oracles, besides ASan and
 * UBSan: the fake's misuse count stays 0 (memory, registers or
 * set_debug while the vCPUs run, resume while they run, set_debug naming
 * an address without an int3); every int3 the stub holds is in memory;
 * each send is one ack or one well-formed packet of at most
 * GDB_PACKET_MAX data bytes; at the end, disconnected (and the stop that
 * asks for delivered), the vCPUs run with an empty debug state and the
 * stub holds nothing. KESTREL_FUZZ_VERBOSE=1 prints what the stub sends.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_guest.h"
#include "tests/unit/fake_gdb_target.h"
#include "vmm/gdb_stub.h"
#include "runtime/log.h"

static struct gdb_stub stub;
static struct fake_gdb_target fake;
static struct gdb_target_ops ops;
static uint8_t repeat[32 * 1024];
static bool set_debug_failed; /* then the end state is the target's fault */

/* Each send is one ack or one whole, well-formed packet. */
static int check_send(void *ctx, const void *buf, size_t len)
{
	const char *p = buf;
	uint8_t sum = 0;
	unsigned int given;

	(void)ctx;
	if (fuzz_verbose)
		fprintf(stderr, "stub: %.*s\n", (int)len, p);
	if (len == 1 && (*p == '+' || *p == '-'))
		return 0;
	if (len < 4 || p[0] != '$' || p[len - 3] != '#')
		fuzz_fail("sent %zu bytes that are no packet", len);
	if (len - 4 > GDB_PACKET_MAX)
		fuzz_fail("a packet of %zu data bytes", len - 4);
	for (size_t i = 1; i < len - 3; i++) {
		if (p[i] == '$' || p[i] == '#')
			fuzz_fail("'%c' inside a packet", p[i]);
		sum += (uint8_t)p[i];
	}
	if (sscanf(p + len - 2, "%2x", &given) != 1 || given != sum)
		fuzz_fail("checksum %.2s, data sums to %02x", p + len - 2, sum);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_verbose = getenv("KESTREL_FUZZ_VERBOSE") != NULL;
	log_threshold = fuzz_verbose ? LOG_DEBUG : LOG_ERROR;
	ops = fake_gdb_ops;
	ops.send = check_send;
	return 0;
}

static void check(void)
{
	if (fake.misuse)
		fuzz_fail("the stub broke the target's contract");
	for (unsigned int i = 0; i < stub.bps.nr_sw; i++)
		if (*fake_gdb_byte(&fake, stub.bps.sw[i].addr) != GDB_INT3)
			fuzz_fail("no int3 at %#llx",
				  (unsigned long long)stub.bps.sw[i].addr);
}

static void stop(uint8_t h, uint8_t dr6_bits)
{
	struct gdb_stop spurious = {
		.kind = (enum gdb_stop_kind)((h & 3) % 3),
		.cpu = (h >> 2) & 7,
		.dr6 = (dr6_bits & 0xf) | (dr6_bits & 0x10 ? 1 << 14 : 0),
	};

	if (stub.run == GDB_RUNNING && fake.stop_owed)
		fake_gdb_stop(&fake, &stub, spurious.kind, spurious.cpu,
			      spurious.dr6);
	else
		gdb_stub_stopped(&stub, &spurious);
}

static void finish(void)
{
	gdb_stub_disconnected(&stub);
	if (stub.run == GDB_RUNNING) {
		if (!fake.stop_owed)
			fuzz_fail("the stub awaits a stop it never asked for");
		fake_gdb_stop(&fake, &stub, GDB_STOP_INTERRUPT, 0, 0);
	}
	check();
	if (fake.kills)
		return;
	if (stub.run != GDB_IDLE || stub.bps.nr_sw)
		fuzz_fail("disconnected, the stub still holds the vCPUs");
	for (unsigned int n = 0; n < GDB_NR_DEBUG_REGS; n++)
		if (stub.bps.dr[n].used)
			fuzz_fail("disconnected, DR%u still in use", n);
	if (set_debug_failed)
		return; /* the target may have kept a breakpoint and stopped */
	if (!fake.running)
		fuzz_fail("disconnected, the vCPUs were not resumed");
	if (fake.set_debugs &&
	    (fake.debug.nr_sw_bp || fake.debug.dr7 || fake.debug.single_step))
		fuzz_fail("disconnected, the vCPUs still run with gdb's state");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 1;

	if (size < 1)
		return 0;
	fake_gdb_init(&fake, (data[0] & 3) + 1);
	for (size_t b = 0; b < FAKE_GDB_MEM_SIZE; b++)
		fake.mem[b] = (uint8_t)(b * 7);
	if (gdb_stub_init(&stub, &ops, &fake))
		fuzz_fail("gdb_stub_init failed");
	gdb_stub_connected(&stub);
	fake_gdb_stop(&fake, &stub, GDB_STOP_INTERRUPT, 0, 0);
	if (data[0] & 4)
		fake.stop_at_once = &stub;
	set_debug_failed = false;
	while (i < size) {
		uint8_t h = data[i++];
		size_t n;

		if (h < 0x80) {
			n = h + 1U < size - i ? h + 1U : size - i;
			gdb_stub_input(&stub, data + i, n);
			i += n;
		} else if (h < 0xc0) {
			stop(h, i < size ? data[i] : 0);
			i++;
		} else if (h < 0xe0) {
			n = ((h & 0x1fU) + 1) * 1024;
			memset(repeat, i < size ? data[i] : '$', n);
			gdb_stub_input(&stub, repeat, n);
			i++;
		} else if (h == 0xe0) {
			gdb_stub_disconnected(&stub);
		} else if (h == 0xe1 && !fake.kills) {
			gdb_stub_connected(&stub); /* not once the run ended */
		} else if (h == 0xe2) {
			fake.fail_set_debug = !fake.fail_set_debug;
			set_debug_failed = true;
		} else if (h == 0xe3) {
			fake.fail_regs = !fake.fail_regs;
		}
		check();
	}
	fake.fail_set_debug = false;
	finish();
	return 0;
}
