/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_RUNTIME_LOG_H
#define KESTREL_RUNTIME_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages at or below this level are printed (stderr). */
extern enum log_level log_threshold;

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Per-call-site budget for messages a guest can provoke at will: a burst of
 * LOG_RL_BURST lines, then at most one per LOG_RL_INTERVAL_NS, with a count
 * of what was dropped. Keeps a hostile guest from flooding the host's log.
 */
struct log_ratelimit {
	uint64_t window_start_ns;
	unsigned int printed;
	unsigned int suppressed;
};

#define LOG_RL_BURST 10
#define LOG_RL_INTERVAL_NS (5ULL * 1000000000ULL)

bool log_ratelimit_allow(struct log_ratelimit *rl, unsigned int *suppressed);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A rate-limited warning about guest misbehaviour. */
#define log_guest(fmt, ...)                                              \
	do {                                                             \
		static struct log_ratelimit rl_;                         \
		unsigned int dropped_;                                   \
		if (log_ratelimit_allow(&rl_, &dropped_)) {              \
			if (dropped_)                                    \
				log_msg(LOG_WARN,                        \
					"guest: (%u similar messages "   \
					"suppressed)",                   \
					dropped_);                       \
			log_msg(LOG_WARN, "guest: " fmt, ##__VA_ARGS__); \
		}                                                        \
	} while (0)

#endif
