// SPDX-License-Identifier: MIT
/* The arm64 board's device tree, read back with libfdt. */
#include "unit.h"

#include <libfdt.h>
#include <stdlib.h>

#include "arch/arm64/fdt.h"
#include "arch/arm64/layout.h"

#define GiB (1ULL << 30)
#define BLOB_SIZE 65536
#define GIC_SPI 0
#define GIC_PPI 1
#define LEVEL_HIGH 4
#define LEVEL_LOW 8
#define PHANDLE_NONE 0

/* KVM's default MPIDRs: Aff0 0..15, then Aff1 counts on. */
static const uint64_t mpidr4[] = { 0x80000000, 0x80000001, 0x80000002,
				   0x80000003 };
static const struct arm64_fdt_mmio_dev virtio2[] = {
	{ ARM64_VIRTIO_MMIO_BASE, ARM64_VIRTIO_MMIO_SIZE,
	  ARM64_VIRTIO_MMIO_SPI },
	{ ARM64_VIRTIO_MMIO_BASE + ARM64_VIRTIO_MMIO_SIZE,
	  ARM64_VIRTIO_MMIO_SIZE, ARM64_VIRTIO_MMIO_SPI + 1 },
};
static const uint8_t seed[40] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

static uint8_t blob[BLOB_SIZE] __attribute__((aligned(8)));

/* The board a typical run builds: GICv3 + ITS, PCI, two virtio, initrd. */
static struct arm64_fdt_config full_config(unsigned int nr_cpus)
{
	return (struct arm64_fdt_config){
		.ram_base = ARM64_RAM_BASE,
		.ram_size = 2 * GiB,
		.nr_cpus = nr_cpus,
		.mpidr = mpidr4,
		.gic = ARM64_GICV3,
		.msi = true,
		.pci = true,
		.virtio = virtio2,
		.nr_virtio = 2,
		.bootargs = "console=ttyS0 earlycon",
		.initrd_start = 0x48000000,
		.initrd_end = 0x48123456,
		.rng_seed = seed,
		.rng_seed_len = sizeof(seed),
		.uart_clock_hz = 1843200,
	};
}

static const void *build(const struct arm64_fdt_config *c)
{
	char err[256] = "";
	int n;

	memset(blob, 0xa5, sizeof(blob));
	n = arm64_fdt_build(c, blob, sizeof(blob), err, sizeof(err));
	if (n < 0)
		fail_msg("arm64_fdt_build: %s", err);
	assert_int_equal(fdt_check_header(blob), 0);
	assert_int_equal(fdt_totalsize(blob), n);
	return blob;
}

static int node(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	if (off < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(off));
	return off;
}

static bool has_prop(const void *fdt, const char *path, const char *name)
{
	return fdt_getprop(fdt, node(fdt, path), name, NULL) != NULL;
}

/* The property's cells; fails unless it has exactly n of them. */
static const fdt32_t *cells(const void *fdt, const char *path, const char *name,
			    int n)
{
	int len;
	const fdt32_t *v = fdt_getprop(fdt, node(fdt, path), name, &len);

	if (!v)
		fail_msg("%s has no %s", path, name);
	if (len != n * 4)
		fail_msg("%s %s: %d bytes, not %d cells", path, name, len, n);
	return v;
}

static uint32_t u32(const void *fdt, const char *path, const char *name)
{
	return fdt32_to_cpu(cells(fdt, path, name, 1)[0]);
}

static void expect_cells(const void *fdt, const char *path, const char *name,
			 const uint32_t *want, int n)
{
	const fdt32_t *v = cells(fdt, path, name, n);

	for (int i = 0; i < n; i++)
		if (fdt32_to_cpu(v[i]) != want[i])
			fail_msg("%s %s cell %d: 0x%x, want 0x%x", path, name,
				 i, fdt32_to_cpu(v[i]), want[i]);
}

#define EXPECT_CELLS(fdt, path, name, ...)                             \
	do {                                                           \
		const uint32_t want_[] = { __VA_ARGS__ };              \
		expect_cells(fdt, path, name, want_,                   \
			     (int)(sizeof(want_) / sizeof(want_[0]))); \
	} while (0)

