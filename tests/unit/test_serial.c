// SPDX-License-Identifier: MIT
/* The 16550A UART, driven through its eight registers. */
#include "unit.h"

#include <stdbool.h>

#include "devices/serial.h"

enum {
	RBR_THR = 0,
	IER = 1,
	IIR_FCR = 2,
	LCR = 3,
	MCR = 4,
	LSR = 5,
	MSR = 6,
	SCR = 7,
};

/* What the UART did to the outside world. */
struct rec {
	uint8_t out[512];
	size_t out_len;
	unsigned int out_calls;
	int levels[64];
	unsigned int nr_levels;
	uint32_t gsi;
	unsigned int rx_ready;
};

struct fixture {
	struct serial s;
	struct rec r;
};

static void set_level(void *ctx, uint32_t gsi, int level)
{
	struct rec *r = ctx;

	assert_true(r->nr_levels < 64);
	r->levels[r->nr_levels++] = level;
	r->gsi = gsi;
}

static void output(void *ctx, const uint8_t *buf, size_t len)
{
	struct rec *r = ctx;

	assert_true(r->out_len + len <= sizeof(r->out));
	memcpy(r->out + r->out_len, buf, len);
	r->out_len += len;
	r->out_calls++;
}

static void rx_ready(void *ctx)
{
	struct rec *r = ctx;

	r->rx_ready++;
}

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));
	struct irq_line irq = { set_level, NULL, SERIAL_COM1_IRQ };

	if (!f)
		return -1;
	irq.ctx = &f->r;
	serial_init(&f->s, irq, output, rx_ready, &f->r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pthread_mutex_destroy(&f->s.lock);
	test_free(f);
	return 0;
}

static uint8_t rd(struct fixture *f, unsigned int reg)
{
	return (uint8_t)serial_io_ops.read(&f->s, reg, 1);
}

static void wr(struct fixture *f, unsigned int reg, uint8_t v)
{
	serial_io_ops.write(&f->s, reg, 1, v);
}

/* The irq line's current level as the recorder saw it (0 if never set). */
static int irq_level(const struct fixture *f)
{
	return f->r.nr_levels ? f->r.levels[f->r.nr_levels - 1] : 0;
}

static void test_reset_state(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, IER), 0);
	assert_int_equal(rd(f, IIR_FCR), 0x01); /* no interrupt, no FIFO */
	assert_int_equal(rd(f, LSR), 0x60); /* THRE | TEMT */
	/* Nothing attached: CTS, DSR and DCD read as asserted. */
	assert_int_equal(rd(f, MSR) & 0xf0, 0xb0);
	assert_int_equal(f->r.nr_levels, 0);
	assert_int_equal(f->r.out_len, 0);
}

static void test_scratch(void **state)
{
	struct fixture *f = *state;
	static const uint8_t vals[] = { 0x00, 0x55, 0xaa, 0xff, 0x5a };

	for (size_t i = 0; i < sizeof(vals); i++) {
		wr(f, SCR, vals[i]);
		assert_int_equal(rd(f, SCR), vals[i]);
	}
}

static void test_fifo_detection(void **state)
{
	struct fixture *f = *state;

	wr(f, IIR_FCR, 0x01);
	/* The 8250 driver's autoconfig: IIR bits 7:6 set means a 16550A. */
	assert_int_equal(rd(f, IIR_FCR) & 0xc0, 0xc0);
	assert_int_equal(rd(f, IIR_FCR), 0xc1);
	wr(f, IIR_FCR, 0x00);
	assert_int_equal(rd(f, IIR_FCR) & 0xc0, 0x00);
}

static void test_divisor_latch(void **state)
{
	struct fixture *f = *state;

	wr(f, IER, 0x00);
	wr(f, LCR, 0x83); /* DLAB, 8N1 */
	assert_int_equal(rd(f, LCR), 0x83);
	wr(f, RBR_THR, 0x34);
	wr(f, IER, 0x12);
	assert_int_equal(rd(f, RBR_THR), 0x34);
	assert_int_equal(rd(f, IER), 0x12);
	/* Writing the divisor transmitted nothing and enabled nothing. */
	assert_int_equal(f->r.out_len, 0);
	wr(f, LCR, 0x03);
	assert_int_equal(rd(f, IER), 0x00);
	assert_int_equal(f->r.nr_levels, 0);
	/* The latch keeps its value. */
	wr(f, LCR, 0x80);
	assert_int_equal(rd(f, RBR_THR), 0x34);
	assert_int_equal(rd(f, IER), 0x12);
	wr(f, LCR, 0x03);
}

