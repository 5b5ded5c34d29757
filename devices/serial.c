// SPDX-License-Identifier: MIT
/* 16550A UART, as the 8250 driver probes and drives it. */
#include "devices/serial.h"

#include <errno.h>
#include <string.h>

enum {
	REG_DATA = 0, /* RBR/THR, or DLL when LCR.DLAB */
	REG_IER = 1, /* or DLM when LCR.DLAB */
	REG_IIR_FCR = 2,
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_MSR = 6,
	REG_SCR = 7,
};

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_FIFO_ENABLED 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_FIFO_ERROR 0x80

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_DELTA 0x0f
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

static uint8_t iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO_ENABLED : 0;

	if ((s->ier & IER_RLSI) && s->lsr_errors)
		return fifo | IIR_RLSI;
	if ((s->ier & IER_RDI) && s->rx_count)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thr_interrupt)
		return fifo | IIR_THRI;
	if ((s->ier & IER_MSI) && (s->msr & MSR_DELTA))
		return fifo | IIR_MSI;
	return fifo | IIR_NO_INT;
}

static void update_irq(struct serial *s)
{
	bool level = !(iir(s) & IIR_NO_INT);

	if (level != s->irq_level) {
		s->irq_level = level;
		irq_set(&s->irq, level);
	}
}

