// SPDX-License-Identifier: MIT
/*
 * ARM PrimeCell PL031 real-time clock (ARM DDI 0224), as the arm64 board's
 * RTC: 32-bit registers only; any other access size, and any offset that
 * is not a register, reads 0 and ignores writes.
 */
#include "devices/pl031.h"

#include <string.h>

enum {
	PL031_DR = 0x000, /* data: the current count */
	PL031_MR = 0x004, /* match: the alarm's count */
	PL031_LR = 0x008, /* load: sets the count */
	PL031_CR = 0x00c, /* control: bit 0 starts the clock */
	PL031_IMSC = 0x010, /* interrupt mask set/clear */
	PL031_RIS = 0x014, /* raw interrupt status */
	PL031_MIS = 0x018, /* masked interrupt status */
	PL031_ICR = 0x01c, /* interrupt clear */
	PL031_ID = 0xfe0, /* 8 ID registers, one byte each, to 0xffc */
};

#define CR_START 1U
#define INT_ALARM 1U /* the one interrupt, bit 0 of IMSC/RIS/MIS/ICR */

/*
 * PeriphID0-3 then PCellID0-3. Linux's AMBA bus matches the driver by
 * these (part 0x031, designer ARM 0x41), so they must be exact.
 */
static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x14, 0x00,
				     0x0d, 0xf0, 0x05, 0xb1 };

static uint32_t count(const struct pl031 *rtc)
{
	/* Seconds since 1970 wrap at 2^32 (in 2106), as the hardware does. */
	return (uint32_t)((int64_t)rtc->now() + rtc->offset);
}

static void update_irq(struct pl031 *rtc)
{
	irq_set(&rtc->irq, (rtc->ris & rtc->imsc) ? 1 : 0);
}

/*
 * Sets RIS if the count went past MR since the last check: MR in
 * (last_count, now], modulo 2^32. A host clock stepped back only moves
 * last_count back; it fires nothing.
 */
static void check_alarm(struct pl031 *rtc, uint32_t now)
{
	uint32_t elapsed = now - rtc->last_count;

	if ((int32_t)elapsed > 0 && rtc->mr - rtc->last_count - 1 < elapsed)
		rtc->ris |= INT_ALARM;
	rtc->last_count = now;
}

/* After MR or LR changed: a match now fires now, as the hardware does. */
static void rearm_alarm(struct pl031 *rtc, uint32_t now)
{
	rtc->last_count = now;
	if (rtc->mr == now)
		rtc->ris |= INT_ALARM;
}

static uint64_t pl031_read(void *opaque, uint64_t off, unsigned int size)
{
	struct pl031 *rtc = opaque;
	uint32_t v = 0, ris, now;

	if (size != 4 || (off & 3) || off >= PL031_MMIO_SIZE)
		return 0;
	if (off >= PL031_ID)
		return pl031_id[(off - PL031_ID) / 4];
	pthread_mutex_lock(&rtc->lock);
	now = count(rtc);
	ris = rtc->ris;
	check_alarm(rtc, now);
	switch (off) {
	case PL031_DR:
		v = now;
		break;
	case PL031_MR:
		v = rtc->mr;
		break;
	case PL031_LR:
		v = rtc->lr;
		break;
	case PL031_CR:
		v = CR_START; /* always running: writing 0 cannot stop it */
		break;
	case PL031_IMSC:
		v = rtc->imsc;
		break;
	case PL031_RIS:
		v = rtc->ris;
		break;
	case PL031_MIS:
		v = rtc->ris & rtc->imsc;
		break;
	default:
		break; /* ICR is write-only; the rest is reserved */
	}
	if (rtc->ris != ris)
		update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
	return v;
}

static void pl031_write(void *opaque, uint64_t off, unsigned int size,
			uint64_t value)
{
	struct pl031 *rtc = opaque;
	uint32_t v = (uint32_t)value, now;

	if (size != 4 || (off & 3) || off >= PL031_ID)
		return;
	pthread_mutex_lock(&rtc->lock);
	now = count(rtc);
	check_alarm(rtc, now);
	switch (off) {
	case PL031_MR:
		rtc->mr = v;
		rearm_alarm(rtc, now);
		break;
	case PL031_LR:
		/* From now on the count reads v, then ticks with the host. */
		rtc->lr = v;
		rtc->offset = (int64_t)v - (int64_t)rtc->now();
		rearm_alarm(rtc, count(rtc));
		break;
	case PL031_IMSC:
		rtc->imsc = v & INT_ALARM;
		break;
	case PL031_ICR:
		rtc->ris &= ~(v & INT_ALARM);
		break;
	default:
		break; /* DR, RIS and MIS are read-only; CR cannot stop it */
	}
	update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
}

const struct io_ops pl031_io_ops = {
	.read = pl031_read,
	.write = pl031_write,
};

static time_t host_now(void)
{
	return time(NULL);
}

void pl031_init(struct pl031 *rtc, struct irq_line irq, time_t (*now)(void))
{
	memset(rtc, 0, sizeof(*rtc));
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->irq = irq;
	rtc->now = now ? now : host_now;
	rtc->last_count = count(rtc);
}
