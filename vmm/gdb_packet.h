/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_GDB_PACKET_H
#define KESTREL_VMM_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The framing of the GDB remote serial protocol, "$data#ck" with ck the
 * data bytes' sum mod 256 in two hex digits, and the encodings packets
 * carry: hex, and binary with '}' (0x7d) escaping the next byte XOR 0x20.
 * The bytes come from a socket: every length is bounded by
 * GDB_PACKET_MAX and checked, nothing is allocated. One thread at a time.
 */
#define GDB_PACKET_MAX 16384 /* data bytes of a packet, either way */

enum gdb_rx_event {
	GDB_RX_NONE, /* the byte is taken, nothing is complete */
	GDB_RX_PACKET, /* buf[0..len) holds a packet whose checksum is right */
	GDB_RX_BAD, /* a wrong checksum or a packet too long: nack it */
	GDB_RX_INTERRUPT, /* 0x03 between packets */
	GDB_RX_NACK, /* '-' between packets: gdb wants our last packet again */
};

struct gdb_rx {
	uint8_t buf[GDB_PACKET_MAX];
	size_t len;
	enum { GDB_RX_IDLE, GDB_RX_DATA, GDB_RX_SUM_HI, GDB_RX_SUM_LO } state;
	uint8_t sum; /* of the data so far */
	uint8_t sum_hi; /* the checksum's first digit */
	bool too_long;
};

void gdb_rx_reset(struct gdb_rx *rx);
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *rx, uint8_t c);

/*
 * A packet being built: gdb_tx_begin(), appends, gdb_tx_end(). An append
 * that does not fit marks the packet, which gdb_tx_end() then turns into
 * an error reply rather than cut it.
 */
struct gdb_tx {
	char buf[GDB_PACKET_MAX + 4]; /* '$', data, '#', two digits */
	size_t len;
	bool overflow;
};

void gdb_tx_begin(struct gdb_tx *tx);
void gdb_tx_str(struct gdb_tx *tx, const char *str);
void gdb_tx_fmt(struct gdb_tx *tx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void gdb_tx_hex(struct gdb_tx *tx, const void *buf, size_t len);
void gdb_tx_binary(struct gdb_tx *tx, const void *buf, size_t len);
/* Data bytes the packet still has room for. */
size_t gdb_tx_room(const struct gdb_tx *tx);
/* Closes the packet; returns its length in buf. */
size_t gdb_tx_end(struct gdb_tx *tx);

/* How many of buf's first len bytes fit in room once escaped as binary. */
size_t gdb_binary_fit(const void *buf, size_t len, size_t room);

/* A packet's arguments, consumed from the front. */
struct gdb_args {
	const uint8_t *p, *end;
};

/* Consumes str if the arguments start with it. */
bool gdb_arg_prefix(struct gdb_args *a, const char *str);
/* A hex number of one or more digits that fits in 64 bits. */
bool gdb_arg_hex(struct gdb_args *a, uint64_t *v);
/* Exactly 2 * len hex digits, as bytes. */
bool gdb_arg_hex_bytes(struct gdb_args *a, uint8_t *out, size_t len);
/* The rest, unescaped binary: at most cap bytes. */
bool gdb_arg_binary(struct gdb_args *a, uint8_t *out, size_t cap, size_t *len);
bool gdb_arg_done(const struct gdb_args *a);

#endif
