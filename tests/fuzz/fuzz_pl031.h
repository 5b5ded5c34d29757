/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_FUZZ_PL031_H
#define KESTREL_TESTS_FUZZ_PL031_H

/*
 * What fuzz_pl031 and fuzz_pl031_race share: the register map (as the
 * PL031's manual, ARM DDI 0224, gives it; devices/pl031.c keeps its own
 * private), how an operation names an access, and the fake host clock's
 * bounds.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "tests/fuzz/fuzz_guest.h"

enum {
	PL031_FUZZ_DR = 0x000,
	PL031_FUZZ_MR = 0x004,
	PL031_FUZZ_LR = 0x008,
	PL031_FUZZ_CR = 0x00c,
	PL031_FUZZ_IMSC = 0x010,
	PL031_FUZZ_RIS = 0x014,
	PL031_FUZZ_MIS = 0x018,
	PL031_FUZZ_ICR = 0x01c,
	PL031_FUZZ_ID = 0xfe0, /* PeriphID0-3, PCellID0-3, to 0xffc */
};

/* What the ID registers must read (ARM's part 0x031, the PrimeCell ID). */
static const uint8_t pl031_fuzz_id[8] = { 0x31, 0x10, 0x14, 0x00,
					  0x0d, 0xf0, 0x05, 0xb1 };

/*
 * The fake host clock stays in [0, PL031_FUZZ_HOST_MAX): what Linux's
 * time() can return (CLOCK_REALTIME is never set below 0, and its seconds
 * stop at KTIME_SEC_MAX, about 2^33.1).
 */
#define PL031_FUZZ_HOST_MAX (1LL << 34)

static inline int64_t pl031_fuzz_clamp(int64_t t)
{
	return t < 0			? 0 :
	       t >= PL031_FUZZ_HOST_MAX ? PL031_FUZZ_HOST_MAX - 1 :
					  t;
}

/*
 * One access, from a FUZZ_OP_SIZE-byte operation:
 *   [0] bit 7: a write (else a read)
 *   [1] bits 0-1: size 1 << b (1, 2, 4, 8 bytes);
 *       bits 2-3: where: 0: register (off & 7) * 4 (DR..ICR),
 *       1: ID register 0xfe0 + (off & 7) * 4, 2: off % 0x1000,
 *       3: off itself (32 bits: mostly beyond the window);
 *       bit 4: the value is relative, the current count plus (int16_t)
 *       value (so that MR and LR can land near the count)
 *   [2..5] off, [6..13] value
 */
struct pl031_fuzz_access {
	bool write, relative;
	unsigned int size;
	uint64_t off, value;
};

static inline struct pl031_fuzz_access pl031_fuzz_decode(const uint8_t *op)
{
	struct pl031_fuzz_access a = {
		.write = op[0] & 0x80,
		.relative = op[1] & 0x10,
		.size = 1U << (op[1] & 3),
		.value = fuzz_le64(op + 6),
	};
	uint32_t off = fuzz_le32(op + 2);

	switch ((op[1] >> 2) & 3) {
	case 0:
		a.off = (off & 7) * 4;
		break;
	case 1:
		a.off = PL031_FUZZ_ID + (off & 7) * 4;
		break;
	case 2:
		a.off = off % 0x1000;
		break;
	default:
		a.off = off;
		break;
	}
	return a;
}

/*
 * Does the calling thread hold m? glibc's default mutex records its
 * owner's thread ID; kestrel is Linux-only, and so are these targets.
 */
static inline bool pl031_fuzz_lock_held(const pthread_mutex_t *m)
{
	return m->__data.__owner == gettid();
}

#endif