/* Modem inputs: with nothing attached the lines read as ready. */
static uint8_t modem_inputs(const struct serial *s)
{
	if (s->mcr & MCR_LOOP)
		return ((s->mcr & MCR_RTS) ? MSR_CTS : 0) |
		       ((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
		       ((s->mcr & MCR_OUT1) ? MSR_RI : 0) |
		       ((s->mcr & MCR_OUT2) ? MSR_DCD : 0);
	return MSR_DCD | MSR_DSR | MSR_CTS;
}

static void set_modem_inputs(struct serial *s)
{
	uint8_t now = modem_inputs(s), changed = (s->msr ^ now) & 0xf0;

	if (changed & MSR_CTS)
		s->msr |= MSR_DCTS;
	if (changed & MSR_DSR)
		s->msr |= MSR_DDSR;
	if (changed & MSR_DCD)
		s->msr |= MSR_DDCD;
	if ((s->msr & MSR_RI) && !(now & MSR_RI))
		s->msr |= MSR_TERI;
	s->msr = (s->msr & MSR_DELTA) | now;
}

/*
 * Whether the guest driver listens: receive interrupts on and routed to
 * the CPU (OUT2 gates the IRQ on a PC), and not testing the chip in
 * loopback. Until then input waits on the host side: the driver probes
 * the chip (briefly enabling every interrupt) and clears the FIFO as the
 * port starts, and nothing typed or piped in may be lost to either.
 */
static bool accepting(const struct serial *s)
{
	return (s->ier & IER_RDI) && (s->mcr & MCR_OUT2) &&
	       !(s->mcr & MCR_LOOP);
}

/*
 * Queues one byte with the line status it brings. As on a 16550A, that
 * status shows in LSR once the byte is at the head of the FIFO, and bit 7
 * says from now on that the FIFO holds such a byte.
 */
static void rx_push_byte(struct serial *s, uint8_t c, uint8_t lsr)
{
	unsigned int slot = (s->rx_head + s->rx_count) % SERIAL_RX_FIFO;

	s->rx[slot] = c;
	s->rx_lsr[slot] = lsr;
	if (lsr) {
		s->rx_errors++;
		s->fifo_error = true;
	}
	if (s->rx_count++ == 0)
		s->lsr_errors |= lsr;
}

static size_t rx_push(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	while (n < len && s->rx_count < SERIAL_RX_FIFO)
		rx_push_byte(s, buf[n++], 0);
	return n;
}

static uint8_t rx_pop(struct serial *s)
{
	uint8_t c;

	if (!s->rx_count)
		return 0;
	c = s->rx[s->rx_head];
	if (s->rx_lsr[s->rx_head])
		s->rx_errors--;
	s->rx_head = (s->rx_head + 1) % SERIAL_RX_FIFO;
	s->rx_count--;
	/* The next byte, now at the head, shows its status. */
	if (s->rx_count)
		s->lsr_errors |= s->rx_lsr[s->rx_head];
	else if (s->rx_ready)
		s->rx_ready(s->ctx);
	return c;
}

static void rx_clear(struct serial *s)
{
	s->rx_head = s->rx_count = s->rx_errors = 0;
	s->fifo_error = false;
	s->lsr_errors &= ~LSR_BI; /* its byte is gone */
}

static void transmit(struct serial *s, uint8_t c)
{
	if (s->mcr & MCR_LOOP) {
		if (!rx_push(s, &c, 1))
			s->lsr_errors |= LSR_OE;
	} else if (s->output) {
		s->output(s->ctx, &c, 1);
	}
	/* The byte left at once: THR is empty again. */
	s->thr_interrupt = true;
}

static uint64_t serial_read(void *opaque, uint64_t off, unsigned int size)
{
	struct serial *s = opaque;
	uint8_t v = 0xff;

	(void)size;
	pthread_mutex_lock(&s->lock);
	switch (off) {
	case REG_DATA:
		v = (s->lcr & LCR_DLAB) ? s->dll : rx_pop(s);
		break;
	case REG_IER:
		v = (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
		break;
	case REG_IIR_FCR:
		v = iir(s);
		/* Reading IIR acknowledges a THR-empty interrupt it shows. */
		if ((v & 0x0f) == IIR_THRI)
			s->thr_interrupt = false;
		break;
	case REG_LCR:
		v = s->lcr;
		break;
	case REG_MCR:
		v = s->mcr;
		break;
	case REG_LSR:
		v = LSR_THRE | LSR_TEMT | s->lsr_errors |
		    (s->rx_count ? LSR_DR : 0);
		/* Bit 7 is a FIFO-mode bit: a 16450 has none. */
		if ((s->fcr & FCR_ENABLE) && s->fifo_error)
			v |= LSR_FIFO_ERROR;
		s->lsr_errors = 0;
		s->fifo_error = s->rx_errors != 0;
		break;
	case REG_MSR:
		v = s->msr;
		s->msr &= ~MSR_DELTA;
		break;
	case REG_SCR:
		v = s->scr;
		break;
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return v;
}

static void serial_write(void *opaque, uint64_t off, unsigned int size,
			 uint64_t value)
{
	struct serial *s = opaque;
	uint8_t v = value, old;
	bool was_accepting;

	(void)size;
	pthread_mutex_lock(&s->lock);
	was_accepting = accepting(s);
	switch (off) {
	case REG_DATA:
		if (s->lcr & LCR_DLAB)
			s->dll = v;
		else
			transmit(s, v);
		break;
	case REG_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		old = s->ier;
		s->ier = v & 0x0f;
		/* Enabling the THR-empty interrupt with THR empty raises it. */
		if ((s->ier & IER_THRI) && !(old & IER_THRI))
			s->thr_interrupt = true;
		break;
	case REG_IIR_FCR:
		s->fcr = v & (FCR_ENABLE | 0xc0);
		if (v & FCR_CLEAR_RX) {
			rx_clear(s);
			if (s->rx_ready)
				s->rx_ready(s->ctx);
		}
		break;
	case REG_LCR:
		s->lcr = v;
		break;
	case REG_MCR:
		s->mcr = v & 0x1f;
		set_modem_inputs(s);
		break;
	case REG_SCR:
		s->scr = v;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
	if (!was_accepting && accepting(s) && s->rx_ready)
		s->rx_ready(s->ctx); /* let held input in */
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

const struct io_ops serial_io_ops = {
	.read = serial_read,
	.write = serial_write,
};

void serial_init(struct serial *s, struct irq_line irq,
		 void (*output)(void *ctx, const uint8_t *buf, size_t len),
		 void (*rx_ready)(void *ctx), void *ctx)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->irq = irq;
	s->output = output;
	s->rx_ready = rx_ready;
	s->ctx = ctx;
	s->dll = 12; /* 9600 baud, as firmware leaves it */
	s->msr = modem_inputs(s);
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = accepting(s) ? rx_push(s, buf, len) : 0;
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

/* A break, then the bytes of `after`: all of them or nothing. */
static int receive_break(struct serial *s, const uint8_t *after, size_t len)
{
	int err = 0;

	pthread_mutex_lock(&s->lock);
	if (!accepting(s))
		err = -EAGAIN;
	else if (SERIAL_RX_FIFO - s->rx_count < 1 + len)
		err = -ENOBUFS;
	if (!err) {
		rx_push_byte(s, 0, LSR_BI);
		rx_push(s, after, len);
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return err;
}

int serial_send_break(struct serial *s)
{
	return receive_break(s, NULL, 0);
}

int serial_sysrq(struct serial *s, char key)
{
	uint8_t c = (uint8_t)key;

	return receive_break(s, &c, 1);
}
