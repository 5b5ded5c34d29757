// SPDX-License-Identifier: MIT
/* How kestrel meets the host's resource limits. */
#include "runtime/host_limits.h"

#include <signal.h>
#include <stddef.h>

void host_limits_fsize_is_error(void)
{
	struct sigaction old, ign = { .sa_handler = SIG_IGN };

	/* SIGXFSZ's default action ends the whole process, whichever
	 * thread wrote: every disk and shared directory at once. */
	if (sigaction(SIGXFSZ, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
		sigaction(SIGXFSZ, &ign, NULL);
}
