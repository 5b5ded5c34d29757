/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_GUEST_INIT_H
#define KESTREL_VMM_GUEST_INIT_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/cli.h"
#include "vmm/cpio.h"

/*
 * The initramfs of a --rootfs run, made for the kernel being booted:
 * kestrel's guest init (firmware/init/init.c, embedded in kestrel), the
 * modules that kernel needs to reach its root (from
 * /lib/modules/RELEASE, none when they are built in) and the init's
 * settings: root, command, environment, cwd, terminal size. Returns 0
 * with the archive in *out, or -1 with one line in err.
 */
int guest_init_build(const struct vm_config *cfg, const uint8_t *kernel,
		     size_t kernel_len, struct cpio *out, char *err,
		     size_t errlen);

/*
 * Where the host's working directory is inside a guest whose root is
 * `root`: cwd itself under "/", the part below root when inside it, else
 * "/". Writes into buf.
 */
void guest_init_cwd(const char *root, const char *cwd, char *buf, size_t len);

#endif
