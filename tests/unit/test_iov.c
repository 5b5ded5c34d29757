// SPDX-License-Identifier: MIT
/* Scatter-list helpers: copies and slices across piece boundaries. */
#include "unit.h"

#include "devices/virtio/iov.h"

/* Backing store of the scatter lists: bytes 0..N-1 hold their index. */
static uint8_t mem[64];

/* Pieces of 3, 0, 5, 1 and 7 bytes: 16 bytes in all, at mem[0..20). */
static struct iovec five[5];

static int setup(void **state)
{
	for (size_t i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)i;
	five[0] = (struct iovec){ mem, 3 };
	five[1] = (struct iovec){ mem + 3, 0 };
	five[2] = (struct iovec){ mem + 4, 5 }; /* mem[3] is left out */
	five[3] = (struct iovec){ mem + 9, 1 };
	five[4] = (struct iovec){ mem + 10, 7 };
	return 0;
}

/* Where logical offset off of `five` lives in mem (and so its value). */
static uint8_t five_byte(size_t off)
{
	return (uint8_t)(off < 3 ? off : off + 1);
}

/* How many of len bytes from offset off the 16 bytes of `five` hold. */
static size_t copied(size_t off, size_t len)
{
	if (off >= 16)
		return 0;
	return len < 16 - off ? len : 16 - off;
}

static void test_size(void **state)
{
	assert_int_equal(iov_size(five, 5), 16);
	assert_int_equal(iov_size(five, 0), 0);
	assert_int_equal(iov_size(five + 1, 1), 0);
}

static void test_to_buf_every_range(void **state)
{
	/* Every (offset, length) pair, including ones past the end. */
	for (size_t off = 0; off <= 18; off++) {
		for (size_t len = 0; len <= 18; len++) {
			uint8_t buf[32];
			size_t want = copied(off, len);
			size_t got;

			memset(buf, 0xee, sizeof(buf));
			got = iov_to_buf(five, 5, off, buf, len);
			assert_int_equal(got, want);
			for (size_t i = 0; i < got; i++)
				assert_int_equal(buf[i], five_byte(off + i));
			/* Nothing written past what was copied. */
			for (size_t i = got; i < sizeof(buf); i++)
				assert_int_equal(buf[i], 0xee);
		}
	}
}

static void test_from_buf_every_range(void **state)
{
	for (size_t off = 0; off <= 18; off++) {
		for (size_t len = 0; len <= 18; len++) {
			uint8_t src[32], shadow[sizeof(mem)];
			size_t want = copied(off, len);
			size_t got;

			setup(NULL);
			for (size_t i = 0; i < sizeof(src); i++)
				src[i] = (uint8_t)(0x80 + i);
			memcpy(shadow, mem, sizeof(mem));
			got = iov_from_buf(five, 5, off, src, len);
			assert_int_equal(got, want);
			/* Exactly the covered bytes changed, in order. */
			for (size_t i = 0; i < got; i++) {
				size_t at = five_byte(off + i);

				assert_int_equal(mem[at], src[i]);
				shadow[at] = src[i];
			}
			assert_memory_equal(mem, shadow, sizeof(mem));
		}
	}
}

static void test_copy_round_trip(void **state)
{
	uint8_t in[16], out[16];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0xf0 ^ i);
	assert_int_equal(iov_from_buf(five, 5, 0, in, sizeof(in)), 16);
	assert_int_equal(iov_to_buf(five, 5, 0, out, sizeof(out)), 16);
	assert_memory_equal(in, out, sizeof(in));
	/* The gap between the pieces was not part of the list. */
	assert_int_equal(mem[3], 3);
	assert_int_equal(mem[17], 17);
}

static void test_no_pieces(void **state)
{
	uint8_t buf[4] = { 1, 2, 3, 4 };
	struct iovec dst[2];

	assert_int_equal(iov_to_buf(five, 0, 0, buf, 4), 0);
	assert_int_equal(iov_from_buf(five, 0, 0, buf, 4), 0);
	assert_int_equal(iov_slice(five, 0, 0, 0, dst, 2), 0);
	assert_int_equal(iov_slice(five, 0, 0, 1, dst, 2), -1);
	/* Only an empty piece. */
	assert_int_equal(iov_to_buf(five + 1, 1, 0, buf, 4), 0);
	assert_int_equal(iov_slice(five + 1, 1, 0, 0, dst, 2), 0);
}

