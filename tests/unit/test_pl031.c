// SPDX-License-Identifier: MIT
/* The PL031 RTC, with a fake host clock and a recorded interrupt line. */
#include "unit.h"

#include <time.h>

#include "devices/pl031.h"

/* 2026-11-22 05:36:36 UTC. */
#define T0 ((time_t)1795325796)
#define GSI 34

enum {
	DR = 0x000,
	MR = 0x004,
	LR = 0x008,
	CR = 0x00c,
	IMSC = 0x010,
	RIS = 0x014,
	MIS = 0x018,
	ICR = 0x01c,
};

static time_t fake_time;

static time_t fake_now(void)
{
	return fake_time;
}

/* The interrupt line as the irqchip would see it. */
struct line {
	int level;
	unsigned int calls;
	uint32_t gsi;
};

static void record_level(void *ctx, uint32_t gsi, int level)
{
	struct line *l = ctx;

	l->level = level;
	l->gsi = gsi;
	l->calls++;
}

struct fixture {
	struct pl031 rtc;
	struct line line;
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;
	fake_time = T0;
	f->line.level = -1;
	pl031_init(&f->rtc,
		   (struct irq_line){ .set_level = record_level,
				      .ctx = &f->line,
				      .gsi = GSI },
		   fake_now);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pthread_mutex_destroy(&f->rtc.lock);
	test_free(f);
	return 0;
}

static uint32_t rd(struct fixture *f, uint64_t off)
{
	return (uint32_t)pl031_io_ops.read(&f->rtc, off, 4);
}

static void wr(struct fixture *f, uint64_t off, uint32_t v)
{
	pl031_io_ops.write(&f->rtc, off, 4, v);
}

static void test_id_registers(void **state)
{
	static const uint8_t id[8] = { 0x31, 0x10, 0x14, 0x00,
				       0x0d, 0xf0, 0x05, 0xb1 };
	struct fixture *f = *state;
	uint32_t periph = 0, cell = 0;

	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(rd(f, 0xfe0 + 4 * i), id[i]);
	/* Read-only: a write changes nothing. */
	wr(f, 0xfe0, 0x12345678);
	assert_int_equal(rd(f, 0xfe0), 0x31);
	/* What Linux's AMBA bus makes of them: periph and cell id. */
	for (unsigned int i = 0; i < 4; i++) {
		periph |= rd(f, 0xfe0 + 4 * i) << (8 * i);
		cell |= rd(f, 0xff0 + 4 * i) << (8 * i);
	}
	assert_int_equal(periph & 0x000fffff, 0x00041031); /* ARM's PL031 */
	assert_int_equal(cell, 0xb105f00d);
}

static void test_dr_ticks_with_the_clock(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, DR), (uint32_t)T0);
	fake_time += 61;
	assert_int_equal(rd(f, DR), (uint32_t)T0 + 61);
	/* DR is read-only. */
	wr(f, DR, 5);
	assert_int_equal(rd(f, DR), (uint32_t)T0 + 61);
}

static void test_dr_is_host_time(void **state)
{
	struct pl031 rtc;
	time_t before, after;
	uint32_t dr;

	pl031_init(&rtc, (struct irq_line){ 0 }, NULL);
	before = time(NULL);
	dr = (uint32_t)pl031_io_ops.read(&rtc, DR, 4);
	after = time(NULL);
	assert_true(dr >= (uint32_t)before && dr <= (uint32_t)after);
	pthread_mutex_destroy(&rtc.lock);
}

static void test_lr_sets_the_time(void **state)
{
	struct fixture *f = *state;

	wr(f, LR, 1000000000);
	assert_int_equal(rd(f, DR), 1000000000);
	assert_int_equal(rd(f, LR), 1000000000);
	fake_time += 10;
	assert_int_equal(rd(f, DR), 1000000010);
	/* Forward past the host's time too, to the last second of 2106. */
	wr(f, LR, 0xffffffff);
	assert_int_equal(rd(f, DR), 0xffffffff);
	fake_time += 1;
	assert_int_equal(rd(f, DR), 0); /* wraps, as 32 bits do */
}

static void test_cr_reads_started(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, CR), 1);
	wr(f, CR, 0); /* cannot stop it */
	assert_int_equal(rd(f, CR), 1);
	fake_time += 3;
	assert_int_equal(rd(f, DR), (uint32_t)T0 + 3);
}

