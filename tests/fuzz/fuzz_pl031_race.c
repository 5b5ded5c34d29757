// SPDX-License-Identifier: MIT
/*
 * libFuzzer target racing two vCPUs on the PL031 RTC (devices/pl031.c):
 * both read and write its registers, step the fake host clock and check
 * the line under the device lock, at once; the device's mutex is what
 * keeps the line equal to RIS & IMSC. A fresh device for each input; the
 * threads are fuzz_race()'s (tests/fuzz/fuzz_guest.h).
 *
 * Input: [0..7] the host clock at the start (seconds, % 2^34), then a
 * sequence of FUZZ_OP_SIZE-byte operations
 *
 *   [0]      bits 0-2: what (0-3: an access, as pl031_fuzz_decode() in
 *            fuzz_pl031.h says; 4: the clock steps on value % 8 seconds;
 *            5: it steps back value % 16 seconds or, with value's top
 *            bit, is set to value % 2^34; 6: check the line under the
 *            device lock; 7: sync or spin, see fuzz_race());
 *            bit 6: done by vCPU 1 (else vCPU 0); bit 7: a write
 *   [1]      size, where, relative value (fuzz_pl031.h; relative to
 *            the DR the vCPU reads first)
 *   [2..5]   off (32 bit)
 *   [6..13]  value (64 bit)
 *
 * Oracles besides ASan/UBSan: whenever the device is unlocked, the line
 * (recorded by its set_level callback, which must be called with the
 * device locked, for its GSI, at level 0 or 1) equals RIS & IMSC; RIS
 * and IMSC hold only bit 0; whatever the interleaving, an access that is
 * not an aligned 32-bit one inside the window reads 0, CR reads 1, the ID
 * registers read ARM's IDs, reserved offsets, ICR and MIS beyond bit 0
 * read 0; once both vCPUs are done, MIS read back equals the line.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "devices/pl031.h"
#include "tests/fuzz/fuzz_guest.h"
#include "tests/fuzz/fuzz_pl031.h"

#define MAX_OPS 512
#define HDR_SIZE 8
#define GSI 34

static struct fuzz_guest guest;
static struct pl031 rtc;
static _Atomic int64_t host;
static atomic_int level;

static time_t fake_now(void)
{
	return (time_t)atomic_load(&host);
}

static void set_level(void *ctx, uint32_t gsi, int lvl)
{
	if (ctx != &rtc || gsi != GSI)
		fuzz_fail("set_level(%p, gsi %u): not the RTC's line", ctx,
			  gsi);
	if (lvl != 0 && lvl != 1)
		fuzz_fail("set_level: level %d", lvl);
	if (!pl031_fuzz_lock_held(&rtc.lock))
		fuzz_fail("set_level called without the device lock");
	atomic_store(&level, lvl);
}

static void step_clock(int64_t delta, bool set, int64_t to)
{
	int64_t old = atomic_load(&host), new;

	do
		new = set ? to : pl031_fuzz_clamp(old + delta);
	while (!atomic_compare_exchange_weak(&host, &old, new));
}

static void check(void)
{
	pthread_mutex_lock(&rtc.lock);
	if ((rtc.ris | rtc.imsc) & ~1U)
		fuzz_fail("RIS %#x, IMSC %#x: bits past the one interrupt",
			  rtc.ris, rtc.imsc);
	if (atomic_load(&level) != (int)(rtc.ris & rtc.imsc))
		fuzz_fail("the device is unlocked with the line at %d but "
			  "RIS %#x & IMSC %#x",
			  atomic_load(&level), rtc.ris, rtc.imsc);
	pthread_mutex_unlock(&rtc.lock);
}

/* A read whose value no other vCPU can change must be what it is. */
static void check_read(uint64_t off, unsigned int size, uint64_t v)
{
	uint64_t want = 0;

	if (size != 4 || (off & 3) || off >= PL031_MMIO_SIZE) {
		want = 0;
	} else if (off >= PL031_FUZZ_ID) {
		want = pl031_fuzz_id[(off - PL031_FUZZ_ID) / 4];
	} else if (off == PL031_FUZZ_CR) {
		want = 1;
	} else if (off == PL031_FUZZ_IMSC || off == PL031_FUZZ_RIS ||
		   off == PL031_FUZZ_MIS) {
		if (v > 1)
			fuzz_fail("register %#x reads %#llx", (unsigned int)off,
				  (unsigned long long)v);
		return;
	} else if (off < PL031_FUZZ_ICR) {
		return; /* DR, MR, LR: any 32-bit value */
	}
	if (v != want)
		fuzz_fail("a read of %u bytes at %#llx: %#llx, not %#llx", size,
			  (unsigned long long)off, (unsigned long long)v,
			  (unsigned long long)want);
}

static void vcpu_op(const uint8_t *op)
{
	struct pl031_fuzz_access a;
	uint64_t v = fuzz_le64(op + 6);

	switch (op[0] & 7) {
	case 4:
		step_clock((int64_t)(v % 8), false, 0);
		return;
	case 5:
		if (v >> 63)
			step_clock(
				0, true,
				(int64_t)(v % (uint64_t)PL031_FUZZ_HOST_MAX));
		else
			step_clock(-(int64_t)(v % 16), false, 0);
		return;
	case 6:
		check();
		return;
	default:
		break;
	}
	a = pl031_fuzz_decode(op);
	if (a.relative)
		a.value = (uint32_t)(pl031_io_ops.read(&rtc, PL031_FUZZ_DR, 4) +
				     (int16_t)a.value);
	if (a.write)
		pl031_io_ops.write(&rtc, a.off, a.size, a.value);
	else
		check_read(a.off, a.size,
			   pl031_io_ops.read(&rtc, a.off, a.size));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t mis;

	if (size < HDR_SIZE)
		return 0;
	atomic_store(&host, (int64_t)(fuzz_le64(data) %
				      (uint64_t)PL031_FUZZ_HOST_MAX));
	atomic_store(&level, 0); /* pl031.h: the line starts low */
	pl031_init(&rtc,
		   (struct irq_line){
			   .set_level = set_level, .ctx = &rtc, .gsi = GSI },
		   fake_now);

	fuzz_race(&guest, data + HDR_SIZE, size - HDR_SIZE, FUZZ_OP_SIZE,
		  MAX_OPS, vcpu_op, check);

	/* Both vCPUs done: MIS, as the guest reads it, is the line. */
	mis = pl031_io_ops.read(&rtc, PL031_FUZZ_MIS, 4);
	if (mis != (uint64_t)atomic_load(&level))
		fuzz_fail("quiescent: MIS %#llx but the line is %d",
			  (unsigned long long)mis, atomic_load(&level));
	for (unsigned int i = 0; i < 8; i++)
		check_read(PL031_FUZZ_ID + 4 * i, 4,
			   pl031_io_ops.read(&rtc, PL031_FUZZ_ID + 4 * i, 4));
	check_read(PL031_FUZZ_CR, 4, pl031_io_ops.read(&rtc, PL031_FUZZ_CR, 4));
	pthread_mutex_destroy(&rtc.lock);
	return 0;
}
