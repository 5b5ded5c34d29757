/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_I8042_H
#define KESTREL_DEVICES_I8042_H

#include "runtime/guest_event.h"
#include "runtime/iobus.h"

/*
 * Only what is left of the PC keyboard controller on a machine without a
 * keyboard: its command port, whose 0xFE command pulses the CPU reset line
 * (Linux's "reboot=k" and its fallback after ACPI reset).
 */
#define I8042_COMMAND_PORT 0x64

struct i8042 {
	struct guest_event_sink events;
};

extern const struct io_ops i8042_io_ops;

#endif
