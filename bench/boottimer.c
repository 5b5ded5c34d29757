/*
 * boottimer: run a VMM, time its console.
 *
 * usage: boottimer MARKER LOG -- COMMAND [ARG...]
 *
 * Runs COMMAND with stdin from /dev/null and stdout+stderr into a pipe,
 * copies what it prints to LOG, each line prefixed with the seconds since
 * the start at which it arrived, and prints one line:
 *
 *   BOOTTIMER marker=SECONDS total=SECONDS status=N rss_kib=N
 *
 * marker: CLOCK_MONOTONIC from just before fork to the first console line
 * holding MARKER (-1 if none came); total: to the child's exit; status:
 * its exit status (128+signal if killed); rss_kib: its peak resident set.
 *
 * Built static for the arm64 nested host of bench/arm64_boot.sh, whose
 * busybox has no sub-second clock for the shell. Exit status 0 when the
 * marker came and the command exited 0, else 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* endline: LINE (LEN bytes) came at T; log it, note the marker's first time. */
static void endline(FILE *log, char *line, size_t len, double t,
		    const char *marker, size_t mlen, double *t_marker)
{
	while (len && line[len - 1] == '\r')
		len--;
	line[len] = 0;
	fprintf(log, "%9.3f %s\n", t, line);
	if (*t_marker < 0 && memmem(line, len, marker, mlen))
		*t_marker = t;
}

int main(int argc, char **argv)
{
	const char *marker, *logpath;
	char buf[65536], line[4096];
	size_t linelen = 0, mlen;
	double start, t_marker = -1, total;
	struct rusage ru;
	int pfd[2], status, code;
	FILE *log;
	pid_t pid;

	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr,
			"usage: boottimer MARKER LOG -- COMMAND [ARG...]\n");
		return 2;
	}
	marker = argv[1];
	mlen = strlen(marker);
	logpath = argv[2];
	log = fopen(logpath, "w");
	if (!log) {
		perror(logpath);
		return 2;
	}
	if (pipe(pfd) < 0) {
		perror("pipe");
		return 2;
	}
	start = now();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul < 0 || dup2(nul, 0) < 0 || dup2(pfd[1], 1) < 0 ||
		    dup2(pfd[1], 2) < 0)
			_exit(127);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[4], argv + 4);
		perror(argv[4]);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], buf, sizeof(buf));
		double t;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		t = now() - start;
		/* Line by line, each stamped with when its end arrived; a
		 * line too long for the buffer is cut in pieces. */
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && linelen < sizeof(line) - 1) {
				line[linelen++] = buf[i];
				continue;
			}
			endline(log, line, linelen, t, marker, mlen, &t_marker);
			linelen = 0;
			if (buf[i] != '\n')
				line[linelen++] = buf[i];
		}
	}
	if (linelen)
		endline(log, line, linelen, now() - start, marker, mlen,
			&t_marker);
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("wait4");
			return 2;
		}
	}
	total = now() - start;
	fclose(log);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("BOOTTIMER marker=%.3f total=%.3f status=%d rss_kib=%ld\n",
	       t_marker, total, code, ru.ru_maxrss);
	fflush(stdout);
	return t_marker >= 0 && code == 0 ? 0 : 1;
}
