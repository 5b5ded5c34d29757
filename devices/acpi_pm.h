/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_ACPI_PM_H
#define KESTREL_DEVICES_ACPI_PM_H

#include <stdint.h>

#include "runtime/guest_event.h"
#include "runtime/iobus.h"

/*
 * The hardware-reduced ACPI power registers the FADT points at: sleep
 * control (offset 0), sleep status (1) and reset (2), one byte each.
 */
#define ACPI_PM_SLEEP_CONTROL 0
#define ACPI_PM_SLEEP_STATUS 1
#define ACPI_PM_RESET 2
#define ACPI_PM_NR_PORTS 3
#define ACPI_PM_RESET_VALUE 0x01

struct acpi_pm {
	struct guest_event_sink events;
};

extern const struct io_ops acpi_pm_io_ops;

#endif
