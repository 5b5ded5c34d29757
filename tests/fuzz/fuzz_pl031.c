// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the arm64 board's PL031 RTC (devices/pl031.c),
 * driven through its io_ops as the vCPU loop does, with a fake host clock
 * the input steps forward and back. A fresh device for each input.
 *
 * Input: [0..7] the host clock at the start (seconds, % 2^34: see
 * PL031_FUZZ_HOST_MAX), then a sequence of FUZZ_OP_SIZE-byte operations
 *
 *   [0]      bits 0-2: what (0-3: an access, as pl031_fuzz_decode() in
 *            fuzz_pl031.h says; 4: the clock steps on value % 8 seconds,
 *            5: on value % 2^32, 6: back value % 2^16, 7: is set to
 *            value % 2^34); bit 6: an access is bracketed by snapshots
 *            of DR..MIS, which must not differ unless it was a write to
 *            MR, LR, IMSC or ICR; bit 7: a write
 *   [1]      size, where, relative value (fuzz_pl031.h)
 *   [2..5]   off (32 bit)
 *   [6..13]  value (64 bit)
 *
 * Oracles besides ASan/UBSan, against a model of the registers written
 * from pl031.h and ARM DDI 0224: every read returns what the model says
 * (DR is the last LR written, or the host clock at the start, plus the
 * host seconds since; MR, LR, IMSC as written; RIS set when the count
 * reached MR, as pl031.h says, and cleared by ICR; MIS = RIS & IMSC; CR
 * 1; the ID registers 0x31 0x10 0x14 0x00 0x0d 0xf0 0x05 0xb1; anything
 * else 0); an access that is not an aligned 32-bit one inside the window
 * reads 0, changes no field of the device and does not touch the line;
 * the line (recorded by its set_level callback, called with the device
 * locked, for its own GSI only, at level 0 or 1) always equals
 * RIS & IMSC, and after every write MIS read back equals it.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/pl031.h"
#include "tests/fuzz/fuzz_guest.h"
#include "tests/fuzz/fuzz_pl031.h"

#define MAX_OPS 512
#define HDR_SIZE 8
#define GSI 34

static struct pl031 rtc;
static int64_t host; /* the fake host clock */

/* The line as the irqchip sees it. */
static int level;
static unsigned int level_calls;

/* The model: what the registers must read. */
static struct {
	uint32_t lr_value; /* the count at lr_time */
	int64_t lr_time;
	uint32_t mr, lr, imsc, ris;
	uint32_t last; /* the count at the last alarm check */
	int level;
} m;

static time_t fake_now(void)
{
	return (time_t)host;
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
	level = lvl;
	level_calls++;
}

static uint32_t model_count(void)
{
	return (uint32_t)((int64_t)m.lr_value + (host - m.lr_time));
}

/*
 * pl031.h: RIS rises when MR is in (last check, now] modulo 2^32; a clock
 * gone back (the count went back, or forward by 2^31 or more) fires
 * nothing and only moves the last check.
 */
static void model_check_alarm(uint32_t now)
{
	uint32_t elapsed = now - m.last, to_mr = m.mr - m.last;

	if (elapsed && elapsed < 0x80000000U && to_mr && to_mr <= elapsed)
		m.ris |= 1;
	m.last = now;
}

static void model_update_level(void)
{
	m.level = (m.ris & m.imsc) ? 1 : 0;
}

static bool valid_read(uint64_t off, unsigned int size)
{
	return size == 4 && !(off & 3) && off < PL031_MMIO_SIZE;
}

static bool valid_write(uint64_t off, unsigned int size)
{
	return size == 4 && !(off & 3) && off < PL031_FUZZ_ID;
}

