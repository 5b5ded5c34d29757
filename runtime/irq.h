/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_RUNTIME_IRQ_H
#define KESTREL_RUNTIME_IRQ_H

#include <stdint.h>

/*
 * One interrupt line of a device. The machine wires it (to KVM's irqchip);
 * a unit test can wire it to a recorder.
 */
struct irq_line {
	void (*set_level)(void *ctx, uint32_t gsi, int level);
	void *ctx;
	uint32_t gsi;
};

static inline void irq_set(const struct irq_line *irq, int level)
{
	if (irq->set_level)
		irq->set_level(irq->ctx, irq->gsi, level);
}

#endif
