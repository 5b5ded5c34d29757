// SPDX-License-Identifier: MIT
/* Port I/O and MMIO dispatch: registration, lookup, access bounds. */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>

#include "runtime/iobus.h"

/* A device that records its last access and reads back a fixed pattern. */
struct fake_dev {
	int id;
	unsigned int reads, writes;
	uint64_t offset;
	unsigned int size;
	uint64_t value;
};

static uint64_t fake_read(void *opaque, uint64_t offset, unsigned int size)
{
	struct fake_dev *d = opaque;

	d->reads++;
	d->offset = offset;
	d->size = size;
	/* Distinct bytes, so a wrong size or offset shows. */
	return 0x8877665544332211ULL + ((uint64_t)d->id << 56) + offset;
}

static void fake_write(void *opaque, uint64_t offset, unsigned int size,
		       uint64_t value)
{
	struct fake_dev *d = opaque;

	d->writes++;
	d->offset = offset;
	d->size = size;
	d->value = value;
}

static const struct io_ops fake_ops = { .read = fake_read,
					.write = fake_write };
static const struct io_ops no_ops = { 0 };

static struct iobus *new_bus(void)
{
	struct iobus *bus = calloc(1, sizeof(*bus));

	assert_non_null(bus);
	bus->name = "test";
	return bus;
}

static void test_register_rejects_overlap(void **state)
{
	struct iobus *bus = new_bus();
	struct fake_dev d = { 0 };

	assert_int_equal(iobus_register(bus, 0x100, 0x10, &fake_ops, &d), 0);
	/* Exact duplicate, inside, covering, overlapping either edge. */
	assert_int_equal(iobus_register(bus, 0x100, 0x10, &fake_ops, &d), -1);
	assert_int_equal(iobus_register(bus, 0x104, 0x4, &fake_ops, &d), -1);
	assert_int_equal(iobus_register(bus, 0xf0, 0x100, &fake_ops, &d), -1);
	assert_int_equal(iobus_register(bus, 0xff, 0x2, &fake_ops, &d), -1);
	assert_int_equal(iobus_register(bus, 0x10f, 0x1, &fake_ops, &d), -1);
	assert_int_equal(bus->nr_ranges, 1);
	/* Adjacent on both sides is fine. */
	assert_int_equal(iobus_register(bus, 0xf0, 0x10, &fake_ops, &d), 0);
	assert_int_equal(iobus_register(bus, 0x110, 0x10, &fake_ops, &d), 0);
	assert_int_equal(bus->nr_ranges, 3);
	free(bus);
}

static void test_register_rejects_bad_ranges(void **state)
{
	struct iobus *bus = new_bus();
	struct fake_dev d = { 0 };

	assert_int_equal(iobus_register(bus, 0x100, 0, &fake_ops, &d), -1);
	assert_int_equal(iobus_register(bus, UINT64_MAX, 2, &fake_ops, &d), -1);
	assert_int_equal(iobus_register(bus, 0x1000, UINT64_MAX, &fake_ops, &d),
			 -1);
	assert_int_equal(bus->nr_ranges, 0);
	free(bus);
}

static void test_register_full(void **state)
{
	struct iobus *bus = new_bus();
	struct fake_dev d = { 0 };

	for (unsigned int i = 0; i < IOBUS_MAX_RANGES; i++)
		assert_int_equal(
			iobus_register(bus, i * 0x10ULL, 8, &fake_ops, &d), 0);
	assert_int_equal(iobus_register(bus, 0x10000, 8, &fake_ops, &d), -1);
	assert_int_equal(bus->nr_ranges, IOBUS_MAX_RANGES);
	free(bus);
}