static void test_transmit(void **state)
{
	struct fixture *f = *state;

	wr(f, RBR_THR, 'h');
	assert_int_equal(f->r.out_calls, 1);
	assert_int_equal(f->r.out_len, 1);
	assert_int_equal(f->r.out[0], 'h');
	wr(f, RBR_THR, 'i');
	wr(f, RBR_THR, 0x00);
	wr(f, RBR_THR, 0xff);
	assert_int_equal(f->r.out_len, 4);
	assert_memory_equal(f->r.out, "hi\0\xff", 4);
	/* Always ready for more. */
	assert_int_equal(rd(f, LSR) & 0x60, 0x60);
	/* No interrupt while THRI is off. */
	assert_int_equal(f->r.nr_levels, 0);
}

static void test_thre_interrupt(void **state)
{
	struct fixture *f = *state;

	wr(f, IIR_FCR, 0x01);
	wr(f, IER, 0x02); /* THRI */
	assert_int_equal(f->r.nr_levels, 1);
	assert_int_equal(f->r.levels[0], 1);
	assert_int_equal(f->r.gsi, SERIAL_COM1_IRQ);

	/* Reading IIR reports THRE and acknowledges it. */
	assert_int_equal(rd(f, IIR_FCR), 0xc2);
	assert_int_equal(f->r.nr_levels, 2);
	assert_int_equal(f->r.levels[1], 0);
	assert_int_equal(rd(f, IIR_FCR), 0xc1);
	assert_int_equal(f->r.nr_levels, 2);

	/* The next transmitted byte empties THR again: raised again. */
	wr(f, RBR_THR, 'x');
	assert_int_equal(irq_level(f), 1);
	assert_int_equal(rd(f, IIR_FCR), 0xc2);
	assert_int_equal(irq_level(f), 0);

	/* Disabling THRI with one pending lowers the line. */
	wr(f, RBR_THR, 'y');
	assert_int_equal(irq_level(f), 1);
	wr(f, IER, 0x00);
	assert_int_equal(irq_level(f), 0);
	assert_int_equal(rd(f, IIR_FCR), 0xc1);

	/* Only level changes are signalled, never the same level twice. */
	for (unsigned int i = 1; i < f->r.nr_levels; i++)
		assert_int_not_equal(f->r.levels[i], f->r.levels[i - 1]);
}

static void test_receive(void **state)
{
	struct fixture *f = *state;
	const uint8_t in[] = "abc";

	/* Receive interrupts off: the bytes wait on the host side. */
	assert_int_equal(serial_receive(&f->s, in, 3), 0);
	assert_int_equal(rd(f, LSR) & 0x01, 0);
	assert_int_equal(f->r.nr_levels, 0);

	/* RDI on but OUT2 off: the interrupt would not reach the CPU. */
	wr(f, IIR_FCR, 0x01);
	wr(f, IER, 0x01);
	assert_int_equal(f->r.rx_ready, 0);
	assert_int_equal(serial_receive(&f->s, in, 3), 0);
	assert_int_equal(rd(f, LSR) & 0x01, 0);

	/* The driver opens the port: rx_ready says "retry now". */
	wr(f, MCR, 0x0b); /* DTR | RTS | OUT2 */
	assert_int_equal(f->r.rx_ready, 1);
	assert_int_equal(f->r.nr_levels, 0);

	assert_int_equal(serial_receive(&f->s, in, 3), 3);
	assert_int_equal(rd(f, LSR) & 0x01, 0x01);
	assert_int_equal(irq_level(f), 1);
	assert_int_equal(rd(f, IIR_FCR), 0xc4); /* received data available */

	assert_int_equal(rd(f, RBR_THR), 'a');
	assert_int_equal(rd(f, RBR_THR), 'b');
	assert_int_equal(f->r.rx_ready, 1);
	assert_int_equal(irq_level(f), 1);
	assert_int_equal(rd(f, RBR_THR), 'c');
	/* FIFO drained: room again, line lowered, DR clear. */
	assert_int_equal(f->r.rx_ready, 2);
	assert_int_equal(irq_level(f), 0);
	assert_int_equal(rd(f, LSR) & 0x01, 0);
	assert_int_equal(rd(f, IIR_FCR), 0xc1);
	/* Reading an empty RBR returns nothing new and calls nobody. */
	rd(f, RBR_THR);
	assert_int_equal(f->r.rx_ready, 2);

	/* Re-enabling an already enabled RDI is no new reader. */
	wr(f, IER, 0x01);
	wr(f, MCR, 0x0b);
	assert_int_equal(f->r.rx_ready, 2);
	/* Nothing to transmit went out. */
	assert_int_equal(f->r.out_len, 0);
}

