/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_RUNTIME_IOBUS_H
#define KESTREL_RUNTIME_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Dispatch of trapped port I/O or MMIO accesses to the device that owns the
 * address. Ranges are registered while the VM is built, before any vCPU
 * runs, so lookups need no lock. Devices get an offset into their range and
 * a little-endian value of 1, 2, 4 or 8 bytes.
 */
struct io_ops {
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned int size);
	void (*write)(void *opaque, uint64_t offset, unsigned int size,
		      uint64_t value);
};

struct io_range {
	uint64_t base;
	uint64_t len;
	const struct io_ops *ops;
	void *opaque;
};

#define IOBUS_MAX_RANGES 64

struct iobus {
	const char *name;
	struct io_range range[IOBUS_MAX_RANGES];
	unsigned int nr_ranges;
};

/* Returns 0, or -1 if the range overlaps another or the bus is full. */
int iobus_register(struct iobus *bus, uint64_t base, uint64_t len,
		   const struct io_ops *ops, void *opaque);

/*
 * Performs one access of size bytes at addr; data is in guest byte order.
 * Returns false when no device claims the address: then a read yields all
 * ones (what an empty bus reads as) and a write is dropped.
 */
bool iobus_access(const struct iobus *bus, uint64_t addr, void *data,
		  unsigned int size, bool is_write);

#endif
