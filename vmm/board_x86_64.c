// SPDX-License-Identifier: MIT
/* kestrel's x86_64 PC: RAM, boot, irqchip and PIT, CPUs, legacy devices. */
#include "vmm/board.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/x86/cpu.h"
#include "arch/x86/cpuid.h"
#include "arch/x86/layout.h"
#include "arch/x86/machine.h"
#include "firmware/acpi.h"
#include "runtime/log.h"
#include "vmm/vm.h"

/* The I/O port of kestrel's ACPI power registers (devices/acpi_pm.h). */
#define ACPI_PM_PORT 0x600

/*
 * Interrupt lines of the virtio-mmio slots, as firmware/dsdt.asl declares
 * them: ISA IRQs nothing else uses (PCI INTx has 16-23, COM1 4, RTC 8).
 */
static const uint8_t mmio_gsi[] = { 5, 6, 7, 9, 10, 11, 12, 13, 14, 15 };

bool board_virtio_mmio_slot(unsigned int i, uint64_t *base, uint64_t *size,
			    uint32_t *gsi)
{
	if (i >= sizeof(mmio_gsi))
		return false;
	*base = X86_VIRTIO_MMIO_BASE + i * X86_VIRTIO_MMIO_SIZE;
	*size = X86_VIRTIO_MMIO_SIZE;
	*gsi = mmio_gsi[i];
	return true;
}

#define IOAPIC_PINS 24
#define PIC_PINS 16

unsigned int board_irqchip_routes(struct kvm_irq_routing_entry *e)
{
	unsigned int n = 0;

	for (uint32_t pin = 0; pin < IOAPIC_PINS; pin++) {
		if (pin < PIC_PINS && pin != 2)
			e[n++] = (struct kvm_irq_routing_entry){
				.gsi = pin,
				.type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { pin < 8 ?
						       KVM_IRQCHIP_PIC_MASTER :
						       KVM_IRQCHIP_PIC_SLAVE,
					       pin % 8 },
			};
		e[n++] = (struct kvm_irq_routing_entry){
			.gsi = pin,
			.type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { KVM_IRQCHIP_IOAPIC, pin },
		};
	}
	return n;
}

uint32_t board_irq_line(uint32_t gsi)
{
	return gsi;
}

unsigned int board_ram_regions(uint64_t mem_size, struct board_ram *r)
{
	struct x86_ram_region x[2];
	unsigned int n = x86_ram_regions(mem_size, x);

	for (unsigned int i = 0; i < n; i++)
		r[i] = (struct board_ram){ x[i].gpa, x[i].size };
	return n;
}

/*
 * earlyprintk puts what the kernel says before its console driver is up on
 * COM1 too, so an early panic is seen (and exits 126) rather than lost.
 */
const char *board_cmdline(const struct vm_config *cfg)
{
	return cfg->console == CONSOLE_VIRTIO ?
		       "console=hvc0 earlyprintk=serial panic=-1" :
		       "console=ttyS0 earlyprintk=serial panic=-1";
}

int board_kernel_release(const uint8_t *kernel, size_t len, char *buf,
			 size_t buflen)
{
	return x86_kernel_release(kernel, len, buf, buflen);
}

/* The ACPI description of this VM: CPUs, power registers, virtio-mmio. */
static struct acpi_config acpi_config(const struct vm_config *cfg)
{
	uint32_t mmio_slots = 0;

	if (cfg->transport == TRANSPORT_MMIO)
		mmio_slots = (1U << platform_nr_virtio(cfg)) - 1;
	return (struct acpi_config){
		.ncpus = cfg->cpus,
		.sleep_control_port = ACPI_PM_PORT + ACPI_PM_SLEEP_CONTROL,
		.sleep_status_port = ACPI_PM_PORT + ACPI_PM_SLEEP_STATUS,
		.reset_port = ACPI_PM_PORT + ACPI_PM_RESET,
		.reset_value = ACPI_PM_RESET_VALUE,
		.lapic_addr = X86_LAPIC_ADDR,
		.ioapic_addr = X86_IOAPIC_ADDR,
		.ecam_base = X86_PCI_ECAM_BASE,
		.ecam_last_bus = 0,
		.virtio_mmio_slots = mmio_slots,
	};
}

