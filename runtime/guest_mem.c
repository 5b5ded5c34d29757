// SPDX-License-Identifier: MIT
/* Guest RAM regions and the one bounds-checked guest-address accessor. */
#include "runtime/guest_mem.h"

#include <string.h>

int gm_add_region(struct guest_mem *gm, uint64_t gpa, uint64_t size, void *host)
{
	struct gm_region *r;

	if (gm->nr_regions >= GM_MAX_REGIONS || size == 0 || gpa + size < gpa)
		return -1;
	r = &gm->region[gm->nr_regions++];
	r->gpa = gpa;
	r->size = size;
	r->host = host;
	return 0;
}

void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->region[i];
		uint64_t off;

		if (gpa < r->gpa)
			continue;
		off = gpa - r->gpa;
		/* Written so that neither side can overflow. */
		if (off > r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

bool gm_read(const struct guest_mem *gm, void *dst, uint64_t gpa, uint64_t len)
{
	const void *src = gm_ptr(gm, gpa, len);

	if (!src)
		return false;
	memcpy(dst, src, len);
	return true;
}

bool gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src,
	      uint64_t len)
{
	void *dst = gm_ptr(gm, gpa, len);

	if (!dst)
		return false;
	memcpy(dst, src, len);
	return true;
}

uint64_t gm_end(const struct guest_mem *gm)
{
	uint64_t end = 0;

	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gm_region *r = &gm->region[i];

		if (r->gpa + r->size > end)
			end = r->gpa + r->size;
	}
	return end;
}
