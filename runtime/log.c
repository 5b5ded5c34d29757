// SPDX-License-Identifier: MIT
/* Diagnostics on stderr, each line prefixed "kestrel: ". */
#include "runtime/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum log_level log_threshold = LOG_WARN;

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (level > log_threshold)
		return;
	n = snprintf(line, sizeof(line), "kestrel: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	/* One write per line, so lines from several threads do not mix. */
	fprintf(stderr, "%s\n", line);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

bool log_ratelimit_allow(struct log_ratelimit *rl, unsigned int *suppressed)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	uint64_t now = now_ns();
	bool allow;

	pthread_mutex_lock(&lock);
	*suppressed = 0;
	if (now - rl->window_start_ns >= LOG_RL_INTERVAL_NS) {
		*suppressed = rl->suppressed;
		rl->window_start_ns = now;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	allow = rl->printed < LOG_RL_BURST;
	if (allow)
		rl->printed++;
	else
		rl->suppressed++;
	pthread_mutex_unlock(&lock);
	return allow;
}
