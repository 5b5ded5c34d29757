// SPDX-License-Identifier: MIT
/*
 * Which Linux release a kernel image is (what `uname -r` will say in it),
 * to find its modules: a bzImage points at its version string from the
 * setup header; an ELF vmlinux carries the "Linux version" banner as is.
 */
#include <asm/bootparam.h>
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "arch/x86/boot.h"

#define BANNER "Linux version "
#define SETUP_HDR_OFF offsetof(struct boot_params, hdr)

/* Copies the first word at s (bounded by end) into buf. */
static int copy_word(const uint8_t *s, const uint8_t *end, char *buf,
		     size_t len)
{
	size_t n = 0;

	while (s + n < end && n + 1 < len && isgraph(s[n]))
		n++;
	if (!n || (s + n < end && isgraph(s[n])))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int x86_kernel_release(const uint8_t *k, size_t len, char *buf, size_t buflen)
{
	struct setup_header hdr;
	const uint8_t *banner;

	if (len >= SETUP_HDR_OFF + sizeof(hdr)) {
		memcpy(&hdr, k + SETUP_HDR_OFF, sizeof(hdr));
		if (hdr.boot_flag == 0xaa55 && hdr.header == 0x53726448 &&
		    hdr.kernel_version) {
			size_t off = (size_t)hdr.kernel_version + 0x200;

			return off < len ? copy_word(k + off, k + len, buf,
						     buflen) :
					   -1;
		}
	}
	banner = memmem(k, len, BANNER, strlen(BANNER));
	if (!banner)
		return -1;
	return copy_word(banner + strlen(BANNER), k + len, buf, buflen);
}
