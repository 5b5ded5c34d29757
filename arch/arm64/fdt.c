// SPDX-License-Identifier: MIT
/*
 * The arm64 board's device tree, written with libfdt's sequential-write
 * API. Nodes and properties follow the Linux bindings the guest's drivers
 * read (Documentation/devicetree/bindings), close to QEMU's `virt` board.
 */
#include "arch/arm64/fdt.h"

#include <libfdt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/arm64/layout.h"

/* Phandles are ours to choose; fixed ones keep the blob reproducible. */
enum { PHANDLE_GIC = 1, PHANDLE_MSI, PHANDLE_APB_PCLK };

/* A GIC interrupt specifier is <type number flags>. */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_LEVEL_HIGH 4
#define IRQ_LEVEL_LOW 8
#define GIC_MAINTENANCE_PPI 9
/* GICv2 names its SPIs to the v2m frame by INTID, not SPI number. */
#define GIC_SPI_INTID(spi) ((spi) + 32)
/* A GICv2 serves at most 8 CPUs; PPI flags carry a mask of them. */
#define GICV2_MAX_CPUS 8

/* The GIC node's #address-cells: a PCI interrupt-map entry repeats it. */
#define GIC_ADDR_CELLS 2
#define GIC_INT_CELLS 3
#define PCI_ADDR_CELLS 3
#define PCI_SLOTS 32
#define PCI_PINS 4
/* A PCI address's phys.hi: 32-bit memory space, and the device's place. */
#define PCI_MEM32_SPACE 0x02000000u
#define PCI_DEVICE_SHIFT 11
/* Arm64 Linux maps at most 2 MiB of device tree (MAX_FDT_SIZE). */
#define FDT_MAX_SIZE (2u << 20)
#define KASLR_SEED_LEN 8
#define APB_PCLK_HZ 24000000

/*
 * Wraps the sequential-write calls so that the first failure is kept and
 * every later call does nothing: the builder reads as the tree it writes,
 * with one error check at the end.
 */
struct builder {
	void *fdt;
	int err; /* the first libfdt error, 0 while none */
	char node[48]; /* the last node begun before err was set */
};

static void check(struct builder *b, int ret)
{
	if (ret < 0 && !b->err)
		b->err = ret;
}

static void begin(struct builder *b, const char *fmt, ...)
{
	char name[sizeof(b->node)];
	va_list ap;

	if (b->err)
		return;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	snprintf(b->node, sizeof(b->node), "%s", name);
	check(b, fdt_begin_node(b->fdt, name));
}

static void end(struct builder *b)
{
	if (!b->err)
		check(b, fdt_end_node(b->fdt));
}

static void prop(struct builder *b, const char *name, const void *val, int len)
{
	if (!b->err)
		check(b, fdt_property(b->fdt, name, val, len));
}

static void prop_empty(struct builder *b, const char *name)
{
	void *val;

	if (!b->err)
		check(b, fdt_property_placeholder(b->fdt, name, 0, &val));
}

static void prop_str(struct builder *b, const char *name, const char *s)
{
	if (!b->err)
		check(b, fdt_property_string(b->fdt, name, s));
}

/* A stringlist written as one literal with embedded NULs. */
#define PROP_STRLIST(b, name, lit) prop(b, name, lit, sizeof(lit))

static void prop_u32(struct builder *b, const char *name, uint32_t v)
{
	if (!b->err)
		check(b, fdt_property_u32(b->fdt, name, v));
}

static void prop_u64(struct builder *b, const char *name, uint64_t v)
{
	if (!b->err)
		check(b, fdt_property_u64(b->fdt, name, v));
}

/* Reserves n cells for a property; returns them, or NULL after an error. */
static fdt32_t *prop_space(struct builder *b, const char *name, size_t n)
{
	void *val = NULL;

	if (b->err)
		return NULL;
	if (n > INT_MAX / sizeof(fdt32_t)) {
		b->err = -FDT_ERR_NOSPACE;
		return NULL;
	}
	check(b, fdt_property_placeholder(b->fdt, name,
					  (int)(n * sizeof(fdt32_t)), &val));
	return b->err ? NULL : val;
}