int board_load(struct vm *vm, const struct board_images *img, char *err,
	       size_t errlen)
{
	struct acpi_config acpi = acpi_config(vm->cfg);
	struct x86_boot_input in = {
		.kernel = img->kernel,
		.kernel_len = img->kernel_len,
		.initrd = img->initrd,
		.initrd_len = img->initrd_len,
		.cmdline = img->cmdline,
	};

	return x86_machine_load(&vm->mem, vm->cfg->mem_size, &acpi, &in,
				&vm->board.boot, err, errlen);
}

int board_vm_init(struct vm *vm, const char **what)
{
	int err = x86_machine_kvm_init(vm->vm_fd, what);

	if (err)
		return err;
	vm->board.tsc_deadline = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
				       KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	vm->board.cpuid = x86_supported_cpuid(vm->kvm_fd);
	if (!vm->board.cpuid) {
		*what = "KVM_GET_SUPPORTED_CPUID";
		return -errno;
	}
	return 0;
}

int board_vcpu_init(struct vm *vm, struct vcpu *v, const char **what)
{
	return x86_vcpu_init(v->fd, vm->board.cpuid, v->id, vm->cfg->cpus,
			     vm->board.tsc_deadline, &vm->board.boot, what);
}

int board_vm_finish(struct vm *vm, const char **what)
{
	(void)vm;
	(void)what;
	return 0;
}

void board_destroy(struct vm *vm)
{
	free(vm->board.cpuid);
	vm->board.cpuid = NULL;
}

static const char *cpu_mode(const struct kvm_sregs *s)
{
	if (!(s->cr0 & 1))
		return "real mode";
	if (s->efer & (1 << 10)) /* EFER.LMA */
		return s->cs.l ? "64-bit mode" : "compatibility mode";
	return s->cr0 & (1u << 31) ? "32-bit mode, paging on" :
				     "32-bit mode, paging off";
}

void board_vcpu_log_position(struct vcpu *v, const char *why)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	/* A secondary CPU sits at the reset vector until it is started. */
	if (!why && ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0 &&
	    (mp.mp_state == KVM_MP_STATE_UNINITIALIZED ||
	     mp.mp_state == KVM_MP_STATE_INIT_RECEIVED)) {
		log_error("vCPU %u: not started by the guest", v->id);
		return;
	}
	if (ioctl(v->fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
		if (why)
			log_error("vCPU %u: %s", v->id, why);
		else
			log_error("vCPU %u: cannot read its registers: %s",
				  v->id, strerror(errno));
		return;
	}
	if (why)
		log_error("vCPU %u: %s at rip %#llx", v->id, why,
			  (unsigned long long)regs.rip);
	else
		log_error("vCPU %u: rip %#llx, %s%s", v->id,
			  (unsigned long long)regs.rip, cpu_mode(&sregs),
			  mp.mp_state == KVM_MP_STATE_HALTED ? ", halted" : "");
}

int board_platform_init(struct platform *p, const struct vm_config *cfg,
			struct iobus *pio, struct iobus *mmio,
			const struct hv *hv,
			const struct guest_event_sink *events,
			struct host_console *console)
{
	struct board_devices *d = &p->board;

	(void)cfg;
	platform_uart_init(
		p, (struct irq_line){ hv->set_irq, hv->ctx, SERIAL_COM1_IRQ },
		console);
	rtc_init(&d->rtc, NULL);
	d->pm.events = *events;
	d->kbd.events = *events;
	pci_bus_init(&p->pci, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE,
		     hv->set_irq, hv->ctx);
	if (iobus_register(pio, SERIAL_COM1_PORT, SERIAL_NR_PORTS,
			   &serial_io_ops, &p->com1) ||
	    iobus_register(pio, RTC_PORT, RTC_NR_PORTS, &rtc_io_ops, &d->rtc) ||
	    iobus_register(pio, ACPI_PM_PORT, ACPI_PM_NR_PORTS, &acpi_pm_io_ops,
			   &d->pm) ||
	    iobus_register(pio, I8042_COMMAND_PORT, 1, &i8042_io_ops,
			   &d->kbd) ||
	    iobus_register(pio, PCI_CONF1_PORT, PCI_CONF1_PORTS,
			   &pci_conf1_io_ops, &p->pci) ||
	    iobus_register(mmio, X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE,
			   &pci_ecam_io_ops, &p->pci) ||
	    iobus_register(mmio, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE,
			   &pci_window_io_ops, &p->pci)) {
		log_error("cannot place the platform devices");
		return -1;
	}
	return 0;
}