static void test_bad_accesses(void **state)
{
	static const unsigned int sizes[] = { 1, 2, 8 };
	struct fixture *f = *state;

	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(pl031_io_ops.read(&f->rtc, DR, sizes[i]), 0);
		assert_int_equal(pl031_io_ops.read(&f->rtc, 0xfe0, sizes[i]),
				 0);
		pl031_io_ops.write(&f->rtc, LR, sizes[i], 42);
		pl031_io_ops.write(&f->rtc, IMSC, sizes[i], 1);
	}
	assert_int_equal(rd(f, DR), (uint32_t)T0);
	assert_int_equal(rd(f, IMSC), 0);
	/* Unaligned, reserved and out of range offsets. */
	assert_int_equal(rd(f, DR + 1), 0);
	assert_int_equal(rd(f, 0x020), 0);
	assert_int_equal(rd(f, 0xfdc), 0);
	assert_int_equal(rd(f, 0x1000), 0);
	assert_int_equal(rd(f, UINT64_MAX - 3), 0);
	assert_int_equal(rd(f, ICR), 0); /* write-only */
	wr(f, LR + 2, 42);
	wr(f, 0x1000, 42);
	wr(f, UINT64_MAX - 3, 42);
	assert_int_equal(rd(f, DR), (uint32_t)T0);
	/* RIS and MIS are read-only. */
	wr(f, RIS, 1);
	wr(f, MIS, 1);
	assert_int_equal(rd(f, RIS), 0);
	assert_int_equal(rd(f, MIS), 0);
}

/* The alarm: RIS when the count reaches MR, MIS = RIS & IMSC on the line. */
static void test_interrupt(void **state)
{
	struct fixture *f = *state;

	/* pl031_init leaves the line alone: the vGIC is not ready then. */
	assert_int_equal(f->line.level, -1);
	wr(f, IMSC, 1);
	assert_int_equal(rd(f, IMSC), 1);
	assert_int_equal(f->line.level, 0);
	assert_int_equal(f->line.gsi, GSI);

	wr(f, MR, (uint32_t)T0 + 5);
	assert_int_equal(rd(f, MR), (uint32_t)T0 + 5);
	fake_time += 4;
	assert_int_equal(rd(f, RIS), 0);
	assert_int_equal(f->line.level, 0);
	fake_time += 1;
	assert_int_equal(rd(f, RIS), 1);
	assert_int_equal(rd(f, MIS), 1);
	assert_int_equal(f->line.level, 1);

	/* Masked: RIS stays, MIS and the line drop; unmasked: back. */
	wr(f, IMSC, 0);
	assert_int_equal(rd(f, RIS), 1);
	assert_int_equal(rd(f, MIS), 0);
	assert_int_equal(f->line.level, 0);
	wr(f, IMSC, 0xffffffff);
	assert_int_equal(rd(f, IMSC), 1);
	assert_int_equal(f->line.level, 1);

	/* ICR clears it; writing 0 there clears nothing. */
	wr(f, ICR, 0);
	assert_int_equal(f->line.level, 1);
	wr(f, ICR, 1);
	assert_int_equal(rd(f, RIS), 0);
	assert_int_equal(rd(f, MIS), 0);
	assert_int_equal(f->line.level, 0);
	/* Each match fires once: later seconds do not re-raise it. */
	fake_time += 100;
	assert_int_equal(rd(f, RIS), 0);
}

static void test_alarm_edges(void **state)
{
	struct fixture *f = *state;

	wr(f, IMSC, 1);
	/* An alarm in the past does not fire. */
	wr(f, MR, (uint32_t)T0 - 1);
	fake_time += 1000;
	assert_int_equal(rd(f, RIS), 0);
	/* MR equal to the count fires at once (the match is now). */
	wr(f, MR, rd(f, DR));
	assert_int_equal(rd(f, RIS), 1);
	assert_int_equal(f->line.level, 1);
	wr(f, ICR, 1);
	assert_int_equal(f->line.level, 0);
	/* So does LR loading the count MR holds. */
	wr(f, MR, 7777);
	assert_int_equal(rd(f, RIS), 0);
	wr(f, LR, 7777);
	assert_int_equal(rd(f, RIS), 1);
	assert_int_equal(f->line.level, 1);
	wr(f, ICR, 1);
	/* Passed between two accesses, long ago: still seen. */
	wr(f, MR, 7777 + 10);
	fake_time += 3600;
	assert_int_equal(rd(f, MIS), 1);
	wr(f, ICR, 1);
	/* The host clock stepping back fires nothing. */
	wr(f, MR, rd(f, DR) + 5);
	fake_time -= 86400;
	assert_int_equal(rd(f, RIS), 0);
	fake_time += 1;
	assert_int_equal(rd(f, RIS), 0);
	assert_int_equal(f->line.level, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_id_registers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dr_ticks_with_the_clock,
						setup, teardown),
		cmocka_unit_test(test_dr_is_host_time),
		cmocka_unit_test_setup_teardown(test_lr_sets_the_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cr_reads_started, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_accesses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_interrupt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_alarm_edges, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