/* Registers ranges in a scrambled order; every lookup finds its owner. */
static void test_lookup_many_ranges(void **state)
{
	enum { N = IOBUS_MAX_RANGES };
	struct iobus *bus = new_bus();
	static struct fake_dev dev[N];
	unsigned int i;

	for (i = 0; i < N; i++) {
		/* 37 is coprime with 64: a permutation of 0..63. */
		unsigned int k = (i * 37 + 11) % N;

		dev[k] = (struct fake_dev){ .id = (int)k };
		/* Ranges of varying length with gaps: [k*0x100, +k+1). */
		assert_int_equal(iobus_register(bus, k * 0x100ULL, k + 1,
						&fake_ops, &dev[k]),
				 0);
	}
	for (i = 1; i < N; i++)
		assert_true(bus->range[i - 1].base < bus->range[i].base);

	for (i = 0; i < N; i++) {
		uint8_t v;

		/* First and last byte of the range. */
		assert_true(iobus_access(bus, i * 0x100ULL, &v, 1, false));
		assert_int_equal(dev[i].offset, 0);
		assert_true(iobus_access(bus, i * 0x100ULL + i, &v, 1, false));
		assert_int_equal(dev[i].offset, i);
		assert_int_equal(dev[i].reads, 2);
		/* One past the end falls in the gap. */
		v = 0;
		assert_false(
			iobus_access(bus, i * 0x100ULL + i + 1, &v, 1, false));
		assert_int_equal(v, 0xff);
	}
	for (i = 0; i < N; i++)
		assert_int_equal(dev[i].reads, 2);
	free(bus);
}

static void test_access_at_start_and_end(void **state)
{
	struct iobus *bus = new_bus();
	struct fake_dev d = { .id = 1 };
	uint32_t v32 = 0;
	uint8_t v8 = 0;

	assert_int_equal(iobus_register(bus, 0x3f8, 8, &fake_ops, &d), 0);
	assert_true(iobus_access(bus, 0x3f8, &v8, 1, false));
	assert_int_equal(d.offset, 0);
	assert_int_equal(d.size, 1);
	assert_int_equal(v8, 0x11);
	assert_true(iobus_access(bus, 0x3ff, &v8, 1, false));
	assert_int_equal(d.offset, 7);
	assert_int_equal(v8, 0x18);
	/* A 4-byte access ending exactly at the end of the range. */
	assert_true(iobus_access(bus, 0x3fc, &v32, 4, false));
	assert_int_equal(d.offset, 4);
	assert_int_equal(d.size, 4);
	assert_int_equal(v32, 0x44332215);
	assert_int_equal(d.reads, 3);
	free(bus);
}

static void test_access_straddling_end_refused(void **state)
{
	struct iobus *bus = new_bus();
	struct fake_dev a = { .id = 1 }, b = { .id = 2 };
	uint64_t v64 = 0;
	uint32_t v32 = 0;
	uint16_t v16 = 0;

	assert_int_equal(iobus_register(bus, 0x1000, 8, &fake_ops, &a), 0);
	assert_int_equal(iobus_register(bus, 0x1008, 8, &fake_ops, &b), 0);

	assert_false(iobus_access(bus, 0x1006, &v32, 4, false));
	assert_int_equal(v32, 0xffffffff);
	assert_false(iobus_access(bus, 0x1007, &v16, 2, false));
	assert_int_equal(v16, 0xffff);
	assert_false(iobus_access(bus, 0x1001, &v64, 8, false));
	assert_int_equal(v64, UINT64_MAX);
	v32 = 0x12345678;
	assert_false(iobus_access(bus, 0x1006, &v32, 4, true));
	/* Neither device saw any of it. */
	assert_int_equal(a.reads + a.writes + b.reads + b.writes, 0);
	/* A full-width access at the start of the range is fine. */
	assert_true(iobus_access(bus, 0x1000, &v64, 8, false));
	assert_int_equal(a.reads, 1);
	free(bus);
}