#define HI(v) ((uint32_t)((uint64_t)(v) >> 32))
#define LO(v) ((uint32_t)(v))
#define EXPECT_REG(fdt, path, base, size) \
	EXPECT_CELLS(fdt, path, "reg", HI(base), LO(base), HI(size), LO(size))

static void expect_str(const void *fdt, const char *path, const char *name,
		       const char *want)
{
	int len;
	const char *v = fdt_getprop(fdt, node(fdt, path), name, &len);

	if (!v)
		fail_msg("%s has no %s", path, name);
	assert_int_equal(len, strlen(want) + 1);
	assert_string_equal(v, want);
}

/* A stringlist, given as one literal with embedded NULs. */
#define EXPECT_STRLIST(fdt, path, name, lit)                            \
	do {                                                            \
		int len_;                                               \
		const void *v_ =                                        \
			fdt_getprop(fdt, node(fdt, path), name, &len_); \
		assert_non_null(v_);                                    \
		assert_int_equal(len_, sizeof(lit));                    \
		assert_memory_equal(v_, lit, sizeof(lit));              \
	} while (0)

static void expect_compatible(const void *fdt, const char *path,
			      const char *compat)
{
	assert_int_equal(
		fdt_node_check_compatible(fdt, node(fdt, path), compat), 0);
}

static void check_root(const void *fdt)
{
	expect_str(fdt, "/", "compatible", "linux,dummy-virt");
	expect_str(fdt, "/", "model", "kestrel");
	assert_int_equal(u32(fdt, "/", "#address-cells"), 2);
	assert_int_equal(u32(fdt, "/", "#size-cells"), 2);
	/* The root's interrupt-parent is the GIC. */
	assert_int_equal(fdt_node_offset_by_phandle(
				 fdt, u32(fdt, "/", "interrupt-parent")),
			 node(fdt, "/intc@8000000"));
}

static void check_memory(const void *fdt, const struct arm64_fdt_config *c)
{
	expect_str(fdt, "/memory@40000000", "device_type", "memory");
	EXPECT_REG(fdt, "/memory@40000000", c->ram_base, c->ram_size);
}

static void check_cpus(const void *fdt, unsigned int nr_cpus)
{
	char path[32];
	int n = 0, off;

	assert_int_equal(u32(fdt, "/cpus", "#address-cells"), 1);
	assert_int_equal(u32(fdt, "/cpus", "#size-cells"), 0);
	for (unsigned int i = 0; i < nr_cpus; i++) {
		snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
		expect_str(fdt, path, "device_type", "cpu");
		expect_compatible(fdt, path, "arm,arm-v8");
		expect_str(fdt, path, "enable-method", "psci");
		/* Aff0 only: bit 31 (RES1) is no part of the reg. */
		assert_int_equal(u32(fdt, path, "reg"), i);
	}
	fdt_for_each_subnode(off, fdt, node(fdt, "/cpus")) n++;
	assert_int_equal(n, nr_cpus);
}

static void check_psci(const void *fdt)
{
	EXPECT_STRLIST(fdt, "/psci", "compatible",
		       "arm,psci-1.0\0arm,psci-0.2");
	expect_compatible(fdt, "/psci", "arm,psci-0.2");
	expect_str(fdt, "/psci", "method", "hvc");
	assert_false(has_prop(fdt, "/psci", "cpu_on"));
}

static void check_gic_common(const void *fdt)
{
	const char *gic = "/intc@8000000";

	assert_true(has_prop(fdt, gic, "interrupt-controller"));
	assert_int_equal(u32(fdt, gic, "#interrupt-cells"), 3);
	assert_int_equal(u32(fdt, gic, "#address-cells"), 2);
	assert_int_equal(u32(fdt, gic, "#size-cells"), 2);
	cells(fdt, gic, "ranges", 0);
}