static uint32_t model_read(uint64_t off, unsigned int size)
{
	uint32_t now, ris, v = 0;

	if (!valid_read(off, size))
		return 0;
	if (off >= PL031_FUZZ_ID)
		return pl031_fuzz_id[(off - PL031_FUZZ_ID) / 4];
	now = model_count();
	ris = m.ris;
	model_check_alarm(now);
	switch (off) {
	case PL031_FUZZ_DR:
		v = now;
		break;
	case PL031_FUZZ_MR:
		v = m.mr;
		break;
	case PL031_FUZZ_LR:
		v = m.lr;
		break;
	case PL031_FUZZ_CR:
		v = 1;
		break;
	case PL031_FUZZ_IMSC:
		v = m.imsc;
		break;
	case PL031_FUZZ_RIS:
		v = m.ris;
		break;
	case PL031_FUZZ_MIS:
		v = m.ris & m.imsc;
		break;
	default:
		break;
	}
	if (m.ris != ris)
		model_update_level();
	return v;
}

static void model_write(uint64_t off, unsigned int size, uint32_t v)
{
	uint32_t now;

	if (!valid_write(off, size))
		return;
	now = model_count();
	model_check_alarm(now);
	switch (off) {
	case PL031_FUZZ_MR:
		m.mr = v;
		/* A match at once fires at once. */
		m.last = now;
		if (m.mr == now)
			m.ris |= 1;
		break;
	case PL031_FUZZ_LR:
		m.lr = v;
		m.lr_value = v;
		m.lr_time = host;
		m.last = v;
		if (m.mr == v)
			m.ris |= 1;
		break;
	case PL031_FUZZ_IMSC:
		m.imsc = v & 1;
		break;
	case PL031_FUZZ_ICR:
		m.ris &= ~(v & 1);
		break;
	default:
		break;
	}
	model_update_level();
}

/* The device's fields, less the lock and the callbacks. */
struct fields {
	int64_t offset;
	uint32_t mr, lr, imsc, ris, last_count;
};

static struct fields fields(void)
{
	return (struct fields){ rtc.offset, rtc.mr,  rtc.lr,
				rtc.imsc,   rtc.ris, rtc.last_count };
}

static bool same_fields(const struct fields *a, const struct fields *b)
{
	return a->offset == b->offset && a->mr == b->mr && a->lr == b->lr &&
	       a->imsc == b->imsc && a->ris == b->ris &&
	       a->last_count == b->last_count;
}

static void check_line(const char *after, uint64_t off)
{
	if (level != m.level || m.level != ((m.ris & m.imsc) & 1))
		fuzz_fail("after %s at %#" PRIx64
			  ": line %d, RIS %#x & IMSC %#x (device: RIS %#x "
			  "IMSC %#x)",
			  after, off, level, m.ris, m.imsc, rtc.ris, rtc.imsc);
}

static uint32_t dev_read(uint64_t off, unsigned int size)
{
	struct fields before = fields(), after;
	unsigned int calls = level_calls;
	uint64_t v = pl031_io_ops.read(&rtc, off, size);
	uint32_t want = model_read(off, size);

	if (fuzz_verbose)
		fprintf(stderr,
			"t=%" PRId64 " read%u %#" PRIx64 " = %#" PRIx64 "\n",
			host, size, off, v);
	if (v != want)
		fuzz_fail("read of %u bytes at %#" PRIx64 " (host %" PRId64
			  "): %#" PRIx64 ", not %#x",
			  size, off, host, v, want);
	after = fields();
	if (!valid_read(off, size) &&
	    (!same_fields(&before, &after) || level_calls != calls))
		fuzz_fail("a read of %u bytes at %#" PRIx64
			  " changed the device or its line",
			  size, off);
	check_line("a read", off);
	return (uint32_t)v;
}

