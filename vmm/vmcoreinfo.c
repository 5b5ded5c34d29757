// SPDX-License-Identifier: MIT
/* Recognising a Linux guest's VMCOREINFO note in its RAM. */
#include "vmm/vmcoreinfo.h"

#include <elf.h>
#include <string.h>

#define NAME "VMCOREINFO"
/* The name and its NUL, padded to 4 bytes. */
#define NAME_SIZE 12u
/* What the kernel writes first: the text is no note without it. */
#define FIRST_KEY "OSRELEASE="

static bool is_text(const uint8_t *s, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (s[i] != '\n' && (s[i] < 0x20 || s[i] > 0x7e))
			return false;
	return true;
}

bool vmcoreinfo_at(const uint8_t *p, uint64_t len, const uint8_t **text,
		   uint32_t *text_len)
{
	Elf64_Nhdr h;
	const uint8_t *desc = p + sizeof(h) + NAME_SIZE;

	if (len < sizeof(h) + NAME_SIZE)
		return false;
	memcpy(&h, p, sizeof(h));
	if (h.n_namesz != sizeof(NAME) || h.n_type != 0 ||
	    memcmp(p + sizeof(h), NAME, sizeof(NAME)) != 0)
		return false;
	if (h.n_descsz < sizeof(FIRST_KEY) - 1 ||
	    h.n_descsz > VMCOREINFO_TEXT_MAX ||
	    h.n_descsz > len - sizeof(h) - NAME_SIZE)
		return false;
	if (memcmp(desc, FIRST_KEY, sizeof(FIRST_KEY) - 1) != 0 ||
	    !is_text(desc, h.n_descsz))
		return false;
	*text = desc;
	*text_len = h.n_descsz;
	return true;
}
