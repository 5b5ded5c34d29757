// SPDX-License-Identifier: MIT
/* Wiring of the PC platform devices: ports, IRQs, console, power events. */
#include "vmm/platform.h"

#include "arch/x86/layout.h"

static size_t com1_push(void *dev, const uint8_t *buf, size_t len)
{
	return serial_receive(dev, buf, len);
}

struct acpi_config platform_acpi_config(unsigned int ncpus)
{
	return (struct acpi_config){
		.ncpus = ncpus,
		.sleep_control_port =
			PLATFORM_ACPI_PM_PORT + ACPI_PM_SLEEP_CONTROL,
		.sleep_status_port =
			PLATFORM_ACPI_PM_PORT + ACPI_PM_SLEEP_STATUS,
		.reset_port = PLATFORM_ACPI_PM_PORT + ACPI_PM_RESET,
		.reset_value = ACPI_PM_RESET_VALUE,
		.lapic_addr = X86_LAPIC_ADDR,
		.ioapic_addr = X86_IOAPIC_ADDR,
	};
}

int platform_init(struct platform *p, struct iobus *pio,
		  void (*set_irq)(void *ctx, uint32_t gsi, int level),
		  void *irq_ctx, const struct guest_event_sink *events,
		  struct host_console *console)
{
	struct irq_line com1_irq = { set_irq, irq_ctx, SERIAL_COM1_IRQ };

	serial_init(&p->com1, com1_irq, host_console_output,
		    host_console_rx_ready, console);
	rtc_init(&p->rtc, NULL);
	p->pm.events = *events;
	p->kbd.events = *events;
	host_console_attach(console, com1_push, &p->com1);

	if (iobus_register(pio, SERIAL_COM1_PORT, SERIAL_NR_PORTS,
			   &serial_io_ops, &p->com1) ||
	    iobus_register(pio, RTC_PORT, RTC_NR_PORTS, &rtc_io_ops, &p->rtc) ||
	    iobus_register(pio, PLATFORM_ACPI_PM_PORT, ACPI_PM_NR_PORTS,
			   &acpi_pm_io_ops, &p->pm) ||
	    iobus_register(pio, I8042_COMMAND_PORT, 1, &i8042_io_ops, &p->kbd))
		return -1;
	return 0;
}
