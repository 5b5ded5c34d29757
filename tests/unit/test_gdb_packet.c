// SPDX-License-Identifier: MIT
/* GDB remote protocol framing and encodings. */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>

#include "vmm/gdb_packet.h"

static enum gdb_rx_event feed(struct gdb_rx *rx, const char *bytes)
{
	enum gdb_rx_event last = GDB_RX_NONE;

	for (; *bytes; bytes++)
		last = gdb_rx_byte(rx, (uint8_t)*bytes);
	return last;
}

static void test_rx_events(void **state)
{
	struct gdb_rx *rx = malloc(sizeof(*rx));

	assert_non_null(rx);
	gdb_rx_reset(rx);
	assert_int_equal(feed(rx, "+"), GDB_RX_NONE);
	assert_int_equal(feed(rx, "-"), GDB_RX_NACK);
	assert_int_equal(feed(rx, "\x03"), GDB_RX_INTERRUPT);
	assert_int_equal(feed(rx, "$g#67"), GDB_RX_PACKET);
	assert_int_equal(rx->len, 1);
	assert_int_equal(rx->buf[0], 'g');
	assert_int_equal(feed(rx, "$g#68"), GDB_RX_BAD);
	assert_int_equal(feed(rx, "$j#6A"), GDB_RX_PACKET);
	assert_int_equal(feed(rx, "$g#x"), GDB_RX_BAD);
	assert_int_equal(feed(rx, "7"), GDB_RX_NONE); /* after: ignored */
	assert_int_equal(feed(rx, "$#00"), GDB_RX_PACKET);
	assert_int_equal(rx->len, 0);
	/* Inside a packet 0x03 and '-' are data. */
	assert_int_equal(feed(rx, "$\x03-#30"), GDB_RX_PACKET);
	assert_int_equal(rx->len, 2);
	free(rx);
}

static void test_rx_too_long(void **state)
{
	struct gdb_rx *rx = malloc(sizeof(*rx));
	size_t i;

	assert_non_null(rx);
	gdb_rx_reset(rx);
	gdb_rx_byte(rx, '$');
	for (i = 0; i < GDB_PACKET_MAX + 1; i++)
		gdb_rx_byte(rx, 'a');
	/* 'a' * (GDB_PACKET_MAX + 1) sums to 0x61 * 0x4001 = 0x61 mod 256 */
	assert_int_equal(feed(rx, "#61"), GDB_RX_BAD);
	assert_int_equal(rx->len, GDB_PACKET_MAX);
	gdb_rx_byte(rx, '$');
	for (i = 0; i < GDB_PACKET_MAX; i++)
		gdb_rx_byte(rx, 'a');
	assert_int_equal(feed(rx, "#00"), GDB_RX_PACKET); /* 0x61 * 0x4000 */
	free(rx);
}

static const char *end(struct gdb_tx *tx)
{
	size_t len = gdb_tx_end(tx);

	tx->buf[len] = '\0';
	return tx->buf;
}

static void test_tx(void **state)
{
	struct gdb_tx *tx = malloc(sizeof(*tx));
	static const uint8_t bin[] = { 'a', '$', '#', '}', '*', 0 };
	static char big[GDB_PACKET_MAX + 1];

	assert_non_null(tx);
	gdb_tx_begin(tx);
	assert_string_equal(end(tx), "$#00");
	gdb_tx_begin(tx);
	gdb_tx_str(tx, "OK");
	assert_string_equal(end(tx), "$OK#9a");
	gdb_tx_begin(tx);
	gdb_tx_hex(tx, "\x00\xab", 2);
	gdb_tx_fmt(tx, ";%d", 7);
	assert_string_equal(end(tx), "$00ab;7#95");
	/* Binary: framing, escape and RLE bytes escaped. */
	gdb_tx_begin(tx);
	gdb_tx_binary(tx, bin, sizeof(bin));
	assert_memory_equal(tx->buf, "$a}\x04}\x03}]}\x0a\0", 11);
	assert_int_equal(gdb_binary_fit(bin, sizeof(bin), 3), 2);
	assert_int_equal(gdb_binary_fit(bin, sizeof(bin), 2), 1);
	assert_int_equal(gdb_binary_fit(bin, sizeof(bin), 100), sizeof(bin));
	/* Exactly full is a packet; one byte more an error reply. */
	memset(big, 'x', GDB_PACKET_MAX);
	gdb_tx_begin(tx);
	gdb_tx_str(tx, big);
	assert_int_equal(gdb_tx_room(tx), 0);
	assert_int_equal(gdb_tx_end(tx), GDB_PACKET_MAX + 4);
	gdb_tx_begin(tx);
	gdb_tx_str(tx, big);
	gdb_tx_str(tx, "y");
	assert_string_equal(end(tx), "$E01#a6");
	gdb_tx_begin(tx);
	gdb_tx_hex(tx, big, GDB_PACKET_MAX / 2 + 1);
	assert_string_equal(end(tx), "$E01#a6");
	gdb_tx_begin(tx);
	gdb_tx_binary(tx, big, GDB_PACKET_MAX + 1);
	assert_string_equal(end(tx), "$E01#a6");
	gdb_tx_begin(tx);
	gdb_tx_fmt(tx, "%0200d", 1); /* longer than any reply formats */
	assert_string_equal(end(tx), "$E01#a6");
	free(tx);
}

static struct gdb_args args(const char *text)
{
	return (struct gdb_args){ (const uint8_t *)text,
				  (const uint8_t *)text + strlen(text) };
}

static void test_args(void **state)
{
	struct gdb_args a = args("1f,ffffffffffffffff:");
	uint8_t out[8];
	uint64_t v;
	size_t n;

	assert_true(gdb_arg_hex(&a, &v));
	assert_int_equal(v, 0x1f);
	assert_false(gdb_arg_prefix(&a, ":"));
	assert_true(gdb_arg_prefix(&a, ","));
	assert_true(gdb_arg_hex(&a, &v));
	assert_int_equal(v, UINT64_MAX);
	assert_false(gdb_arg_done(&a));
	assert_false(gdb_arg_hex(&a, &v)); /* no digit */
	assert_true(gdb_arg_prefix(&a, ":"));
	assert_true(gdb_arg_done(&a));
	assert_false(gdb_arg_prefix(&a, ":"));

	a = args("10000000000000000");
	assert_false(gdb_arg_hex(&a, &v)); /* 65 bits */
	a = args("000000000000000000000001");
	assert_true(gdb_arg_hex(&a, &v));
	assert_int_equal(v, 1);

	a = args("0aFf");
	assert_true(gdb_arg_hex_bytes(&a, out, 2));
	assert_memory_equal(out, "\x0a\xff", 2);
	a = args("0aF");
	assert_false(gdb_arg_hex_bytes(&a, out, 2));
	a = args("0g");
	assert_false(gdb_arg_hex_bytes(&a, out, 1));

	a = args("a}]}\x03z");
	assert_true(gdb_arg_binary(&a, out, sizeof(out), &n));
	assert_int_equal(n, 4);
	assert_memory_equal(out, "a}#z", 4);
	a = args("ab}");
	assert_false(gdb_arg_binary(&a, out, sizeof(out), &n));
	a = args("123456789");
	assert_false(gdb_arg_binary(&a, out, sizeof(out), &n));
	a = args("12345678");
	assert_true(gdb_arg_binary(&a, out, sizeof(out), &n));
	assert_int_equal(n, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_events),
		cmocka_unit_test(test_rx_too_long),
		cmocka_unit_test(test_tx),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