static void dev_write(uint64_t off, unsigned int size, uint64_t value)
{
	struct fields before = fields(), after;
	unsigned int calls = level_calls;

	if (fuzz_verbose)
		fprintf(stderr,
			"t=%" PRId64 " write%u %#" PRIx64 " %#" PRIx64 "\n",
			host, size, off, value);
	pl031_io_ops.write(&rtc, off, size, value);
	model_write(off, size, (uint32_t)value);
	after = fields();
	if (!valid_write(off, size) &&
	    (!same_fields(&before, &after) || level_calls != calls))
		fuzz_fail("a write of %u bytes at %#" PRIx64
			  " changed the device or its line",
			  size, off);
	check_line("a write", off);
	if (valid_write(off, size)) {
		uint32_t mis = dev_read(PL031_FUZZ_MIS, 4);

		if (mis != (uint32_t)level)
			fuzz_fail("after a write at %#" PRIx64
				  ": MIS %#x but the line is %d",
				  off, mis, level);
	}
}

/* DR..MIS as the guest reads them. */
static void snapshot(uint32_t regs[7])
{
	for (unsigned int i = 0; i < 7; i++)
		regs[i] = dev_read(i * 4, 4);
}

static void do_access(const uint8_t *op)
{
	struct pl031_fuzz_access a = pl031_fuzz_decode(op);
	bool changes = a.write && valid_write(a.off, a.size) &&
		       (a.off == PL031_FUZZ_MR || a.off == PL031_FUZZ_LR ||
			a.off == PL031_FUZZ_IMSC || a.off == PL031_FUZZ_ICR);
	bool snap = op[0] & 0x40;
	uint32_t before[7], after[7];

	if (a.relative)
		a.value = (uint32_t)(model_count() + (int16_t)a.value);
	if (snap)
		snapshot(before);
	if (a.write)
		dev_write(a.off, a.size, a.value);
	else
		dev_read(a.off, a.size);
	if (snap) {
		snapshot(after);
		if (!changes && memcmp(before, after, sizeof(before)))
			fuzz_fail("%s of %u bytes at %#" PRIx64
				  " changed the registers",
				  a.write ? "a write" : "a read", a.size,
				  a.off);
	}
}

static void do_op(const uint8_t *op)
{
	uint64_t v = fuzz_le64(op + 6);

	switch (op[0] & 7) {
	case 4:
		host = pl031_fuzz_clamp(host + (int64_t)(v % 8));
		break;
	case 5:
		host = pl031_fuzz_clamp(host + (int64_t)(v % (1ULL << 32)));
		break;
	case 6:
		host = pl031_fuzz_clamp(host - (int64_t)(v % (1ULL << 16)));
		break;
	case 7:
		host = (int64_t)(v % (uint64_t)PL031_FUZZ_HOST_MAX);
		break;
	default:
		do_access(op);
		break;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_verbose = getenv("KESTREL_FUZZ_VERBOSE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HDR_SIZE)
		return 0;
	host = (int64_t)(fuzz_le64(data) % (uint64_t)PL031_FUZZ_HOST_MAX);
	level = 0; /* pl031.h: the line starts low */
	level_calls = 0;
	memset(&m, 0, sizeof(m));
	m.lr_value = (uint32_t)host;
	m.lr_time = host;
	m.last = (uint32_t)host;
	pl031_init(&rtc,
		   (struct irq_line){
			   .set_level = set_level, .ctx = &rtc, .gsi = GSI },
		   fake_now);

	data += HDR_SIZE;
	size -= HDR_SIZE;
	for (size_t i = 0;
	     i + FUZZ_OP_SIZE <= size && i / FUZZ_OP_SIZE < MAX_OPS;
	     i += FUZZ_OP_SIZE)
		do_op(data + i);

	/* The identity and CR, whatever came before. */
	for (unsigned int i = 0; i < 8; i++)
		dev_read(PL031_FUZZ_ID + 4 * i, 4);
	dev_read(PL031_FUZZ_CR, 4);
	dev_read(PL031_FUZZ_MIS, 4);
	if (level != m.level)
		fuzz_fail("at the end: line %d, model %d", level, m.level);
	pthread_mutex_destroy(&rtc.lock);
	return 0;
}
