/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_CONTROL_H
#define KESTREL_VMM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/evloop.h"
#include "vmm/json.h"
#include "vmm/unix_listen.h"

/*
 * The control socket (--control PATH): a Unix stream socket, mode 0600,
 * on which `kestrel ctl` and scripts send one JSON request per line and
 * get one JSON reply line each (README.md, "Control socket"). It lives on
 * the device thread's event loop and never blocks it: every socket is
 * non-blocking, each client has a fixed line buffer and reply buffer, and
 * a client that stops reading replies is simply not read from until it
 * does. Only the commands themselves may take time (dump).
 *
 * Threads: control_init() on the main thread before the sandbox is
 * entered (it binds and listens); everything else, the callbacks
 * included, on the device thread.
 */
#define CONTROL_MAX_CLIENTS 8
/* A request line, its newline included; a longer one ends the connection. */
#define CONTROL_LINE_MAX 4096
#define CONTROL_REPLY_MAX 4096
#define CONTROL_ERR_MAX 256
#define CONTROL_PATH_MAX UNIX_PATH_MAX_LEN

/*
 * What the VM does for each command. Each returns 0, or -1 with one line
 * in err (errlen is CONTROL_ERR_MAX); a NULL member makes the command
 * answer "not supported".
 */
struct control_ops {
	/*
	 * Adds the status reply's members after "ok":true: "state"
	 * ("running" or "paused"), "vcpus", "memory" (bytes), "uptime_ms",
	 * "devices" (one string) and whatever else is worth showing; values
	 * are flat (strings, integers, booleans).
	 */
	int (*status)(void *ctx, struct json_writer *w, char *err,
		      size_t errlen);
	int (*pause)(void *ctx, char *err, size_t errlen);
	int (*resume)(void *ctx, char *err, size_t errlen);
	/* Ends the VM as SIGTERM does; replies before the loop stops. */
	int (*stop)(void *ctx, char *err, size_t errlen);
	/* key: a digit or a lower-case letter (control_sysrq_key_ok()) */
	int (*sysrq)(void *ctx, char key, char *err, size_t errlen);
	int (*nmi)(void *ctx, char *err, size_t errlen);
	/*
	 * Writes the dump into fd: a regular file the client opened for
	 * writing (not appending), borrowed for the call, which the server
	 * closes after it returns; dup it to keep it longer.
	 */
	int (*dump)(void *ctx, int fd, char *err, size_t errlen);
};

/* A descriptor sent with a request, kept for the line it came with. */
struct control_fd {
	int fd;
	size_t at; /* where in the line buffer its last byte landed */
	unsigned int nr; /* how many came for that line */
};

struct control_client {
	struct ev_source src; /* fd -1: a free slot */
	struct control *ctl;
	bool writing; /* waiting for EPOLLOUT to send the rest of out */
	bool closing; /* close once out is sent */
	char in[CONTROL_LINE_MAX];
	size_t in_len;
	/* at most one for the unfinished line, one that came after it */
	struct control_fd held[2];
	unsigned int nr_held;
	char out[CONTROL_REPLY_MAX];
	size_t out_len, out_sent;
};

struct control {
	struct ev_source listen;
	struct evloop *loop;
	const struct control_ops *ops;
	void *ctx;
	char path[CONTROL_PATH_MAX + 1];
	struct unix_socket_file made; /* so that only it is removed */
	/* out of descriptors: accepting waits for a client to leave or a second */
	struct ev_poller retry;
	bool accept_paused;
	uint64_t retry_at_ns;
	struct control_client client[CONTROL_MAX_CLIENTS];
};

/*
 * Creates the socket at path (mode 0600, through the process umask:
 * call while no other thread creates files) and starts listening on
 * loop. A socket already there is replaced if nobody listens on it (a
 * kestrel that died), refused if somebody does; anything else there is
 * refused. Returns 0, or -1 with one line in err (nothing to destroy;
 * control_destroy() is still safe, as it is on a zeroed struct control).
 */
int control_init(struct control *c, const char *path, struct evloop *loop,
		 const struct control_ops *ops, void *ctx, char *err,
		 size_t errlen);

/*
 * Closes every connection and the socket, and removes the socket file if
 * it is still the one control_init() made. Device thread, or after the
 * loop stopped; before evloop_destroy().
 */
void control_destroy(struct control *c);

/* Whether key names a magic SysRq function: a digit or a-z. */
bool control_sysrq_key_ok(int key);

#endif
