// SPDX-License-Identifier: MIT
/* The CMOS clock, with a fake host clock. */
#include "unit.h"

#include <time.h>

#include "devices/rtc.h"

/* 2026-11-22 05:36:36 UTC, a Sunday. */
#define T0 ((time_t)1795325796)

enum {
	SEC = 0x00,
	MIN = 0x02,
	HOUR = 0x04,
	WDAY = 0x06,
	MDAY = 0x07,
	MON = 0x08,
	YEAR = 0x09,
	REG_A = 0x0a,
	REG_B = 0x0b,
	REG_C = 0x0c,
	REG_D = 0x0d,
	CENTURY = 0x32,
};

static time_t fake_time;

static time_t fake_now(void)
{
	return fake_time;
}

static int setup(void **state)
{
	struct rtc *rtc = test_calloc(1, sizeof(*rtc));

	if (!rtc)
		return -1;
	fake_time = T0;
	rtc_init(rtc, fake_now);
	*state = rtc;
	return 0;
}

static int teardown(void **state)
{
	struct rtc *rtc = *state;

	pthread_mutex_destroy(&rtc->lock);
	test_free(rtc);
	return 0;
}

/* Port 0x70 is offset 0 (index), port 0x71 offset 1 (data). */
static uint8_t cmos_read(struct rtc *rtc, uint8_t index)
{
	rtc_io_ops.write(rtc, 0, 1, index);
	return (uint8_t)rtc_io_ops.read(rtc, 1, 1);
}

static void cmos_write(struct rtc *rtc, uint8_t index, uint8_t v)
{
	rtc_io_ops.write(rtc, 0, 1, index);
	rtc_io_ops.write(rtc, 1, 1, v);
}

static void test_bcd_time(void **state)
{
	struct rtc *rtc = *state;

	assert_int_equal(cmos_read(rtc, SEC), 0x36);
	assert_int_equal(cmos_read(rtc, MIN), 0x36);
	assert_int_equal(cmos_read(rtc, HOUR), 0x05);
	assert_int_equal(cmos_read(rtc, WDAY), 0x01); /* Sunday = 1 */
	assert_int_equal(cmos_read(rtc, MDAY), 0x22);
	assert_int_equal(cmos_read(rtc, MON), 0x11);
	assert_int_equal(cmos_read(rtc, YEAR), 0x26);
	assert_int_equal(cmos_read(rtc, CENTURY), 0x20);
}

static void test_time_follows_host_clock(void **state)
{
	struct rtc *rtc = *state;

	fake_time = T0 + 24; /* 05:37:00 */
	assert_int_equal(cmos_read(rtc, SEC), 0x00);
	assert_int_equal(cmos_read(rtc, MIN), 0x37);
	/* 2026-12-31 23:59:59, then a new century's first second. */
	fake_time = 1798761599;
	assert_int_equal(cmos_read(rtc, MDAY), 0x31);
	assert_int_equal(cmos_read(rtc, MON), 0x12);
	assert_int_equal(cmos_read(rtc, HOUR), 0x23);
	fake_time = 4102444800; /* 2100-01-01 00:00:00 */
	assert_int_equal(cmos_read(rtc, YEAR), 0x00);
	assert_int_equal(cmos_read(rtc, CENTURY), 0x21);
	assert_int_equal(cmos_read(rtc, MON), 0x01);
	assert_int_equal(cmos_read(rtc, HOUR), 0x00);
}

static void test_binary_mode(void **state)
{
	struct rtc *rtc = *state;

	cmos_write(rtc, REG_B, 0x06); /* 24h, binary */
	assert_int_equal(cmos_read(rtc, REG_B), 0x06);
	assert_int_equal(cmos_read(rtc, SEC), 36);
	assert_int_equal(cmos_read(rtc, MIN), 36);
	assert_int_equal(cmos_read(rtc, HOUR), 5);
	assert_int_equal(cmos_read(rtc, MDAY), 22);
	assert_int_equal(cmos_read(rtc, MON), 11);
	assert_int_equal(cmos_read(rtc, YEAR), 26);
	assert_int_equal(cmos_read(rtc, CENTURY), 20);
}

