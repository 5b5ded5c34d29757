/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_GDB_KVM_H
#define KESTREL_VMM_GDB_KVM_H

#include <stdbool.h>
#include <stddef.h>

#include "vmm/cli.h"
#include "runtime/evloop.h"
#include "vmm/gdb_stub.h"
#include "vmm/unix_listen.h"

struct vm;

/*
 * --gdb: the gdb stub served on a TCP or Unix socket from the device
 * thread, one debugger at a time, over the vCPUs of a KVM guest. Output
 * that the socket cannot take at once waits in `out` (gdb reads its
 * replies before sending more, so a reply or two is all there is); a
 * debugger that lets it overflow is disconnected.
 */
#define GDB_OUT_BUF (64 * 1024)

struct gdb_server {
	struct vm *vm;
	struct gdb_stub stub;
	struct ev_source listen_src, conn_src, held_src;
	char where[128]; /* "127.0.0.1:1234" or the socket's path */
	bool unix_path; /* `where` is a socket file to remove */
	struct unix_socket_file made;
	bool dropping; /* the connection failed: close it at the next event */
	size_t out_len;
	char out[GDB_OUT_BUF];
};

/* Listens (before the sandbox is entered). Returns 0, or -1 with a line. */
int gdb_server_init(struct gdb_server *g, struct vm *vm,
		    const struct gdb_listen_config *cfg, char *err,
		    size_t errlen);
void gdb_server_destroy(struct gdb_server *g);

#endif