static void prop_cells(struct builder *b, const char *name, const uint32_t *v,
		       size_t n)
{
	fdt32_t *cell = prop_space(b, name, n);

	for (size_t i = 0; cell && i < n; i++)
		cell[i] = cpu_to_fdt32(v[i]);
}

#define PROP_CELLS(b, name, ...)                                \
	do {                                                    \
		const uint32_t cells_[] = { __VA_ARGS__ };      \
		prop_cells(b, name, cells_,                     \
			   sizeof(cells_) / sizeof(cells_[0])); \
	} while (0)

#define HI(v) ((uint32_t)((uint64_t)(v) >> 32))
#define LO(v) ((uint32_t)(v))

/* reg with the root's 2 address and 2 size cells. */
static void prop_reg(struct builder *b, uint64_t base, uint64_t size)
{
	PROP_CELLS(b, "reg", HI(base), LO(base), HI(size), LO(size));
}

static void prop_spi(struct builder *b, uint32_t spi, uint32_t flags)
{
	PROP_CELLS(b, "interrupts", GIC_SPI, spi, flags);
}

static void add_cpus(struct builder *b, const struct arm64_fdt_config *c)
{
	bool aff3 = false;

	/* One address cell holds Aff2..Aff0; Aff3 needs a second. */
	for (unsigned int i = 0; i < c->nr_cpus; i++)
		aff3 |= (c->mpidr[i] & 0xff00000000ULL) != 0;
	begin(b, "cpus");
	prop_u32(b, "#address-cells", aff3 ? 2 : 1);
	prop_u32(b, "#size-cells", 0);
	for (unsigned int i = 0; i < c->nr_cpus; i++) {
		uint64_t id = c->mpidr[i] & 0xff00ffffffULL;

		begin(b, "cpu@%llx", (unsigned long long)id);
		prop_str(b, "device_type", "cpu");
		prop_str(b, "compatible", "arm,arm-v8");
		prop_str(b, "enable-method", "psci");
		if (aff3)
			PROP_CELLS(b, "reg", HI(id), LO(id));
		else
			prop_u32(b, "reg", LO(id));
		end(b);
	}
	end(b);
}

static void add_gic(struct builder *b, const struct arm64_fdt_config *c)
{
	bool v3 = c->gic == ARM64_GICV3;

	begin(b, "intc@%llx", ARM64_GIC_DIST_BASE);
	prop_str(b, "compatible", v3 ? "arm,gic-v3" : "arm,cortex-a15-gic");
	prop_u32(b, "#interrupt-cells", GIC_INT_CELLS);
	prop_empty(b, "interrupt-controller");
	/*
	 * The MSI child's reg is in the parent's address space, 1:1. Both
	 * GICs get the cells even without a child so that a PCI
	 * interrupt-map's parent unit address is always GIC_ADDR_CELLS wide.
	 */
	prop_u32(b, "#address-cells", GIC_ADDR_CELLS);
	prop_u32(b, "#size-cells", 2);
	prop_empty(b, "ranges");
	if (v3) {
		uint64_t redist = ARM64_GIC_REDIST_SIZE * c->nr_cpus;

		PROP_CELLS(b, "reg", HI(ARM64_GIC_DIST_BASE),
			   LO(ARM64_GIC_DIST_BASE), HI(ARM64_GIC_DIST_SIZE),
			   LO(ARM64_GIC_DIST_SIZE), HI(ARM64_GIC_REDIST_BASE),
			   LO(ARM64_GIC_REDIST_BASE), HI(redist), LO(redist));
		PROP_CELLS(b, "interrupts", GIC_PPI, GIC_MAINTENANCE_PPI,
			   IRQ_LEVEL_HIGH);
	} else {
		PROP_CELLS(b, "reg", HI(ARM64_GIC_DIST_BASE),
			   LO(ARM64_GIC_DIST_BASE), HI(ARM64_GIC_DIST_SIZE),
			   LO(ARM64_GIC_DIST_SIZE), HI(ARM64_GIC_CPU_BASE),
			   LO(ARM64_GIC_CPU_BASE), HI(ARM64_GIC_CPU_SIZE),
			   LO(ARM64_GIC_CPU_SIZE));
	}
	prop_u32(b, "phandle", PHANDLE_GIC);
	if (c->msi && v3) {
		begin(b, "its@%llx", ARM64_GIC_ITS_BASE);
		prop_str(b, "compatible", "arm,gic-v3-its");
		prop_empty(b, "msi-controller");
		/* The one cell is the DeviceID; PCI's comes from msi-map. */
		prop_u32(b, "#msi-cells", 1);
		prop_reg(b, ARM64_GIC_ITS_BASE, ARM64_GIC_ITS_SIZE);
		prop_u32(b, "phandle", PHANDLE_MSI);
		end(b);
	} else if (c->msi) {
		begin(b, "v2m@%llx", ARM64_GIC_V2M_BASE);
		prop_str(b, "compatible", "arm,gic-v2m-frame");
		prop_empty(b, "msi-controller");
		prop_reg(b, ARM64_GIC_V2M_BASE, ARM64_GIC_V2M_SIZE);
		/* Linux wants an INTID here (it refuses bases below 32). */
		prop_u32(b, "arm,msi-base-spi",
			 GIC_SPI_INTID(ARM64_GIC_V2M_SPI_BASE));
		prop_u32(b, "arm,msi-num-spis", ARM64_GIC_V2M_SPI_COUNT);
		prop_u32(b, "phandle", PHANDLE_MSI);
		end(b);
	}
	end(b);
}