/* Each of the three conditions alone closes the receiver again. */
static void test_receive_gates(void **state)
{
	struct fixture *f = *state;
	const uint8_t in[] = "q";

	wr(f, IER, 0x01);
	wr(f, MCR, 0x0b);
	assert_int_equal(f->r.rx_ready, 1);
	assert_int_equal(serial_receive(&f->s, in, 1), 1);
	assert_int_equal(rd(f, RBR_THR), 'q');

	wr(f, MCR, 0x03); /* OUT2 off */
	assert_int_equal(serial_receive(&f->s, in, 1), 0);
	wr(f, MCR, 0x0b);
	assert_int_equal(serial_receive(&f->s, in, 1), 1);
	assert_int_equal(rd(f, RBR_THR), 'q');

	wr(f, IER, 0x00); /* RDI off */
	assert_int_equal(serial_receive(&f->s, in, 1), 0);
	wr(f, IER, 0x01);
	assert_int_equal(serial_receive(&f->s, in, 1), 1);
	assert_int_equal(rd(f, RBR_THR), 'q');

	wr(f, MCR, 0x1b); /* loopback */
	assert_int_equal(serial_receive(&f->s, in, 1), 0);
	wr(f, MCR, 0x0b);
	assert_int_equal(serial_receive(&f->s, in, 1), 1);
	assert_int_equal(rd(f, RBR_THR), 'q');
	assert_int_equal(rd(f, LSR) & 0x01, 0);
}

