/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_CPIO_H
#define KESTREL_VMM_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * An uncompressed "newc" cpio archive built in memory: the format of a
 * Linux initramfs, which the kernel unpacks without a decompressor.
 */
struct cpio {
	uint8_t *data;
	size_t len, cap;
	uint32_t next_ino;
	int failed; /* an allocation failed: the archive is unusable */
};

/* An entry: a directory, a file with `size` bytes of data, a device node. */
void cpio_add(struct cpio *c, const char *name, mode_t mode,
	      unsigned int rdev_major, unsigned int rdev_minor,
	      const void *data, size_t size);
/* Ends the archive; returns 0, or -1 if it could not be built. */
int cpio_finish(struct cpio *c);
void cpio_free(struct cpio *c);

#endif
