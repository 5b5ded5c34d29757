// SPDX-License-Identifier: MIT
/* Whether a guest ever came out to kestrel: the no-sign-of-life watch. */
#include "vmm/liveness.h"

void liveness_init(struct liveness *l, uint16_t uart_port,
		   uint16_t nr_uart_ports)
{
	atomic_init(&l->alive, false);
	l->uart_port = uart_port;
	l->nr_uart_ports = nr_uart_ports;
	l->reported = false;
}

void liveness_start(struct liveness *l, uint64_t now_ns, uint64_t grace_ns)
{
	l->start_ns = now_ns;
	l->grace_ns = grace_ns;
	l->reported = false;
}

uint64_t liveness_deadline(const struct liveness *l)
{
	return l->start_ns + l->grace_ns;
}

enum liveness_verdict liveness_check(struct liveness *l, uint64_t now_ns)
{
	if (liveness_alive(l))
		return LIVENESS_ALIVE;
	if (l->reported)
		return LIVENESS_REPORTED;
	if (now_ns - l->start_ns < l->grace_ns)
		return LIVENESS_WAIT;
	l->reported = true;
	return LIVENESS_SILENT;
}
