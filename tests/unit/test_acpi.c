// SPDX-License-Identifier: MIT
/* ACPI tables: parsed back the way a guest's ACPI core reads them. */
#include "unit.h"

#include <stdlib.h>

#include "firmware/acpi.h"

#define BUF_LEN 0x20000
#define BASE_GPA 0xe0000ULL

/* What acpi_build() made, parsed back from guest addresses. */
struct tables {
	uint64_t gpa;
	const uint8_t *buf;
	size_t used;
	const uint8_t *rsdp, *xsdt, *fadt, *dsdt, *madt, *mcfg;
};

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/*
 * Turns a guest address into a pointer to a whole table inside the built
 * bytes, checking its header length and checksum.
 */
static const uint8_t *table_at(const struct tables *t, uint64_t addr,
			       const char *sig)
{
	const uint8_t *p;
	uint32_t len;

	assert_true(addr >= t->gpa);
	assert_true(addr - t->gpa + 36 <= t->used);
	p = t->buf + (addr - t->gpa);
	assert_memory_equal(p, sig, 4);
	len = rd32(p + 4);
	assert_true(len >= 36);
	assert_true(addr - t->gpa + len <= t->used);
	assert_int_equal(sum8(p, len), 0);
	assert_int_equal(acpi_checksum(p, len), 0);
	assert_memory_equal(p + 10, "KSTREL", 6);
	return p;
}

static struct acpi_config config(unsigned int ncpus)
{
	return (struct acpi_config){ .ncpus = ncpus,
				     .sleep_control_port = 0x600,
				     .sleep_status_port = 0x601,
				     .reset_port = 0x602,
				     .reset_value = 0x0f,
				     .lapic_addr = 0xfee00000,
				     .ioapic_addr = 0xfec00000,
				     .ecam_base = 0xe0000000,
				     .ecam_last_bus = 0 };
}

/*
 * The one XSDT entry whose table has signature sig, found the way a guest
 * finds it: by walking the entries. Fails if there is none or several.
 */
static const uint8_t *find_table(const struct tables *t, const char *sig)
{
	uint32_t n = (rd32(t->xsdt + 4) - 36) / 8;
	const uint8_t *found = NULL;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t addr = rd64(t->xsdt + 36 + 8 * i);

		assert_true(addr >= t->gpa);
		assert_true(addr - t->gpa + 36 <= t->used);
		if (memcmp(t->buf + (addr - t->gpa), sig, 4))
			continue;
		if (found)
			fail_msg("two %.4s tables in the XSDT", sig);
		found = table_at(t, addr, sig);
	}
	if (!found)
		fail_msg("no %.4s table in the XSDT", sig);
	return found;
}

static void build(struct tables *t, const struct acpi_config *cfg, uint64_t gpa,
		  uint8_t *buf)
{
	uint32_t xsdt_len;

	memset(buf, 0xa5, BUF_LEN);
	memset(t, 0, sizeof(*t));
	t->gpa = gpa;
	t->buf = buf;
	t->used = acpi_build(cfg, gpa, buf, BUF_LEN);
	assert_true(t->used > 36);
	assert_true(t->used <= BUF_LEN);

	t->rsdp = buf;
	assert_memory_equal(t->rsdp, "RSD PTR ", 8);
	assert_int_equal(sum8(t->rsdp, 20), 0);
	assert_int_equal(sum8(t->rsdp, 36), 0);
	assert_int_equal(t->rsdp[15], 2); /* revision: ACPI 2.0+ */
	assert_int_equal(rd32(t->rsdp + 20), 36); /* length */
	assert_int_equal(rd32(t->rsdp + 16), 0); /* no RSDT */

	t->xsdt = table_at(t, rd64(t->rsdp + 24), "XSDT");
	xsdt_len = rd32(t->xsdt + 4);
	/* Three entries: FADT, MADT, MCFG (the DSDT hangs off the FADT). */
	assert_int_equal(xsdt_len, 36 + 3 * 8);
	t->fadt = find_table(t, "FACP");
	t->madt = find_table(t, "APIC");
	t->mcfg = find_table(t, "MCFG");
	t->dsdt = table_at(t, rd64(t->fadt + 140), "DSDT");
	/* Each entry points at a table of its own. */
	assert_ptr_not_equal(t->fadt, t->madt);
	assert_ptr_not_equal(t->madt, t->mcfg);
	assert_ptr_not_equal(t->fadt, t->mcfg);
}

static void test_rsdp_xsdt(void **state)
{
	uint8_t *buf = malloc(BUF_LEN);
	struct acpi_config cfg = config(1);
	struct tables t;

	assert_non_null(buf);
	build(&t, &cfg, BASE_GPA, buf);
	/* The RSDP comes first, at gpa, with the XSDT inside the tables. */
	assert_ptr_equal(t.rsdp, buf);
	assert_true(rd64(t.rsdp + 24) > BASE_GPA);
	assert_true(rd64(t.rsdp + 24) < BASE_GPA + t.used);
	free(buf);
}