static void test_receive_fifo_full(void **state)
{
	struct fixture *f = *state;
	uint8_t in[SERIAL_RX_FIFO + 44];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	wr(f, IER, 0x01);
	wr(f, MCR, 0x08);
	assert_int_equal(serial_receive(&f->s, in, sizeof(in)), SERIAL_RX_FIFO);
	assert_int_equal(serial_receive(&f->s, in, 1), 0);
	for (size_t i = 0; i < SERIAL_RX_FIFO; i++)
		assert_int_equal(rd(f, RBR_THR), (uint8_t)i);
	assert_int_equal(rd(f, LSR) & 0x01, 0);
	/* Wrapped around the ring: order kept. */
	assert_int_equal(serial_receive(&f->s, in + 10, 5), 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(rd(f, RBR_THR), (uint8_t)(10 + i));
}

static void test_fifo_clear(void **state)
{
	struct fixture *f = *state;
	unsigned int ready;

	wr(f, IER, 0x01);
	wr(f, MCR, 0x0b);
	assert_int_equal(serial_receive(&f->s, (const uint8_t *)"xyz", 3), 3);
	assert_int_equal(irq_level(f), 1);
	ready = f->r.rx_ready;
	wr(f, IIR_FCR, 0x03); /* enable + clear RX */
	assert_int_equal(rd(f, LSR) & 0x01, 0);
	assert_int_equal(irq_level(f), 0);
	assert_int_equal(f->r.rx_ready, ready + 1);
}

static void test_loopback(void **state)
{
	struct fixture *f = *state;

	wr(f, IER, 0x01);
	wr(f, MCR, 0x1a); /* LOOP | OUT2 | RTS */
	assert_int_equal(rd(f, MCR), 0x1a);
	/* RTS -> CTS, OUT2 -> DCD; DTR and OUT1 off -> DSR, RI off. */
	assert_int_equal(rd(f, MSR) & 0xf0, 0x90);

	wr(f, RBR_THR, 0x5a);
	wr(f, RBR_THR, 0xa5);
	assert_int_equal(f->r.out_len, 0);
	assert_int_equal(rd(f, LSR) & 0x01, 0x01);
	assert_int_equal(rd(f, RBR_THR), 0x5a);
	assert_int_equal(rd(f, RBR_THR), 0xa5);
	assert_int_equal(rd(f, LSR) & 0x01, 0);

	wr(f, MCR, 0x1f); /* all four outputs */
	assert_int_equal(rd(f, MSR) & 0xf0, 0xf0);

	/* Leaving loopback: transmission goes out again. */
	wr(f, MCR, 0x0b);
	assert_int_equal(rd(f, MSR) & 0xf0, 0xb0);
	wr(f, RBR_THR, 'o');
	assert_int_equal(f->r.out_len, 1);
	assert_int_equal(f->r.out[0], 'o');
}

/* The 8250 probe runs in loopback: host input must wait, never vanish. */
static void test_input_held_during_loopback(void **state)
{
	struct fixture *f = *state;
	const uint8_t in[] = "typed";
	unsigned int ready;

	wr(f, IER, 0x01);
	wr(f, MCR, 0x1a);
	assert_int_equal(serial_receive(&f->s, in, 5), 0);
	wr(f, IIR_FCR, 0x07); /* the probe clears the FIFOs */
	assert_int_equal(serial_receive(&f->s, in, 5), 0);
	ready = f->r.rx_ready;
	wr(f, MCR, 0x0b); /* probe over: the receiver listens again */
	assert_int_equal(f->r.rx_ready, ready + 1);
	assert_int_equal(serial_receive(&f->s, in, 5), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rd(f, RBR_THR), in[i]);
}

/*
 * The 8250 driver's probe and startup, in order (autoconfig() and
 * serial8250_do_startup()): the IER test enables every interrupt with MCR
 * still 0, the FIFOs are cleared, the loopback test runs, then the port
 * opens with MCR = DTR|RTS|OUT2 and IER = RLSI|RDI. Input offered at any
 * point before that must be refused -- accepted, it would be wiped by the
 * FIFO clears -- and rx_ready must announce the open port.
 */
static void test_probe_cannot_swallow_input(void **state)
{
	struct fixture *f = *state;
	const uint8_t in[] = "root\n";
	unsigned int ready;

	/* autoconfig: the IER test. */
	wr(f, IER, 0x00);
	assert_int_equal(rd(f, IER), 0x00);
	wr(f, IER, 0x0f);
	assert_int_equal(rd(f, IER) & 0x0f, 0x0f);
	assert_int_equal(serial_receive(&f->s, in, 5), 0);
	assert_int_equal(rd(f, LSR) & 0x01, 0);
	wr(f, IER, 0x00);
	/* FIFO detection, clearing both FIFOs. */
	wr(f, IIR_FCR, 0x07);
	assert_int_equal(rd(f, IIR_FCR) & 0xc0, 0xc0);
	assert_int_equal(serial_receive(&f->s, in, 5), 0);
	wr(f, IIR_FCR, 0x00);
	/* The loopback test. */
	wr(f, MCR, 0x1a);
	assert_int_equal(rd(f, MSR) & 0xf0, 0x90);
	assert_int_equal(serial_receive(&f->s, in, 5), 0);
	wr(f, MCR, 0x00);

	/* serial8250_do_startup: clear the FIFOs and the interrupt state. */
	wr(f, IIR_FCR, 0x07);
	wr(f, IIR_FCR, 0x00);
	rd(f, LSR);
	rd(f, RBR_THR);
	rd(f, IIR_FCR);
	rd(f, MSR);
	wr(f, LCR, 0x03);
	assert_int_equal(serial_receive(&f->s, in, 5), 0);
	ready = f->r.rx_ready;
	wr(f, MCR, 0x0b);
	/* Not yet: RDI is still off. */
	assert_int_equal(f->r.rx_ready, ready);
	assert_int_equal(serial_receive(&f->s, in, 5), 0);
	wr(f, IER, 0x05);
	assert_int_equal(f->r.rx_ready, ready + 1);

	/* Now the bytes go in, all of them, and raise the interrupt. */
	assert_int_equal(serial_receive(&f->s, in, 5), 5);
	assert_int_equal(irq_level(f), 1);
	assert_int_equal(rd(f, IIR_FCR) & 0x0f, 0x04);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rd(f, RBR_THR), in[i]);
	assert_int_equal(rd(f, LSR) & 0x01, 0);
	assert_int_equal(irq_level(f), 0);
}

