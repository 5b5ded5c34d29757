// SPDX-License-Identifier: MIT
/* GSI routing, irqfds, ioeventfds and interrupt lines on KVM. */
#include "vmm/kvm_irq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/board.h"
#include "runtime/hv.h"
#include "runtime/log.h"

static struct kvm_irq_routing_entry *add_entry(struct kvm_irq *k)
{
	return &k->table->entries[k->table->nr++];
}

int kvm_irq_init(struct kvm_irq *k, int vm_fd)
{
	memset(k, 0, sizeof(*k));
	k->vm_fd = vm_fd;
	pthread_mutex_init(&k->lock, NULL);
	k->table = calloc(1, sizeof(*k->table) +
				     KVM_IRQ_MAX_ROUTES *
					     sizeof(k->table->entries[0]));
	if (!k->table)
		return -ENOMEM;
	k->table->nr = board_irqchip_routes(k->table->entries);
	return 0;
}

void kvm_irq_destroy(struct kvm_irq *k)
{
	free(k->table);
	k->table = NULL;
}

static struct kvm_irq_routing_entry *find_msi(struct kvm_irq *k, int gsi)
{
	for (uint32_t i = 0; i < k->table->nr; i++) {
		struct kvm_irq_routing_entry *e = &k->table->entries[i];

		if ((int)e->gsi == gsi && e->type == KVM_IRQ_ROUTING_MSI)
			return e;
	}
	return NULL;
}

int kvm_irq_msi_route(void *ctx, int *gsi, uint64_t addr, uint32_t data,
		      uint32_t devid)
{
	struct kvm_irq *k = ctx;
	struct kvm_irq_routing_entry *e = NULL;
	int ret = 0;

	pthread_mutex_lock(&k->lock);
	if (*gsi < 0) {
		for (int g = BOARD_FIRST_MSI_GSI; g < KVM_IRQ_MAX_ROUTES; g++) {
			if (!k->used[g] && k->table->nr < KVM_IRQ_MAX_ROUTES) {
				k->used[g] = true;
				*gsi = g;
				e = add_entry(k);
				e->gsi = g;
				e->type = KVM_IRQ_ROUTING_MSI;
				break;
			}
		}
		if (!e) {
			ret = -ENOSPC;
			goto out;
		}
	} else {
		e = find_msi(k, *gsi);
		if (!e) {
			ret = -ENOENT;
			goto out;
		}
	}
	e->u.msi.address_lo = (uint32_t)addr;
	e->u.msi.address_hi = (uint32_t)(addr >> 32);
	e->u.msi.data = data;
	if (BOARD_MSI_DEVID) {
		e->flags = KVM_MSI_VALID_DEVID;
		e->u.msi.devid = devid;
	}
	if (ioctl(k->vm_fd, KVM_SET_GSI_ROUTING, k->table) < 0)
		ret = -errno;
out:
	pthread_mutex_unlock(&k->lock);
	return ret;
}

void kvm_irq_msi_route_free(void *ctx, int gsi)
{
	struct kvm_irq *k = ctx;
	struct kvm_irq_routing_entry *e;

	pthread_mutex_lock(&k->lock);
	e = find_msi(k, gsi);
	if (e) {
		*e = k->table->entries[--k->table->nr];
		k->used[gsi] = false;
		ioctl(k->vm_fd, KVM_SET_GSI_ROUTING, k->table);
	}
	pthread_mutex_unlock(&k->lock);
}

int kvm_irq_irqfd(void *ctx, int gsi, int fd, bool assign)
{
	struct kvm_irq *k = ctx;
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)fd,
		.gsi = (uint32_t)gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl(k->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

void kvm_irq_set_line(void *ctx, uint32_t gsi, int level)
{
	struct kvm_irq *k = ctx;
	struct kvm_irq_level irq = { .irq = board_irq_line(gsi),
				     .level = level };

	if (ioctl(k->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		log_guest("KVM_IRQ_LINE %u: %s", gsi, strerror(errno));
}

int kvm_ioeventfd(void *ctx, const struct hv_ioeventfd *io, bool assign)
{
	struct kvm_irq *k = ctx;
	struct kvm_ioeventfd kio = {
		.datamatch = io->data,
		.addr = io->addr,
		.len = io->len,
		.fd = io->fd,
		.flags = (io->pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
			 (io->datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(k->vm_fd, KVM_IOEVENTFD, &kio) < 0 ? -errno : 0;
}
