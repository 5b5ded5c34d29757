/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_PCI_H
#define KESTREL_DEVICES_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/iobus.h"

/*
 * A single-segment, single-bus PCI host: a host bridge in slot 0 and up to
 * 31 single-function devices, configured through ports 0xCF8/0xCFC and
 * through ECAM. Devices have 32-bit memory BARs only, placed by kestrel in
 * the host's MMIO window; the guest may move them. MMIO in the window is
 * decoded to the BAR that holds it while the device's memory decode is on.
 */
#define PCI_SLOTS 32
#define PCI_CFG_SIZE 256
#define PCI_ECAM_SIZE (PCI_SLOTS * 8 * 4096ULL) /* bus 0 */
#define PCI_NR_BARS 6
#define PCI_INTX_GSI_BASE 16 /* INTx of slot s, pin p: GSI 16 + ((s+p) & 7) */
#define PCI_INTX_GSIS 8

#define PCI_CONF1_PORT 0xcf8
#define PCI_CONF1_PORTS 8

/* Config space offsets and bits used by kestrel. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS 0x06
#define PCI_STATUS_INTERRUPT 0x0008
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11

struct pci_device;

struct pci_device_ops {
	/* The guest wrote config bytes [off, off + size) (after wmask). */
	void (*config_write)(struct pci_device *d, unsigned int off,
			     unsigned int size);
	/* A config read of [off, off + size) is about to be served. */
	void (*config_read)(struct pci_device *d, unsigned int off,
			    unsigned int size);
	/*
	 * BAR `bar` now decodes at new_addr (0: not at all), having decoded
	 * at old_addr: where ioeventfds inside the BAR must move.
	 */
	void (*bar_moved)(struct pci_device *d, unsigned int bar,
			  uint32_t old_addr, uint32_t new_addr);
};

struct pci_bar {
	uint32_t size; /* power of two >= 4096; 0 if the BAR is absent */
	uint32_t addr; /* as the guest programmed it */
	const struct io_ops *ops; /* offsets are relative to the BAR */
	void *opaque;
};

struct pci_device {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE]; /* guest-writable bits */
	struct pci_bar bar[PCI_NR_BARS];
	const struct pci_device_ops *ops;
	void *opaque;
	struct pci_bus *bus;
	unsigned int slot;
	unsigned int cap_end; /* where the next capability goes */
	uint8_t *cap_next; /* the "next" byte to link it from */
	/*
	 * INTx state, under bus->intx_lock rather than the bus lock: the
	 * device's thread raises and lowers it. intx_level is also what the
	 * Status register's interrupt bit reads (atomically).
	 */
	bool intx_level;
	bool intx_disabled; /* the Command register's INTx disable */
};

struct pci_bus {
	/*
	 * Config space and BAR state; MMIO dispatch reads it shared. Taken
	 * before a device's own lock, never after: device threads (which
	 * hold that) must not touch config space.
	 */
	pthread_rwlock_t lock;
	struct pci_device *dev[PCI_SLOTS];
	struct pci_device host_bridge;
	/* Latched by one vCPU, used by another's next access (atomic). */
	uint32_t conf1_addr;
	uint64_t window_base, window_size, window_next;
	void (*set_irq)(void *ctx, uint32_t gsi, int level);
	void *irq_ctx;
	pthread_mutex_t intx_lock;
	uint32_t intx_slots[PCI_INTX_GSIS]; /* slots asserting each GSI */
};

extern const struct io_ops pci_conf1_io_ops; /* 0xCF8-0xCFF */
extern const struct io_ops pci_ecam_io_ops;
extern const struct io_ops pci_window_io_ops; /* the BAR window */

void pci_bus_init(struct pci_bus *bus, uint64_t window_base,
		  uint64_t window_size,
		  void (*set_irq)(void *ctx, uint32_t gsi, int level),
		  void *irq_ctx);

/* A device header: IDs, class (base << 16 | sub << 8 | prog-if). */
void pci_device_init(struct pci_device *d, uint16_t vendor, uint16_t device,
		     uint32_t class_code, uint8_t revision,
		     uint16_t subsys_vendor, uint16_t subsys_id,
		     const struct pci_device_ops *ops, void *opaque);
/* Declares memory BAR `bar` of `size` bytes, served by ops. */
void pci_device_add_bar(struct pci_device *d, unsigned int bar, uint32_t size,
			const struct io_ops *ops, void *opaque);
/* Reserves a capability of len bytes; returns its config offset, or 0. */
unsigned int pci_device_add_cap(struct pci_device *d, uint8_t id,
				unsigned int len);

/* Puts d in the next free slot, with BARs placed; 0, or -1 if full. */
int pci_bus_add(struct pci_bus *bus, struct pci_device *d);

/* Legacy INTx line of the device (pin INTA); any thread, bus lock or not. */
void pci_device_set_intx(struct pci_device *d, bool level);

/* Little-endian config-space field helpers. */
static inline void pci_set_u16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void pci_set_u32(uint8_t *p, uint32_t v)
{
	pci_set_u16(p, v);
	pci_set_u16(p + 2, v >> 16);
}

static inline uint16_t pci_get_u16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static inline uint32_t pci_get_u32(const uint8_t *p)
{
	return pci_get_u16(p) | (uint32_t)pci_get_u16(p + 2) << 16;
}

#endif
