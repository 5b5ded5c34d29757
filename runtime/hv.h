/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_RUNTIME_HV_H
#define KESTREL_RUNTIME_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/evloop.h"
#include "runtime/guest_mem.h"

/*
 * What a device may ask of the hypervisor: guest memory (through the
 * bounds-checked accessor), the device thread's event loop, and the KVM
 * plumbing that keeps hot paths off the vCPU threads -- ioeventfds for
 * guest-to-device kicks, irqfds and MSI routes for device-to-guest
 * interrupts. Unit tests supply fakes.
 */
struct hv_ioeventfd {
	uint64_t addr;
	unsigned int len; /* 0: a write of any width (MMIO only) */
	int fd;
	bool pio;
	bool datamatch; /* only writes of exactly `data` */
	uint64_t data;
};

struct hv {
	struct guest_mem *mem;
	struct evloop *loop;
	void *ctx;
	/* Guest writes matching io signal io->fd instead of exiting. */
	int (*ioeventfd)(void *ctx, const struct hv_ioeventfd *io, bool assign);
	/*
	 * Routes GSI *gsi (allocated when < 0) to the MSI (addr, data) of
	 * the PCI function devid (bus << 8 | devfn), which an arm64 ITS
	 * needs to translate it.
	 */
	int (*msi_route)(void *ctx, int *gsi, uint64_t addr, uint32_t data,
			 uint32_t devid);
	void (*msi_route_free)(void *ctx, int gsi);
	/* Signalling fd raises GSI gsi. */
	int (*irqfd)(void *ctx, int gsi, int fd, bool assign);
	/* Level of an interrupt line (INTx, ISA). */
	void (*set_irq)(void *ctx, uint32_t gsi, int level);
};

#endif
