// SPDX-License-Identifier: MIT
/* Set-ID bits of what the guest makes and changes. */
#include "devices/fs/setid.h"

#include <errno.h>
#include <sys/stat.h>

mode_t safe_mode(const struct passthrough *pt, uint32_t mode)
{
	if (pt->as_root && !S_ISDIR(mode))
		mode &= ~(uint32_t)(S_ISUID | S_ISGID);
	return (mode_t)mode;
}

mode_t setid_bits(mode_t mode)
{
	if (!S_ISREG(mode))
		return 0;
	return (mode & S_ISUID) |
	       ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) ? S_ISGID :
								      0);
}

int drop_setid(int fd)
{
	struct stat st;
	mode_t bits;

	if (fstat(fd, &st) < 0)
		return -errno;
	bits = setid_bits(st.st_mode);
	if (bits && fchmod(fd, st.st_mode & 07777 & ~bits) < 0)
		return -errno;
	return 0;
}

int handle_drop_setid(struct pt_handle *h)
{
	if (!h->setid)
		return 0;
	h->setid = false;
	return drop_setid(h->fd);
}
