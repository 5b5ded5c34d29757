/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_FUZZ_DEVPAIR_H
#define KESTREL_TESTS_FUZZ_DEVPAIR_H

#include "devices/virtio/console.h"
#include "devices/virtio/mmio.h"
#include "devices/virtio/rng.h"
#include "tests/fuzz/fuzz_guest.h"
#include "runtime/iobus.h"

/*
 * The devices the transport targets put behind virtio-mmio or virtio-pci:
 * a virtio-rng and a virtio-console, made afresh for each input. What the
 * console transmits goes to `out` (the console's lock serialises it);
 * host input is the target's to give.
 */
struct fuzz_devpair {
	struct virtio_rng rng;
	struct virtio_console con;
	struct fuzz_sink out;
};

void fuzz_devpair_init(struct fuzz_devpair *p, struct fuzz_guest *g);
void fuzz_devpair_destroy(struct fuzz_devpair *p);
/*
 * With KESTREL_FUZZ_VERBOSE: where the devices got to; `irq` names the
 * transport's interrupt status register, rng_irq and con_irq its values.
 */
void fuzz_devpair_trace(const struct fuzz_devpair *p, const char *irq,
			unsigned int rng_irq, unsigned int con_irq);

/* The pair behind two virtio-mmio windows, one after the other. */
#define FUZZ_DEVPAIR_RNG_BASE 0xd0000000ULL
#define FUZZ_DEVPAIR_CON_BASE (FUZZ_DEVPAIR_RNG_BASE + VIRTIO_MMIO_SIZE)

struct fuzz_devpair_mmio {
	struct fuzz_devpair dev;
	struct virtio_mmio rng_mmio, con_mmio;
	struct iobus bus;
};

/*
 * Once: the windows on m->bus, and g's set_irq an oracle: only the two
 * devices' lines, at level 0 or 1.
 */
void fuzz_devpair_mmio_setup(struct fuzz_devpair_mmio *m, struct fuzz_guest *g);
/* For each input: fresh devices behind the windows. */
void fuzz_devpair_mmio_init(struct fuzz_devpair_mmio *m, struct fuzz_guest *g);

#endif
