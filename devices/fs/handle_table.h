/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_HANDLE_TABLE_H
#define KESTREL_DEVICES_FS_HANDLE_TABLE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The files and directories a guest has open. A file handle is index |
 * generation << 32, checked on every use and never a host descriptor.
 * Event-loop thread only.
 */

struct pt_handle {
	int fd; /* -1 while free */
	uint32_t gen;
	uint32_t next_free;
	bool dir;
	bool setid; /* set-ID bits a change must drop first (setid.h) */
	bool empty; /* of a sealed directory: READDIR lists nothing */
};

struct handle_table {
	struct pt_handle *handle;
	uint32_t cap; /* index 0 is never used */
	uint32_t free; /* free list, 0 when empty */
};

/* 0 or -ENOMEM. */
int handles_init(struct handle_table *t);
void handles_destroy(struct handle_table *t);
/* Closes every handle. */
void handles_reset(struct handle_table *t);

/*
 * Makes fd (taken over only on success) a handle: its ID in *fh, flags
 * clear. It holds fd out of the descriptor budget (fd_budget.h): ENFILE
 * if that is full. NULL with errno set on failure.
 */
struct pt_handle *handle_add(struct handle_table *t, int fd, bool dir,
			     uint64_t *fh);
/* The handle of a guest ID for a file or a directory, or NULL. */
struct pt_handle *handle_get(struct handle_table *t, uint64_t fh, bool dir);
void handle_close(struct handle_table *t, struct pt_handle *h);

#endif
