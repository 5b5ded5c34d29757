/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_RUNTIME_GUEST_MEM_H
#define KESTREL_RUNTIME_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Guest physical RAM as a few contiguous regions, each backed by one host
 * mapping. Every access to guest memory that is driven by a guest-supplied
 * address goes through gm_ptr(), which refuses any range that is not wholly
 * inside one region; nothing else in kestrel turns a guest address into a
 * host pointer.
 */
#define GM_MAX_REGIONS 4

struct gm_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct guest_mem {
	struct gm_region region[GM_MAX_REGIONS];
	unsigned int nr_regions;
};

/* Adds a region; regions must not overlap. Returns 0, or -1 when full. */
int gm_add_region(struct guest_mem *gm, uint64_t gpa, uint64_t size,
		  void *host);

/*
 * Host pointer for [gpa, gpa + len), or NULL unless the whole range lies in
 * one RAM region. len may be 0 (then gpa must still be inside RAM or at the
 * end of a region). Overflow-safe for any 64-bit inputs.
 */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Copies between guest and host memory; false if the range is not RAM. */
bool gm_read(const struct guest_mem *gm, void *dst, uint64_t gpa, uint64_t len);
bool gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src,
	      uint64_t len);

/* Highest guest-physical address + 1 covered by RAM. */
uint64_t gm_end(const struct guest_mem *gm);

#endif
