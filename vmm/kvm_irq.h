/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_KVM_IRQ_H
#define KESTREL_VMM_KVM_IRQ_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * KVM's GSI routing table: the in-kernel irqchip's pins plus MSI routes
 * devices allocate. KVM_SET_GSI_ROUTING replaces the whole table, so
 * kestrel keeps it and re-commits it on every change.
 */
#define KVM_IRQ_MAX_ROUTES 1024

struct kvm_irq {
	int vm_fd;
	pthread_mutex_t lock;
	struct kvm_irq_routing *table;
	bool used[KVM_IRQ_MAX_ROUTES]; /* GSIs handed out for MSI */
};

int kvm_irq_init(struct kvm_irq *k, int vm_fd);
void kvm_irq_destroy(struct kvm_irq *k);

int kvm_irq_msi_route(void *ctx, int *gsi, uint64_t addr, uint32_t data,
		      uint32_t devid);
void kvm_irq_msi_route_free(void *ctx, int gsi);
int kvm_irq_irqfd(void *ctx, int gsi, int fd, bool assign);
void kvm_irq_set_line(void *ctx, uint32_t gsi, int level);
struct hv_ioeventfd;
int kvm_ioeventfd(void *ctx, const struct hv_ioeventfd *io, bool assign);

#endif
