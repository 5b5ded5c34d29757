// SPDX-License-Identifier: MIT
/* ACPI tables: RSDP -> XSDT -> FADT (-> DSDT), MADT, MCFG. */
#include "firmware/acpi.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "dsdt.hex" /* dsdt_aml_code[], compiled from firmware/dsdt.asl */

#define OEM_ID "KSTREL"
#define OEM_TABLE_ID "KESTREL "
#define CREATOR_ID "KSTL"

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

/* Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t
		legacy_blocks[8]; /* PM1a/b EVT, PM1a/b CNT, PM2, TMR, GPE0/1 */
	uint8_t legacy_lens[6];
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_revision;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_legacy_blocks[8];
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));

static_assert(sizeof(struct acpi_header) == 36, "ACPI header layout");
static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");
static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT layout");
static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT layout");
static_assert(sizeof(struct acpi_fadt) == 276, "FADT layout");

#define FADT_WBINVD (1U << 0)
#define FADT_PWR_BUTTON (1U << 4) /* no fixed-feature power button */
#define FADT_SLP_BUTTON (1U << 5)
#define FADT_RESET_REG_SUP (1U << 10)
#define FADT_HW_REDUCED_ACPI (1U << 20)
#define BOOT_ARCH_NO_VGA (1U << 2)
#define CMOS_CENTURY_INDEX 0x32

