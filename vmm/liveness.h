/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_LIVENESS_H
#define KESTREL_VMM_LIVENESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Has the guest shown any sign of life? A running kernel comes out to
 * kestrel within moments of starting (PCI configuration, the RTC, console
 * bytes), so a guest that has done none of it after LIVENESS_GRACE_NS is
 * stuck: a kernel this KVM cannot run (PVM), or one for another machine.
 * The user is told once, rather than left with a silent terminal. A guest
 * that is merely idle later (a shell waiting for input) has long shown
 * life and is never reported.
 *
 * Setting up the console UART does not count: the bzImage decompressor
 * does that before the kernel proper runs, and on a PVM host a stock
 * kernel stalls right after it. Bytes written to the console do count.
 */
#define LIVENESS_GRACE_NS (30ULL * 1000000000ULL)

struct liveness {
	atomic_bool alive;
	uint64_t start_ns, grace_ns;
	uint16_t uart_port, nr_uart_ports; /* the console UART's registers */
	bool reported; /* device thread only */
};

enum liveness_verdict {
	LIVENESS_ALIVE, /* the guest has come out: nothing more to watch */
	LIVENESS_WAIT, /* not yet, but its grace time has not run out */
	LIVENESS_SILENT, /* report it now (returned once) */
	LIVENESS_REPORTED, /* silent, and already reported */
};

/* Before any vCPU runs; the UART's ports are not a sign of life. */
void liveness_init(struct liveness *l, uint16_t uart_port,
		   uint16_t nr_uart_ports);
/* Starts the grace time. */
void liveness_start(struct liveness *l, uint64_t now_ns, uint64_t grace_ns);

/* The guest did something only a running kernel does (any thread). */
static inline void liveness_mark(struct liveness *l)
{
	if (!atomic_load_explicit(&l->alive, memory_order_relaxed))
		atomic_store_explicit(&l->alive, true, memory_order_relaxed);
}

/* A vCPU accessed a port (its thread; cheap after the first sign). */
static inline void liveness_mark_pio(struct liveness *l, uint16_t port)
{
	if ((uint16_t)(port - l->uart_port) >= l->nr_uart_ports)
		liveness_mark(l);
}

static inline bool liveness_alive(struct liveness *l)
{
	return atomic_load_explicit(&l->alive, memory_order_relaxed);
}

/* The device thread's decision at now_ns. */
enum liveness_verdict liveness_check(struct liveness *l, uint64_t now_ns);

/* When liveness_check() next has something to decide (absolute ns). */
uint64_t liveness_deadline(const struct liveness *l);

#endif
