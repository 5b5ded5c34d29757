// SPDX-License-Identifier: MIT
/* Wiring of the PC platform devices: ports, IRQs, console, power events. */
#include "vmm/platform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/layout.h"
#include "vmm/log.h"

static size_t com1_push(void *dev, const uint8_t *buf, size_t len)
{
	return serial_receive(dev, buf, len);
}

/* Ctrl-A b: a break, which Linux's serial console takes as "SysRq next". */
static bool com1_break(void *dev)
{
	return serial_send_break(dev) == 0;
}

static size_t vcon_push(void *dev, const uint8_t *buf, size_t len)
{
	return virtio_console_receive(dev, buf, len);
}

/* rng, the console if virtio, the command's ports, the disks, the NICs,
 * the shares: in the order attach() sees them */
static unsigned int nr_virtio_devices(const struct vm_config *cfg)
{
	return 1 + (cfg->console == CONSOLE_VIRTIO) + (cfg->command != NULL) +
	       cfg->nr_disks + cfg->nr_nets + cfg->nr_shares;
}

struct acpi_config platform_acpi_config(const struct vm_config *cfg)
{
	uint32_t mmio_slots = 0;

	if (cfg->transport == TRANSPORT_MMIO)
		mmio_slots = (1U << nr_virtio_devices(cfg)) - 1;
	return (struct acpi_config){
		.ncpus = cfg->cpus,
		.sleep_control_port =
			PLATFORM_ACPI_PM_PORT + ACPI_PM_SLEEP_CONTROL,
		.sleep_status_port =
			PLATFORM_ACPI_PM_PORT + ACPI_PM_SLEEP_STATUS,
		.reset_port = PLATFORM_ACPI_PM_PORT + ACPI_PM_RESET,
		.reset_value = ACPI_PM_RESET_VALUE,
		.lapic_addr = X86_LAPIC_ADDR,
		.ioapic_addr = X86_IOAPIC_ADDR,
		.ecam_base = X86_PCI_ECAM_BASE,
		.ecam_last_bus = 0,
		.virtio_mmio_slots = mmio_slots,
	};
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

/*
 * Interrupt lines of the virtio-mmio slots, as firmware/dsdt.asl declares
 * them: ISA IRQs nothing else uses (PCI INTx has 16-23, COM1 4, RTC 8).
 */
static const uint8_t mmio_gsi[] = { 5, 6, 7, 9, 10, 11, 12, 13, 14, 15 };

/* Where the i-th virtio device sits with --transport mmio. */
static uint64_t mmio_base(unsigned int i)
{
	return X86_VIRTIO_MMIO_BASE + i * X86_VIRTIO_MMIO_SIZE;
}

int platform_check_virtio(const struct vm_config *cfg)
{
	unsigned int n = nr_virtio_devices(cfg);

	if (cfg->transport == TRANSPORT_MMIO && n > sizeof(mmio_gsi)) {
		log_error(
			"--transport mmio: at most %zu virtio devices (this VM has %u)",
			sizeof(mmio_gsi), n);
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
		if (i >= sizeof(mmio_gsi))
			return -ENOSPC;
		err = virtio_mmio_init(&p->vmmio[i], vdev, mmio_base(i),
				       mmio_gsi[i]);
		if (!err &&
		    iobus_register(mmio, mmio_base(i), X86_VIRTIO_MMIO_SIZE,
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
	struct irq_line com1_irq = { hv->set_irq, hv->ctx, SERIAL_COM1_IRQ };
	int err;

	serial_init(&p->com1, com1_irq, host_console_output,
		    host_console_rx_ready, console);
	rtc_init(&p->rtc, NULL);
	p->pm.events = *events;
	p->kbd.events = *events;
	host_console_attach(console, com1_push, &p->com1);
	host_console_attach_break(console, com1_break);
	pci_bus_init(&p->pci, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE,
		     hv->set_irq, hv->ctx);

	if (iobus_register(pio, SERIAL_COM1_PORT, SERIAL_NR_PORTS,
			   &serial_io_ops, &p->com1) ||
	    iobus_register(pio, RTC_PORT, RTC_NR_PORTS, &rtc_io_ops, &p->rtc) ||
	    iobus_register(pio, PLATFORM_ACPI_PM_PORT, ACPI_PM_NR_PORTS,
			   &acpi_pm_io_ops, &p->pm) ||
	    iobus_register(pio, I8042_COMMAND_PORT, 1, &i8042_io_ops,
			   &p->kbd) ||
	    iobus_register(pio, PCI_CONF1_PORT, PCI_CONF1_PORTS,
			   &pci_conf1_io_ops, &p->pci) ||
	    iobus_register(mmio, X86_PCI_ECAM_BASE, X86_PCI_ECAM_SIZE,
			   &pci_ecam_io_ops, &p->pci) ||
	    iobus_register(mmio, X86_PCI_WINDOW_BASE, X86_PCI_WINDOW_SIZE,
			   &pci_window_io_ops, &p->pci)) {
		log_error("cannot place the platform devices");
		return -1;
	}

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