static void check_gicv3(const void *fdt, unsigned int nr_cpus, bool its)
{
	const char *gic = "/intc@8000000";
	uint64_t redist = ARM64_GIC_REDIST_SIZE * nr_cpus;

	check_gic_common(fdt);
	expect_compatible(fdt, gic, "arm,gic-v3");
	EXPECT_CELLS(fdt, gic, "reg", HI(ARM64_GIC_DIST_BASE),
		     LO(ARM64_GIC_DIST_BASE), HI(ARM64_GIC_DIST_SIZE),
		     LO(ARM64_GIC_DIST_SIZE), HI(ARM64_GIC_REDIST_BASE),
		     LO(ARM64_GIC_REDIST_BASE), HI(redist), LO(redist));
	EXPECT_CELLS(fdt, gic, "interrupts", GIC_PPI, 9, LEVEL_HIGH);
	if (!its) {
		assert_true(fdt_path_offset(fdt, "/intc@8000000/its@8080000") <
			    0);
		return;
	}
	gic = "/intc@8000000/its@8080000";
	expect_compatible(fdt, gic, "arm,gic-v3-its");
	assert_true(has_prop(fdt, gic, "msi-controller"));
	assert_int_equal(u32(fdt, gic, "#msi-cells"), 1);
	EXPECT_REG(fdt, gic, ARM64_GIC_ITS_BASE, ARM64_GIC_ITS_SIZE);
	assert_int_equal(
		fdt_node_offset_by_phandle(fdt, u32(fdt, gic, "phandle")),
		node(fdt, gic));
}

static void check_timer(const void *fdt, uint32_t flags)
{
	expect_compatible(fdt, "/timer", "arm,armv8-timer");
	assert_true(has_prop(fdt, "/timer", "always-on"));
	EXPECT_CELLS(fdt, "/timer", "interrupts", GIC_PPI, 13, flags, GIC_PPI,
		     14, flags, GIC_PPI, 11, flags, GIC_PPI, 10, flags);
}

static void check_uart_rtc(const void *fdt, const struct arm64_fdt_config *c)
{
	const char *uart = "/uart@9000000", *rtc = "/pl031@9010000";
	int clk;

	expect_compatible(fdt, uart, "ns16550a");
	EXPECT_REG(fdt, uart, ARM64_UART_BASE, ARM64_UART_SIZE);
	EXPECT_CELLS(fdt, uart, "interrupts", GIC_SPI, ARM64_UART_SPI,
		     LEVEL_HIGH);
	assert_int_equal(u32(fdt, uart, "clock-frequency"), c->uart_clock_hz);
	assert_int_equal(u32(fdt, uart, "reg-shift"), 0);
	assert_int_equal(u32(fdt, uart, "reg-io-width"), 1);

	EXPECT_STRLIST(fdt, rtc, "compatible", "arm,pl031\0arm,primecell");
	EXPECT_REG(fdt, rtc, ARM64_RTC_BASE, ARM64_RTC_SIZE);
	EXPECT_CELLS(fdt, rtc, "interrupts", GIC_SPI, ARM64_RTC_SPI,
		     LEVEL_HIGH);
	expect_str(fdt, rtc, "clock-names", "apb_pclk");
	clk = fdt_node_offset_by_phandle(fdt, u32(fdt, rtc, "clocks"));
	assert_int_equal(clk, node(fdt, "/apb-pclk"));
	expect_compatible(fdt, "/apb-pclk", "fixed-clock");
	assert_int_equal(u32(fdt, "/apb-pclk", "#clock-cells"), 0);
	assert_int_equal(u32(fdt, "/apb-pclk", "clock-frequency"), 24000000);
	expect_str(fdt, "/apb-pclk", "clock-output-names", "clk24mhz");
}

static void check_virtio(const void *fdt, const struct arm64_fdt_config *c)
{
	char path[48];
	int n = 0, off;

	for (unsigned int i = 0; i < c->nr_virtio; i++) {
		snprintf(path, sizeof(path), "/virtio_mmio@%llx",
			 (unsigned long long)c->virtio[i].base);
		expect_compatible(fdt, path, "virtio,mmio");
		EXPECT_REG(fdt, path, c->virtio[i].base, c->virtio[i].size);
		EXPECT_CELLS(fdt, path, "interrupts", GIC_SPI, c->virtio[i].spi,
			     LEVEL_HIGH);
		assert_true(has_prop(fdt, path, "dma-coherent"));
	}
	fdt_for_each_subnode(off, fdt, 0)
	{
		if (!fdt_node_check_compatible(fdt, off, "virtio,mmio"))
			n++;
	}
	assert_int_equal(n, c->nr_virtio);
}

