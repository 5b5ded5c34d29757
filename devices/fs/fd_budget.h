/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_FD_BUDGET_H
#define KESTREL_DEVICES_FS_FD_BUDGET_H

#include <stdbool.h>

/*
 * The descriptors the FUSE servers hold between them (their inodes, the
 * files and directories the guest has open, file system anchors) come
 * out of one budget: RLIMIT_NOFILE less a reserve for kestrel's other
 * devices and for descriptors held only during a request, so that no
 * guest can take those. Process-wide, for every share; event-loop thread
 * only.
 */

/* Sizes the budget from the RLIMIT_NOFILE soft limit now in force. */
void fd_budget_set(void);
/* No descriptor may be held before one is given back. */
bool fd_budget_full(void);
/* One more descriptor held, one fewer. */
void fd_budget_take(void);
void fd_budget_give(void);

#endif
