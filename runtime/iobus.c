// SPDX-License-Identifier: MIT
/* Address-range dispatch for port I/O and MMIO exits. */
#include "runtime/iobus.h"

#include <string.h>

int iobus_register(struct iobus *bus, uint64_t base, uint64_t len,
		   const struct io_ops *ops, void *opaque)
{
	unsigned int i;

	if (bus->nr_ranges >= IOBUS_MAX_RANGES || len == 0 || base + len < base)
		return -1;
	for (i = 0; i < bus->nr_ranges; i++) {
		const struct io_range *r = &bus->range[i];

		if (base < r->base + r->len && r->base < base + len)
			return -1;
	}
	/* Keep the table sorted by base so lookup can bisect. */
	for (i = bus->nr_ranges; i > 0 && bus->range[i - 1].base > base; i--)
		bus->range[i] = bus->range[i - 1];
	bus->range[i] = (struct io_range){ base, len, ops, opaque };
	bus->nr_ranges++;
	return 0;
}

static const struct io_range *lookup(const struct iobus *bus, uint64_t addr)
{
	unsigned int lo = 0, hi = bus->nr_ranges;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct io_range *r = &bus->range[mid];

		if (addr < r->base)
			hi = mid;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

bool iobus_access(const struct iobus *bus, uint64_t addr, void *data,
		  unsigned int size, bool is_write)
{
	const struct io_range *r = lookup(bus, addr);
	uint64_t value = 0;

	if (size > sizeof(value))
		size = sizeof(value);
	/* An access must fit in the range it starts in. */
	if (!r || size > r->len - (addr - r->base)) {
		if (!is_write)
			memset(data, 0xff, size);
		return false;
	}
	if (is_write) {
		memcpy(&value, data, size);
		if (r->ops->write)
			r->ops->write(r->opaque, addr - r->base, size, value);
	} else {
		if (r->ops->read)
			value = r->ops->read(r->opaque, addr - r->base, size);
		else
			value = ~0ULL;
		memcpy(data, &value, size);
	}
	return true;
}