static void add_timer(struct builder *b, const struct arm64_fdt_config *c)
{
	uint32_t flags = IRQ_LEVEL_LOW;

	/* GICv2 PPI specifiers also name the CPUs that have the PPI. */
	if (c->gic == ARM64_GICV2)
		flags |= ((1u << c->nr_cpus) - 1) << 8;
	begin(b, "timer");
	prop_str(b, "compatible", "arm,armv8-timer");
	prop_empty(b, "always-on");
	PROP_CELLS(b, "interrupts", GIC_PPI, ARM64_TIMER_PPI_SEC, flags,
		   GIC_PPI, ARM64_TIMER_PPI_PHYS, flags, GIC_PPI,
		   ARM64_TIMER_PPI_VIRT, flags, GIC_PPI, ARM64_TIMER_PPI_HYP,
		   flags);
	end(b);
}

static void add_uart_rtc(struct builder *b, const struct arm64_fdt_config *c)
{
	begin(b, "uart@%llx", ARM64_UART_BASE);
	prop_str(b, "compatible", "ns16550a");
	prop_reg(b, ARM64_UART_BASE, ARM64_UART_SIZE);
	prop_spi(b, ARM64_UART_SPI, IRQ_LEVEL_HIGH);
	prop_u32(b, "clock-frequency", c->uart_clock_hz);
	prop_u32(b, "reg-shift", 0);
	prop_u32(b, "reg-io-width", 1);
	end(b);

	/* An AMBA (primecell) device is probed only once its bus clock is. */
	begin(b, "apb-pclk");
	prop_str(b, "compatible", "fixed-clock");
	prop_u32(b, "#clock-cells", 0);
	prop_u32(b, "clock-frequency", APB_PCLK_HZ);
	prop_str(b, "clock-output-names", "clk24mhz");
	prop_u32(b, "phandle", PHANDLE_APB_PCLK);
	end(b);

	begin(b, "pl031@%llx", ARM64_RTC_BASE);
	PROP_STRLIST(b, "compatible", "arm,pl031\0arm,primecell");
	prop_reg(b, ARM64_RTC_BASE, ARM64_RTC_SIZE);
	prop_spi(b, ARM64_RTC_SPI, IRQ_LEVEL_HIGH);
	prop_u32(b, "clocks", PHANDLE_APB_PCLK);
	prop_str(b, "clock-names", "apb_pclk");
	end(b);
}

static void add_virtio(struct builder *b, const struct arm64_fdt_config *c)
{
	for (unsigned int i = 0; i < c->nr_virtio; i++) {
		const struct arm64_fdt_mmio_dev *d = &c->virtio[i];

		begin(b, "virtio_mmio@%llx", (unsigned long long)d->base);
		prop_str(b, "compatible", "virtio,mmio");
		prop_reg(b, d->base, d->size);
		/* kestrel drives the line's level (virtio-mmio's ISR). */
		prop_spi(b, d->spi, IRQ_LEVEL_HIGH);
		prop_empty(b, "dma-coherent");
		end(b);
	}
}

