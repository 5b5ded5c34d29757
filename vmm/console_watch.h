/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_CONSOLE_WATCH_H
#define KESTREL_VMM_CONSOLE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/guest_event.h"

#define CONSOLE_WATCH_LINE 512

/*
 * Reads the guest's console output line by line for what the kernel prints
 * when it panics: "Kernel panic - not syncing" opens a panic (GUEST_PANIC),
 * "---[ end Kernel panic" closes it (GUEST_PANIC_END, for kernels that then
 * hang instead of rebooting). Only one thread feeds it at a time.
 */
struct console_watch {
	char line[CONSOLE_WATCH_LINE];
	size_t len;
	struct guest_event_sink events;
};

void console_watch_feed(struct console_watch *w, const uint8_t *buf,
			size_t len);

#endif
