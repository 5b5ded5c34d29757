/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_SERIAL_H
#define KESTREL_DEVICES_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/iobus.h"
#include "runtime/irq.h"

#define SERIAL_COM1_PORT 0x3f8
#define SERIAL_COM1_IRQ 4
#define SERIAL_NR_PORTS 8
#define SERIAL_RX_FIFO 256

/*
 * A 16550A UART. Transmitted bytes go to `output` at once (the line is
 * infinitely fast); received bytes (and breaks) are queued by
 * serial_receive() and serial_send_break() from the device thread.
 * Register accesses come from vCPU threads, hence the lock.
 */
struct serial {
	pthread_mutex_t lock;
	struct irq_line irq;
	void (*output)(void *ctx, const uint8_t *buf, size_t len);
	/* Called (lock held) when the guest made room in the receive FIFO. */
	void (*rx_ready)(void *ctx);
	void *ctx;

	uint8_t rx[SERIAL_RX_FIFO];
	/* The line status a received byte brings (a break's BI), shown in
	 * LSR when the byte reaches the head of the FIFO. */
	uint8_t rx_lsr[SERIAL_RX_FIFO];
	unsigned int rx_head, rx_count;
	unsigned int rx_errors; /* bytes in the FIFO with an rx_lsr */
	bool fifo_error; /* LSR bit 7: latched until LSR is read */
	uint8_t ier, lcr, mcr, lsr_errors, msr, scr, fcr, dll, dlm;
	bool thr_interrupt; /* THR-empty interrupt pending */
	bool irq_level;
};

extern const struct io_ops serial_io_ops;

void serial_init(struct serial *s, struct irq_line irq,
		 void (*output)(void *ctx, const uint8_t *buf, size_t len),
		 void (*rx_ready)(void *ctx), void *ctx);

/*
 * Queues received bytes; returns how many the guest can take now (none
 * while its driver has receive interrupts off). rx_ready says when to retry.
 */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);

/*
 * Receives a break: a NUL byte flagged as a break, LSR.BI when it reaches
 * the head of the FIFO (with a line status interrupt if IER allows).
 * Linux's serial console takes the next byte after it, within 5 s, as a
 * SysRq key. Returns 0; -EAGAIN while the guest's driver is not listening
 * (receive interrupts off), or -ENOBUFS with the FIFO full: retry after
 * rx_ready, as for serial_receive().
 */
int serial_send_break(struct serial *s);

/* A break and then `key`, both or neither; returns as serial_send_break. */
int serial_sysrq(struct serial *s, char key);

#endif
