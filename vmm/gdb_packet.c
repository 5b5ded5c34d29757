// SPDX-License-Identifier: MIT
/* GDB remote protocol framing and encodings. */
#include "vmm/gdb_packet.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GDB_ESCAPE 0x7d

static const char hex_digits[] = "0123456789abcdef";

static int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void gdb_rx_reset(struct gdb_rx *rx)
{
	rx->state = GDB_RX_IDLE;
	rx->len = 0;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c)
{
	int digit;

	switch (rx->state) {
	case GDB_RX_IDLE:
		if (c == '$')
			break;
		if (c == 0x03)
			return GDB_RX_INTERRUPT;
		return c == '-' ? GDB_RX_NACK : GDB_RX_NONE;
	case GDB_RX_DATA:
		if (c == '$')
			break; /* never inside data: a new packet, resync */
		if (c == '#') {
			rx->state = GDB_RX_SUM_HI;
			return GDB_RX_NONE;
		}
		rx->sum += c;
		if (rx->len < sizeof(rx->buf))
			rx->buf[rx->len++] = c;
		else
			rx->too_long = true;
		return GDB_RX_NONE;
	case GDB_RX_SUM_HI:
		digit = hex_value(c);
		rx->sum_hi = (uint8_t)(digit < 0 ? 0 : digit);
		rx->state = digit < 0 ? GDB_RX_IDLE : GDB_RX_SUM_LO;
		return digit < 0 ? GDB_RX_BAD : GDB_RX_NONE;
	case GDB_RX_SUM_LO:
		digit = hex_value(c);
		rx->state = GDB_RX_IDLE;
		if (digit < 0 || rx->too_long ||
		    (uint8_t)(rx->sum_hi << 4 | digit) != rx->sum)
			return GDB_RX_BAD;
		return GDB_RX_PACKET;
	}
	rx->state = GDB_RX_DATA;
	rx->len = 0;
	rx->sum = 0;
	rx->too_long = false;
	return GDB_RX_NONE;
}

void gdb_tx_begin(struct gdb_tx *tx)
{
	tx->buf[0] = '$';
	tx->len = 1;
	tx->overflow = false;
}

size_t gdb_tx_room(const struct gdb_tx *tx)
{
	return GDB_PACKET_MAX + 1 - tx->len;
}

static void put(struct gdb_tx *tx, const void *data, size_t len)
{
	if (tx->overflow || len > gdb_tx_room(tx)) {
		tx->overflow = true;
		return;
	}
	memcpy(tx->buf + tx->len, data, len);
	tx->len += len;
}

void gdb_tx_str(struct gdb_tx *tx, const char *str)
{
	put(tx, str, strlen(str));
}

void gdb_tx_fmt(struct gdb_tx *tx, const char *fmt, ...)
{
	char text[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		tx->overflow = true;
	else
		put(tx, text, (size_t)n);
}

void gdb_tx_hex(struct gdb_tx *tx, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (len > gdb_tx_room(tx) / 2) {
		tx->overflow = true;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		tx->buf[tx->len++] = hex_digits[p[i] >> 4];
		tx->buf[tx->len++] = hex_digits[p[i] & 0xf];
	}
}

/* What gdb's binary data may not hold as it is: framing, escape, RLE. */
static bool needs_escape(uint8_t c)
{
	return c == '$' || c == '#' || c == GDB_ESCAPE || c == '*';
}

size_t gdb_binary_fit(const void *buf, size_t len, size_t room)
{
	const uint8_t *p = buf;
	size_t used = 0, n;

	for (n = 0; n < len; n++) {
		size_t cost = needs_escape(p[n]) ? 2 : 1;

		if (used + cost > room)
			break;
		used += cost;
	}
	return n;
}

void gdb_tx_binary(struct gdb_tx *tx, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (gdb_binary_fit(buf, len, gdb_tx_room(tx)) < len) {
		tx->overflow = true;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		if (needs_escape(p[i])) {
			tx->buf[tx->len++] = GDB_ESCAPE;
			tx->buf[tx->len++] = (char)(p[i] ^ 0x20);
		} else {
			tx->buf[tx->len++] = (char)p[i];
		}
	}
}

size_t gdb_tx_end(struct gdb_tx *tx)
{
	uint8_t sum = 0;

	if (tx->overflow) {
		/* A reply cut short would be read as a whole one. */
		gdb_tx_begin(tx);
		gdb_tx_str(tx, "E01");
	}
	for (size_t i = 1; i < tx->len; i++)
		sum += (uint8_t)tx->buf[i];
	tx->buf[tx->len++] = '#';
	tx->buf[tx->len++] = hex_digits[sum >> 4];
	tx->buf[tx->len++] = hex_digits[sum & 0xf];
	return tx->len;
}

bool gdb_arg_prefix(struct gdb_args *a, const char *str)
{
	size_t n = strlen(str);

	if ((size_t)(a->end - a->p) < n || memcmp(a->p, str, n) != 0)
		return false;
	a->p += n;
	return true;
}

bool gdb_arg_hex(struct gdb_args *a, uint64_t *v)
{
	const uint8_t *start = a->p;
	uint64_t value = 0;
	int digit;

	while (a->p < a->end && (digit = hex_value(*a->p)) >= 0) {
		if (value >> 60)
			return false;
		value = value << 4 | (uint64_t)digit;
		a->p++;
	}
	*v = value;
	return a->p != start;
}

bool gdb_arg_hex_bytes(struct gdb_args *a, uint8_t *out, size_t len)
{
	if ((size_t)(a->end - a->p) / 2 < len)
		return false;
	for (size_t i = 0; i < len; i++) {
		int hi = hex_value(a->p[2 * i]),
		    lo = hex_value(a->p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	a->p += 2 * len;
	return true;
}

bool gdb_arg_binary(struct gdb_args *a, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = 0;

	while (a->p < a->end) {
		uint8_t c = *a->p++;

		if (c == GDB_ESCAPE) {
			if (a->p == a->end)
				return false;
			c = *a->p++ ^ 0x20;
		}
		if (n == cap)
			return false;
		out[n++] = c;
	}
	*len = n;
	return true;
}

bool gdb_arg_done(const struct gdb_args *a)
{
	return a->p == a->end;
}
