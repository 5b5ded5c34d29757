/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_PL031_H
#define KESTREL_DEVICES_PL031_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "runtime/iobus.h"
#include "runtime/irq.h"

#define PL031_MMIO_SIZE 0x1000

/*
 * ARM PrimeCell PL031 real-time clock: a 32-bit count of seconds, which
 * Linux's rtc-pl031 reads as seconds since 1970 UTC. The count is the
 * host's clock plus an offset the guest changes by writing LR.
 *
 * The alarm is checked when the guest touches the device, not on a timer:
 * RIS rises at the first access at which the count has reached MR since
 * MR (or LR) was written, so a guest sleeping until the alarm interrupt
 * would wait forever. Nothing kestrel boots uses the RTC alarm; the
 * interrupt line nonetheless always follows MIS = RIS & IMSC.
 *
 * Register accesses come from vCPU threads, hence the lock.
 */
struct pl031 {
	pthread_mutex_t lock;
	struct irq_line irq;
	time_t (*now)(void); /* the host clock; replaceable by tests */
	int64_t offset; /* guest seconds - host seconds */
	uint32_t mr, lr, imsc, ris;
	uint32_t last_count; /* the count the alarm was last checked at */
};

extern const struct io_ops pl031_io_ops;

/* now NULL: time(NULL). The line starts low. */
void pl031_init(struct pl031 *rtc, struct irq_line irq, time_t (*now)(void));

#endif
