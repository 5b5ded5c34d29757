// SPDX-License-Identifier: MIT
/* x86_translate() against page tables built by hand in a fake guest RAM. */
#include "unit.h"

#include <stdlib.h>

#include "arch/x86/paging.h"

#define RAM_SIZE (8u << 20)
#define P 1ULL
#define PS (1ULL << 7)

static struct guest_mem gm;
static uint8_t *ram;

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	gm = (struct guest_mem){ 0 };
	gm_add_region(&gm, 0, RAM_SIZE, ram);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	memcpy(ram + gpa, &v, 4);
}

static const struct x86_paging long4 = { .cr0 = 0x80000011,
					 .cr3 = 0x1000,
					 .cr4 = 0x20,
					 .efer = 0x500 };

/* The kernel's text mapping: 0xffffffff81000000 through 4-level tables. */
static void map_kernel_4k(void)
{
	uint64_t va = 0xffffffff81000000ULL;

	put64(0x1000 + ((va >> 39) & 511) * 8, 0x2000 | P);
	put64(0x2000 + ((va >> 30) & 511) * 8, 0x3000 | P);
	put64(0x3000 + ((va >> 21) & 511) * 8, 0x4000 | P);
	put64(0x4000 + ((va >> 12) & 511) * 8, 0x123000 | P | (1ULL << 63));
}

static void test_long_mode_4k_page(void **state)
{
	uint64_t gpa, left;

	(void)state;
	map_kernel_4k();
	assert_int_equal(
		x86_translate(&gm, &long4, 0xffffffff81000abcULL, &gpa, &left),
		0);
	assert_int_equal(gpa, 0x123abc); /* NX (bit 63) is not address */
	assert_int_equal(left, 0x1000 - 0xabc);
}

static void test_not_present_is_unmapped(void **state)
{
	uint64_t gpa, left;

	(void)state;
	map_kernel_4k();
	assert_int_equal(
		x86_translate(&gm, &long4, 0xffffffff81001000ULL, &gpa, &left),
		-1);
	assert_int_equal(x86_translate(&gm, &long4, 0x400000, &gpa, &left), -1);
}

static void test_large_pages(void **state)
{
	uint64_t gpa, left;

	(void)state;
	/* 2 MiB page at va 0x40000000 → 0x600000; 1 GiB page at 0x80000000. */
	put64(0x1000, 0x2000 | P);
	put64(0x2000 + 1 * 8, 0x3000 | P);
	put64(0x3000, 0x600000 | P | PS);
	put64(0x2000 + 2 * 8, 0x40000000 | P | PS);
	assert_int_equal(x86_translate(&gm, &long4, 0x40012345, &gpa, &left),
			 0);
	assert_int_equal(gpa, 0x612345);
	assert_int_equal(left, 0x200000 - 0x12345);
	assert_int_equal(x86_translate(&gm, &long4, 0x80000010, &gpa, &left),
			 0);
	assert_int_equal(gpa, 0x40000010);
	assert_int_equal(left, 0x40000000 - 0x10);
}

static void test_table_outside_ram_is_unmapped(void **state)
{
	uint64_t gpa, left;

	(void)state;
	put64(0x1000, 0x7ffff000000ULL | P); /* far beyond RAM */
	assert_int_equal(x86_translate(&gm, &long4, 0x1000, &gpa, &left), -1);
	/* CR3 itself outside RAM */
	struct x86_paging bad = long4;
	bad.cr3 = 0x100000000ULL;
	assert_int_equal(x86_translate(&gm, &bad, 0x1000, &gpa, &left), -1);
}

static void test_five_level(void **state)
{
	struct x86_paging p = long4;
	uint64_t gpa, left;

	(void)state;
	p.cr4 |= 1 << 12;
	put64(0x1000, 0x2000 | P);
	put64(0x2000, 0x3000 | P);
	put64(0x3000, 0x4000 | P);
	put64(0x4000, 0x5000 | P);
	put64(0x5000 + 5 * 8, 0x77000 | P);
	assert_int_equal(x86_translate(&gm, &p, 0x5010, &gpa, &left), 0);
	assert_int_equal(gpa, 0x77010);
}

static void test_no_paging_is_identity(void **state)
{
	struct x86_paging p = { .cr0 = 0x11 };
	uint64_t gpa, left;

	(void)state;
	assert_int_equal(x86_translate(&gm, &p, 0x12345, &gpa, &left), 0);
	assert_int_equal(gpa, 0x12345);
	assert_int_equal(left, 0x1000 - 0x345);
}

static void test_32bit_and_pse(void **state)
{
	struct x86_paging p = { .cr0 = 0x80000011, .cr3 = 0x1000 };
	uint64_t gpa, left;

	(void)state;
	/* 0xc0001000 → 0x9000 through a page table; 0x00400000 4 MiB page */
	put32(0x1000 + (0xc0001000u >> 22) * 4, 0x2000 | P);
	put32(0x2000 + 1 * 4, 0x9000 | P);
	put32(0x1000 + 1 * 4, 0x400000 | P | PS);
	assert_int_equal(x86_translate(&gm, &p, 0xc0001234, &gpa, &left), 0);
	assert_int_equal(gpa, 0x9234);
	/* without CR4.PSE the PS bit is ignored: a page table at 0x400000 */
	put32(0x400000 + 5 * 4, 0x8000 | P);
	assert_int_equal(x86_translate(&gm, &p, 0x405010, &gpa, &left), 0);
	assert_int_equal(gpa, 0x8010);
	p.cr4 = 0x10;
	assert_int_equal(x86_translate(&gm, &p, 0x405010, &gpa, &left), 0);
	assert_int_equal(gpa, 0x405010);
	assert_int_equal(left, 0x400000 - 0x5010);
}

static void test_pae(void **state)
{
	struct x86_paging p = { .cr0 = 0x80000011, .cr3 = 0x1020, .cr4 = 0x20 };
	uint64_t gpa, left;

	(void)state;
	/* PDPT at 0x1020 (32-byte aligned); entry 3 covers 0xc0000000 */
	put64(0x1020 + 3 * 8, 0x2000 | P);
	put64(0x2000 + 0 * 8, 0x3000 | P);
	put64(0x3000 + 2 * 8, 0x6000 | P);
	assert_int_equal(x86_translate(&gm, &p, 0xc0002008, &gpa, &left), 0);
	assert_int_equal(gpa, 0x6008);
	put64(0x2000 + 1 * 8, 0x200000 | P | PS);
	assert_int_equal(x86_translate(&gm, &p, 0xc0200004, &gpa, &left), 0);
	assert_int_equal(gpa, 0x200004);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_long_mode_4k_page, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_present_is_unmapped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_table_outside_ram_is_unmapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_five_level, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_paging_is_identity,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_32bit_and_pse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pae, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