static void test_unclaimed(void **state)
{
	struct iobus *bus = new_bus();
	struct fake_dev d = { 0 };
	uint8_t buf[8];
	uint64_t v = 0x1234;

	memset(buf, 0, sizeof(buf));
	assert_false(iobus_access(bus, 0x80, buf, 4, false));
	assert_int_equal(buf[0] & buf[1] & buf[2] & buf[3], 0xff);
	/* Only size bytes are written. */
	assert_int_equal(buf[4], 0);

	assert_int_equal(iobus_register(bus, 0x60, 1, &fake_ops, &d), 0);
	assert_int_equal(iobus_register(bus, 0x64, 1, &fake_ops, &d), 0);
	memset(buf, 0, sizeof(buf));
	assert_false(iobus_access(bus, 0x62, buf, 1, false));
	assert_int_equal(buf[0], 0xff);
	assert_int_equal(buf[1], 0);
	assert_false(iobus_access(bus, 0x5f, buf, 1, false));
	assert_false(iobus_access(bus, 0x65, buf, 1, false));
	assert_false(iobus_access(bus, UINT64_MAX, buf, 1, false));
	/* A dropped write. */
	assert_false(iobus_access(bus, 0x62, &v, 1, true));
	assert_int_equal(v, 0x1234);
	assert_int_equal(d.reads + d.writes, 0);
	free(bus);
}

static void test_write_sizes(void **state)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	const uint64_t pattern = 0x0807060504030201ULL;
	struct iobus *bus = new_bus();
	struct fake_dev d = { 0 };

	assert_int_equal(
		iobus_register(bus, 0xd0000000ULL, 0x1000, &fake_ops, &d), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned int size = sizes[i];
		uint64_t off = 0x100 + 8 * i;
		uint8_t buf[8];

		memcpy(buf, &pattern, sizeof(buf));
		assert_true(iobus_access(bus, 0xd0000000ULL + off, buf, size,
					 true));
		assert_int_equal(d.writes, i + 1);
		assert_int_equal(d.offset, off);
		assert_int_equal(d.size, size);
		/* Just the low `size` bytes, nothing from beyond them. */
		assert_int_equal(d.value,
				 size == 8 ?
					 pattern :
					 pattern & ((1ULL << (8 * size)) - 1));
	}
	free(bus);
}

static void test_read_sizes(void **state)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	struct iobus *bus = new_bus();
	struct fake_dev d = { 0 };

	assert_int_equal(iobus_register(bus, 0x1000, 0x100, &fake_ops, &d), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned int size = sizes[i];
		uint8_t buf[9];
		uint64_t got = 0, want = 0x8877665544332211ULL + 0x10;

		memset(buf, 0xcc, sizeof(buf));
		assert_true(iobus_access(bus, 0x1010, buf, size, false));
		assert_int_equal(d.size, size);
		assert_int_equal(d.offset, 0x10);
		memcpy(&got, buf, size);
		if (size < 8)
			want &= (1ULL << (8 * size)) - 1;
		assert_int_equal(got, want);
		/* Nothing written past the access. */
		assert_int_equal(buf[size], 0xcc);
	}
	free(bus);
}

static void test_missing_callbacks(void **state)
{
	struct iobus *bus = new_bus();
	uint32_t v = 0;

	/* A range with no read or write handler: claimed, reads all ones. */
	assert_int_equal(iobus_register(bus, 0x80, 1, &no_ops, NULL), 0);
	assert_true(iobus_access(bus, 0x80, &v, 1, false));
	assert_int_equal(v, 0xff);
	assert_true(iobus_access(bus, 0x80, &v, 1, true));
	free(bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_rejects_overlap),
		cmocka_unit_test(test_register_rejects_bad_ranges),
		cmocka_unit_test(test_register_full),
		cmocka_unit_test(test_lookup_many_ranges),
		cmocka_unit_test(test_access_at_start_and_end),
		cmocka_unit_test(test_access_straddling_end_refused),
		cmocka_unit_test(test_unclaimed),
		cmocka_unit_test(test_write_sizes),
		cmocka_unit_test(test_read_sizes),
		cmocka_unit_test(test_missing_callbacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
