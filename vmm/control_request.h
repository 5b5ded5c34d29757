/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_CONTROL_REQUEST_H
#define KESTREL_VMM_CONTROL_REQUEST_H

#include <stddef.h>

#include "vmm/control.h"

/*
 * One request line in, one reply line out, apart from the sockets
 * (control.c): decodes the JSON, checks the members against the command,
 * and runs it through ops.
 *
 * line[0..len) is the request without its newline. fd is the first
 * descriptor that came with the line, or -1, and nr_fds how many came
 * (the others are already closed); fd is closed here, after a dump used
 * it. The reply, "\n" and NUL included, goes into reply[0..size) (size
 * at least CONTROL_REPLY_MAX); returns its length without the NUL.
 * Device thread.
 */
size_t control_answer(const struct control_ops *ops, void *ctx,
		      const char *line, size_t len, int fd, unsigned int nr_fds,
		      char *reply, size_t size);

#endif
