// SPDX-License-Identifier: MIT
/*
 * kestrel's arm64 board: RAM at 1 GiB, the kernel Image booted with a
 * device tree, an in-kernel GICv3 (with ITS) or GICv2, PSCI in KVM, a
 * 16550 UART and a PL031 RTC on MMIO.
 */
#include "vmm/board.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include "arch/arm64/layout.h"
#include "runtime/log.h"
#include "vmm/vm.h"

/* Room for the device tree: the boot protocol's limit. */
#define FDT_MAX (2ULL << 20)
#define NR_IRQS 256 /* SGIs, PPIs and SPIs the vGIC has: a multiple of 32 */
#define UART_CLOCK_HZ 1843200

#define CORE_REG(x)                                            \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	 (offsetof(struct kvm_regs, x) / sizeof(uint32_t)))
#define MPIDR_EL1 ARM64_SYS_REG(3, 0, 0, 0, 5)
#define SCTLR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 0)
#define SCTLR_M 1ULL /* the MMU is on */

bool board_virtio_mmio_slot(unsigned int i, uint64_t *base, uint64_t *size,
			    uint32_t *gsi)
{
	if (i >= 32)
		return false;
	*base = ARM64_VIRTIO_MMIO_BASE + i * ARM64_VIRTIO_MMIO_SIZE;
	*size = ARM64_VIRTIO_MMIO_SIZE;
	*gsi = ARM64_VIRTIO_MMIO_SPI + i;
	return true;
}

unsigned int board_irqchip_routes(struct kvm_irq_routing_entry *e)
{
	for (uint32_t pin = 0; pin < BOARD_NR_SPI_ROUTES; pin++)
		e[pin] = (struct kvm_irq_routing_entry){
			.gsi = pin,
			.type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { 0, pin },
		};
	return BOARD_NR_SPI_ROUTES;
}

/* KVM_IRQ_LINE names an SPI by its type and INTID (SPI n is INTID 32+n). */
uint32_t board_irq_line(uint32_t gsi)
{
	return (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (gsi + 32);
}

unsigned int board_ram_regions(uint64_t mem_size, struct board_ram *r)
{
	r[0] = (struct board_ram){ ARM64_RAM_BASE, mem_size };
	return 1;
}

/*
 * earlycon takes the UART from the device tree's stdout-path, so what the
 * kernel says before its console driver is up is seen too.
 */
const char *board_cmdline(const struct vm_config *cfg)
{
	return cfg->console == CONSOLE_VIRTIO ?
		       "console=hvc0 earlycon panic=-1" :
		       "console=ttyS0 earlycon panic=-1";
}

int board_kernel_release(const uint8_t *kernel, size_t len, char *buf,
			 size_t buflen)
{
	return arm64_kernel_release(kernel, len, buf, buflen);
}

int board_load(struct vm *vm, const struct board_images *img, char *err,
	       size_t errlen)
{
	struct arm64_boot_input in = {
		.gm = &vm->mem,
		.ram_base = ARM64_RAM_BASE,
		.ram_size = vm->cfg->mem_size,
		.kernel = img->kernel,
		.kernel_len = img->kernel_len,
		.initrd = img->initrd,
		.initrd_len = img->initrd_len,
		.dtb_max = FDT_MAX,
	};

	vm->board.gic_fd = vm->board.its_fd = -1;
	if (arm64_load_kernel(&in, &vm->board.boot, err, errlen))
		return -1;
	vm->board.cmdline = strdup(img->cmdline);
	if (!vm->board.cmdline) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int set_attr(int fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uintptr_t)val,
	};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

static int create_device(int vm_fd, uint32_t type)
{
	struct kvm_create_device cd = { .type = type };

	return ioctl(vm_fd, KVM_CREATE_DEVICE, &cd) < 0 ? -errno : (int)cd.fd;
}

/*
 * The vGIC before the vCPUs: a GICv3 where the host has one (its ITS for
 * MSIs too), else a GICv2.
 */
int board_vm_init(struct vm *vm, const char **what)
{
	struct board_state *b = &vm->board;
	uint64_t dist = ARM64_GIC_DIST_BASE, redist = ARM64_GIC_REDIST_BASE;
	uint64_t cpu = ARM64_GIC_CPU_BASE;
	int fd, err;

	_Static_assert(BOARD_MAX_CPUS * ARM64_GIC_REDIST_SIZE <=
			       ARM64_GIC_REDIST_MAX_SIZE,
		       "redistributors");
	*what = "KVM_CREATE_DEVICE (GIC)";
	fd = create_device(vm->vm_fd, KVM_DEV_TYPE_ARM_VGIC_V3);
	if (fd >= 0) {
		b->gic = ARM64_GICV3;
		b->gic_fd = fd;
		*what = "setting the GICv3's addresses";
		err = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			       KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
		if (!err)
			err = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				       KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist);
		if (err)
			return err;
		fd = create_device(vm->vm_fd, KVM_DEV_TYPE_ARM_VGIC_ITS);
		if (fd >= 0) {
			uint64_t its = ARM64_GIC_ITS_BASE;

			b->its_fd = fd;
			*what = "setting the ITS's address";
			err = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
				       KVM_VGIC_ITS_ADDR_TYPE, &its);
			if (err)
				return err;
		}
		return 0;
	}
	fd = create_device(vm->vm_fd, KVM_DEV_TYPE_ARM_VGIC_V2);
	if (fd < 0)
		return fd;
	if (vm->cfg->cpus > BOARD_MAX_CPUS_GICV2) {
		log_error(
			"--cpus %u: this host's GIC is a GICv2, which takes at most %d vCPUs",
			vm->cfg->cpus, BOARD_MAX_CPUS_GICV2);
		close(fd);
		*what = NULL;
		return -E2BIG;
	}
	b->gic = ARM64_GICV2;
	b->gic_fd = fd;
	*what = "setting the GICv2's addresses";
	err = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		       KVM_VGIC_V2_ADDR_TYPE_DIST, &dist);
	if (!err)
		err = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			       KVM_VGIC_V2_ADDR_TYPE_CPU, &cpu);
	return err;
}

