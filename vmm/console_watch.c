// SPDX-License-Identifier: MIT
/* Spots a kernel panic in the console stream. */
#include "vmm/console_watch.h"

#include <string.h>

static void check_line(struct console_watch *w)
{
	w->line[w->len] = '\0';
	if (strstr(w->line, "Kernel panic - not syncing"))
		guest_event(&w->events,
			    strstr(w->line, "---[ end Kernel panic") ?
				    GUEST_PANIC_END :
				    GUEST_PANIC);
}

void console_watch_feed(struct console_watch *w, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = (char)buf[i];

		if (c == '\n' || c == '\r') {
			if (w->len)
				check_line(w);
			w->len = 0;
			continue;
		}
		/* A line longer than the buffer keeps its start; the marker
		 * follows a short printk prefix, so it is never cut off. */
		if (w->len < CONSOLE_WATCH_LINE - 1)
			w->line[w->len++] = c ? c : ' ';
	}
}
