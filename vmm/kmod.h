/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_KMOD_H
#define KESTREL_VMM_KMOD_H

#include <stdbool.h>
#include <stddef.h>

/* Module files to load, in order (dependencies first). */
struct kmod_list {
	char **path; /* absolute */
	unsigned int n;
	bool no_moddir; /* the release has no module directory at all */
};

/*
 * Finds `names` (module names: "virtio_pci", "virtiofs") and everything
 * they depend on among the modules of `moddir` (/lib/modules/RELEASE),
 * using modules.dep, and leaves out those modules.builtin lists. A
 * release without a module directory (a kernel built with what it needs
 * compiled in) gives an empty list with no_moddir set. Returns 0, or -1
 * with one line in err (a module that is neither built in nor installed).
 */
int kmod_resolve(const char *moddir, const char *const *names, unsigned int n,
		 struct kmod_list *out, char *err, size_t errlen);
void kmod_list_free(struct kmod_list *l);

#endif
