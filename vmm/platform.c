// SPDX-License-Identifier: MIT
/* A machine's devices: their back ends, the virtio ones on their transport. */
#include "vmm/platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/log.h"

static size_t uart_push(void *dev, const uint8_t *buf, size_t len)
{
	return serial_receive(dev, buf, len);
}

/* Ctrl-A b: a break, which Linux's serial console takes as "SysRq next". */
static bool uart_break(void *dev)
{
	return serial_send_break(dev) == 0;
}

void platform_uart_init(struct platform *p, struct irq_line irq,
			struct host_console *console)
{
	serial_init(&p->com1, irq, host_console_output, host_console_rx_ready,
		    console);
	host_console_attach(console, uart_push, &p->com1);
	host_console_attach_break(console, uart_break);
}

static size_t vcon_push(void *dev, const uint8_t *buf, size_t len)
{
	return virtio_console_receive(dev, buf, len);
}

/* rng, the console if virtio, the command's ports, the disks, the NICs,
 * the shares: in the order attach() sees them */
unsigned int platform_nr_virtio(const struct vm_config *cfg)
{
	return 1 + (cfg->console == CONSOLE_VIRTIO) + (cfg->command != NULL) +
	       cfg->nr_disks + cfg->nr_nets + cfg->nr_shares;
}

int platform_open_disks(struct platform *p, const struct vm_config *cfg)
{
	char err[512];

	for (unsigned int i = 0; i < cfg->nr_disks; i++) {
		const struct disk_config *d = &cfg->disk[i];
		struct virtio_blk *blk = calloc(1, sizeof(*blk));

		if (!blk) {
			log_error("out of memory");
			return -1;
		}
		if (virtio_blk_open(blk, d->path,
				    d->snapshot ? DISK_SNAPSHOT :
				    d->readonly ? DISK_READONLY :
						  DISK_WRITABLE,
				    d->serial[0] ? d->serial : NULL, err,
				    sizeof(err))) {
			free(blk);
			log_error("%s", err);
			return -1;
		}
		p->disk[p->nr_disks++] = blk;
	}
	return 0;
}

int platform_open_shares(struct platform *p, const struct vm_config *cfg)
{
	char err[512];

	for (unsigned int i = 0; i < cfg->nr_shares; i++) {
		const struct share_config *sc = &cfg->share[i];
		struct virtio_fs *fs = calloc(1, sizeof(*fs));

		if (!fs) {
			log_error("out of memory");
			return -1;
		}
		if (virtio_fs_open(fs, sc->path, sc->tag, sc->readonly, err,
				   sizeof(err))) {
			free(fs);
			log_error("%s", err);
			return -1;
		}
		p->share[p->nr_shares++] = fs;
	}
	return 0;
}

/*
 * A stable MAC per NIC when none is given: QEMU's 52:54:00 prefix, then the
 * TAP device's name and the NIC's index hashed, so VMs on different TAP
 * devices of one bridge do not collide. (User-mode NICs each have a
 * network of their own.)
 */
static void default_mac(const struct net_config *n, unsigned int index,
			uint8_t mac[6])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *c = n->kind == NET_TAP ? n->ifname : ""; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	h = (h ^ index) * 16777619u;
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	if (n->kind == NET_USER) {
		mac[3] = 0x12;
		mac[4] = 0x34;
		mac[5] = (uint8_t)(0x56 + index);
	} else {
		mac[3] = (uint8_t)(h >> 16);
		mac[4] = (uint8_t)(h >> 8);
		mac[5] = (uint8_t)h;
	}
}

int platform_open_nets(struct platform *p, const struct vm_config *cfg)
{
	char err[512];

	for (unsigned int i = 0; i < cfg->nr_nets; i++) {
		const struct net_config *n = &cfg->net[i];
		struct platform_nic *nic = &p->nic[i];

		nic->be = n->kind == NET_TAP ?
				  net_tap_open(n->ifname, err, sizeof(err)) :
				  net_slirp_open(n, err, sizeof(err));
		if (!nic->be) {
			log_error("%s", err);
			return -1;
		}
		if (n->has_mac)
			memcpy(nic->mac, n->mac, 6);
		else
			default_mac(n, i, nic->mac);
		p->nr_nics++;
	}
	return 0;
}

int platform_check_virtio(const struct vm_config *cfg)
{
	unsigned int n = platform_nr_virtio(cfg), slots = 0;
	uint64_t base, size;
	uint32_t gsi;

	while (board_virtio_mmio_slot(slots, &base, &size, &gsi))
		slots++;
	if (cfg->transport == TRANSPORT_MMIO && n > slots) {
		log_error(
			"--transport mmio: at most %u virtio devices (this VM has %u)",
			slots, n);
		return -1;
	}
	return 0;
}

/* Puts vdev on the guest's bus: a PCI slot, or the next MMIO window. */
static int attach(struct platform *p, const struct vm_config *cfg,
		  struct iobus *mmio, struct virtio_device *vdev)
{
	unsigned int i = p->nr_virtio;
	int err;

