// SPDX-License-Identifier: MIT
/* The host console's terminal escapes: Ctrl-A b, x and Ctrl-A, in order. */
#include "unit.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "runtime/evloop.h"
#include "vmm/host_console.h"

#define CTRL_A "\x01"

/* What the guest end saw: bytes as they are, '|' for a break, 'Q' for quit. */
struct fake_dev {
	struct host_console hc;
	struct evloop loop;
	struct ev_source timeout;
	int in_w; /* the other end of the console's stdin */
	char log[256];
	size_t len;
	unsigned int refuse_breaks; /* breaks to refuse (room later) first */
	const char *then_write; /* written to stdin at the first push */
	bool timed_out;
};

static void record(struct fake_dev *d, char c)
{
	assert_true(d->len < sizeof(d->log) - 1);
	d->log[d->len++] = c;
}

static void close_input(struct fake_dev *d)
{
	close(d->in_w);
	d->in_w = -1;
}

static size_t push(void *dev, const uint8_t *buf, size_t len)
{
	struct fake_dev *d = dev;

	for (size_t i = 0; i < len; i++)
		record(d, (char)buf[i]);
	if (d->then_write) {
		assert_int_equal(
			write(d->in_w, d->then_write, strlen(d->then_write)),
			strlen(d->then_write));
		d->then_write = NULL;
		close_input(d);
	}
	return len;
}

static bool fake_break(void *dev)
{
	struct fake_dev *d = dev;

	if (d->refuse_breaks) {
		d->refuse_breaks--;
		/* As the UART would once the guest made room. */
		host_console_rx_ready(&d->hc);
		return false;
	}
	record(d, '|');
	return true;
}

static void quit(void *ctx)
{
	record(ctx, 'Q');
}

/* All of stdin was handed over: the run is complete. */
static void on_eof(void *dev)
{
	struct fake_dev *d = dev;

	evloop_stop(&d->loop);
}

static void on_timeout(struct ev_source *src, uint32_t events)
{
	struct fake_dev *d = src->opaque;

	d->timed_out = true;
	evloop_stop(&d->loop);
}

static int setup(void **state)
{
	struct itimerspec five_s = { .it_value = { .tv_sec = 5 } };
	struct fake_dev *d = test_calloc(1, sizeof(*d));
	int p[2];

	assert_non_null(d);
	assert_int_equal(evloop_init(&d->loop), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(
		host_console_init(&d->hc, &d->loop, p[0],
				  open("/dev/null", O_WRONLY | O_CLOEXEC)),
		0);
	d->in_w = p[1];
	/* What enter_raw_mode() leaves on a terminal. */
	d->hc.raw = true;
	d->hc.quit = quit;
	d->hc.quit_ctx = d;
	d->hc.eof = on_eof;
	host_console_attach(&d->hc, push, d);
	host_console_attach_break(&d->hc, fake_break);
	d->timeout.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	d->timeout.handler = on_timeout;
	d->timeout.opaque = d;
	assert_true(d->timeout.fd >= 0);
	assert_int_equal(timerfd_settime(d->timeout.fd, 0, &five_s, NULL), 0);
	assert_int_equal(evloop_add(&d->loop, &d->timeout, EPOLLIN), 0);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct fake_dev *d = *state;

	if (d->in_w >= 0)
		close(d->in_w);
	close(d->hc.in_fd);
	close(d->hc.out_fd);
	close(d->timeout.fd);
	host_console_destroy(&d->hc);
	pthread_mutex_destroy(&d->hc.out_lock);
	evloop_destroy(&d->loop);
	test_free(d);
	return 0;
}

/* Types `input` (then ends stdin) and checks what the guest end saw. */
static void expect(struct fake_dev *d, const char *input, const char *seen)
{
	assert_int_equal(write(d->in_w, input, strlen(input)), strlen(input));
	if (!d->then_write)
		close_input(d);
	assert_int_equal(host_console_start(&d->hc), 0);
	assert_int_equal(evloop_run(&d->loop), 0);
	assert_false(d->timed_out);
	d->log[d->len] = '\0';
	assert_string_equal(d->log, seen);
}

/* Ctrl-A b is a break between what was typed before and after it. */
static void test_ctrl_a_b_sends_a_break(void **state)
{
	expect(*state, "ab" CTRL_A "bcd", "ab|cd");
}

static void test_breaks_in_one_read(void **state)
{
	expect(*state, CTRL_A "b" CTRL_A "Bx" CTRL_A CTRL_A "y" CTRL_A "b",
	       "||x" CTRL_A "y|");
}

/* A device without room holds the break, and what follows waits for it. */
static void test_break_held_until_room(void **state)
{
	struct fake_dev *d = *state;

	d->refuse_breaks = 2;
	expect(d, "12" CTRL_A "b3", "12|3");
	assert_int_equal(d->refuse_breaks, 0);
}

/* Ctrl-A in one read, b in the next. */
static void test_escape_split_across_reads(void **state)
{
	struct fake_dev *d = *state;

	d->then_write = "bz";
	expect(d, "a" CTRL_A, "a|z");
}

/*
 * Quit is asked for as soon as Ctrl-A x is read; what was typed before it
 * (z) still goes to the device, what came after does not.
 */
static void test_quit_after_a_break(void **state)
{
	expect(*state, "a" CTRL_A "bz" CTRL_A "xdropped", "a|Qz");
}

/* A device with no breaks (virtio-console): Ctrl-A b is dropped. */
static void test_no_break_without_a_device_for_it(void **state)
{
	struct fake_dev *d = *state;

	host_console_attach(&d->hc, push, d);
	expect(d, "a" CTRL_A "bc", "ac");
}

/* Not a terminal: no escapes, every byte is data. */
static void test_no_escapes_off_a_terminal(void **state)
{
	struct fake_dev *d = *state;

	d->hc.raw = false;
	expect(d, "a" CTRL_A "b" CTRL_A "x", "a" CTRL_A "b" CTRL_A "x");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_ctrl_a_b_sends_a_break),
		T(test_breaks_in_one_read),
		T(test_break_held_until_room),
		T(test_escape_split_across_reads),
		T(test_quit_after_a_break),
		T(test_no_break_without_a_device_for_it),
		T(test_no_escapes_off_a_terminal),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
