// SPDX-License-Identifier: MIT
/* gm_ptr() and friends: the one bounds-checked guest-address accessor. */
#include "unit.h"

#include <stdbool.h>

#include "runtime/guest_mem.h"

#define R0_GPA 0x0ULL
#define R0_SIZE 0x10000ULL
/* Two more regions back to back, each with its own host buffer. */
#define R1_GPA 0x100000ULL
#define R1_SIZE 0x2000ULL
#define R2_GPA (R1_GPA + R1_SIZE)
#define R2_SIZE 0x1000ULL

struct fixture {
	struct guest_mem gm;
	uint8_t r0[R0_SIZE];
	uint8_t r1[R1_SIZE];
	uint8_t r2[R2_SIZE];
};

static int setup(void **state)
{
	struct fixture *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (gm_add_region(&f->gm, R0_GPA, R0_SIZE, f->r0) ||
	    gm_add_region(&f->gm, R1_GPA, R1_SIZE, f->r1) ||
	    gm_add_region(&f->gm, R2_GPA, R2_SIZE, f->r2)) {
		test_free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

static void test_ptr_inside(void **state)
{
	struct fixture *f = *state;

	assert_ptr_equal(gm_ptr(&f->gm, 0, 1), f->r0);
	assert_ptr_equal(gm_ptr(&f->gm, 0, R0_SIZE), f->r0);
	assert_ptr_equal(gm_ptr(&f->gm, 0x1234, 16), f->r0 + 0x1234);
	assert_ptr_equal(gm_ptr(&f->gm, R0_SIZE - 1, 1), f->r0 + R0_SIZE - 1);
	assert_ptr_equal(gm_ptr(&f->gm, R1_GPA, R1_SIZE), f->r1);
	assert_ptr_equal(gm_ptr(&f->gm, R1_GPA + 8, 8), f->r1 + 8);
	assert_ptr_equal(gm_ptr(&f->gm, R2_GPA, 1), f->r2);
	assert_ptr_equal(gm_ptr(&f->gm, R2_GPA + R2_SIZE - 4, 4),
			 f->r2 + R2_SIZE - 4);
}

static void test_ptr_zero_length(void **state)
{
	struct fixture *f = *state;

	assert_ptr_equal(gm_ptr(&f->gm, 0, 0), f->r0);
	assert_ptr_equal(gm_ptr(&f->gm, 0x80, 0), f->r0 + 0x80);
	/* At the very end of a region: allowed, an empty range. */
	assert_ptr_equal(gm_ptr(&f->gm, R0_SIZE, 0), f->r0 + R0_SIZE);
	/* One past the end, in the gap between regions. */
	assert_null(gm_ptr(&f->gm, R0_SIZE + 1, 0));
	assert_null(gm_ptr(&f->gm, R1_GPA - 1, 0));
	assert_null(gm_ptr(&f->gm, R2_GPA + R2_SIZE + 1, 0));
	assert_null(gm_ptr(&f->gm, UINT64_MAX, 0));
}

static void test_ptr_outside(void **state)
{
	struct fixture *f = *state;

	/* One past the end of a region. */
	assert_null(gm_ptr(&f->gm, R0_SIZE, 1));
	assert_null(gm_ptr(&f->gm, R2_GPA + R2_SIZE, 1));
	/* In the hole below a region, and far above everything. */
	assert_null(gm_ptr(&f->gm, R1_GPA - 1, 1));
	assert_null(gm_ptr(&f->gm, 0x80000000ULL, 4));
	assert_null(gm_ptr(&f->gm, UINT64_MAX, 1));
	/* Straddling the end of a region into the gap. */
	assert_null(gm_ptr(&f->gm, R0_SIZE - 1, 2));
	assert_null(gm_ptr(&f->gm, 0, R0_SIZE + 1));
	/* Straddling the start of a region from the gap. */
	assert_null(gm_ptr(&f->gm, R1_GPA - 4, 8));
}

static void test_ptr_straddles_two_regions(void **state)
{
	struct fixture *f = *state;

	/* Guest-contiguous, host-discontiguous: must be refused. */
	assert_null(gm_ptr(&f->gm, R2_GPA - 1, 2));
	assert_null(gm_ptr(&f->gm, R2_GPA - 4, 8));
	assert_null(gm_ptr(&f->gm, R1_GPA, R1_SIZE + R2_SIZE));
	/* Right up to the boundary on either side is fine. */
	assert_ptr_equal(gm_ptr(&f->gm, R2_GPA - 4, 4), f->r1 + R1_SIZE - 4);
	assert_ptr_equal(gm_ptr(&f->gm, R2_GPA, 4), f->r2);
}

static void test_ptr_overflow(void **state)
{
	struct fixture *f = *state;

	assert_null(gm_ptr(&f->gm, UINT64_MAX - 1, 4));
	assert_null(gm_ptr(&f->gm, UINT64_MAX, UINT64_MAX));
	assert_null(gm_ptr(&f->gm, 0, UINT64_MAX));
	assert_null(gm_ptr(&f->gm, 1, UINT64_MAX));
	assert_null(gm_ptr(&f->gm, R1_GPA, UINT64_MAX));
	assert_null(gm_ptr(&f->gm, R1_GPA + 1, UINT64_MAX - R1_GPA));
	/* len that wraps gpa + len around to inside region 0. */
	assert_null(gm_ptr(&f->gm, 0x100, UINT64_MAX - 0xff + 0x10));
	assert_null(gm_ptr(&f->gm, R2_GPA + 1, (uint64_t)0 - R2_GPA));
}

static void test_region_at_top_of_address_space(void **state)
{
	struct guest_mem gm = { 0 };
	static uint8_t buf[0x1000];
	const uint64_t gpa = UINT64_MAX - 2 * sizeof(buf) + 1;

	/* Ends at 2^64 - 0x1000: representable, allowed. */
	assert_int_equal(gm_add_region(&gm, gpa, sizeof(buf), buf), 0);
	assert_ptr_equal(gm_ptr(&gm, gpa, sizeof(buf)), buf);
	assert_ptr_equal(gm_ptr(&gm, gpa + sizeof(buf), 0), buf + sizeof(buf));
	assert_null(gm_ptr(&gm, gpa + sizeof(buf) - 1, 2));
	assert_null(gm_ptr(&gm, gpa + 1, UINT64_MAX));
	assert_null(gm_ptr(&gm, UINT64_MAX - 1, 4));
	assert_int_equal(gm_end(&gm), gpa + sizeof(buf));
}

static void test_read_write(void **state)
{
	struct fixture *f = *state;
	const uint8_t pattern[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t out[8];

	assert_true(gm_write(&f->gm, 0x100, pattern, sizeof(pattern)));
	assert_memory_equal(f->r0 + 0x100, pattern, sizeof(pattern));
	memset(out, 0, sizeof(out));
	assert_true(gm_read(&f->gm, out, 0x100, sizeof(out)));
	assert_memory_equal(out, pattern, sizeof(pattern));

	assert_true(gm_write(&f->gm, R2_GPA + R2_SIZE - 8, pattern, 8));
	assert_memory_equal(f->r2 + R2_SIZE - 8, pattern, 8);

	/* Refused accesses leave both sides untouched. */
	memset(out, 0xee, sizeof(out));
	f->r1[R1_SIZE - 1] = 0x5a;
	f->r2[0] = 0xa5;
	assert_false(gm_read(&f->gm, out, R2_GPA - 1, 2));
	assert_int_equal(out[0], 0xee);
	assert_false(gm_write(&f->gm, R2_GPA - 1, pattern, 2));
	assert_int_equal(f->r1[R1_SIZE - 1], 0x5a);
	assert_int_equal(f->r2[0], 0xa5);
	assert_false(gm_write(&f->gm, R0_SIZE - 4, pattern, 8));
	assert_false(gm_read(&f->gm, out, UINT64_MAX - 1, 4));
	assert_false(gm_write(&f->gm, UINT64_MAX - 1, pattern, 4));

	/* Zero-length copies inside RAM succeed and copy nothing. */
	assert_true(gm_read(&f->gm, out, R0_SIZE, 0));
	assert_true(gm_write(&f->gm, 0, pattern, 0));
	assert_int_equal(out[0], 0xee);
}

static void test_end(void **state)
{
	struct fixture *f = *state;
	struct guest_mem empty = { 0 };
	struct guest_mem gm = { 0 };
	static uint8_t a[16], b[16];

	assert_int_equal(gm_end(&f->gm), R2_GPA + R2_SIZE);
	assert_int_equal(gm_end(&empty), 0);
	/* Regions added out of order: the highest end wins. */
	assert_int_equal(gm_add_region(&gm, 0x100000000ULL, sizeof(a), a), 0);
	assert_int_equal(gm_add_region(&gm, 0x1000, sizeof(b), b), 0);
	assert_int_equal(gm_end(&gm), 0x100000000ULL + sizeof(a));
}

static void test_add_region_limits(void **state)
{
	struct guest_mem gm = { 0 };
	static uint8_t buf[GM_MAX_REGIONS + 1][16];

	assert_int_equal(gm_add_region(&gm, 0, 0, buf[0]), -1);
	assert_int_equal(gm.nr_regions, 0);
	assert_int_equal(gm_add_region(&gm, UINT64_MAX, 2, buf[0]), -1);
	assert_int_equal(gm_add_region(&gm, 1ULL << 63, 1ULL << 63, buf[0]),
			 -1);
	assert_int_equal(gm.nr_regions, 0);
	assert_null(gm_ptr(&gm, 0, 0));

	for (unsigned int i = 0; i < GM_MAX_REGIONS; i++)
		assert_int_equal(gm_add_region(&gm, i * 0x1000ULL,
					       sizeof(buf[i]), buf[i]),
				 0);
	assert_int_equal(gm.nr_regions, GM_MAX_REGIONS);
	assert_int_equal(gm_add_region(&gm, 0x100000, sizeof(buf[0]),
				       buf[GM_MAX_REGIONS]),
			 -1);
	assert_int_equal(gm.nr_regions, GM_MAX_REGIONS);
	for (unsigned int i = 0; i < GM_MAX_REGIONS; i++)
		assert_ptr_equal(gm_ptr(&gm, i * 0x1000ULL + 3, 1), buf[i] + 3);
	assert_null(gm_ptr(&gm, 0x100000, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ptr_inside, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ptr_zero_length, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ptr_outside, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ptr_straddles_two_regions,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ptr_overflow, setup,
						teardown),
		cmocka_unit_test(test_region_at_top_of_address_space),
		cmocka_unit_test_setup_teardown(test_read_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_end, setup, teardown),
		cmocka_unit_test(test_add_region_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