static void check_chosen(const void *fdt, const struct arm64_fdt_config *c)
{
	expect_str(fdt, "/chosen", "bootargs", c->bootargs);
	expect_str(fdt, "/chosen", "stdout-path", "/uart@9000000");
	/* stdout-path names a node that exists. */
	node(fdt, "/uart@9000000");
	if (c->initrd_end == c->initrd_start) {
		assert_false(has_prop(fdt, "/chosen", "linux,initrd-start"));
		assert_false(has_prop(fdt, "/chosen", "linux,initrd-end"));
	} else {
		EXPECT_CELLS(fdt, "/chosen", "linux,initrd-start",
			     HI(c->initrd_start), LO(c->initrd_start));
		EXPECT_CELLS(fdt, "/chosen", "linux,initrd-end",
			     HI(c->initrd_end), LO(c->initrd_end));
	}
}

/* The host bridge, less its INTx map (test_pci_interrupt_map). */
static void check_pci(const void *fdt, uint32_t msi_phandle, bool msi_map)
{
	const char *pci = "/pcie@3f000000";

	expect_compatible(fdt, pci, "pci-host-ecam-generic");
	expect_str(fdt, pci, "device_type", "pci");
	assert_int_equal(u32(fdt, pci, "#address-cells"), 3);
	assert_int_equal(u32(fdt, pci, "#size-cells"), 2);
	assert_int_equal(u32(fdt, pci, "#interrupt-cells"), 1);
	EXPECT_CELLS(fdt, pci, "bus-range", 0, 0);
	assert_int_equal(u32(fdt, pci, "linux,pci-domain"), 0);
	assert_true(has_prop(fdt, pci, "dma-coherent"));
	EXPECT_REG(fdt, pci, ARM64_PCI_ECAM_BASE, ARM64_PCI_ECAM_SIZE);
	EXPECT_CELLS(fdt, pci, "ranges", 0x02000000, HI(ARM64_PCI_WINDOW_BASE),
		     LO(ARM64_PCI_WINDOW_BASE), HI(ARM64_PCI_WINDOW_BASE),
		     LO(ARM64_PCI_WINDOW_BASE), HI(ARM64_PCI_WINDOW_SIZE),
		     LO(ARM64_PCI_WINDOW_SIZE));
	if (msi_phandle == PHANDLE_NONE) {
		assert_false(has_prop(fdt, pci, "msi-map"));
		assert_false(has_prop(fdt, pci, "msi-parent"));
	} else if (msi_map) {
		EXPECT_CELLS(fdt, pci, "msi-map", 0, msi_phandle, 0, 0x10000);
		assert_false(has_prop(fdt, pci, "msi-parent"));
	} else {
		assert_int_equal(u32(fdt, pci, "msi-parent"), msi_phandle);
		assert_false(has_prop(fdt, pci, "msi-map"));
	}
}

static void check_full(unsigned int nr_cpus)
{
	struct arm64_fdt_config c = full_config(nr_cpus);
	const void *fdt = build(&c);

	check_root(fdt);
	check_memory(fdt, &c);
	check_cpus(fdt, nr_cpus);
	check_psci(fdt);
	check_gicv3(fdt, nr_cpus, true);
	check_timer(fdt, LEVEL_LOW);
	check_uart_rtc(fdt, &c);
	check_virtio(fdt, &c);
	check_chosen(fdt, &c);
	check_pci(fdt, u32(fdt, "/intc@8000000/its@8080000", "phandle"), true);
}

static void test_gicv3_1cpu(void **state)
{
	check_full(1);
}

static void test_gicv3_4cpus(void **state)
{
	check_full(4);
}

