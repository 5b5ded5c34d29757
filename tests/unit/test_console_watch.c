// SPDX-License-Identifier: MIT
/* Panic detection in the guest's console output. */
#include "unit.h"

#include <stdlib.h>

#include "vmm/console_watch.h"

struct events {
	enum guest_event ev[16];
	unsigned int n;
};

static void notify(void *ctx, enum guest_event ev)
{
	struct events *e = ctx;

	assert_true(e->n < 16);
	e->ev[e->n++] = ev;
}

struct fixture {
	struct console_watch w;
	struct events e;
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->w.events.notify = notify;
	f->w.events.ctx = &f->e;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

static void feed(struct fixture *f, const char *s)
{
	console_watch_feed(&f->w, (const uint8_t *)s, strlen(s));
}

static void test_panic(void **state)
{
	struct fixture *f = *state;

	feed(f, "[  1.0] Kernel panic - not syncing: foo\r\n");
	assert_int_equal(f->e.n, 1);
	assert_int_equal(f->e.ev[0], GUEST_PANIC);
	/* The rest of the panic output adds nothing. */
	feed(f, "CPU: 0 PID: 1 Comm: init Not tainted 6.1.0 #1\r\n"
		"Call Trace:\r\n <TASK>\r\n dump_stack_lvl+0x44/0x5c\r\n");
	assert_int_equal(f->e.n, 1);
}

static void test_panic_end(void **state)
{
	struct fixture *f = *state;

	feed(f, "[  1.1] ---[ end Kernel panic - not syncing: foo ]---\r\n");
	assert_int_equal(f->e.n, 1);
	assert_int_equal(f->e.ev[0], GUEST_PANIC_END);
}

static void test_whole_panic(void **state)
{
	struct fixture *f = *state;

	feed(f, "[    2.5] Kernel panic - not syncing: VFS: Unable to mount "
		"root fs on unknown-block(0,0)\n"
		"[    2.5] CPU: 0 PID: 1 Comm: swapper/0\n"
		"[    2.5] Kernel Offset: disabled\n"
		"[    2.6] ---[ end Kernel panic - not syncing: VFS: Unable to "
		"mount root fs on unknown-block(0,0) ]---\n");
	assert_int_equal(f->e.n, 2);
	assert_int_equal(f->e.ev[0], GUEST_PANIC);
	assert_int_equal(f->e.ev[1], GUEST_PANIC_END);
}

static void test_split_marker(void **state)
{
	struct fixture *f = *state;
	const char *line = "[  3.0] Kernel panic - not syncing: split\r\n";

	feed(f, "[  3.0] Kernel pa");
	feed(f, "nic - not ");
	feed(f, "syn");
	assert_int_equal(f->e.n, 0);
	feed(f, "cing: split");
	/* Not before the line is complete. */
	assert_int_equal(f->e.n, 0);
	feed(f, "\r\n");
	assert_int_equal(f->e.n, 1);
	assert_int_equal(f->e.ev[0], GUEST_PANIC);

	/* One byte at a time. */
	for (const char *p = line; *p; p++)
		console_watch_feed(&f->w, (const uint8_t *)p, 1);
	assert_int_equal(f->e.n, 2);
	assert_int_equal(f->e.ev[1], GUEST_PANIC);
}

static void test_ordinary_lines(void **state)
{
	struct fixture *f = *state;

	feed(f, "[    0.000000] Linux version 6.1.0-56-amd64\r\n"
		"[    0.1] Kernel command line: console=ttyS0 panic=-1\r\n"
		"[    0.2] Kernel panic\r\n" /* a marker's first words */
		"[    0.3] not syncing\r\n"
		"[    0.4] kernel panic - not syncing: lower case\r\n"
		"\r\n\r\n\n\n"
		"Welcome to Debian!\n");
	console_watch_feed(&f->w, NULL, 0);
	assert_int_equal(f->e.n, 0);
}

/* A marker cut by a line break is two ordinary lines. */
static void test_marker_across_lines(void **state)
{
	struct fixture *f = *state;

	feed(f, "Kernel panic - not\nsyncing: x\n");
	feed(f, "Kernel panic\r - not syncing: x\n");
	assert_int_equal(f->e.n, 0);
}

static void test_long_line(void **state)
{
	struct fixture *f = *state;
	char *line = malloc(2002);

	assert_non_null(line);
	memset(line, 'a', 2000);
	line[2000] = '\n';
	line[2001] = '\0';
	feed(f, line);
	assert_int_equal(f->e.n, 0);
	/* The watcher is back to a clean line afterwards. */
	feed(f, "Kernel panic - not syncing: after\n");
	assert_int_equal(f->e.n, 1);

	/* A panic line with a long tail is still caught. */
	memcpy(line, "[ 9.9] Kernel panic - not syncing: ", 35);
	feed(f, line);
	assert_int_equal(f->e.n, 2);
	assert_int_equal(f->e.ev[1], GUEST_PANIC);

	/* Several buffers' worth without any newline at all. */
	line[2000] = 'b';
	for (int i = 0; i < 10; i++)
		feed(f, line);
	assert_int_equal(f->e.n, 2);
	assert_true(f->w.len < CONSOLE_WATCH_LINE);
	feed(f, "\n");
	assert_int_equal(f->e.n, 3);
	free(line);
}

static void test_nul_bytes(void **state)
{
	struct fixture *f = *state;
	static const uint8_t with_nul[] = "\0\0[ 1.0]\0Kernel panic - not "
					  "syncing: a\0b\r\n";
	static const uint8_t only_nul[] = { 0, 0, 0, '\n', 0, '\r' };

	/* NULs elsewhere do not hide the marker (or end the line early). */
	console_watch_feed(&f->w, with_nul, sizeof(with_nul) - 1);
	assert_int_equal(f->e.n, 1);
	assert_int_equal(f->e.ev[0], GUEST_PANIC);

	console_watch_feed(&f->w, only_nul, sizeof(only_nul));
	assert_int_equal(f->e.n, 1);

	/* A NUL before the marker on the same line does not cut it off. */
	console_watch_feed(&f->w, (const uint8_t *)"x\0", 2);
	feed(f, "Kernel panic - not syncing: y\n");
	assert_int_equal(f->e.n, 2);
}

static void test_no_sink(void **state)
{
	struct console_watch w;

	memset(&w, 0, sizeof(w));
	/* No notify callback: detection must not crash. */
	console_watch_feed(&w, (const uint8_t *)"Kernel panic - not syncing\n",
			   27);
	assert_int_equal(w.len, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_panic),
		T(test_panic_end),
		T(test_whole_panic),
		T(test_split_marker),
		T(test_ordinary_lines),
		T(test_marker_across_lines),
		T(test_long_line),
		T(test_nul_bytes),
		cmocka_unit_test(test_no_sink),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