struct madt_lapic {
	uint8_t type, length, processor_uid, apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, length, ioapic_id, reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_irq_override {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

struct madt_lapic_nmi {
	uint8_t type, length, processor_uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

struct mcfg {
	struct acpi_header h;
	uint64_t reserved;
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
	uint32_t reserved2;
} __attribute__((packed));

static_assert(sizeof(struct mcfg) == 60, "MCFG layout");

uint8_t acpi_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

static void header(struct acpi_header *h, const char *sig, uint32_t len,
		   uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = 1;
}

/* Fills in the checksum of the table at p, whose header has its length. */
static void finish(void *p)
{
	struct acpi_header *h = p;

	h->checksum = 0;
	h->checksum = acpi_checksum(p, h->length);
}

static struct acpi_gas io_reg(uint16_t port)
{
	return (struct acpi_gas){ .space_id = GAS_SYSTEM_IO,
				  .bit_width = 8,
				  .access_size = GAS_ACCESS_BYTE,
				  .address = port };
}

static size_t build_fadt(const struct acpi_config *cfg, uint8_t *p,
			 uint64_t dsdt_gpa)
{
	struct acpi_fadt f = { 0 };

	header(&f.h, "FACP", sizeof(f), 6);
	f.minor_revision = 3;
	f.dsdt = (uint32_t)dsdt_gpa;
	f.x_dsdt = dsdt_gpa;
	f.flags = FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
		  FADT_RESET_REG_SUP | FADT_HW_REDUCED_ACPI;
	/* No 8042 (bit 1 clear): the guest then skips probing for one. */
	f.iapc_boot_arch = BOOT_ARCH_NO_VGA;
	f.century = CMOS_CENTURY_INDEX;
	f.reset_reg = io_reg(cfg->reset_port);
	f.reset_value = cfg->reset_value;
	f.sleep_control_reg = io_reg(cfg->sleep_control_port);
	f.sleep_status_reg = io_reg(cfg->sleep_status_port);
	memcpy(&f.hypervisor_vendor_id, "KESTREL\0", 8);
	memcpy(p, &f, sizeof(f));
	finish(p);
	return sizeof(f);
}

static size_t build_madt(const struct acpi_config *cfg, uint8_t *p)
{
	struct acpi_header h = { 0 };
	size_t off = sizeof(h) + 8; /* header, LAPIC address, flags */
	uint32_t lapic = cfg->lapic_addr, flags = 0;

	for (unsigned int i = 0; i < cfg->ncpus; i++) {
		struct madt_lapic e = { 0, sizeof(e), i, i, 1 /* enabled */ };

		memcpy(p + off, &e, sizeof(e));
		off += sizeof(e);
	}
	{
		struct madt_ioapic e = {
			1, sizeof(e), 0, 0, cfg->ioapic_addr, 0
		};

		memcpy(p + off, &e, sizeof(e));
		off += sizeof(e);
	}
	{
		/* The PC convention: the PIT's IRQ 0 is wired to GSI 2. */
		struct madt_irq_override e = { 2, sizeof(e), 0, 0, 2, 0 };

		memcpy(p + off, &e, sizeof(e));
		off += sizeof(e);
	}
	{
		/* LINT1 of every CPU is the NMI input. */
		struct madt_lapic_nmi e = { 4, sizeof(e), 0xff, 0, 1 };

		memcpy(p + off, &e, sizeof(e));
		off += sizeof(e);
	}
	header(&h, "APIC", off, 5);
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), &lapic, 4);
	memcpy(p + sizeof(h) + 4, &flags, 4);
	finish(p);
	return off;
}

static size_t build_mcfg(const struct acpi_config *cfg, uint8_t *p)
{
	struct mcfg m = { 0 };

	header(&m.h, "MCFG", sizeof(m), 1);
	m.base = cfg->ecam_base;
	m.end_bus = cfg->ecam_last_bus;
	memcpy(p, &m, sizeof(m));
	finish(p);
	return sizeof(m);
}

/*
 * Sets VMMS in the copied DSDT: the AML NameOp for it, then a DWord
 * constant holding the placeholder. False if the DSDT has no such name.
 */
static bool patch_vmms(uint8_t *dsdt, size_t len, uint32_t slots)
{
	static const uint8_t want[] = {
		0x08,
		'V',
		'M',
		'M',
		'S',
		0x0c,
		ACPI_VMMS_PLACEHOLDER & 0xff,
		(ACPI_VMMS_PLACEHOLDER >> 8) & 0xff,
		(ACPI_VMMS_PLACEHOLDER >> 16) & 0xff,
		ACPI_VMMS_PLACEHOLDER >> 24,
	};
	uint8_t *at = memmem(dsdt, len, want, sizeof(want));

	if (!at)
		return false;
	for (int i = 0; i < 4; i++)
		at[6 + i] = (uint8_t)(slots >> (8 * i));
	finish(dsdt);
	return true;
}

static size_t align8(size_t v)
{
	return (v + 7) & ~(size_t)7;
}

size_t acpi_build(const struct acpi_config *cfg, uint64_t gpa, uint8_t *buf,
		  size_t len)
{
	struct acpi_rsdp rsdp = { 0 };
	struct acpi_header xsdt = { 0 };
	size_t madt_len = sizeof(struct acpi_header) + 8 +
			  cfg->ncpus * sizeof(struct madt_lapic) +
			  sizeof(struct madt_ioapic) +
			  sizeof(struct madt_irq_override) +
			  sizeof(struct madt_lapic_nmi);
	size_t xsdt_off = align8(sizeof(rsdp));
	size_t xsdt_len = sizeof(xsdt) + 3 * 8;
	size_t fadt_off = align8(xsdt_off + xsdt_len);
	size_t dsdt_off = align8(fadt_off + sizeof(struct acpi_fadt));
	size_t mcfg_off = align8(dsdt_off + sizeof(dsdt_aml_code));
	size_t madt_off = align8(mcfg_off + sizeof(struct mcfg));
	size_t end;
	uint64_t ptrs[3];

	if (len < madt_off + madt_len)
		return 0;
	memset(buf, 0, madt_off + madt_len);

	memcpy(buf + dsdt_off, dsdt_aml_code, sizeof(dsdt_aml_code));
	if (!patch_vmms(buf + dsdt_off, sizeof(dsdt_aml_code),
			cfg->virtio_mmio_slots))
		return 0;
	build_fadt(cfg, buf + fadt_off, gpa + dsdt_off);
	build_mcfg(cfg, buf + mcfg_off);
	end = madt_off + build_madt(cfg, buf + madt_off);

	ptrs[0] = gpa + fadt_off;
	ptrs[1] = gpa + madt_off;
	ptrs[2] = gpa + mcfg_off;
	header(&xsdt, "XSDT", xsdt_len, 1);
	memcpy(buf + xsdt_off, &xsdt, sizeof(xsdt));
	memcpy(buf + xsdt_off + sizeof(xsdt), ptrs, sizeof(ptrs));
	finish(buf + xsdt_off);

	memcpy(rsdp.signature, "RSD PTR ", 8);
	memcpy(rsdp.oem_id, OEM_ID, 6);
	rsdp.revision = 2;
	rsdp.length = sizeof(rsdp);
	rsdp.xsdt_address = gpa + xsdt_off;
	rsdp.checksum = acpi_checksum(&rsdp, 20);
	rsdp.extended_checksum = acpi_checksum(&rsdp, sizeof(rsdp));
	memcpy(buf, &rsdp, sizeof(rsdp));
	return end;
}
