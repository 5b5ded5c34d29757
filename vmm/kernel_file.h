/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_KERNEL_FILE_H
#define KESTREL_VMM_KERNEL_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A boot image (kernel or initrd) read into memory. */
struct file_buf {
	char path[PATH_MAX];
	uint8_t *data;
	size_t len;
	bool mapped;
};

/*
 * Reads `path` whole; with path NULL, the default kernel (see
 * default_kernel_path). `what` names the file in the one-line error this
 * logs. Returns 0 or -1.
 */
int kernel_file_read(const char *path, const char *what, struct file_buf *f);
void kernel_file_free(struct file_buf *f);

/*
 * The kernel to boot when none is named: the running kernel's
 * /boot/vmlinuz-$(uname -r) if readable, else the newest /boot/vmlinuz-*.
 * `boot_dir` is "/boot" except in tests. Returns 0 or -1 if none.
 */
int default_kernel_path(const char *boot_dir, const char *running_release,
			char *buf, size_t len);

#endif
