// SPDX-License-Identifier: MIT
/* Power-off and reset through the ACPI sleep control and reset registers. */
#include "devices/acpi_pm.h"

#include "firmware/acpi.h"

static uint64_t acpi_pm_read(void *opaque, uint64_t off, unsigned int size)
{
	(void)opaque;
	(void)off;
	(void)size;
	/* Sleep status: the wake bit never sets, as no sleep state returns. */
	return 0;
}

static void acpi_pm_write(void *opaque, uint64_t off, unsigned int size,
			  uint64_t value)
{
	struct acpi_pm *pm = opaque;

	(void)size;
	switch (off) {
	case ACPI_PM_SLEEP_CONTROL:
		if ((value & ACPI_SLEEP_ENABLE) &&
		    ((value >> ACPI_SLEEP_TYPE_SHIFT) & ACPI_SLEEP_TYPE_MASK) ==
			    ACPI_SLP_TYP_S5)
			guest_event(&pm->events, GUEST_POWEROFF);
		break;
	case ACPI_PM_RESET:
		if ((value & 0xff) == ACPI_PM_RESET_VALUE)
			guest_event(&pm->events, GUEST_RESET);
		break;
	}
}

const struct io_ops acpi_pm_io_ops = {
	.read = acpi_pm_read,
	.write = acpi_pm_write,
};
