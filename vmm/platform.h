/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_PLATFORM_H
#define KESTREL_VMM_PLATFORM_H

#include "devices/pci.h"
#include "devices/serial.h"
#include "devices/virtio/blk.h"
#include "devices/virtio/console.h"
#include "devices/virtio/fs.h"
#include "devices/net/slirp.h"
#include "devices/net/tap.h"
#include "devices/virtio/mmio.h"
#include "devices/virtio/net.h"
#include "devices/virtio/pci.h"
#include "devices/virtio/rng.h"
#include "vmm/board.h"
#include "vmm/cli.h"
#include "vmm/guest_command.h"
#include "vmm/host_console.h"
#include "runtime/hv.h"
#include "runtime/iobus.h"
#include "runtime/irq.h"

/* rng, console, command ports, the disks, the NICs and the shares. */
#define PLATFORM_MAX_VIRTIO (3 + CLI_MAX_DISKS + CLI_MAX_NICS + CLI_MAX_SHARES)

/* A NIC: its back end is opened first, the device made later. */
struct platform_nic {
	struct net_backend *be; /* until the device owns it */
	struct virtio_net *dev;
	uint8_t mac[6];
};

/* The devices of a kestrel machine. */
struct platform {
	struct serial com1; /* ttyS0 */
	struct board_devices board;
	struct pci_bus pci;
	struct virtio_rng rng;
	struct virtio_blk *disk[CLI_MAX_DISKS];
	unsigned int nr_disks;
	struct platform_nic nic[CLI_MAX_NICS];
	unsigned int nr_nics;
	struct virtio_fs *share[CLI_MAX_SHARES];
	unsigned int nr_shares;
	struct virtio_console *vcon; /* with --console virtio */
	struct guest_command *command; /* with a COMMAND */
	/* One transport per virtio device, PCI or MMIO. */
	struct virtio_pci *vpci[PLATFORM_MAX_VIRTIO];
	struct virtio_mmio vmmio[PLATFORM_MAX_VIRTIO];
	unsigned int nr_virtio;
};

/* Whether the configured virtio devices fit the transport; logs if not. */
int platform_check_virtio(const struct vm_config *cfg);

/*
 * Opens the configured disk images (no VM needed). Returns 0, or -1 after
 * logging why; what was opened is closed by platform_destroy().
 */
int platform_open_disks(struct platform *p, const struct vm_config *cfg);

/*
 * Opens the configured network back ends (TAP devices, user-mode stacks
 * with their port forwards). Returns 0, or -1 after logging why.
 */
int platform_open_nets(struct platform *p, const struct vm_config *cfg);

/*
 * Opens the shared directories (--share). Returns 0, or -1 after logging
 * why.
 */
int platform_open_shares(struct platform *p, const struct vm_config *cfg);

/* How many virtio devices this configuration has. */
unsigned int platform_nr_virtio(const struct vm_config *cfg);

/* The UART, its interrupt `irq`, wired to the host console (boards). */
void platform_uart_init(struct platform *p, struct irq_line irq,
			struct host_console *console);

/*
 * Creates the devices and puts them on the port and MMIO buses; wires the
 * UART to the host console and the power devices to `events`. Returns 0,
 * or -1 after logging why.
 */
int platform_init(struct platform *p, const struct vm_config *cfg,
		  struct iobus *pio, struct iobus *mmio, const struct hv *hv,
		  const struct guest_event_sink *events,
		  struct host_console *console);
void platform_destroy(struct platform *p);

#endif