static void test_pointers_follow_gpa(void **state)
{
	uint8_t *buf = malloc(BUF_LEN);
	uint8_t *buf2 = malloc(BUF_LEN);
	struct acpi_config cfg = config(2);
	struct tables a, b;

	assert_non_null(buf);
	assert_non_null(buf2);
	build(&a, &cfg, BASE_GPA, buf);
	build(&b, &cfg, 0x7ff00000ULL, buf2);
	assert_int_equal(a.used, b.used);
	assert_int_equal(rd64(b.rsdp + 24) - 0x7ff00000ULL,
			 rd64(a.rsdp + 24) - BASE_GPA);
	/* Same layout, only the addresses moved. */
	assert_int_equal(a.fadt - a.buf, b.fadt - b.buf);
	assert_int_equal(a.madt - a.buf, b.madt - b.buf);
	assert_int_equal(a.dsdt - a.buf, b.dsdt - b.buf);
	assert_int_equal(a.mcfg - a.buf, b.mcfg - b.buf);
	free(buf);
	free(buf2);
}

static void test_fadt(void **state)
{
	uint8_t *buf = malloc(BUF_LEN);
	struct acpi_config cfg = config(4);
	struct tables t;
	uint32_t flags;

	assert_non_null(buf);
	build(&t, &cfg, BASE_GPA, buf);
	assert_int_equal(rd32(t.fadt + 4), 276);
	assert_int_equal(t.fadt[8], 6); /* revision */
	assert_int_equal(t.fadt[131], 3); /* minor revision: 6.3 */
	flags = rd32(t.fadt + 112);
	assert_true(flags & (1U << 20)); /* HW_REDUCED_ACPI */
	assert_true(flags & (1U << 10)); /* RESET_REG_SUP */
	/* 32-bit and 64-bit DSDT pointers agree. */
	assert_int_equal(rd32(t.fadt + 40), (uint32_t)rd64(t.fadt + 140));
	/* Reset register: system I/O, byte access, at the reset port. */
	assert_int_equal(t.fadt[116], 1);
	assert_int_equal(t.fadt[117], 8);
	assert_int_equal(rd64(t.fadt + 120), cfg.reset_port);
	assert_int_equal(t.fadt[128], cfg.reset_value);
	/* Sleep control and status registers. */
	assert_int_equal(t.fadt[244], 1);
	assert_int_equal(rd64(t.fadt + 248), cfg.sleep_control_port);
	assert_int_equal(t.fadt[256], 1);
	assert_int_equal(rd64(t.fadt + 260), cfg.sleep_status_port);
	/* Hardware-reduced: no SCI, no PM1 blocks. */
	assert_int_equal(rd16(t.fadt + 46), 0);
	assert_int_equal(rd32(t.fadt + 56), 0);
	assert_int_equal(rd32(t.fadt + 64), 0);
	assert_memory_equal(t.fadt + 268, "KESTREL", 8);
	free(buf);
}

static void test_dsdt(void **state)
{
	uint8_t *buf = malloc(BUF_LEN);
	struct acpi_config cfg = config(1);
	struct tables t;

	assert_non_null(buf);
	build(&t, &cfg, BASE_GPA, buf);
	/* AML after the header, compiled by iasl. */
	assert_true(rd32(t.dsdt + 4) > 36);
	assert_true(t.dsdt[8] >= 2);
	free(buf);
}

/* VMMS, the virtio-mmio slot mask, as the guest's AML will read it. */
static uint32_t dsdt_vmms(const struct tables *t)
{
	static const uint8_t name[] = { 0x08, 'V', 'M', 'M', 'S', 0x0c };
	uint32_t len = rd32(t->dsdt + 4);
	const uint8_t *at = memmem(t->dsdt, len, name, sizeof(name));

	assert_non_null(at);
	/* Only one such name, so the patch cannot have hit another. */
	assert_null(memmem(at + 1, len - (uint32_t)(at + 1 - t->dsdt), name,
			   sizeof(name)));
	return rd32(at + sizeof(name));
}

static void test_dsdt_virtio_mmio_slots(void **state)
{
	uint8_t *buf = malloc(BUF_LEN);
	struct acpi_config cfg = config(1);
	struct tables t;

	assert_non_null(buf);
	build(&t, &cfg, BASE_GPA, buf);
	assert_int_equal(dsdt_vmms(&t), 0);
	cfg.virtio_mmio_slots = 0x3ff;
	build(&t, &cfg, BASE_GPA, buf);
	assert_int_equal(dsdt_vmms(&t), 0x3ff);
	/* The DSDT's checksum still holds after the patch. */
	assert_int_equal(sum8(t.dsdt, rd32(t.dsdt + 4)), 0);
	free(buf);
}

