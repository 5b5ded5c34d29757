/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_UNIT_H
#define KESTREL_TESTS_UNIT_H

/* What every cmocka unit test includes, in the order cmocka requires. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Fails the test unless string s contains sub (cmocka 1.1 has no such). */
#define assert_contains(s, sub)                                    \
	do {                                                       \
		const char *s_ = (s), *sub_ = (sub);               \
		if (!s_ || !strstr(s_, sub_))                      \
			fail_msg("\"%s\" does not contain \"%s\"", \
				 s_ ? s_ : "(null)", sub_);        \
	} while (0)

/*
 * Runs fn(arg) in a child process that SIGALRM ends after `seconds`, for
 * code that may hang or be killed by a signal: the test fails with a
 * message rather than taking the runner down. Returns fn's exit code
 * (0-255). The child must not use cmocka's assertions.
 */
static inline int run_in_child(int (*fn)(void *), void *arg,
			       unsigned int seconds)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		alarm(seconds);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid)
		fail_msg("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		fail_msg("the child did not finish within %u s", seconds);
	if (WIFSIGNALED(status))
		fail_msg("the child was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	return WEXITSTATUS(status);
}

/* A whole file in a malloc'd buffer, its size in *len; NULL if empty. */
static inline uint8_t *unit_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || st.st_size <= 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc(st.st_size);
	if (buf && fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = st.st_size;
	return buf;
}

#endif
