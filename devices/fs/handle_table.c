// SPDX-License-Identifier: MIT
/* The files and directories a guest has open. */
#include "devices/fs/handle_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/fs/fd_budget.h"

int handles_init(struct handle_table *t)
{
	memset(t, 0, sizeof(*t));
	t->cap = 1; /* grows to 2 (index 0 unused) on the first open */
	t->handle = calloc(t->cap, sizeof(*t->handle));
	if (!t->handle)
		return -ENOMEM;
	t->handle[0].fd = -1;
	return 0;
}

struct pt_handle *handle_add(struct handle_table *t, int fd, bool dir,
			     uint64_t *fh)
{
	struct pt_handle *h;
	uint32_t i;

	if (fd_budget_full()) {
		errno = ENFILE;
		return NULL;
	}
	if (!t->free) {
		uint32_t cap = t->cap * 2;
		struct pt_handle *a;

		if (cap > UINT32_MAX / 2) {
			errno = EMFILE;
			return NULL;
		}
		a = realloc(t->handle, cap * sizeof(*a));
		if (!a) {
			errno = ENOMEM;
			return NULL;
		}
		t->handle = a;
		/* Index 0 stays unused, so that 0 ends the free list. */
		for (uint32_t j = cap - 1; j >= t->cap && j > 0; j--) {
			a[j] = (struct pt_handle){ .fd = -1,
						   .next_free = t->free };
			t->free = j;
		}
		t->cap = cap;
	}
	i = t->free;
	h = &t->handle[i];
	t->free = h->next_free;
	*h = (struct pt_handle){ .fd = fd, .gen = h->gen, .dir = dir };
	*fh = i | (uint64_t)h->gen << 32;
	fd_budget_take();
	return h;
}

struct pt_handle *handle_get(struct handle_table *t, uint64_t fh, bool dir)
{
	uint32_t i = (uint32_t)fh;

	if (i == 0 || i >= t->cap || t->handle[i].fd < 0 ||
	    t->handle[i].gen != (uint32_t)(fh >> 32) || t->handle[i].dir != dir)
		return NULL;
	return &t->handle[i];
}

void handle_close(struct handle_table *t, struct pt_handle *h)
{
	close(h->fd);
	fd_budget_give();
	h->fd = -1;
	h->gen++;
	h->next_free = t->free;
	t->free = (uint32_t)(h - t->handle);
}

void handles_reset(struct handle_table *t)
{
	for (uint32_t i = 1; i < t->cap; i++)
		if (t->handle[i].fd >= 0)
			handle_close(t, &t->handle[i]);
}

void handles_destroy(struct handle_table *t)
{
	if (t->handle)
		handles_reset(t);
	free(t->handle);
	memset(t, 0, sizeof(*t));
}