/* Walks the MADT's entries, checking each has a sane length. */
static void check_madt(const uint8_t *madt, const struct acpi_config *cfg)
{
	uint32_t len = rd32(madt + 4);
	unsigned int nr_lapic = 0, nr_ioapic = 0;
	size_t off = 44;

	assert_int_equal(rd32(madt + 36), cfg->lapic_addr);
	while (off < len) {
		uint8_t type = madt[off], elen = madt[off + 1];

		assert_true(elen >= 2);
		assert_true(off + elen <= len);
		switch (type) {
		case 0: /* processor local APIC */
			assert_int_equal(elen, 8);
			/* In order, APIC IDs 0..n-1, enabled. */
			assert_int_equal(madt[off + 2], nr_lapic);
			assert_int_equal(madt[off + 3], nr_lapic);
			assert_int_equal(rd32(madt + off + 4) & 1, 1);
			nr_lapic++;
			break;
		case 1: /* I/O APIC */
			assert_int_equal(elen, 12);
			assert_int_equal(rd32(madt + off + 4),
					 cfg->ioapic_addr);
			assert_int_equal(rd32(madt + off + 8),
					 0); /* GSI base */
			nr_ioapic++;
			break;
		default:
			break;
		}
		off += elen;
	}
	assert_int_equal(off, len);
	assert_int_equal(nr_lapic, cfg->ncpus);
	assert_int_equal(nr_ioapic, 1);
}

static void test_madt_cpus(void **state)
{
	static const unsigned int ncpus[] = { 1, 2, 64, 254 };
	uint8_t *buf = malloc(BUF_LEN);

	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(ncpus) / sizeof(ncpus[0]); i++) {
		struct acpi_config cfg = config(ncpus[i]);
		struct tables t;

		build(&t, &cfg, BASE_GPA, buf);
		check_madt(t.madt, &cfg);
		/* The MADT is the last table. */
		assert_int_equal(t.madt - t.buf + rd32(t.madt + 4), t.used);
	}
	free(buf);
}

static void test_too_small(void **state)
{
	uint8_t *buf = malloc(BUF_LEN);
	struct acpi_config cfg = config(8);
	size_t used;

	assert_non_null(buf);
	used = acpi_build(&cfg, BASE_GPA, buf, BUF_LEN);
	assert_true(used > 0);
	assert_int_equal(acpi_build(&cfg, BASE_GPA, buf, 0), 0);
	assert_int_equal(acpi_build(&cfg, BASE_GPA, buf, 36), 0);
	assert_int_equal(acpi_build(&cfg, BASE_GPA, buf, used - 1), 0);
	free(buf);
}

/*
 * A buffer of exactly the size acpi_build() reports using is big enough
 * (a regression test: the size check once reserved a worst-case MADT and
 * refused len == used as "too small").
 */
static void test_exact_size(void **state)
{
	uint8_t *buf = malloc(BUF_LEN);
	struct acpi_config cfg = config(8);
	size_t used;

	assert_non_null(buf);
	used = acpi_build(&cfg, BASE_GPA, buf, BUF_LEN);
	assert_true(used > 0);
	assert_int_equal(acpi_build(&cfg, BASE_GPA, buf, used), used);
	free(buf);
}

/* Checks the MCFG (PCI Firmware spec 3.0, table 4-2) against cfg. */
static void check_mcfg(const uint8_t *m, const struct acpi_config *cfg)
{
	static const uint8_t zero[8];

	assert_int_equal(rd32(m + 4), 60); /* one allocation entry */
	assert_int_equal(m[8], 1); /* revision */
	assert_memory_equal(m + 36, zero, 8); /* reserved */
	/* The one allocation: base, segment 0, buses 0 .. ecam_last_bus. */
	assert_int_equal(rd64(m + 44), cfg->ecam_base);
	assert_int_equal(rd16(m + 52), 0);
	assert_int_equal(m[54], 0);
	assert_int_equal(m[55], cfg->ecam_last_bus);
	assert_memory_equal(m + 56, zero, 4); /* reserved */
}

static void test_mcfg(void **state)
{
	static const struct {
		uint64_t base;
		uint8_t last_bus;
	} cases[] = {
		{ 0xe0000000ULL, 0 },
		{ 0xb0000000ULL, 255 },
		{ 0x8000000000ULL, 3 }, /* above 4 GiB: all 64 bits kept */
	};
	uint8_t *buf = malloc(BUF_LEN);

	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct acpi_config cfg = config(2);
		struct tables t;

		cfg.ecam_base = cases[i].base;
		cfg.ecam_last_bus = cases[i].last_bus;
		build(&t, &cfg, BASE_GPA, buf);
		check_mcfg(t.mcfg, &cfg);
		/* The other tables do not depend on the ECAM settings. */
		check_madt(t.madt, &cfg);
	}
	free(buf);
}

static void test_checksum(void **state)
{
	uint8_t b[4] = { 1, 2, 3, 0 };

	assert_int_equal(acpi_checksum(b, 0), 0);
	assert_int_equal(acpi_checksum(b, 3), (uint8_t)-6);
	b[3] = acpi_checksum(b, 3);
	assert_int_equal(sum8(b, 4), 0);
	assert_int_equal(acpi_checksum(b, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp_xsdt),
		cmocka_unit_test(test_pointers_follow_gpa),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_dsdt),
		cmocka_unit_test(test_dsdt_virtio_mmio_slots),
		cmocka_unit_test(test_madt_cpus),
		cmocka_unit_test(test_mcfg),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_exact_size),
		cmocka_unit_test(test_checksum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