/*
 * INTx of every slot on bus 0, swizzled as a PCI-to-PCI bridge would: pin
 * p (0 for INTA) of slot s raises line (s + p) % 8. The mask keeps the
 * whole device number, so each of the 32 x 4 entries matches exactly one
 * slot and pin.
 */
static void add_pci_intx(struct builder *b)
{
	enum {
		ENTRY_CELLS =
			PCI_ADDR_CELLS + 1 + 1 + GIC_ADDR_CELLS + GIC_INT_CELLS
	};
	fdt32_t *cell;

	PROP_CELLS(b, "interrupt-map-mask", 0x1f << PCI_DEVICE_SHIFT, 0, 0, 7);
	cell = prop_space(b, "interrupt-map",
			  PCI_SLOTS * PCI_PINS * ENTRY_CELLS);
	for (uint32_t slot = 0; cell && slot < PCI_SLOTS; slot++) {
		for (uint32_t pin = 0; pin < PCI_PINS; pin++) {
			const uint32_t e[ENTRY_CELLS] = {
				/* child unit address, then INTA=1..INTD=4 */
				slot << PCI_DEVICE_SHIFT,
				0,
				0,
				pin + 1,
				PHANDLE_GIC,
				/* the GIC's unit address: GIC_ADDR_CELLS */
				0,
				0,
				GIC_SPI,
				ARM64_PCI_INTX_SPI +
					(slot + pin) % ARM64_PCI_INTX_LINES,
				IRQ_LEVEL_HIGH,
			};

			for (unsigned int i = 0; i < ENTRY_CELLS; i++)
				*cell++ = cpu_to_fdt32(e[i]);
		}
	}
}

static void add_pci(struct builder *b, const struct arm64_fdt_config *c)
{
	begin(b, "pcie@%llx", ARM64_PCI_ECAM_BASE);
	prop_str(b, "compatible", "pci-host-ecam-generic");
	prop_str(b, "device_type", "pci");
	prop_u32(b, "#address-cells", PCI_ADDR_CELLS);
	prop_u32(b, "#size-cells", 2);
	prop_u32(b, "#interrupt-cells", 1);
	PROP_CELLS(b, "bus-range", 0, 0);
	prop_u32(b, "linux,pci-domain", 0);
	prop_empty(b, "dma-coherent");
	prop_reg(b, ARM64_PCI_ECAM_BASE, ARM64_PCI_ECAM_SIZE);
	PROP_CELLS(b, "ranges", PCI_MEM32_SPACE, HI(ARM64_PCI_WINDOW_BASE),
		   LO(ARM64_PCI_WINDOW_BASE), HI(ARM64_PCI_WINDOW_BASE),
		   LO(ARM64_PCI_WINDOW_BASE), HI(ARM64_PCI_WINDOW_SIZE),
		   LO(ARM64_PCI_WINDOW_SIZE));
	/*
	 * An ITS takes each function's requester ID as its DeviceID, which
	 * msi-map says (1:1, all 16 bits); msi-parent could not, as the ITS
	 * has #msi-cells = 1. A v2m frame has no cells: msi-parent.
	 */
	if (c->msi && c->gic == ARM64_GICV3)
		PROP_CELLS(b, "msi-map", 0, PHANDLE_MSI, 0, 0x10000);
	else if (c->msi)
		prop_u32(b, "msi-parent", PHANDLE_MSI);
	add_pci_intx(b);
	end(b);
}

static void add_chosen(struct builder *b, const struct arm64_fdt_config *c)
{
	char stdout_path[32];

	begin(b, "chosen");
	if (c->bootargs)
		prop_str(b, "bootargs", c->bootargs);
	/* A bare `earlycon` finds its UART here. */
	snprintf(stdout_path, sizeof(stdout_path), "/uart@%llx",
		 ARM64_UART_BASE);
	prop_str(b, "stdout-path", stdout_path);
	if (c->initrd_end != c->initrd_start) {
		prop_u64(b, "linux,initrd-start", c->initrd_start);
		prop_u64(b, "linux,initrd-end", c->initrd_end);
	}
	if (c->rng_seed_len) {
		prop(b, "kaslr-seed", c->rng_seed, KASLR_SEED_LEN);
		prop(b, "rng-seed", c->rng_seed + KASLR_SEED_LEN,
		     (int)(c->rng_seed_len - KASLR_SEED_LEN));
	}
	end(b);
}

