// SPDX-License-Identifier: MIT
/* CMOS real-time clock (index port 0x70, data port 0x71). */
#include "devices/rtc.h"

#include <string.h>

enum {
	CMOS_SECONDS = 0x00,
	CMOS_MINUTES = 0x02,
	CMOS_HOURS = 0x04,
	CMOS_WEEKDAY = 0x06,
	CMOS_DAY = 0x07,
	CMOS_MONTH = 0x08,
	CMOS_YEAR = 0x09,
	CMOS_STATUS_A = 0x0a,
	CMOS_STATUS_B = 0x0b,
	CMOS_STATUS_C = 0x0c,
	CMOS_STATUS_D = 0x0d,
	CMOS_CENTURY = 0x32, /* as named in the FADT */
};

#define STATUS_A_DIVIDER_32KHZ 0x20
#define STATUS_A_RATE_1KHZ 0x06
#define STATUS_B_24H 0x02
#define STATUS_B_BINARY 0x04
#define STATUS_B_SET 0x80
#define STATUS_D_VALID 0x80
#define HOUR_PM 0x80

static uint8_t to_bcd(unsigned int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned int from_bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static bool is_time_reg(uint8_t i)
{
	return i <= CMOS_YEAR || i == CMOS_CENTURY;
}

/* Encodes a time field the way status B says the guest wants it. */
static uint8_t encode(const struct rtc *rtc, unsigned int v)
{
	return (rtc->cmos[CMOS_STATUS_B] & STATUS_B_BINARY) ? v : to_bcd(v);
}

static unsigned int decode(const struct rtc *rtc, uint8_t v)
{
	return (rtc->cmos[CMOS_STATUS_B] & STATUS_B_BINARY) ? v : from_bcd(v);
}

static uint8_t encode_hour(const struct rtc *rtc, unsigned int h)
{
	if (rtc->cmos[CMOS_STATUS_B] & STATUS_B_24H)
		return encode(rtc, h);
	return encode(rtc, h % 12 ? h % 12 : 12) | (h >= 12 ? HOUR_PM : 0);
}

static unsigned int decode_hour(const struct rtc *rtc, uint8_t v)
{
	unsigned int h;

	if (rtc->cmos[CMOS_STATUS_B] & STATUS_B_24H)
		return decode(rtc, v);
	h = decode(rtc, v & ~HOUR_PM) % 12;
	return (v & HOUR_PM) ? h + 12 : h;
}

/* Refreshes the time registers from the host clock plus the offset. */
static void latch_time(struct rtc *rtc)
{
	time_t t = rtc->now() + rtc->offset;
	struct tm tm;
	int year;

	if (!gmtime_r(&t, &tm))
		return;
	/* Full years, not tm_year: a guest may set a year before 1900. */
	year = tm.tm_year + 1900;
	rtc->cmos[CMOS_SECONDS] = encode(rtc, tm.tm_sec);
	rtc->cmos[CMOS_MINUTES] = encode(rtc, tm.tm_min);
	rtc->cmos[CMOS_HOURS] = encode_hour(rtc, tm.tm_hour);
	rtc->cmos[CMOS_WEEKDAY] = encode(rtc, tm.tm_wday + 1);
	rtc->cmos[CMOS_DAY] = encode(rtc, tm.tm_mday);
	rtc->cmos[CMOS_MONTH] = encode(rtc, tm.tm_mon + 1);
	rtc->cmos[CMOS_YEAR] = encode(rtc, year % 100);
	rtc->cmos[CMOS_CENTURY] = encode(rtc, year / 100);
}

/* The guest finished setting the clock: remember how far off it is. */
static void commit_time(struct rtc *rtc)
{
	struct tm tm = { 0 };

	tm.tm_sec = decode(rtc, rtc->cmos[CMOS_SECONDS]);
	tm.tm_min = decode(rtc, rtc->cmos[CMOS_MINUTES]);
	tm.tm_hour = decode_hour(rtc, rtc->cmos[CMOS_HOURS]);
	tm.tm_mday = decode(rtc, rtc->cmos[CMOS_DAY]);
	tm.tm_mon = (int)decode(rtc, rtc->cmos[CMOS_MONTH]) - 1;
	tm.tm_year = decode(rtc, rtc->cmos[CMOS_CENTURY]) * 100 +
		     decode(rtc, rtc->cmos[CMOS_YEAR]) - 1900;
	rtc->offset = timegm(&tm) - rtc->now();
}

static uint64_t rtc_read(void *opaque, uint64_t off, unsigned int size)
{
	struct rtc *rtc = opaque;
	uint8_t v;

	(void)size;
	if (off == 0)
		return 0xff; /* the index port is write-only */
	pthread_mutex_lock(&rtc->lock);
	if (is_time_reg(rtc->index) &&
	    !(rtc->cmos[CMOS_STATUS_B] & STATUS_B_SET))
		latch_time(rtc);
	v = rtc->cmos[rtc->index];
	if (rtc->index == CMOS_STATUS_C)
		rtc->cmos[CMOS_STATUS_C] = 0; /* reading clears the flags */
	pthread_mutex_unlock(&rtc->lock);
	return v;
}

static void rtc_write(void *opaque, uint64_t off, unsigned int size,
		      uint64_t value)
{
	struct rtc *rtc = opaque;
	uint8_t v = value;

	(void)size;
	pthread_mutex_lock(&rtc->lock);
	if (off == 0) {
		rtc->index = v & 0x7f; /* bit 7 is the NMI mask */
		pthread_mutex_unlock(&rtc->lock);
		return;
	}
	switch (rtc->index) {
	case CMOS_STATUS_A:
		/* The update-in-progress bit is read-only, and always clear. */
		rtc->cmos[CMOS_STATUS_A] = v & 0x7f;
		break;
	case CMOS_STATUS_B:
		if ((rtc->cmos[CMOS_STATUS_B] & STATUS_B_SET) &&
		    !(v & STATUS_B_SET))
			commit_time(rtc);
		else if (!(rtc->cmos[CMOS_STATUS_B] & STATUS_B_SET) &&
			 (v & STATUS_B_SET))
			latch_time(rtc);
		rtc->cmos[CMOS_STATUS_B] = v;
		break;
	case CMOS_STATUS_C:
	case CMOS_STATUS_D:
		break; /* read-only */
	default:
		if (is_time_reg(rtc->index) &&
		    !(rtc->cmos[CMOS_STATUS_B] & STATUS_B_SET)) {
			/* One field changes; the others keep ticking. */
			latch_time(rtc);
			rtc->cmos[rtc->index] = v;
			commit_time(rtc);
		} else {
			rtc->cmos[rtc->index] = v;
		}
		break;
	}
	pthread_mutex_unlock(&rtc->lock);
}

const struct io_ops rtc_io_ops = {
	.read = rtc_read,
	.write = rtc_write,
};

static time_t host_now(void)
{
	return time(NULL);
}

void rtc_init(struct rtc *rtc, time_t (*now)(void))
{
	memset(rtc, 0, sizeof(*rtc));
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->now = now ? now : host_now;
	rtc->cmos[CMOS_STATUS_A] = STATUS_A_DIVIDER_32KHZ | STATUS_A_RATE_1KHZ;
	rtc->cmos[CMOS_STATUS_B] = STATUS_B_24H;
	rtc->cmos[CMOS_STATUS_D] = STATUS_D_VALID;
}