static void test_gicv2_v2m(void **state)
{
	struct arm64_fdt_config c = full_config(4);
	const char *gic = "/intc@8000000", *v2m = "/intc@8000000/v2m@8020000";
	const void *fdt;

	c.gic = ARM64_GICV2;
	fdt = build(&c);
	check_root(fdt);
	check_gic_common(fdt);
	expect_compatible(fdt, gic, "arm,cortex-a15-gic");
	EXPECT_CELLS(fdt, gic, "reg", HI(ARM64_GIC_DIST_BASE),
		     LO(ARM64_GIC_DIST_BASE), HI(ARM64_GIC_DIST_SIZE),
		     LO(ARM64_GIC_DIST_SIZE), HI(ARM64_GIC_CPU_BASE),
		     LO(ARM64_GIC_CPU_BASE), HI(ARM64_GIC_CPU_SIZE),
		     LO(ARM64_GIC_CPU_SIZE));
	assert_true(fdt_path_offset(fdt, "/intc@8000000/its@8080000") < 0);

	expect_compatible(fdt, v2m, "arm,gic-v2m-frame");
	assert_true(has_prop(fdt, v2m, "msi-controller"));
	assert_false(has_prop(fdt, v2m, "#msi-cells"));
	EXPECT_REG(fdt, v2m, ARM64_GIC_V2M_BASE, ARM64_GIC_V2M_SIZE);
	/* An INTID: SPI 64 is interrupt 96. */
	assert_int_equal(u32(fdt, v2m, "arm,msi-base-spi"),
			 32 + ARM64_GIC_V2M_SPI_BASE);
	assert_int_equal(u32(fdt, v2m, "arm,msi-num-spis"),
			 ARM64_GIC_V2M_SPI_COUNT);

	/* 4 CPUs: the PPI flags carry CPU mask 0xf. */
	check_timer(fdt, 0x0f00 | LEVEL_LOW);
	check_pci(fdt, u32(fdt, v2m, "phandle"), false);
	check_cpus(fdt, 4);
	check_uart_rtc(fdt, &c);
	check_virtio(fdt, &c);
	check_chosen(fdt, &c);
}

static void test_gicv2_no_msi(void **state)
{
	struct arm64_fdt_config c = full_config(1);
	const void *fdt;

	c.gic = ARM64_GICV2;
	c.msi = false;
	fdt = build(&c);
	assert_true(fdt_path_offset(fdt, "/intc@8000000/v2m@8020000") < 0);
	check_gic_common(fdt);
	check_timer(fdt, 0x0100 | LEVEL_LOW);
	check_pci(fdt, PHANDLE_NONE, false);
}

static void test_gicv3_no_msi(void **state)
{
	struct arm64_fdt_config c = full_config(2);
	const void *fdt;

	c.msi = false;
	fdt = build(&c);
	check_gicv3(fdt, 2, false);
	check_pci(fdt, PHANDLE_NONE, false);
}

static void test_no_pci(void **state)
{
	struct arm64_fdt_config c = full_config(2);
	const void *fdt;
	int off;

	c.pci = false;
	c.nr_virtio = 0;
	fdt = build(&c);
	assert_int_equal(fdt_path_offset(fdt, "/pcie@3f000000"),
			 -FDT_ERR_NOTFOUND);
	off = fdt_node_offset_by_compatible(fdt, -1, "pci-host-ecam-generic");
	assert_int_equal(off, -FDT_ERR_NOTFOUND);
	check_virtio(fdt, &c);
	/* The ITS is there for whoever else wants MSIs. */
	check_gicv3(fdt, 2, true);
	check_uart_rtc(fdt, &c);
}

static void test_no_initrd(void **state)
{
	struct arm64_fdt_config c = full_config(1);
	const void *fdt;

	c.initrd_start = c.initrd_end = 0x48000000;
	c.rng_seed_len = 0;
	c.bootargs = "console=ttyS0";
	fdt = build(&c);
	check_chosen(fdt, &c);
	assert_false(has_prop(fdt, "/chosen", "rng-seed"));
	assert_false(has_prop(fdt, "/chosen", "kaslr-seed"));
}

static void test_no_bootargs(void **state)
{
	struct arm64_fdt_config c = full_config(1);
	const void *fdt;

	c.bootargs = NULL;
	fdt = build(&c);
	assert_false(has_prop(fdt, "/chosen", "bootargs"));
	expect_str(fdt, "/chosen", "stdout-path", "/uart@9000000");
}

