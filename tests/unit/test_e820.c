// SPDX-License-Identifier: MIT
/* The guest's e820 memory map. */
#include "unit.h"

#include "arch/x86/e820.h"
#include "arch/x86/layout.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
/* [0x9fc00, 1 MiB): EBDA, VGA hole and BIOS area. */
#define RESERVED_LOW (0x100000ULL - 0x9fc00ULL)

/* Checks the invariants every map has; returns the RAM it describes. */
static uint64_t check_map(const struct e820_entry *e, unsigned int n,
			  uint64_t mem_size)
{
	uint64_t ram = 0;
	int has_reserved_low = 0, has_ecam = 0;

	for (unsigned int i = 0; i < n; i++) {
		assert_true(e[i].size > 0);
		assert_true(e[i].type == E820_TYPE_RAM ||
			    e[i].type == E820_TYPE_RESERVED);
		assert_true(e[i].addr + e[i].size > e[i].addr);
		if (i > 0) /* sorted, not overlapping */
			assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
		if (e[i].type == E820_TYPE_RAM) {
			ram += e[i].size;
			/* No RAM in the MMIO hole below 4 GiB. */
			assert_false(e[i].addr < X86_4G &&
				     e[i].addr + e[i].size >
					     X86_MMIO_HOLE_START);
		}
		if (e[i].type == E820_TYPE_RESERVED &&
		    e[i].addr == X86_EBDA_ADDR &&
		    e[i].size == X86_HIGH_RAM_START - X86_EBDA_ADDR)
			has_reserved_low = 1;
		/* Linux uses MCFG's ECAM only if the e820 map reserves it. */
		if (e[i].type == E820_TYPE_RESERVED &&
		    e[i].addr == X86_PCI_ECAM_BASE &&
		    e[i].size == X86_PCI_ECAM_SIZE)
			has_ecam++;
	}
	assert_true(has_reserved_low);
	assert_int_equal(has_ecam, 1);
	assert_int_equal(ram, mem_size - RESERVED_LOW);
	return ram;
}

static void expect_entry(const struct e820_entry *e, uint64_t addr,
			 uint64_t size, uint32_t type)
{
	assert_int_equal(e->addr, addr);
	assert_int_equal(e->size, size);
	assert_int_equal(e->type, type);
}

static void test_32m(void **state)
{
	struct e820_entry e[X86_E820_MAX];
	unsigned int n = x86_e820_build(32 * MiB, e, X86_E820_MAX);

	assert_int_equal(n, 4);
	expect_entry(&e[0], 0, 0x9fc00, E820_TYPE_RAM);
	expect_entry(&e[1], 0x9fc00, RESERVED_LOW, E820_TYPE_RESERVED);
	expect_entry(&e[2], MiB, 31 * MiB, E820_TYPE_RAM);
	expect_entry(&e[3], X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE,
		     E820_TYPE_RESERVED);
	check_map(e, n, 32 * MiB);
}

static void test_512m(void **state)
{
	struct e820_entry e[X86_E820_MAX];
	unsigned int n = x86_e820_build(512 * MiB, e, X86_E820_MAX);

	assert_int_equal(n, 4);
	expect_entry(&e[2], MiB, 511 * MiB, E820_TYPE_RAM);
	expect_entry(&e[3], X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE,
		     E820_TYPE_RESERVED);
	check_map(e, n, 512 * MiB);
}

static void test_3g(void **state)
{
	struct e820_entry e[X86_E820_MAX];
	unsigned int n = x86_e820_build(3 * GiB, e, X86_E820_MAX);

	/* Exactly fills low RAM: nothing above 4 GiB. */
	assert_int_equal(n, 4);
	expect_entry(&e[2], MiB, 3 * GiB - MiB, E820_TYPE_RAM);
	assert_int_equal(e[2].addr + e[2].size, X86_MMIO_HOLE_START);
	expect_entry(&e[3], X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE,
		     E820_TYPE_RESERVED);
	check_map(e, n, 3 * GiB);
}

static void test_4g(void **state)
{
	struct e820_entry e[X86_E820_MAX];
	unsigned int n = x86_e820_build(4 * GiB, e, X86_E820_MAX);

	/* ECAM sits in the hole, between low and high RAM. */
	assert_int_equal(n, 5);
	expect_entry(&e[2], MiB, 3 * GiB - MiB, E820_TYPE_RAM);
	expect_entry(&e[3], X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE,
		     E820_TYPE_RESERVED);
	expect_entry(&e[4], X86_4G, GiB, E820_TYPE_RAM);
	check_map(e, n, 4 * GiB);
}

static void test_large(void **state)
{
	struct e820_entry e[X86_E820_MAX];
	unsigned int n = x86_e820_build(64 * GiB + 4 * MiB, e, X86_E820_MAX);

	assert_int_equal(n, 5);
	expect_entry(&e[4], X86_4G, 61 * GiB + 4 * MiB, E820_TYPE_RAM);
	check_map(e, n, 64 * GiB + 4 * MiB);
}

static void test_ram_split(void **state)
{
	uint64_t low, high;

	x86_ram_split(512 * MiB, &low, &high);
	assert_int_equal(low, 512 * MiB);
	assert_int_equal(high, 0);
	x86_ram_split(3 * GiB, &low, &high);
	assert_int_equal(low, 3 * GiB);
	assert_int_equal(high, 0);
	x86_ram_split(3 * GiB + 4096, &low, &high);
	assert_int_equal(low, 3 * GiB);
	assert_int_equal(high, 4096);
}

static void test_max_entries(void **state)
{
	struct e820_entry e[X86_E820_MAX];
	unsigned int n;

	memset(e, 0xa5, sizeof(e));
	n = x86_e820_build(4 * GiB, e, 2);
	assert_int_equal(n, 2);
	expect_entry(&e[0], 0, 0x9fc00, E820_TYPE_RAM);
	expect_entry(&e[1], 0x9fc00, RESERVED_LOW, E820_TYPE_RESERVED);
	/* Nothing written past max. */
	assert_int_equal(e[2].addr, 0xa5a5a5a5a5a5a5a5ULL);
	assert_int_equal(x86_e820_build(4 * GiB, e, 0), 0);
	/* Room for all but the last entry: high RAM is what is left out. */
	memset(e, 0xa5, sizeof(e));
	n = x86_e820_build(4 * GiB, e, 4);
	assert_int_equal(n, 4);
	expect_entry(&e[3], X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE,
		     E820_TYPE_RESERVED);
	assert_int_equal(e[4].addr, 0xa5a5a5a5a5a5a5a5ULL);
}

/* The ECAM reservation lies in the MMIO hole, clear of all RAM. */
static void test_ecam_in_hole(void **state)
{
	assert_true(X86_PCI_ECAM_BASE >= X86_MMIO_HOLE_START);
	assert_true(X86_PCI_ECAM_BASE + X86_PCI_ECAM_SIZE <= X86_4G);
	/* Not inside the PCI BAR window either. */
	assert_true(X86_PCI_ECAM_BASE >=
		    X86_PCI_WINDOW_BASE + X86_PCI_WINDOW_SIZE);
	/* Bus 0: 32 slots x 8 functions x 4 KiB. */
	assert_int_equal(X86_PCI_ECAM_SIZE, 32 * 8 * 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_32m),
		cmocka_unit_test(test_512m),
		cmocka_unit_test(test_3g),
		cmocka_unit_test(test_4g),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_ram_split),
		cmocka_unit_test(test_max_entries),
		cmocka_unit_test(test_ecam_in_hole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
