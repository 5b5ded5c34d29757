/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_PLATFORM_H
#define KESTREL_VMM_PLATFORM_H

#include "devices/acpi_pm.h"
#include "devices/i8042.h"
#include "devices/rtc.h"
#include "devices/serial.h"
#include "firmware/acpi.h"
#include "vmm/host_console.h"
#include "vmm/iobus.h"

/* The I/O port of kestrel's ACPI power registers (devices/acpi_pm.h). */
#define PLATFORM_ACPI_PM_PORT 0x600

/* The legacy PC devices every kestrel guest has. */
struct platform {
	struct serial com1;
	struct rtc rtc;
	struct acpi_pm pm;
	struct i8042 kbd;
};

/* The ACPI description of this platform for ncpus CPUs. */
struct acpi_config platform_acpi_config(unsigned int ncpus);

/*
 * Creates the devices, puts them on the port bus, wires COM1 to the host
 * console and the power devices to `events`. Returns 0 or -1.
 */
int platform_init(struct platform *p, struct iobus *pio,
		  void (*set_irq)(void *ctx, uint32_t gsi, int level),
		  void *irq_ctx, const struct guest_event_sink *events,
		  struct host_console *console);

#endif
