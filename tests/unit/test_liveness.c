// SPDX-License-Identifier: MIT
/* The no-sign-of-life decision, on an injected clock. */
#include "unit.h"

#include "vmm/liveness.h"

#define S 1000000000ULL
#define START (1000 * S) /* an arbitrary monotonic time */
#define UART 0x3f8

static void init(struct liveness *l)
{
	liveness_init(l, UART, 8);
	liveness_start(l, START, LIVENESS_GRACE_NS);
}

static void test_silent_guest_is_reported_once_after_grace(void **state)
{
	struct liveness l;

	(void)state;
	init(&l);
	assert_int_equal(liveness_deadline(&l), START + 30 * S);
	assert_int_equal(liveness_check(&l, START), LIVENESS_WAIT);
	assert_int_equal(liveness_check(&l, START + 30 * S - 1), LIVENESS_WAIT);
	assert_int_equal(liveness_check(&l, START + 30 * S), LIVENESS_SILENT);
	assert_int_equal(liveness_check(&l, START + 31 * S), LIVENESS_REPORTED);
	assert_int_equal(liveness_check(&l, START + 3600 * S),
			 LIVENESS_REPORTED);
}

static void test_guest_alive_in_time_is_never_reported(void **state)
{
	struct liveness l;

	(void)state;
	init(&l);
	liveness_mark_pio(&l, 0xcf8); /* PCI configuration */
	assert_int_equal(liveness_check(&l, START + 30 * S), LIVENESS_ALIVE);
	/* Idle for an hour later (a shell waiting for input): still alive. */
	assert_int_equal(liveness_check(&l, START + 3600 * S), LIVENESS_ALIVE);
}

/* The decompressor sets up the UART before the kernel proper runs. */
static void test_uart_setup_alone_is_no_sign_of_life(void **state)
{
	struct liveness l;

	(void)state;
	init(&l);
	for (uint16_t p = UART; p < UART + 8; p++)
		liveness_mark_pio(&l, p);
	assert_false(liveness_alive(&l));
	assert_int_equal(liveness_check(&l, START + 30 * S), LIVENESS_SILENT);
	liveness_mark_pio(&l, UART + 8);
	assert_true(liveness_alive(&l));
	liveness_mark_pio(&l, UART - 1);
	assert_true(liveness_alive(&l));
}

/* Console bytes (the UART's or virtio's) count. */
static void test_console_byte_is_a_sign_of_life(void **state)
{
	struct liveness l;

	(void)state;
	init(&l);
	liveness_mark(&l);
	assert_int_equal(liveness_check(&l, START + 60 * S), LIVENESS_ALIVE);
}

/* Life after the report: the watch has nothing more to say. */
static void test_late_life_after_report(void **state)
{
	struct liveness l;

	(void)state;
	init(&l);
	assert_int_equal(liveness_check(&l, START + 40 * S), LIVENESS_SILENT);
	liveness_mark(&l);
	assert_int_equal(liveness_check(&l, START + 41 * S), LIVENESS_ALIVE);
}

/* Port 0 and the top of the port space wrap correctly. */
static void test_port_range_edges(void **state)
{
	struct liveness l;

	(void)state;
	liveness_init(&l, 0xfff8, 8);
	liveness_start(&l, START, LIVENESS_GRACE_NS);
	liveness_mark_pio(&l, 0xffff);
	assert_false(liveness_alive(&l));
	liveness_mark_pio(&l, 0);
	assert_true(liveness_alive(&l));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_silent_guest_is_reported_once_after_grace),
		cmocka_unit_test(test_guest_alive_in_time_is_never_reported),
		cmocka_unit_test(test_uart_setup_alone_is_no_sign_of_life),
		cmocka_unit_test(test_console_byte_is_a_sign_of_life),
		cmocka_unit_test(test_late_life_after_report),
		cmocka_unit_test(test_port_range_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
