// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the PC platform devices on the port I/O bus
 * (runtime/iobus.c) as vmm/platform.c wires them: the COM1 UART
 * (devices/serial.c) fed from kestrel's host console (vmm/host_console.c,
 * stdin a pipe) and printing into it (vmm/console_watch.c), the CMOS clock
 * (devices/rtc.c), the ACPI power registers (devices/acpi_pm.c), the
 * i8042 reset line (devices/i8042.c) and the PCI configuration ports
 * (devices/pci.c, host bridge only), plus ranges of the input's own. Port
 * reads and writes of 1, 2 or 4 bytes, in and out of the ranges, are
 * interleaved with host console input, end of input, and rounds of the
 * device thread. Everything is fresh for each input.
 *
 * Input: an 8-byte header, then extra ranges, then OP_SIZE-byte operations
 *
 *   header [0..3]  the host clock, seconds (le32), fixed for the input
 *          [4]     bit 0: the console is a terminal (raw mode: Ctrl-A
 *                  escapes are filtered); bits 4-6: how many extra ranges
 *          [5..7]  unused
 *   range  [0..1]  base port (le16); [2] bit 7: base in the last 64 KiB
 *                  below 2^64 instead; [2] bits 0-6: length (0 .. 127)
 *   op     [0]     bits 0-1: what (0, 1: a port access; 2: host input;
 *                  3: bits 2-3 pick: the device thread runs until idle,
 *                  end of host input, or nothing); bits 2-3: size (1, 2,
 *                  4, 4); bit 7: a write
 *          [1]     the port: bits 5-7 pick a base (COM1, RTC, ACPI PM,
 *                  i8042, PCI 0xCF8, the first extra range, 0x60 where
 *                  nothing is, or value >> 16), bits 0-4 an offset - 8
 *                  from it; host input: how many of the value bytes
 *                  (% 5), and bit 7 adds 300 bytes of a counter
 *          [2..5]  value (le32)
 *
 * Oracles besides ASan/UBSan:
 *  - the bus: each access reaches the one range that holds all of it, at
 *    the right offset and size, or none (a read then sees all ones), as a
 *    linear search over the ranges says; registration refuses exactly the
 *    empty, wrapping and overlapping ranges;
 *  - the UART: its receive FIFO holds what a model of it holds (host bytes
 *    taken, loopback bytes, reads, clears), never more than its size; its
 *    IRQ line is what IIR's priority rule says, and an IIR read shows an
 *    interrupt exactly while the line is up; LSR's data-ready bit matches
 *    the FIFO;
 *  - the host console: the UART takes exactly the bytes written to stdin,
 *    in order (after a terminal's escapes), and never leaves input waiting
 *    in the host while the guest listens with an empty FIFO (the device
 *    thread idle); Ctrl-A x quits only when the input had it;
 *  - the clock: a time the guest set (valid fields) reads back the same;
 *  - power and reset events come exactly from the writes that mean them;
 *  - the device thread always goes idle.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86/layout.h"
#include "devices/acpi_pm.h"
#include "devices/i8042.h"
#include "devices/pci.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "firmware/acpi.h"
#include "tests/fuzz/fuzz_guest.h"
#include "tests/fuzz/fuzz_pci.h"
#include "vmm/host_console.h"
#include "runtime/iobus.h"

#define HDR_SIZE 8
#define RANGE_SIZE 3
#define MAX_EXTRA 7
#define OP_SIZE 6
#define MAX_OPS 1024
#define ACPI_PM_PORT 0x600 /* PLATFORM_ACPI_PM_PORT */
#define MAX_ROUNDS 1000
#define CTRL_A 0x01
#define MAX_INPUT (64 * 1024)

/* UART registers and bits the oracles read (devices/serial.c). */
#define UART_DATA 0
#define UART_IIR_FCR 2
#define UART_LSR 5
#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_DR 0x01

/* CMOS registers (devices/rtc.c). */
#define CMOS_STATUS_B 0x0b
#define CMOS_CENTURY 0x32
#define STATUS_B_24H 0x02
#define STATUS_B_BINARY 0x04
#define STATUS_B_SET 0x80

enum dev_id { DEV_COM1, DEV_RTC, DEV_PM, DEV_KBD, DEV_PCI, DEV_EXTRA };

/* A range as registered: the wrapper sees each call the bus makes. */
struct dev {
	enum dev_id id;
	const struct io_ops *ops;
	void *opaque;
	uint64_t base, len;
};

static struct fuzz_guest guest;
static struct iobus pio;
static struct dev dev[IOBUS_MAX_RANGES];
static unsigned int nr_dev;

static struct serial com1;
static struct rtc rtc;
static struct acpi_pm pm;
static struct i8042 kbd;
static struct pci_bus bus;
static struct host_console hc;
static int stdin_w = -1, devnull = -1;
static time_t host_clock;

/* What the bus did with the current access. */
static struct {
	unsigned int calls;
	const struct dev *d;
	uint64_t off;
	unsigned int size;
} seen;

static bool com1_line; /* the level set_irq last gave GSI 4 */
static unsigned int events[GUEST_COMMAND_DONE + 1], expect_events[2];
static bool quit;

/* The UART's receive FIFO, as it should be. */
static uint8_t fifo[SERIAL_RX_FIFO];
static unsigned int fifo_head, fifo_count;

/* Host input: what was written to stdin, and what the UART must take. */
static uint8_t expected[MAX_INPUT];
static size_t nr_expected, nr_taken, nr_written;
static bool raw, escape, quit_written, stdin_closed;
static uint8_t counter;

static void set_irq(void *ctx, uint32_t gsi, int level)
{
	(void)ctx;
	if (gsi != SERIAL_COM1_IRQ || (level != 0 && level != 1))
		fuzz_fail("set_irq(%u, %d)", gsi, level);
	com1_line = level;
}

static void on_event(void *ctx, enum guest_event ev)
{
	(void)ctx;
	if (ev != GUEST_POWEROFF && ev != GUEST_RESET && ev != GUEST_PANIC &&
	    ev != GUEST_PANIC_END)
		fuzz_fail("guest event %d", ev);
	events[ev]++;
}

static void on_quit(void *ctx)
{
	(void)ctx;
	if (!quit_written)
		fuzz_fail("the console quit, but its input had no Ctrl-A x");
	quit = true;
}

static time_t fake_now(void)
{
	return host_clock;
}

static void fifo_push(uint8_t c)
{
	fifo[(fifo_head + fifo_count++) % SERIAL_RX_FIFO] = c;
}

/* host_console's push: what the UART takes must be the next input. */
static size_t com1_push(void *opaque, const uint8_t *buf, size_t len)
{
	size_t n = serial_receive(opaque, buf, len);

	if (n > len || fifo_count + n > SERIAL_RX_FIFO)
		fuzz_fail("the UART took %zu of %zu bytes with %u in its FIFO",
			  n, len, fifo_count);
	for (size_t i = 0; i < n; i++) {
		if (nr_taken + i >= nr_expected ||
		    buf[i] != expected[nr_taken + i])
			fuzz_fail("host input byte %zu is %#x, expected %#x",
				  nr_taken + i, buf[i],
				  nr_taken + i < nr_expected ?
					  expected[nr_taken + i] :
					  0x100);
		fifo_push(buf[i]);
	}
	nr_taken += n;
	return n;
}

static uint64_t wrap_read(void *opaque, uint64_t off, unsigned int size)
{
	struct dev *d = opaque;
	bool pop =
		d->id == DEV_COM1 && off == UART_DATA && !(com1.lcr & LCR_DLAB);
	bool line = com1.irq_level;
	unsigned int count = com1.rx_count;
	uint64_t v;

	seen.calls++;
	seen.d = d;
	seen.off = off;
	seen.size = size;
	v = d->ops->read(d->opaque, off, size);
	if (d->id != DEV_COM1)
		return v;
	if (pop) {
		uint8_t want = 0;

		if (fifo_count) {
			want = fifo[fifo_head];
			fifo_head = (fifo_head + 1) % SERIAL_RX_FIFO;
			fifo_count--;
		}
		if ((uint8_t)v != want)
			fuzz_fail("RBR read %#x, the FIFO's next byte is %#x",
				  (unsigned int)v, want);
	} else if (off == UART_IIR_FCR) {
		if (!(v & 1) != line || (v & 0x30) ||
		    ((v & 0x0f) != 1 && (v & 0x09)))
			fuzz_fail("IIR %#x with the line %s", (unsigned int)v,
				  line ? "up" : "down");
	} else if (off == UART_LSR) {
		if (!!(v & LSR_DR) != (count != 0))
			fuzz_fail("LSR %#x with %u bytes in the FIFO",
				  (unsigned int)v, count);
	}
	return v;
}

static void wrap_write(void *opaque, uint64_t off, unsigned int size,
		       uint64_t value)
{
	struct dev *d = opaque;
	uint8_t b = (uint8_t)value;

	seen.calls++;
	seen.d = d;
	seen.off = off;
	seen.size = size;
	switch (d->id) {
	case DEV_COM1:
		if (off == UART_DATA && !(com1.lcr & LCR_DLAB) &&
		    (com1.mcr & MCR_LOOP) && fifo_count < SERIAL_RX_FIFO)
			fifo_push(b);
		else if (off == UART_IIR_FCR && (b & FCR_CLEAR_RX))
			fifo_head = fifo_count = 0;
		break;
	case DEV_PM:
		if (off == ACPI_PM_SLEEP_CONTROL &&
		    (value & ACPI_SLEEP_ENABLE) &&
		    ((value >> ACPI_SLEEP_TYPE_SHIFT) & ACPI_SLEEP_TYPE_MASK) ==
			    ACPI_SLP_TYP_S5)
			expect_events[GUEST_POWEROFF]++;
		else if (off == ACPI_PM_RESET && b == ACPI_PM_RESET_VALUE)
			expect_events[GUEST_RESET]++;
		break;
	case DEV_KBD:
		if (b == 0xfe)
			expect_events[GUEST_RESET]++;
		break;
	default:
		break;
	}
	d->ops->write(d->opaque, off, size, value);
}

static const struct io_ops wrap_ops = { .read = wrap_read,
					.write = wrap_write };

static uint64_t extra_read(void *opaque, uint64_t off, unsigned int size)
{
	const struct dev *d = opaque;

	(void)size;
	return d->base * 31 + off;
}

static void extra_write(void *opaque, uint64_t off, unsigned int size,
			uint64_t value)
{
	(void)opaque;
	(void)off;
	(void)size;
	(void)value;
}

static const struct io_ops extra_ops = { .read = extra_read,
					 .write = extra_write };

/* Registers a range, checking the bus's verdict against the rules. */
static void add_range(enum dev_id id, uint64_t base, uint64_t len,
		      const struct io_ops *ops, void *opaque)
{
	bool ok = nr_dev < IOBUS_MAX_RANGES && len && base + len > base;
	int err;

	for (unsigned int i = 0; ok && i < nr_dev; i++)
		if (base < dev[i].base + dev[i].len && dev[i].base < base + len)
			ok = false;
	if (ok) {
		dev[nr_dev] = (struct dev){ id, ops, opaque, base, len };
		if (id == DEV_EXTRA)
			dev[nr_dev].opaque = &dev[nr_dev];
	}
	err = iobus_register(&pio, base, len, &wrap_ops, &dev[nr_dev]);
	if (!err != ok)
		fuzz_fail("iobus_register(%#llx, %llu) returned %d",
			  (unsigned long long)base, (unsigned long long)len,
			  err);
	if (ok)
		nr_dev++;
}

/* The range that must take an access: all of it inside one range. */
static const struct dev *owner(uint64_t addr, unsigned int size)
{
	for (unsigned int i = 0; i < nr_dev; i++)
		if (addr >= dev[i].base && addr - dev[i].base < dev[i].len)
			return size <= dev[i].len - (addr - dev[i].base) ?
				       &dev[i] :
				       NULL;
	return NULL;
}

static void access_port(uint64_t addr, unsigned int size, bool write,
			uint32_t value)
{
	const struct dev *want = owner(addr, size);
	uint8_t buf[8];
	bool hit;

	memset(buf, 0x5c, sizeof(buf));
	memcpy(buf, &value, sizeof(value));
	seen.calls = 0;
	hit = iobus_access(&pio, addr, buf, size, write);
	if (hit != !!want || seen.calls != !!want ||
	    (want && (seen.d != want || seen.off != addr - want->base ||
		      seen.size != size)))
		fuzz_fail("access of %u at %#llx: bus says %d (%u calls, to "
			  "range %#llx offset %llu), the ranges say %#llx",
			  size, (unsigned long long)addr, hit, seen.calls,
			  seen.calls ? (unsigned long long)seen.d->base : 0,
			  (unsigned long long)seen.off,
			  want ? (unsigned long long)want->base : 0);
	if (!write && !want)
		for (unsigned int i = 0; i < size; i++)
			if (buf[i] != 0xff)
				fuzz_fail("a read of nothing gave %#x", buf[i]);
}

/* Host input: written to stdin, and (after escapes) what the UART takes. */
static void host_input(const uint8_t *buf, size_t len)
{
	size_t n = 0;
	ssize_t w;

	if (stdin_closed || quit_written)
		return;
	/* Nothing after Ctrl-A x: kestrel would be on its way out. */
	for (; n < len; n++) {
		uint8_t c = buf[n];

		if (nr_written + n >= MAX_INPUT)
			break;
		if (!raw) {
			expected[nr_expected++] = c;
		} else if (escape) {
			escape = false;
			if (c == 'x' || c == 'X') {
				quit_written = true;
				n++;
				break;
			}
			if (c == CTRL_A)
				expected[nr_expected++] = c;
		} else if (c == CTRL_A) {
			escape = true;
		} else {
			expected[nr_expected++] = c;
		}
	}
	w = write(stdin_w, buf, n);
	if (w != (ssize_t)n)
		fuzz_fail("stdin took %zd of %zu bytes: %s", w, n,
			  w < 0 ? strerror(errno) : "short");
	nr_written += n;
}

static bool uart_accepting(void)
{
	return (com1.ier & IER_RDI) && (com1.mcr & MCR_OUT2) &&
	       !(com1.mcr & MCR_LOOP);
}

/* The device thread is idle: is any input stranded on the host side? */
static void check_idle(void)
{
	int queued = 0;

	if (quit || !uart_accepting() || com1.rx_count)
		return;
	if (ioctl(hc.in_fd, FIONREAD, &queued) < 0)
		fuzz_fail("FIONREAD: %s", strerror(errno));
	if (hc.pending_len || queued)
		fuzz_fail("the guest listens with an empty FIFO, yet %zu bytes "
			  "wait in the console and %d in stdin",
			  hc.pending_len, queued);
}

static void check_uart(void)
{
	bool level = ((com1.ier & IER_RLSI) && com1.lsr_errors) ||
		     ((com1.ier & IER_RDI) && com1.rx_count) ||
		     ((com1.ier & IER_THRI) && com1.thr_interrupt) ||
		     ((com1.ier & IER_MSI) && (com1.msr & 0x0f));

	if (com1.rx_count > SERIAL_RX_FIFO || com1.rx_head >= SERIAL_RX_FIFO)
		fuzz_fail("UART FIFO: %u bytes from %u", com1.rx_count,
			  com1.rx_head);
	if (com1.rx_count != fifo_count)
		fuzz_fail("UART FIFO holds %u bytes, should hold %u",
			  com1.rx_count, fifo_count);
	for (unsigned int i = 0; i < fifo_count; i++)
		if (com1.rx[(com1.rx_head + i) % SERIAL_RX_FIFO] !=
		    fifo[(fifo_head + i) % SERIAL_RX_FIFO])
			fuzz_fail("UART FIFO byte %u differs", i);
	if (com1.irq_level != level || com1_line != level)
		fuzz_fail("UART line %d (set %d) with IER %#x: should be %d",
			  com1.irq_level, com1_line, com1.ier, level);
	if (events[GUEST_POWEROFF] != expect_events[GUEST_POWEROFF] ||
	    events[GUEST_RESET] != expect_events[GUEST_RESET])
		fuzz_fail("%u power-offs and %u resets, expected %u and %u",
			  events[GUEST_POWEROFF], events[GUEST_RESET],
			  expect_events[GUEST_POWEROFF],
			  expect_events[GUEST_RESET]);
}

static unsigned int decode(uint8_t b, uint8_t v, bool *ok)
{
	if (b & STATUS_B_BINARY)
		return v;
	if ((v & 0xf) > 9 || (v >> 4) > 9)
		*ok = false;
	return (v >> 4) * 10 + (v & 0xf);
}

/*
 * The fields of a time set in the CMOS registers, decoded with status B
 * value b; false unless they make a valid date and time.
 */
static bool rtc_fields(const uint8_t *cmos, uint8_t b, unsigned int f[7])
{
	static const uint8_t days[] = { 31, 29, 31, 30, 31, 30,
					31, 31, 30, 31, 30, 31 };
	bool ok = true;
	unsigned int h;

	f[0] = decode(b, cmos[0x00], &ok);
	f[1] = decode(b, cmos[0x02], &ok);
	if (b & STATUS_B_24H) {
		f[2] = decode(b, cmos[0x04], &ok);
	} else {
		h = decode(b, cmos[0x04] & 0x7f, &ok);
		if (h < 1 || h > 12)
			ok = false;
		f[2] = h % 12 + ((cmos[0x04] & 0x80) ? 12 : 0);
	}
	f[3] = decode(b, cmos[0x07], &ok);
	f[4] = decode(b, cmos[0x08], &ok);
	f[5] = decode(b, cmos[0x09], &ok);
	f[6] = decode(b, cmos[CMOS_CENTURY], &ok);
	if (f[0] > 59 || f[1] > 59 || f[2] > 23 || f[4] < 1 || f[4] > 12 ||
	    f[3] < 1 || f[3] > days[f[4] - 1] || f[5] > 99 || f[6] > 99)
		return false;
	if (f[4] == 2 && f[3] == 29) {
		unsigned int y = f[6] * 100 + f[5];

		if (y % 4 || (y % 100 == 0 && y % 400))
			return false;
	}
	return ok;
}

static uint8_t rtc_peek(uint8_t index)
{
	rtc_io_ops.write(&rtc, 0, 1, index);
	return (uint8_t)rtc_io_ops.read(&rtc, 1, 1);
}

/* The guest just set the clock from `before`: it must read back the same. */
static void check_rtc_commit(const uint8_t *before, uint8_t old_b)
{
	unsigned int set[7], now[7];
	uint8_t cmos[128], index = rtc.index;
	static const uint8_t regs[] = {
		0x00, 0x02, 0x04, 0x07, 0x08, 0x09, CMOS_CENTURY,
	};

	if (!rtc_fields(before, old_b, set))
		return;
	memcpy(cmos, rtc.cmos, sizeof(cmos));
	for (unsigned int i = 0; i < sizeof(regs); i++)
		cmos[regs[i]] = rtc_peek(regs[i]);
	rtc.index = index;
	if (!rtc_fields(cmos, rtc.cmos[CMOS_STATUS_B], now))
		fuzz_fail("the clock set to a valid time reads back invalid");
	for (unsigned int i = 0; i < 7; i++)
		if (now[i] != set[i])
			fuzz_fail("clock field %u set to %u reads back %u", i,
				  set[i], now[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0)
		fuzz_fail("/dev/null: %s", strerror(errno));
	return 0;
}

static void set_up(const uint8_t *hdr, const uint8_t *ranges,
		   unsigned int nr_ranges)
{
	struct guest_event_sink sink = { on_event, NULL };
	struct irq_line irq = { set_irq, NULL, SERIAL_COM1_IRQ };
	int p[2];

	memset(&pio, 0, sizeof(pio));
	pio.name = "pio";
	nr_dev = 0;
	memset(&seen, 0, sizeof(seen));
	memset(events, 0, sizeof(events));
	memset(expect_events, 0, sizeof(expect_events));
	com1_line = quit = false;
	fifo_head = fifo_count = 0;
	nr_expected = nr_taken = nr_written = 0;
	raw = hdr[4] & 1;
	escape = quit_written = stdin_closed = false;
	counter = 0;
	host_clock = (time_t)fuzz_le32(hdr);

	/*
	 * Twice what is ever written: a small write that does not fit in what
	 * is left of the pipe's last page starts a new one, so pages are never
	 * full and MAX_INPUT bytes may need more than MAX_INPUT of capacity.
	 */
	if (pipe2(p, O_CLOEXEC) < 0 || fcntl(p[1], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(p[1], F_SETPIPE_SZ, 2 * MAX_INPUT) < 0)
		fuzz_fail("stdin pipe: %s", strerror(errno));
	stdin_w = p[1];
	if (host_console_init(&hc, &guest.loop, p[0], devnull))
		fuzz_fail("host_console_init");
	host_console_capture(&hc);
	/* What enter_raw_mode() leaves on a terminal. */
	hc.raw = raw;
	hc.quit = on_quit;
	hc.watch.events = sink;

	serial_init(&com1, irq, host_console_output, host_console_rx_ready,
		    &hc);
	rtc_init(&rtc, fake_now);
	pm.events = sink;
	kbd.events = sink;
	host_console_attach(&hc, com1_push, &com1);
	pci_bus_init(&bus, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE, set_irq,
		     NULL);

	add_range(DEV_COM1, SERIAL_COM1_PORT, SERIAL_NR_PORTS, &serial_io_ops,
		  &com1);
	add_range(DEV_RTC, RTC_PORT, RTC_NR_PORTS, &rtc_io_ops, &rtc);
	add_range(DEV_PM, ACPI_PM_PORT, ACPI_PM_NR_PORTS, &acpi_pm_io_ops, &pm);
	add_range(DEV_KBD, I8042_COMMAND_PORT, 1, &i8042_io_ops, &kbd);
	add_range(DEV_PCI, PCI_CONF1_PORT, PCI_CONF1_PORTS, &pci_conf1_io_ops,
		  &bus);
	if (nr_dev != 5)
		fuzz_fail("the platform ranges did not fit");
	for (unsigned int i = 0; i < nr_ranges; i++) {
		const uint8_t *r = ranges + i * RANGE_SIZE;
		uint64_t base = fuzz_le16(r);

		if (r[2] & 0x80)
			base |= 0xffffffffffff0000ULL;
		add_range(DEV_EXTRA, base, r[2] & 0x7f, &extra_ops, NULL);
	}
	if (host_console_start(&hc))
		fuzz_fail("host_console_start");
}

static void tear_down(void)
{
	host_console_print_tail(&hc, devnull, 5);
	if (stdin_w >= 0)
		close(stdin_w);
	stdin_w = -1;
	/* Closing them takes them out of the loop. */
	close(hc.in_fd);
	host_console_destroy(&hc);
	pthread_mutex_destroy(&hc.out_lock);
	pthread_mutex_destroy(&com1.lock);
	pthread_mutex_destroy(&rtc.lock);
	fuzz_pci_bus_destroy(&bus);
}

static uint64_t port_of(const uint8_t *op, uint32_t value)
{
	uint64_t b;

	switch (op[1] >> 5) {
	case 0:
		b = SERIAL_COM1_PORT;
		break;
	case 1:
		b = RTC_PORT;
		break;
	case 2:
		b = ACPI_PM_PORT;
		break;
	case 3:
		b = I8042_COMMAND_PORT;
		break;
	case 4:
		b = PCI_CONF1_PORT;
		break;
	case 5:
		b = nr_dev > 5 ? dev[5].base : 0x80;
		break;
	case 6:
		b = 0x60; /* nothing there */
		break;
	default:
		b = value >> 16;
		break;
	}
	return b + (op[1] & 31) - 8;
}

static void do_op(const uint8_t *op)
{
	static const unsigned int sizes[] = { 1, 2, 4, 4 };
	uint32_t value = fuzz_le32(op + 2);
	uint8_t before[128], old_b = rtc.cmos[CMOS_STATUS_B];
	uint8_t buf[4 + 300];
	size_t n;

	switch (op[0] & 3) {
	case 0:
	case 1:
		memcpy(before, rtc.cmos, sizeof(before));
		access_port(port_of(op, value), sizes[(op[0] >> 2) & 3],
			    op[0] & 0x80, value);
		if ((old_b & STATUS_B_SET) &&
		    !(rtc.cmos[CMOS_STATUS_B] & STATUS_B_SET))
			check_rtc_commit(before, old_b);
		break;
	case 2:
		n = op[1] % 5;
		memcpy(buf, op + 2, n);
		if (op[1] & 0x80)
			for (unsigned int i = 0; i < 300; i++)
				buf[n++] = counter++;
		host_input(buf, n);
		break;
	default:
		if (((op[0] >> 2) & 3) == 0) {
			fuzz_guest_run_until_idle(&guest, MAX_ROUNDS, NULL);
			check_idle();
		} else if (((op[0] >> 2) & 3) == 1 && !stdin_closed) {
			close(stdin_w);
			stdin_w = -1;
			stdin_closed = true;
		}
		break;
	}
	check_uart();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int nr_ranges;
	size_t at;

	if (size < HDR_SIZE)
		return 0;
	nr_ranges = (data[4] >> 4) & MAX_EXTRA;
	at = HDR_SIZE + nr_ranges * RANGE_SIZE;
	if (size < at)
		return 0;
	set_up(data, data + HDR_SIZE, nr_ranges);
	for (unsigned int i = 0; at + OP_SIZE <= size && i < MAX_OPS;
	     i++, at += OP_SIZE)
		do_op(data + at);
	fuzz_guest_run_until_idle(&guest, MAX_ROUNDS, NULL);
	check_idle();
	check_uart();
	if (fuzz_verbose)
		fprintf(stderr,
			"UART: IER %#x LCR %#x MCR %#x, FIFO %u, line %d; "
			"input %zu written, %zu taken, %zu pending; events: "
			"%u off, %u reset, %u panic\n",
			com1.ier, com1.lcr, com1.mcr, com1.rx_count, com1_line,
			nr_written, nr_taken, hc.pending_len,
			events[GUEST_POWEROFF], events[GUEST_RESET],
			events[GUEST_PANIC]);
	tear_down();
	return 0;
}