static int set_core_reg(int fd, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&val };

	return ioctl(fd, KVM_SET_ONE_REG, &r) < 0 ? -errno : 0;
}

static int get_reg(int fd, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return ioctl(fd, KVM_GET_ONE_REG, &r) < 0 ? -errno : 0;
}

/*
 * Every vCPU as the host's preferred target with PSCI 0.2; the secondaries
 * powered off until the guest's PSCI CPU_ON. The boot CPU enters the
 * kernel with x0 = the device tree, x1-x3 = 0, as booting.rst asks.
 */
int board_vcpu_init(struct vm *vm, struct vcpu *v, const char **what)
{
	struct kvm_vcpu_init init;
	int err;

	*what = "KVM_ARM_PREFERRED_TARGET";
	if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (v->id)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	*what = "KVM_ARM_VCPU_INIT";
	if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return -errno;
	if (v->id)
		return 0;
	*what = "setting the boot CPU's registers";
	err = set_core_reg(v->fd, CORE_REG(regs.pc), vm->board.boot.entry);
	if (!err)
		err = set_core_reg(v->fd, CORE_REG(regs.regs[0]),
				   vm->board.boot.dtb_addr);
	for (unsigned int i = 1; i < 4 && !err; i++)
		err = set_core_reg(v->fd, CORE_REG(regs.regs[i]), 0);
	return err;
}

/* The device tree, now that the vCPUs' MPIDRs are known. */
static int write_fdt(struct vm *vm, const char **what)
{
	struct board_state *b = &vm->board;
	struct arm64_fdt_mmio_dev virtio[PLATFORM_MAX_VIRTIO];
	struct arm64_fdt_config c = { 0 };
	uint64_t *mpidr = calloc(vm->nr_vcpus, sizeof(*mpidr));
	uint8_t seed[32];
	void *blob;
	char err[256];
	int size;

	*what = "reading the vCPUs' MPIDR";
	if (!mpidr)
		return -ENOMEM;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		int e = get_reg(vm->vcpus[i].fd, MPIDR_EL1, &mpidr[i]);

		if (e) {
			free(mpidr);
			return e;
		}
	}
	for (unsigned int i = 0;
	     i < vm->platform.nr_virtio && vm->cfg->transport == TRANSPORT_MMIO;
	     i++) {
		uint64_t base = 0, sz = 0;
		uint32_t gsi = 0;

		board_virtio_mmio_slot(i, &base, &sz, &gsi);
		virtio[i] = (struct arm64_fdt_mmio_dev){ base, sz, gsi };
		c.nr_virtio = i + 1;
	}
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed)) {
		c.rng_seed = seed;
		c.rng_seed_len = sizeof(seed);
	}
	c.ram_base = ARM64_RAM_BASE;
	c.ram_size = vm->cfg->mem_size;
	c.nr_cpus = vm->nr_vcpus;
	c.mpidr = mpidr;
	c.gic = b->gic;
	c.msi = b->its_fd >= 0;
	c.pci = vm->cfg->transport == TRANSPORT_PCI;
	c.virtio = virtio;
	c.bootargs = b->cmdline;
	c.initrd_start = b->boot.initrd_addr;
	c.initrd_end = b->boot.initrd_addr + b->boot.initrd_size;
	c.uart_clock_hz = UART_CLOCK_HZ;
	*what = "building the device tree";
	blob = gm_ptr(&vm->mem, b->boot.dtb_addr, FDT_MAX);
	size = blob ? arm64_fdt_build(&c, blob, FDT_MAX, err, sizeof(err)) : -1;
	free(mpidr);
	if (size < 0) {
		log_error("device tree: %s", blob ? err : "no room in RAM");
		return -EINVAL;
	}
	return 0;
}