static int config_error(const struct arm64_fdt_config *c, char *err,
			size_t errlen)
{
	unsigned int redist_max =
		ARM64_GIC_REDIST_MAX_SIZE / ARM64_GIC_REDIST_SIZE;

	if (!c->nr_cpus || !c->mpidr)
		snprintf(err, errlen, "device tree: no CPUs");
	else if (c->gic == ARM64_GICV3 && c->nr_cpus > redist_max)
		snprintf(err, errlen,
			 "device tree: %u CPUs, but GICv3 redistributors fit "
			 "at most %u",
			 c->nr_cpus, redist_max);
	else if (c->gic == ARM64_GICV2 && c->nr_cpus > GICV2_MAX_CPUS)
		snprintf(err, errlen,
			 "device tree: %u CPUs, but a GICv2 serves at most %u",
			 c->nr_cpus, GICV2_MAX_CPUS);
	else if (!c->ram_size)
		snprintf(err, errlen, "device tree: no RAM");
	else if (c->nr_virtio && !c->virtio)
		snprintf(err, errlen, "device tree: no virtio-mmio devices");
	else if (c->initrd_end < c->initrd_start)
		snprintf(err, errlen,
			 "device tree: initrd ends at 0x%llx, before its start "
			 "0x%llx",
			 (unsigned long long)c->initrd_end,
			 (unsigned long long)c->initrd_start);
	else if (c->rng_seed_len &&
		 (!c->rng_seed || c->rng_seed_len <= KASLR_SEED_LEN ||
		  c->rng_seed_len > FDT_MAX_SIZE))
		snprintf(err, errlen,
			 "device tree: a %zu-byte random seed; want %u for "
			 "kaslr-seed and more for rng-seed",
			 c->rng_seed_len, KASLR_SEED_LEN);
	else
		return 0;
	return -1;
}

int arm64_fdt_build(const struct arm64_fdt_config *c, void *buf, size_t size,
		    char *err, size_t errlen)
{
	struct builder b = { .fdt = buf };
	size_t total;

	if (config_error(c, err, errlen))
		return -1;
	/* Bigger buffers are fine; the tree only ever fills the start. */
	if (size > FDT_MAX_SIZE)
		size = FDT_MAX_SIZE;

	check(&b, fdt_create(buf, (int)size));
	if (!b.err)
		check(&b, fdt_finish_reservemap(buf));
	begin(&b, "");
	prop_str(&b, "compatible", "linux,dummy-virt");
	prop_str(&b, "model", "kestrel");
	prop_u32(&b, "#address-cells", 2);
	prop_u32(&b, "#size-cells", 2);
	prop_u32(&b, "interrupt-parent", PHANDLE_GIC);

	add_chosen(&b, c);
	begin(&b, "memory@%llx", (unsigned long long)c->ram_base);
	prop_str(&b, "device_type", "memory");
	prop_reg(&b, c->ram_base, c->ram_size);
	end(&b);
	add_cpus(&b, c);
	begin(&b, "psci");
	/* 0.2 and later fix the function IDs: no cpu_on etc. properties. */
	PROP_STRLIST(&b, "compatible", "arm,psci-1.0\0arm,psci-0.2");
	prop_str(&b, "method", "hvc");
	end(&b);
	add_gic(&b, c);
	add_timer(&b, c);
	add_uart_rtc(&b, c);
	add_virtio(&b, c);
	if (c->pci)
		add_pci(&b, c);
	end(&b); /* root */
	if (!b.err)
		check(&b, fdt_finish(buf));
	if (!b.err)
		check(&b, fdt_pack(buf));

	if (b.err == -FDT_ERR_NOSPACE) {
		snprintf(err, errlen,
			 "device tree: does not fit in %zu bytes (full at "
			 "node '%s')",
			 size, b.node);
		return -1;
	}
	if (b.err) {
		snprintf(err, errlen, "device tree: node '%s': %s", b.node,
			 fdt_strerror(b.err));
		return -1;
	}
	total = fdt_totalsize(buf);
	if (total > size || fdt_check_header(buf)) {
		snprintf(err, errlen, "device tree: libfdt built a bad blob");
		return -1;
	}
	return (int)total;
}
