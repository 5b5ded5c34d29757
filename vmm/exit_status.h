/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_EXIT_STATUS_H
#define KESTREL_VMM_EXIT_STATUS_H

/* kestrel's exit statuses: the contract in README.md and --help. */
enum exit_status {
	EXIT_GUEST_OK = 0, /* powered off or rebooted cleanly */
	EXIT_TIMEOUT = 124,
	EXIT_KESTREL_FAILED = 125,
	EXIT_GUEST_PANIC = 126,
	EXIT_SIGNAL_BASE = 128, /* + the signal number */
};

#endif