/* No seed byte lands in both kaslr-seed and rng-seed. */
static void test_rng_seed(void **state)
{
	struct arm64_fdt_config c = full_config(1);
	const void *fdt = build(&c), *v;
	int len;

	v = fdt_getprop(fdt, node(fdt, "/chosen"), "kaslr-seed", &len);
	assert_non_null(v);
	assert_int_equal(len, 8);
	assert_memory_equal(v, seed, 8);
	v = fdt_getprop(fdt, node(fdt, "/chosen"), "rng-seed", &len);
	assert_non_null(v);
	assert_int_equal(len, sizeof(seed) - 8);
	assert_memory_equal(v, seed + 8, sizeof(seed) - 8);
}

/*
 * Looks up (slot, pin) the way Linux's of_irq_parse_raw() walks an
 * interrupt-map: masked child address and pin, then the parent's phandle,
 * then as many address cells as the parent node itself declares.
 * Returns the parent's 3 interrupt cells in out, and the entry count.
 */
static int map_lookup(const void *fdt, uint32_t slot, uint32_t pin,
		      uint32_t out[3])
{
	const char *pci = "/pcie@3f000000";
	const fdt32_t *mask = cells(fdt, pci, "interrupt-map-mask", 4);
	uint32_t child[4] = { slot << 11, 0, 0, pin };
	const fdt32_t *map;
	int len, entries = 0, found = 0;

	map = fdt_getprop(fdt, node(fdt, pci), "interrupt-map", &len);
	assert_non_null(map);
	for (const fdt32_t *e = map; e < map + len / 4;) {
		bool match = true;
		int parent, addr_cells, int_cells;
		const fdt32_t *p;

		for (int i = 0; i < 4; i++)
			match &= !((child[i] ^ fdt32_to_cpu(e[i])) &
				   fdt32_to_cpu(mask[i]));
		parent = fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(e[4]));
		assert_true(parent >= 0);
		p = fdt_getprop(fdt, parent, "#address-cells", NULL);
		addr_cells = p ? (int)fdt32_to_cpu(*p) : 0;
		p = fdt_getprop(fdt, parent, "#interrupt-cells", NULL);
		assert_non_null(p);
		int_cells = (int)fdt32_to_cpu(*p);
		assert_int_equal(int_cells, 3);
		/* The parent unit address: zeros, since #address-cells 2. */
		assert_int_equal(addr_cells, 2);
		for (int i = 0; i < addr_cells; i++)
			assert_int_equal(fdt32_to_cpu(e[5 + i]), 0);
		if (match && !found++) {
			for (int i = 0; i < 3; i++)
				out[i] = fdt32_to_cpu(e[5 + addr_cells + i]);
		}
		e += 5 + addr_cells + int_cells;
		assert_true(e <= map + len / 4);
		entries++;
	}
	/* A mask that kept only part of the slot would match several. */
	assert_int_equal(found, 1);
	return entries;
}

static void test_pci_interrupt_map(void **state)
{
	struct arm64_fdt_config c = full_config(4);
	const void *fdt = build(&c);
	uint32_t irq[3];
	int len;

	EXPECT_CELLS(fdt, "/pcie@3f000000", "interrupt-map-mask", 0xf800, 0, 0,
		     7);
	/* 32 slots x 4 pins, 10 cells each: 3 + 1 + phandle + 2 + 3. */
	assert_non_null(fdt_getprop(fdt, node(fdt, "/pcie@3f000000"),
				    "interrupt-map", &len));
	assert_int_equal(len, 32 * 4 * 10 * 4);
	assert_int_equal(map_lookup(fdt, 0, 1, irq), 128);

	/* Slot 5 INTC (pin 3): (5 + 2) % 8 = line 7, the last SPI. */
	map_lookup(fdt, 5, 3, irq);
	assert_int_equal(irq[0], GIC_SPI);
	assert_int_equal(irq[1], ARM64_PCI_INTX_SPI + 7);
	assert_int_equal(irq[2], LEVEL_HIGH);
	/* Every slot and pin lands on one of the 4 lines, swizzled. */
	for (uint32_t slot = 0; slot < 32; slot++) {
		for (uint32_t pin = 1; pin <= 4; pin++) {
			map_lookup(fdt, slot, pin, irq);
			assert_int_equal(irq[1], ARM64_PCI_INTX_SPI +
							 (slot + pin - 1) % 8);
		}
	}

	/* GICv2's node has the same 2 address cells. */
	c.gic = ARM64_GICV2;
	fdt = build(&c);
	map_lookup(fdt, 31, 4, irq);
	assert_int_equal(irq[1], ARM64_PCI_INTX_SPI + (31 + 3) % 8);
}

