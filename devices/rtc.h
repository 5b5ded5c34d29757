/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_RTC_H
#define KESTREL_DEVICES_RTC_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "runtime/iobus.h"

#define RTC_PORT 0x70
#define RTC_NR_PORTS 2

/*
 * MC146818 CMOS clock and NVRAM. Time is the host's UTC clock plus an offset
 * the guest can change by setting the clock; no alarms or periodic
 * interrupts (kvmclock gives the guest its time base).
 */
struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t cmos[128];
	time_t offset; /* guest time - host time, in seconds */
	time_t (*now)(void); /* the host clock; replaceable by tests */
};

extern const struct io_ops rtc_io_ops;

void rtc_init(struct rtc *rtc, time_t (*now)(void));

#endif