/* The vGIC (and ITS) initialised once every vCPU exists; the tree. */
int board_vm_finish(struct vm *vm, const char **what)
{
	struct board_state *b = &vm->board;
	uint32_t nr_irqs = NR_IRQS;
	int err;

	*what = "setting the GIC's interrupt count";
	err = set_attr(b->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (err)
		return err;
	*what = "initialising the GIC";
	err = set_attr(b->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
		       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (err)
		return err;
	if (b->its_fd >= 0) {
		*what = "initialising the ITS";
		err = set_attr(b->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
		if (err)
			return err;
	}
	return write_fdt(vm, what);
}

void board_destroy(struct vm *vm)
{
	free(vm->board.cmdline);
	vm->board.cmdline = NULL;
	if (vm->board.its_fd >= 0)
		close(vm->board.its_fd);
	if (vm->board.gic_fd >= 0)
		close(vm->board.gic_fd);
	vm->board.its_fd = vm->board.gic_fd = -1;
}

static const char *exception_level(uint64_t pstate)
{
	switch (pstate & 0xf) {
	case 0x0:
		return "EL0";
	case 0x4:
		return "EL1t";
	case 0x5:
		return "EL1h";
	default:
		return "EL?";
	}
}

void board_vcpu_log_position(struct vcpu *v, const char *why)
{
	struct kvm_mp_state mp;
	uint64_t pc, pstate, sctlr;

	if (!why && ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0 &&
	    mp.mp_state == KVM_MP_STATE_STOPPED) {
		log_error("vCPU %u: not started by the guest", v->id);
		return;
	}
	if (get_reg(v->fd, CORE_REG(regs.pc), &pc) ||
	    get_reg(v->fd, CORE_REG(regs.pstate), &pstate)) {
		if (why)
			log_error("vCPU %u: %s", v->id, why);
		else
			log_error("vCPU %u: cannot read its registers: %s",
				  v->id, strerror(errno));
		return;
	}
	if (why)
		log_error("vCPU %u: %s at pc %#llx", v->id, why,
			  (unsigned long long)pc);
	else
		log_error("vCPU %u: pc %#llx, %s, MMU %s", v->id,
			  (unsigned long long)pc, exception_level(pstate),
			  get_reg(v->fd, SCTLR_EL1, &sctlr) ? "state unknown" :
			  sctlr & SCTLR_M		    ? "on" :
							      "off");
}

int board_platform_init(struct platform *p, const struct vm_config *cfg,
			struct iobus *pio, struct iobus *mmio,
			const struct hv *hv,
			const struct guest_event_sink *events,
			struct host_console *console)
{
	struct board_devices *d = &p->board;

	(void)cfg;
	(void)pio;
	(void)events;
	platform_uart_init(
		p, (struct irq_line){ hv->set_irq, hv->ctx, ARM64_UART_SPI },
		console);
	pl031_init(&d->rtc,
		   (struct irq_line){ hv->set_irq, hv->ctx, ARM64_RTC_SPI },
		   NULL);
	pci_bus_init(&p->pci, ARM64_PCI_WINDOW_BASE, ARM64_PCI_WINDOW_SIZE,
		     hv->set_irq, hv->ctx);
	if (iobus_register(mmio, ARM64_UART_BASE, SERIAL_NR_PORTS,
			   &serial_io_ops, &p->com1) ||
	    iobus_register(mmio, ARM64_RTC_BASE, ARM64_RTC_SIZE, &pl031_io_ops,
			   &d->rtc) ||
	    iobus_register(mmio, ARM64_PCI_ECAM_BASE, ARM64_PCI_ECAM_SIZE,
			   &pci_ecam_io_ops, &p->pci) ||
	    iobus_register(mmio, ARM64_PCI_WINDOW_BASE, ARM64_PCI_WINDOW_SIZE,
			   &pci_window_io_ops, &p->pci)) {
		log_error("cannot place the platform devices");
		return -1;
	}
	return 0;
}

/* The device tree's PCI interrupt-map says what devices/pci.c does. */
_Static_assert(ARM64_PCI_INTX_SPI == PCI_INTX_GSI_BASE &&
		       ARM64_PCI_INTX_LINES == PCI_INTX_GSIS,
	       "PCI INTx lines");
