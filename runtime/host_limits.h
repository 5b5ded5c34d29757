/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_RUNTIME_HOST_LIMITS_H
#define KESTREL_RUNTIME_HOST_LIMITS_H

/*
 * How kestrel meets the host's resource limits, process-wide: for device
 * back ends to call when they are set up, from any thread, any number of
 * times.
 */

/*
 * A write, truncate or allocation past RLIMIT_FSIZE fails with EFBIG
 * rather than killing kestrel with SIGXFSZ, so that a guest writing past
 * it gets an error. The signal is ignored, unless a handler is installed.
 */
void host_limits_fsize_is_error(void);

#endif
