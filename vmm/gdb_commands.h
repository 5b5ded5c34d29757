/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_GDB_COMMANDS_H
#define KESTREL_VMM_GDB_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/gdb_stub.h"

/*
 * Inside the gdb stub: its commands (vmm/gdb_commands.c), decoding each
 * packet into target operations, and what they use of the session
 * (vmm/gdb_stub.c). Called only while every vCPU is stopped.
 */

/* Answers one packet from gdb. */
void gdb_dispatch(struct gdb_stub *s, const uint8_t *pkt, size_t len);

/* Replies: text, E and errno, or what s->tx holds after gdb_tx_begin. */
void gdb_reply(struct gdb_stub *s, const char *text);
void gdb_reply_error(struct gdb_stub *s, int err);
void gdb_reply_end(struct gdb_stub *s);

/*
 * Every vCPU runs (step_cpu < 0) or step_cpu steps, with gdb's
 * breakpoints; the stop reply answers the command. Returns 0, or EIO
 * when the target refused the debug state (nothing runs).
 */
int gdb_resume(struct gdb_stub *s, int step_cpu);

/* gdb's k: the target ends the run, the session ends with it. */
void gdb_kill(struct gdb_stub *s);

#endif
