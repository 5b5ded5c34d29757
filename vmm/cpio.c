// SPDX-License-Identifier: MIT
/* newc cpio writer (Documentation/driver-api/early-userspace). */
#include "vmm/cpio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NEWC_HEADER 110

static int reserve(struct cpio *c, size_t more)
{
	size_t cap = c->cap ? c->cap : 1 << 20;
	uint8_t *p;

	if (c->failed)
		return -1;
	while (cap - c->len < more)
		cap *= 2;
	if (cap == c->cap)
		return 0;
	p = realloc(c->data, cap);
	if (!p) {
		c->failed = 1;
		return -1;
	}
	c->data = p;
	c->cap = cap;
	return 0;
}

static void pad4(struct cpio *c)
{
	while (c->len % 4)
		c->data[c->len++] = 0;
}

void cpio_add(struct cpio *c, const char *name, mode_t mode,
	      unsigned int rdev_major, unsigned int rdev_minor,
	      const void *data, size_t size)
{
	size_t name_len = strlen(name) + 1;
	char hdr[NEWC_HEADER + 32];

	if (size > UINT32_MAX || name_len > UINT32_MAX) {
		c->failed = 1;
		return;
	}
	if (reserve(c, NEWC_HEADER + name_len + size + 8))
		return;
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++c->next_ino, (unsigned int)mode, 0u, 0u,
		 S_ISDIR(mode) ? 2u : 1u, 0u, (unsigned int)size, 0u, 0u,
		 rdev_major, rdev_minor, (unsigned int)name_len, 0u);
	memcpy(c->data + c->len, hdr, NEWC_HEADER);
	c->len += NEWC_HEADER;
	memcpy(c->data + c->len, name, name_len);
	c->len += name_len;
	pad4(c);
	if (size) {
		memcpy(c->data + c->len, data, size);
		c->len += size;
	}
	pad4(c);
}

int cpio_finish(struct cpio *c)
{
	cpio_add(c, "TRAILER!!!", 0, 0, 0, NULL, 0);
	return c->failed ? -1 : 0;
}

void cpio_free(struct cpio *c)
{
	free(c->data);
	*c = (struct cpio){ 0 };
}
