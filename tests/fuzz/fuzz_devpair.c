// SPDX-License-Identifier: MIT
/* The virtio-rng and virtio-console pair of the transport targets. */
#include "tests/fuzz/fuzz_devpair.h"

#include <pthread.h>
#include <stdio.h>

#define RNG_GSI 5
#define CON_GSI 6

void fuzz_devpair_init(struct fuzz_devpair *p, struct fuzz_guest *g)
{
	int err;

	p->out = (struct fuzz_sink){ g, FUZZ_TOUCH_BUDGET };
	err = virtio_rng_init(&p->rng, &g->hv);
	if (!err)
		err = virtio_console_init(&p->con, &g->hv, fuzz_sink_output,
					  fuzz_ignore_rx_ready, &p->out);
	if (err)
		fuzz_fail("cannot create the devices: %d", err);
}

void fuzz_devpair_destroy(struct fuzz_devpair *p)
{
	virtio_console_destroy(&p->con);
	virtio_rng_destroy(&p->rng);
	pthread_mutex_destroy(&p->con.vdev.lock);
	pthread_mutex_destroy(&p->rng.vdev.lock);
}

void fuzz_devpair_trace(const struct fuzz_devpair *p, const char *irq,
			unsigned int rng_irq, unsigned int con_irq)
{
	if (fuzz_verbose)
		fprintf(stderr,
			"rng: status %#x, used %u, %s %#x; console: status "
			"%#x, rx used %u, tx used %u, %s %#x\n",
			p->rng.vdev.status, p->rng.vdev.vq[0].used, irq,
			rng_irq, p->con.vdev.status, p->con.vdev.vq[0].used,
			p->con.vdev.vq[1].used, irq, con_irq);
}

static void mmio_set_irq(void *ctx, uint32_t gsi, int level)
{
	(void)ctx;
	if ((gsi != RNG_GSI && gsi != CON_GSI) || (level != 0 && level != 1))
		fuzz_fail("set_irq(%u, %d)", gsi, level);
}

void fuzz_devpair_mmio_setup(struct fuzz_devpair_mmio *m, struct fuzz_guest *g)
{
	g->hv.set_irq = mmio_set_irq;
	m->bus.name = "mmio";
	if (iobus_register(&m->bus, FUZZ_DEVPAIR_RNG_BASE, VIRTIO_MMIO_SIZE,
			   &virtio_mmio_io_ops, &m->rng_mmio) ||
	    iobus_register(&m->bus, FUZZ_DEVPAIR_CON_BASE, VIRTIO_MMIO_SIZE,
			   &virtio_mmio_io_ops, &m->con_mmio))
		fuzz_fail("cannot register the virtio-mmio ranges");
}

void fuzz_devpair_mmio_init(struct fuzz_devpair_mmio *m, struct fuzz_guest *g)
{
	int err;

	fuzz_devpair_init(&m->dev, g);
	err = virtio_mmio_init(&m->rng_mmio, &m->dev.rng.vdev,
			       FUZZ_DEVPAIR_RNG_BASE, RNG_GSI);
	if (!err)
		err = virtio_mmio_init(&m->con_mmio, &m->dev.con.vdev,
				       FUZZ_DEVPAIR_CON_BASE, CON_GSI);
	if (err)
		fuzz_fail("cannot create the transports: %d", err);
}