static void test_12_hour_mode(void **state)
{
	struct rtc *rtc = *state;

	cmos_write(rtc, REG_B, 0x00); /* 12h, BCD */
	assert_int_equal(cmos_read(rtc, HOUR), 0x05); /* 5 AM */
	fake_time = T0 + 12 * 3600;
	assert_int_equal(cmos_read(rtc, HOUR), 0x85); /* 5 PM */
	fake_time = T0 - 5 * 3600; /* 00:36 */
	assert_int_equal(cmos_read(rtc, HOUR), 0x12); /* 12 AM */
	fake_time = T0 + 7 * 3600; /* 12:36 */
	assert_int_equal(cmos_read(rtc, HOUR), 0x92); /* 12 PM */
	fake_time = T0 + 18 * 3600; /* 23:36 */
	assert_int_equal(cmos_read(rtc, HOUR), 0x91); /* 11 PM */

	cmos_write(rtc, REG_B, 0x04); /* 12h, binary */
	assert_int_equal(cmos_read(rtc, HOUR), 0x80 | 11);
	/* Minutes are unaffected by the hour format. */
	assert_int_equal(cmos_read(rtc, MIN), 36);
}

/* The guest sets the clock; later reads keep that offset from the host. */
static void test_set_time(void **state)
{
	struct rtc *rtc = *state;
	struct tm tm = { .tm_year = 130,
			 .tm_mon = 0,
			 .tm_mday = 1,
			 .tm_hour = 12,
			 .tm_min = 0,
			 .tm_sec = 0 };
	const time_t set = timegm(&tm); /* 2030-01-01 12:00:00 */

	cmos_write(rtc, REG_B, 0x82); /* SET, 24h, BCD */
	cmos_write(rtc, SEC, 0x00);
	cmos_write(rtc, MIN, 0x00);
	cmos_write(rtc, HOUR, 0x12);
	cmos_write(rtc, MDAY, 0x01);
	cmos_write(rtc, MON, 0x01);
	cmos_write(rtc, YEAR, 0x30);
	cmos_write(rtc, CENTURY, 0x20);
	/* While SET is on, reads show what was written, not the clock. */
	fake_time += 5;
	assert_int_equal(cmos_read(rtc, SEC), 0x00);
	assert_int_equal(cmos_read(rtc, YEAR), 0x30);
	cmos_write(rtc, REG_B, 0x02);
	assert_int_equal(rtc->offset, set - fake_time);

	fake_time += 75; /* 2030-01-01 12:01:15 */
	assert_int_equal(cmos_read(rtc, SEC), 0x15);
	assert_int_equal(cmos_read(rtc, MIN), 0x01);
	assert_int_equal(cmos_read(rtc, HOUR), 0x12);
	assert_int_equal(cmos_read(rtc, MDAY), 0x01);
	assert_int_equal(cmos_read(rtc, MON), 0x01);
	assert_int_equal(cmos_read(rtc, YEAR), 0x30);
	assert_int_equal(cmos_read(rtc, CENTURY), 0x20);
	assert_int_equal(cmos_read(rtc, WDAY), 0x03); /* a Tuesday */
}

static void test_set_time_binary_12h(void **state)
{
	struct rtc *rtc = *state;

	cmos_write(rtc, REG_B, 0x84); /* SET, 12h, binary */
	cmos_write(rtc, SEC, 30);
	cmos_write(rtc, MIN, 45);
	cmos_write(rtc, HOUR, 0x80 | 12); /* 12 PM */
	cmos_write(rtc, MDAY, 29);
	cmos_write(rtc, MON, 2);
	cmos_write(rtc, YEAR, 28);
	cmos_write(rtc, CENTURY, 20);
	cmos_write(rtc, REG_B, 0x06); /* 24h, binary from now on */
	fake_time += 3600;
	/* 2028-02-29 12:45:30 + 1 h */
	assert_int_equal(cmos_read(rtc, HOUR), 13);
	assert_int_equal(cmos_read(rtc, MIN), 45);
	assert_int_equal(cmos_read(rtc, SEC), 30);
	assert_int_equal(cmos_read(rtc, MDAY), 29);
	assert_int_equal(cmos_read(rtc, MON), 2);
	assert_int_equal(cmos_read(rtc, YEAR), 28);
}

/* Centuries 00 to 18: the year register from the full year, never below 0. */
static void test_set_time_before_1900(void **state)
{
	struct rtc *rtc = *state;

	cmos_write(rtc, REG_B, 0x82); /* SET, 24h, BCD */
	cmos_write(rtc, SEC, 0x10);
	cmos_write(rtc, MIN, 0x20);
	cmos_write(rtc, HOUR, 0x08);
	cmos_write(rtc, MDAY, 0x15);
	cmos_write(rtc, MON, 0x06);
	cmos_write(rtc, YEAR, 0x50);
	cmos_write(rtc, CENTURY, 0x18);
	cmos_write(rtc, REG_B, 0x02);
	assert_int_equal(cmos_read(rtc, YEAR), 0x50);
	assert_int_equal(cmos_read(rtc, CENTURY), 0x18);
	assert_int_equal(cmos_read(rtc, MON), 0x06);
	assert_int_equal(cmos_read(rtc, MDAY), 0x15);

	cmos_write(rtc, REG_B, 0x84); /* SET, 12h, binary */
	cmos_write(rtc, HOUR, 0x80 | 12);
	cmos_write(rtc, MDAY, 29);
	cmos_write(rtc, MON, 2);
	cmos_write(rtc, YEAR, 24);
	cmos_write(rtc, CENTURY, 4); /* 0424, a leap year */
	cmos_write(rtc, REG_B, 0x06);
	assert_int_equal(cmos_read(rtc, YEAR), 24);
	assert_int_equal(cmos_read(rtc, CENTURY), 4);
	assert_int_equal(cmos_read(rtc, MDAY), 29);
	assert_int_equal(cmos_read(rtc, HOUR), 12);
}