static void test_aff3_cpus(void **state)
{
	static const uint64_t mpidr[] = { 0x80000000, 0x0180000010ULL };
	struct arm64_fdt_config c = full_config(2);
	const void *fdt;

	c.mpidr = mpidr;
	fdt = build(&c);
	assert_int_equal(u32(fdt, "/cpus", "#address-cells"), 2);
	EXPECT_CELLS(fdt, "/cpus/cpu@0", "reg", 0, 0);
	/* Aff3 in the first cell, Aff2..0 in the second; MT/U bits gone. */
	EXPECT_CELLS(fdt, "/cpus/cpu@100000010", "reg", 1, 0x10);
}

static void test_too_small(void **state)
{
	struct arm64_fdt_config c = full_config(4);
	char err[256] = "";
	static uint8_t small[4096];
	size_t sizes[] = { 0, 8, 100, sizeof(small) };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
			arm64_fdt_build(&c, small, sizes[i], err, sizeof(err)),
			-1);
		assert_contains(err, "does not fit");
		assert_null(strchr(err, '\n'));
	}
	/*
	 * One byte short of the blob fails. (libfdt wants a few bytes of
	 * working room beyond the final size while it writes.)
	 */
	{
		int n = arm64_fdt_build(&c, blob, sizeof(blob), err,
					sizeof(err));

		assert_true(n > 0);
		assert_int_equal(arm64_fdt_build(&c, blob, (size_t)n - 1, err,
						 sizeof(err)),
				 -1);
		assert_int_equal(arm64_fdt_build(&c, blob, (size_t)n + 64, err,
						 sizeof(err)),
				 n);
	}
}

static void expect_config_error(const struct arm64_fdt_config *c,
				const char *want)
{
	char err[256] = "";

	assert_int_equal(
		arm64_fdt_build(c, blob, sizeof(blob), err, sizeof(err)), -1);
	assert_contains(err, want);
}

static void test_bad_config(void **state)
{
	struct arm64_fdt_config c = full_config(0);

	expect_config_error(&c, "no CPUs");
	c = full_config(4);
	c.mpidr = NULL;
	expect_config_error(&c, "no CPUs");
	c = full_config(9);
	c.gic = ARM64_GICV2;
	expect_config_error(&c, "GICv2 serves at most 8");
	c = full_config(124);
	expect_config_error(&c, "at most 123");
	c = full_config(1);
	c.initrd_end = c.initrd_start - 1;
	expect_config_error(&c, "initrd ends");
	c = full_config(1);
	c.rng_seed_len = 8;
	expect_config_error(&c, "8-byte random seed");
	c = full_config(1);
	c.ram_size = 0;
	expect_config_error(&c, "no RAM");
}

/* KESTREL_FDT_SAMPLE=file: the 4-CPU blob there, for dtc to decompile. */
static void test_write_sample(void **state)
{
	const char *path = getenv("KESTREL_FDT_SAMPLE");
	struct arm64_fdt_config c = full_config(4);
	const void *fdt;
	FILE *f;

	if (!path)
		skip();
	fdt = build(&c);
	f = fopen(path, "wb");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(fwrite(fdt, 1, fdt_totalsize(fdt), f),
			 fdt_totalsize(fdt));
	assert_int_equal(fclose(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gicv3_1cpu),
		cmocka_unit_test(test_gicv3_4cpus),
		cmocka_unit_test(test_gicv2_v2m),
		cmocka_unit_test(test_gicv2_no_msi),
		cmocka_unit_test(test_gicv3_no_msi),
		cmocka_unit_test(test_no_pci),
		cmocka_unit_test(test_no_initrd),
		cmocka_unit_test(test_no_bootargs),
		cmocka_unit_test(test_rng_seed),
		cmocka_unit_test(test_pci_interrupt_map),
		cmocka_unit_test(test_aff3_cpus),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_write_sample),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