/* The 8250 driver's open port: FIFOs on, RLSI | RDI, DTR | RTS | OUT2. */
static void open_port(struct fixture *f)
{
	wr(f, IIR_FCR, 0x01);
	wr(f, IER, 0x05);
	wr(f, MCR, 0x0b);
}

/*
 * A break is a NUL byte whose LSR.BI (with bit 7, "error in the FIFO")
 * the driver sees when it reads LSR before the byte, as serial8250_rx_chars
 * does; reading LSR clears BI, bit 7 once no such byte is left.
 */
static void test_break(void **state)
{
	struct fixture *f = *state;

	open_port(f);
	assert_int_equal(serial_send_break(&f->s), 0);
	assert_int_equal(irq_level(f), 1);
	assert_int_equal(rd(f, IIR_FCR), 0xc6); /* receiver line status */
	assert_int_equal(rd(f, LSR), 0xf1); /* FIFO error, BI, DR */
	assert_int_equal(rd(f, IIR_FCR), 0xc4); /* then: data available */
	assert_int_equal(irq_level(f), 1);
	assert_int_equal(rd(f, LSR), 0xe1); /* BI read: only bit 7 left */
	assert_int_equal(rd(f, RBR_THR), 0x00);
	assert_int_equal(irq_level(f), 0);
	assert_int_equal(f->r.rx_ready, 2); /* the open, the drained FIFO */
	/* Bit 7 was latched while the break byte was in the FIFO. */
	assert_int_equal(rd(f, LSR), 0xe0);
	assert_int_equal(rd(f, LSR), 0x60);
	assert_int_equal(rd(f, IIR_FCR), 0xc1);
}

/* "sysrq t": the break, then the key, which reads like any byte. */
static void test_sysrq(void **state)
{
	struct fixture *f = *state;

	open_port(f);
	assert_int_equal(serial_sysrq(&f->s, 't'), 0);
	assert_int_equal(rd(f, IIR_FCR), 0xc6);
	assert_int_equal(rd(f, LSR), 0xf1);
	assert_int_equal(rd(f, RBR_THR), 0x00);
	assert_int_equal(rd(f, LSR), 0xe1); /* 't' at the head: no BI */
	assert_int_equal(rd(f, IIR_FCR), 0xc4);
	assert_int_equal(rd(f, RBR_THR), 't');
	assert_int_equal(rd(f, LSR), 0x60);
	assert_int_equal(irq_level(f), 0);
	assert_int_equal(f->r.out_len, 0);
}

/* BI belongs to its byte: shown only once the bytes before it are read. */
static void test_break_behind_bytes(void **state)
{
	struct fixture *f = *state;

	open_port(f);
	assert_int_equal(serial_receive(&f->s, (const uint8_t *)"ab", 2), 2);
	assert_int_equal(serial_send_break(&f->s), 0);
	assert_int_equal(serial_receive(&f->s, (const uint8_t *)"c", 1), 1);
	assert_int_equal(rd(f, IIR_FCR), 0xc4);
	assert_int_equal(rd(f, LSR), 0xe1); /* an error in the FIFO, not BI */
	assert_int_equal(rd(f, RBR_THR), 'a');
	assert_int_equal(rd(f, IIR_FCR), 0xc4);
	assert_int_equal(rd(f, RBR_THR), 'b');
	/* The break byte reached the head. */
	assert_int_equal(rd(f, IIR_FCR), 0xc6);
	assert_int_equal(rd(f, LSR), 0xf1);
	assert_int_equal(rd(f, RBR_THR), 0x00);
	assert_int_equal(rd(f, LSR), 0xe1);
	assert_int_equal(rd(f, RBR_THR), 'c');
	assert_int_equal(rd(f, LSR), 0x60);
	assert_int_equal(irq_level(f), 0);
}

/* Which interrupt a break raises is the IER's choice; no FIFO, no bit 7. */
static void test_break_interrupts(void **state)
{
	struct fixture *f = *state;

	wr(f, IER, 0x01); /* RDI only, 16450 mode */
	wr(f, MCR, 0x0b);
	assert_int_equal(serial_send_break(&f->s), 0);
	assert_int_equal(irq_level(f), 1);
	assert_int_equal(rd(f, IIR_FCR), 0x04);
	assert_int_equal(rd(f, LSR), 0x71);
	assert_int_equal(rd(f, RBR_THR), 0x00);
	assert_int_equal(irq_level(f), 0);
	assert_int_equal(rd(f, LSR), 0x60);
}