static void test_slice_exact(void **state)
{
	struct iovec dst[8];

	/* The whole list, without the empty piece. */
	assert_int_equal(iov_slice(five, 5, 0, 16, dst, 8), 4);
	assert_ptr_equal(dst[0].iov_base, mem);
	assert_int_equal(dst[0].iov_len, 3);
	assert_ptr_equal(dst[1].iov_base, mem + 4);
	assert_int_equal(dst[1].iov_len, 5);
	assert_ptr_equal(dst[2].iov_base, mem + 9);
	assert_int_equal(dst[2].iov_len, 1);
	assert_ptr_equal(dst[3].iov_base, mem + 10);
	assert_int_equal(dst[3].iov_len, 7);

	/* Starting and ending inside pieces. */
	assert_int_equal(iov_slice(five, 5, 2, 7, dst, 8), 3);
	assert_ptr_equal(dst[0].iov_base, mem + 2);
	assert_int_equal(dst[0].iov_len, 1);
	assert_ptr_equal(dst[1].iov_base, mem + 4);
	assert_int_equal(dst[1].iov_len, 5);
	assert_ptr_equal(dst[2].iov_base, mem + 9);
	assert_int_equal(dst[2].iov_len, 1);
	assert_int_equal(iov_size(dst, 3), 7);
	/* One byte more reaches into the last piece. */
	assert_int_equal(iov_slice(five, 5, 2, 8, dst, 8), 4);
	assert_ptr_equal(dst[3].iov_base, mem + 10);
	assert_int_equal(dst[3].iov_len, 1);

	/* Inside one piece. */
	assert_int_equal(iov_slice(five, 5, 11, 3, dst, 8), 1);
	assert_ptr_equal(dst[0].iov_base, mem + 12);
	assert_int_equal(dst[0].iov_len, 3);

	/* Starting exactly on a boundary (after the empty piece too). */
	assert_int_equal(iov_slice(five, 5, 3, 5, dst, 8), 1);
	assert_ptr_equal(dst[0].iov_base, mem + 4);
	assert_int_equal(dst[0].iov_len, 5);

	/* Ending exactly at the end. */
	assert_int_equal(iov_slice(five, 5, 15, 1, dst, 8), 1);
	assert_ptr_equal(dst[0].iov_base, mem + 16);
	assert_int_equal(dst[0].iov_len, 1);

	/* Empty ranges need no entries, even at the very end. */
	assert_int_equal(iov_slice(five, 5, 5, 0, dst, 0), 0);
	assert_int_equal(iov_slice(five, 5, 16, 0, dst, 8), 0);
}

static void test_slice_every_range(void **state)
{
	/* Whatever the range, the slice holds the same bytes in order. */
	for (size_t off = 0; off <= 16; off++) {
		for (size_t len = 0; off + len <= 16; len++) {
			struct iovec dst[5];
			uint8_t buf[16];
			int n = iov_slice(five, 5, off, len, dst, 5);

			assert_true(n >= 0);
			assert_int_equal(iov_size(dst, (unsigned int)n), len);
			for (int i = 0; i < n; i++)
				assert_int_not_equal(dst[i].iov_len, 0);
			assert_int_equal(
				iov_to_buf(dst, (unsigned int)n, 0, buf, len),
				len);
			for (size_t i = 0; i < len; i++)
				assert_int_equal(buf[i], five_byte(off + i));
		}
	}
}

static void test_slice_too_small_dst(void **state)
{
	struct iovec dst[4];

	memset(dst, 0xa5, sizeof(dst));
	/* 16 bytes need four entries. */
	assert_int_equal(iov_slice(five, 5, 0, 16, dst, 3), -1);
	/* Nothing written past max. */
	for (size_t i = 0; i < sizeof(dst[3]); i++)
		assert_int_equal(((uint8_t *)&dst[3])[i], 0xa5);
	assert_int_equal(iov_slice(five, 5, 0, 4, dst, 1), -1);
	assert_int_equal(iov_slice(five, 5, 0, 3, dst, 1), 1);
	assert_int_equal(iov_slice(five, 5, 0, 1, dst, 0), -1);
}

static void test_slice_past_end(void **state)
{
	struct iovec dst[8];

	assert_int_equal(iov_slice(five, 5, 0, 17, dst, 8), -1);
	assert_int_equal(iov_slice(five, 5, 15, 2, dst, 8), -1);
	assert_int_equal(iov_slice(five, 5, 16, 1, dst, 8), -1);
	assert_int_equal(iov_slice(five, 5, 100, 1, dst, 8), -1);
	assert_int_equal(iov_slice(five, 5, 0, SIZE_MAX, dst, 8), -1);
	assert_int_equal(iov_slice(five, 5, SIZE_MAX, 1, dst, 8), -1);
}

static void test_huge_offsets(void **state)
{
	uint8_t buf[4] = { 0 };

	assert_int_equal(iov_to_buf(five, 5, SIZE_MAX, buf, 4), 0);
	assert_int_equal(iov_from_buf(five, 5, SIZE_MAX, buf, 4), 0);
	assert_int_equal(iov_to_buf(five, 5, 14, buf, SIZE_MAX), 2);
	assert_int_equal(buf[0], five_byte(14));
	assert_int_equal(buf[1], five_byte(15));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, setup)
	const struct CMUnitTest tests[] = {
		T(test_size),
		T(test_to_buf_every_range),
		T(test_from_buf_every_range),
		T(test_copy_round_trip),
		T(test_no_pieces),
		T(test_slice_exact),
		T(test_slice_every_range),
		T(test_slice_too_small_dst),
		T(test_slice_past_end),
		T(test_huge_offsets),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
