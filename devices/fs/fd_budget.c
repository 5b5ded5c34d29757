// SPDX-License-Identifier: MIT
/* The descriptors the FUSE servers may hold between them. */
#include "devices/fs/fd_budget.h"

#include <sys/resource.h>

/* Between these, a quarter of the limit is kept for the rest. */
#define RESERVE_MIN 64
#define RESERVE_MAX 4096

static unsigned long held, budget;

void fd_budget_set(void)
{
	struct rlimit rl;
	unsigned long limit = 1024, reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		limit = (unsigned long)rl.rlim_cur;
	reserve = limit / 4;
	if (reserve < RESERVE_MIN)
		reserve = RESERVE_MIN;
	if (reserve > RESERVE_MAX)
		reserve = RESERVE_MAX;
	budget = limit > reserve ? limit - reserve : 0;
}

bool fd_budget_full(void)
{
	return held >= budget;
}

void fd_budget_take(void)
{
	held++;
}

void fd_budget_give(void)
{
	held--;
}