static void test_break_refused(void **state)
{
	struct fixture *f = *state;
	uint8_t fill[SERIAL_RX_FIFO] = { 0 };

	/* No driver listening: held by the caller, as input is. */
	assert_int_equal(serial_send_break(&f->s), -EAGAIN);
	assert_int_equal(serial_sysrq(&f->s, 't'), -EAGAIN);
	wr(f, IER, 0x05);
	wr(f, MCR, 0x1b); /* loopback: the probe */
	assert_int_equal(serial_send_break(&f->s), -EAGAIN);
	assert_int_equal(rd(f, LSR), 0x60);
	assert_int_equal(f->r.nr_levels, 0);

	wr(f, MCR, 0x0b);
	memset(fill, 'f', sizeof(fill));
	assert_int_equal(serial_receive(&f->s, fill, SERIAL_RX_FIFO - 1),
			 SERIAL_RX_FIFO - 1);
	/* Room for the break but not its key: neither goes in. */
	assert_int_equal(serial_sysrq(&f->s, 't'), -ENOBUFS);
	assert_int_equal(serial_send_break(&f->s), 0);
	assert_int_equal(serial_send_break(&f->s), -ENOBUFS);
	for (unsigned int i = 0; i < SERIAL_RX_FIFO - 1; i++)
		assert_int_equal(rd(f, RBR_THR), 'f');
	assert_int_equal(rd(f, LSR) & 0x11, 0x11);
	assert_int_equal(rd(f, RBR_THR), 0x00);
	assert_int_equal(rd(f, LSR) & 0x11, 0x00);
}

/* Clearing the receive FIFO takes a break's status with its byte. */
static void test_break_fifo_clear(void **state)
{
	struct fixture *f = *state;

	open_port(f);
	assert_int_equal(serial_sysrq(&f->s, 's'), 0);
	assert_int_equal(irq_level(f), 1);
	wr(f, IIR_FCR, 0x03);
	assert_int_equal(irq_level(f), 0);
	assert_int_equal(rd(f, LSR), 0x60);
	assert_int_equal(rd(f, IIR_FCR), 0xc1);
}

static void test_msr_deltas(void **state)
{
	struct fixture *f = *state;

	/* Loopback with all outputs low drops CTS, DSR, DCD: deltas set. */
	wr(f, MCR, 0x10);
	assert_int_equal(rd(f, MSR), 0x0b); /* DDCD | DDSR | DCTS */
	/* Reading MSR clears the deltas. */
	assert_int_equal(rd(f, MSR), 0x00);
	/* A modem status interrupt for a change, once enabled. */
	wr(f, IER, 0x08);
	wr(f, MCR, 0x12); /* RTS -> CTS */
	assert_int_equal(irq_level(f), 1);
	assert_int_equal(rd(f, IIR_FCR) & 0x0f, 0x00);
	assert_int_equal(rd(f, MSR), 0x11);
	assert_int_equal(irq_level(f), 0);
}

static void test_unknown_offsets(void **state)
{
	struct fixture *f = *state;

	/* LSR and MSR are read-only. */
	wr(f, LSR, 0x00);
	assert_int_equal(rd(f, LSR), 0x60);
	wr(f, MSR, 0x00);
	assert_int_equal(rd(f, MSR) & 0xf0, 0xb0);
	/* Past the eight registers (a wider bus range): all ones, no effect. */
	assert_int_equal(rd(f, 8), 0xff);
	wr(f, 8, 0x12);
	assert_int_equal(f->r.out_len, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_reset_state),
		T(test_scratch),
		T(test_fifo_detection),
		T(test_divisor_latch),
		T(test_transmit),
		T(test_thre_interrupt),
		T(test_receive),
		T(test_receive_gates),
		T(test_receive_fifo_full),
		T(test_fifo_clear),
		T(test_loopback),
		T(test_input_held_during_loopback),
		T(test_probe_cannot_swallow_input),
		T(test_break),
		T(test_sysrq),
		T(test_break_behind_bytes),
		T(test_break_interrupts),
		T(test_break_refused),
		T(test_break_fifo_clear),
		T(test_msr_deltas),
		T(test_unknown_offsets),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
