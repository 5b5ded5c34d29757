/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_HOST_CONSOLE_H
#define KESTREL_VMM_HOST_CONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "vmm/console_watch.h"
#include "runtime/evloop.h"
#include "vmm/liveness.h"

#define HOST_CONSOLE_BUF 4096
#define HOST_CONSOLE_TAIL 8192

/*
 * kestrel's stdin and stdout, joined to the guest device that is the
 * console. Input is read on the device thread and handed to the device
 * while it has room; when it has none, stdin is left unread until the guest
 * drains its FIFO (back-pressure, nothing dropped). On a terminal, stdin is
 * in raw mode and Ctrl-A starts an escape: x quits, b sends a break (on a
 * device that has them), Ctrl-A sends Ctrl-A.
 */
struct host_console {
	int in_fd, out_fd;
	bool in_tty, raw;
	struct termios saved;

	struct evloop *loop;
	struct ev_source in_src; /* stdin, when it can be polled */
	struct ev_source wake_src; /* eventfd: the device has room again */
	bool in_polled, in_paused, in_eof;
	bool escape;

	/*
	 * What was read and not yet taken by the guest: pending bytes, then
	 * a break if break_pending, then (on a terminal) raw bytes still to
	 * go through the escapes. A break splits the input there, so that it
	 * reaches the guest between the bytes typed before and after it.
	 */
	uint8_t pending[HOST_CONSOLE_BUF];
	size_t pending_off, pending_len;
	bool break_pending;
	size_t raw_off, raw_len;

	/* The guest end: returns how many bytes it took. */
	size_t (*push)(void *dev, const uint8_t *buf, size_t len);
	/* Sends the device a break (Ctrl-A b); false if it cannot take one
	 * now (retried when it has room). NULL: the device has no breaks. */
	bool (*brk)(void *dev);
	void (*eof)(void *dev); /* stdin ended; may be NULL */
	void *dev;
	void (*quit)(void *ctx); /* Ctrl-A x */
	void *quit_ctx;

	/*
	 * The UART writes from vCPU threads, virtio-console from the device
	 * thread, and a panic comes through both at once: one writer at a
	 * time for stdout and the watch's line buffer.
	 */
	pthread_mutex_t out_lock;
	struct console_watch watch;
	/*
	 * Where console output goes: stdout unless captured (a command run,
	 * whose stdout is the command's), the --console-log file, and a ring
	 * of the last bytes, shown when a captured run fails.
	 */
	bool captured;
	struct liveness *liveness; /* console bytes are a sign of life */
	int log_fd; /* --console-log; closed with the console */
	char tail[HOST_CONSOLE_TAIL];
	size_t tail_pos;
	bool tail_wrapped;
};

/* Sets up stdin/stdout (raw mode on a terminal). Returns 0 or -errno. */
int host_console_init(struct host_console *hc, struct evloop *loop, int in_fd,
		      int out_fd);
void host_console_attach(struct host_console *hc,
			 size_t (*push)(void *dev, const uint8_t *buf,
					size_t len),
			 void *dev);
/*
 * The device just attached takes breaks, through brk; host_console_attach
 * forgets it, for the next device may have none.
 */
void host_console_attach_break(struct host_console *hc, bool (*brk)(void *dev));
/*
 * The console stays off stdout (its output is kept for
 * host_console_print_tail), and stdin is passed on as data: no raw mode,
 * no Ctrl-A escapes.
 */
void host_console_capture(struct host_console *hc);
/* Has the guest written anything to the console yet? */
bool host_console_wrote(struct host_console *hc);
/* Writes the last `lines` lines of console output to fd. */
void host_console_print_tail(struct host_console *hc, int fd,
			     unsigned int lines);
/* Starts reading stdin; call once the guest device can take input. */
int host_console_start(struct host_console *hc);
/* Restores the terminal; safe to call more than once. */
void host_console_restore(struct host_console *hc);
void host_console_destroy(struct host_console *hc);

/* write(2) until done, waiting out a non-blocking fd; stops on errors. */
void host_write_all(int fd, const uint8_t *buf, size_t len);

/* Guest console output (any thread). */
void host_console_output(void *ctx, const uint8_t *buf, size_t len);
/* The guest device has room for input again (any thread, any lock held). */
void host_console_rx_ready(void *ctx);

#endif