	if (i == PLATFORM_MAX_VIRTIO)
		return -ENOSPC;
	if (cfg->transport == TRANSPORT_MMIO) {
		uint64_t base, size;
		uint32_t gsi;

		if (!board_virtio_mmio_slot(i, &base, &size, &gsi))
			return -ENOSPC;
		err = virtio_mmio_init(&p->vmmio[i], vdev, base, gsi);
		if (!err && iobus_register(mmio, base, size,
					   &virtio_mmio_io_ops, &p->vmmio[i]))
			err = -EBUSY;
	} else {
		p->vpci[i] = calloc(1, sizeof(*p->vpci[i]));
		err = p->vpci[i] ? virtio_pci_init(p->vpci[i], vdev, &p->pci) :
				   -ENOMEM;
	}
	if (err)
		return err;
	p->nr_virtio++;
	return 0;
}

int platform_init(struct platform *p, const struct vm_config *cfg,
		  struct iobus *pio, struct iobus *mmio, const struct hv *hv,
		  const struct guest_event_sink *events,
		  struct host_console *console)
{
	int err;

	if (board_platform_init(p, cfg, pio, mmio, hv, events, console))
		return -1;
	err = virtio_rng_init(&p->rng, hv);
	if (!err)
		err = attach(p, cfg, mmio, &p->rng.vdev);
	if (err) {
		log_error("cannot create virtio-rng: %s", strerror(-err));
		return -1;
	}
	if (cfg->console == CONSOLE_VIRTIO) {
		/* hvc0 takes stdin; COM1 keeps printing early boot messages. */
		p->vcon = calloc(1, sizeof(*p->vcon));
		err = p->vcon ? virtio_console_init(
					p->vcon, hv, host_console_output,
					host_console_rx_ready, console) :
				-ENOMEM;
		if (!err)
			err = attach(p, cfg, mmio, &p->vcon->vdev);
		if (err) {
			log_error("cannot create virtio-console: %s",
				  strerror(-err));
			return -1;
		}
		host_console_attach(console, vcon_push, p->vcon);
	}
	if (cfg->command) {
		/* The command, not the console, gets stdin and stdout. */
		p->command = calloc(1, sizeof(*p->command));
		err = p->command ? guest_command_init(p->command, hv, console,
						      events) :
				   -ENOMEM;
		if (!err)
			err = attach(p, cfg, mmio, &p->command->ports.vdev);
		if (err) {
			log_error(
				"cannot create the command's console ports: %s",
				strerror(-err));
			return -1;
		}
	}
	for (unsigned int i = 0; i < p->nr_disks; i++) {
		err = virtio_blk_setup(p->disk[i], hv);
		if (!err)
			err = attach(p, cfg, mmio, &p->disk[i]->vdev);
		if (err) {
			log_error("cannot attach disk '%s': %s",
				  p->disk[i]->disk.path, strerror(-err));
			return -1;
		}
	}
	for (unsigned int i = 0; i < p->nr_nics; i++) {
		struct platform_nic *nic = &p->nic[i];

		nic->dev = calloc(1, sizeof(*nic->dev));
		if (!nic->dev) {
			log_error("out of memory");
			return -1;
		}
		/* The device owns the back end from here, even on failure. */
		err = virtio_net_init(nic->dev, nic->mac, nic->be, hv);
		nic->be = NULL;
		if (!err)
			err = attach(p, cfg, mmio, &nic->dev->vdev);
		if (err) {
			log_error("cannot create network device %u: %s", i,
				  strerror(-err));
			return -1;
		}
	}
	for (unsigned int i = 0; i < p->nr_shares; i++) {
		err = virtio_fs_setup(p->share[i], hv);
		if (!err)
			err = attach(p, cfg, mmio, &p->share[i]->vdev);
		if (err) {
			log_error("cannot attach share '%s': %s",
				  cfg->share[i].path, strerror(-err));
			return -1;
		}
	}
	return 0;
}

void platform_destroy(struct platform *p)
{
	for (unsigned int i = 0; i < PLATFORM_MAX_VIRTIO; i++) {
		if (p->vpci[i]) {
			virtio_pci_destroy(p->vpci[i]);
			free(p->vpci[i]);
			p->vpci[i] = NULL;
		}
	}
	p->nr_virtio = 0;
	for (unsigned int i = 0; i < p->nr_disks; i++) {
		virtio_blk_destroy(p->disk[i]);
		free(p->disk[i]);
	}
	p->nr_disks = 0;
	for (unsigned int i = 0; i < p->nr_nics; i++) {
		struct platform_nic *nic = &p->nic[i];

		if (nic->dev) {
			virtio_net_destroy(nic->dev);
			free(nic->dev);
		} else if (nic->be) {
			nic->be->ops->destroy(nic->be);
		}
		*nic = (struct platform_nic){ 0 };
	}
	p->nr_nics = 0;
	if (p->command) {
		guest_command_destroy(p->command);
		free(p->command);
		p->command = NULL;
	}
	for (unsigned int i = 0; i < p->nr_shares; i++) {
		virtio_fs_destroy(p->share[i]);
		free(p->share[i]);
	}
	p->nr_shares = 0;
	if (p->vcon) {
		virtio_console_destroy(p->vcon);
		free(p->vcon);
		p->vcon = NULL;
	}
	virtio_rng_destroy(&p->rng);
}