/*
 * Writing one time field without SET changes that field only; the others
 * keep following the host clock.
 * BUG (devices/rtc.c rtc_write, default case): commit_time() takes the
 * other fields from cmos[], which hold whatever was latched at the guest's
 * last time read, not the current time, so the clock jumps back by however
 * long ago that read was (here a whole day).
 */
static void test_write_one_field_without_set(void **state)
{
	struct rtc *rtc = *state;

	assert_int_equal(cmos_read(rtc, SEC), 0x36); /* latched at T0 */
	fake_time = T0 + 86400; /* 2026-11-23 05:36:36 */
	cmos_write(rtc, MIN, 0x40);
	assert_int_equal(cmos_read(rtc, MIN), 0x40);
	assert_int_equal(cmos_read(rtc, HOUR), 0x05);
	assert_int_equal(cmos_read(rtc, MDAY), 0x23);
	assert_int_equal(rtc->offset, 4 * 60);
}

static void test_status_registers(void **state)
{
	struct rtc *rtc = *state;

	assert_int_equal(cmos_read(rtc, REG_D), 0x80); /* battery good */
	cmos_write(rtc, REG_D, 0x00);
	assert_int_equal(cmos_read(rtc, REG_D), 0x80);
	assert_int_equal(cmos_read(rtc, REG_C), 0x00);
	/* Update in progress (bit 7) never reads as set. */
	assert_int_equal(cmos_read(rtc, REG_A) & 0x80, 0);
	cmos_write(rtc, REG_A, 0xa6);
	assert_int_equal(cmos_read(rtc, REG_A), 0x26);
	assert_int_equal(cmos_read(rtc, REG_B), 0x02); /* 24h, BCD */
}

static void test_nvram(void **state)
{
	struct rtc *rtc = *state;

	for (unsigned int i = 0x0e; i < 0x80; i++)
		if (i != CENTURY)
			cmos_write(rtc, i, (uint8_t)(i ^ 0x5a));
	for (unsigned int i = 0x0e; i < 0x80; i++)
		if (i != CENTURY)
			assert_int_equal(cmos_read(rtc, i),
					 (uint8_t)(i ^ 0x5a));
	/* None of that moved the clock. */
	assert_int_equal(rtc->offset, 0);
	assert_int_equal(cmos_read(rtc, SEC), 0x36);
}

static void test_index_port(void **state)
{
	struct rtc *rtc = *state;

	/* Bit 7 of the index is the NMI mask, not part of the index. */
	assert_int_equal(cmos_read(rtc, 0x80 | SEC), 0x36);
	assert_int_equal(cmos_read(rtc, 0x80 | MON), 0x11);
	assert_int_equal(cmos_read(rtc, 0x80 | REG_D), 0x80);
	cmos_write(rtc, 0x80 | 0x40, 0x77);
	assert_int_equal(cmos_read(rtc, 0x40), 0x77);
	/* The index port is write-only. */
	assert_int_equal(rtc_io_ops.read(rtc, 0, 1), 0xff);
}

static void test_default_clock_is_host_time(void **state)
{
	struct rtc rtc;
	time_t before, after;
	unsigned int year;

	rtc_init(&rtc, NULL);
	cmos_write(&rtc, REG_B, 0x06);
	before = time(NULL);
	year = cmos_read(&rtc, YEAR) + 100 * cmos_read(&rtc, CENTURY);
	after = time(NULL);
	{
		struct tm a, b;

		gmtime_r(&before, &a);
		gmtime_r(&after, &b);
		assert_in_range(year, a.tm_year + 1900, b.tm_year + 1900);
	}
	pthread_mutex_destroy(&rtc.lock);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_bcd_time),
		T(test_time_follows_host_clock),
		T(test_binary_mode),
		T(test_12_hour_mode),
		T(test_set_time),
		T(test_set_time_binary_12h),
		T(test_set_time_before_1900),
		T(test_write_one_field_without_set),
		T(test_status_registers),
		T(test_nvram),
		T(test_index_port),
		cmocka_unit_test(test_default_clock_is_host_time),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
