/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_CORE_DUMP_H
#define KESTREL_VMM_CORE_DUMP_H

#include <stddef.h>

#include "arch/x86/cpu_state.h"
#include "runtime/guest_mem.h"

/*
 * Guest memory dumps as ELF core files in the layout of QEMU's
 * `dump-guest-memory` (ELF, no paging), which crash and drgn read: see
 * core_dump.c for what each reader needs.
 */

/* The most vCPUs one dump describes. */
#define CORE_DUMP_MAX_CPUS 4096

/*
 * Writes an ELF64 ET_CORE of guest physical memory and the vCPUs'
 * registers (cpus[i] is vCPU i) to fd, a regular file opened for writing
 * without O_APPEND: from offset 0, truncated to its final size, with holes
 * where guest pages are all zero, and with the guest kernel's VMCOREINFO
 * note when its RAM has one. Returns 0, or -1 with one line in err.
 *
 * The caller keeps the vCPUs and devices from writing guest memory while
 * it runs. Any thread; it calls fstat, ftruncate and pwrite64 and allocates
 * once. Call host_limits_fsize_is_error() beforehand (at set-up, before
 * the sandbox) so that a dump past RLIMIT_FSIZE is an error, not SIGXFSZ.
 */
int core_dump_write(int fd, const struct guest_mem *gm,
		    const struct x86_cpu_state *cpus, unsigned int nr_cpus,
		    char *err, size_t errlen);

#endif
