// SPDX-License-Identifier: MIT
/* The i8042 reset line: command 0xFE on port 0x64. */
#include "devices/i8042.h"

#define I8042_CMD_PULSE_RESET 0xfe

static uint64_t i8042_read(void *opaque, uint64_t off, unsigned int size)
{
	(void)opaque;
	(void)off;
	(void)size;
	return 0; /* status: both buffers empty, so a writer never waits */
}

static void i8042_write(void *opaque, uint64_t off, unsigned int size,
			uint64_t value)
{
	struct i8042 *kbd = opaque;

	(void)off;
	(void)size;
	if ((value & 0xff) == I8042_CMD_PULSE_RESET)
		guest_event(&kbd->events, GUEST_RESET);
}

const struct io_ops i8042_io_ops = {
	.read = i8042_read,
	.write = i8042_write,
};
