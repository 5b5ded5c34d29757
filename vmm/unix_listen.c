// SPDX-License-Identifier: MIT
/* Listening Unix sockets for --control and --gdb unix:PATH. */
#include "vmm/unix_listen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* What is at path now: refused, replaced (a dead kestrel's) or nothing. */
static int clear_path(const char *path, const char *option,
		      const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int probe, ret;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s '%s': %m", option, path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s '%s': exists and is not a socket",
			 option, path);
		return -1;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (probe < 0) {
		snprintf(err, errlen, "%s '%s': %m", option, path);
		return -1;
	}
	ret = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
	if (ret == 0 || errno == EAGAIN) {
		snprintf(err, errlen,
			 "%s '%s': already in use by a running process", option,
			 path);
		ret = -1;
	} else if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "%s '%s': %m", option, path);
		ret = -1;
	} else if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen,
			 "%s '%s': cannot remove the old socket: %m", option,
			 path);
		ret = -1;
	} else {
		ret = 0;
	}
	close(probe);
	return ret;
}

int unix_listen(const char *path, const char *option, int backlog,
		struct unix_socket_file *made, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	struct stat st;
	mode_t old;
	int fd, ret;

	if (!len || len > UNIX_PATH_MAX_LEN) {
		snprintf(err, errlen,
			 "%s '%s': a socket path must be 1 to %d bytes", option,
			 path, UNIX_PATH_MAX_LEN);
		return -1;
	}
	memcpy(sa.sun_path, path, len);
	if (clear_path(path, option, &sa, err, errlen))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "%s '%s': %m", option, path);
		return -1;
	}
	old = umask(0177);
	ret = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (ret < 0) {
		if (errno == EADDRINUSE)
			snprintf(err, errlen,
				 "%s '%s': already in use by a running process",
				 option, path);
		else
			snprintf(err, errlen, "%s '%s': %m", option, path);
		close(fd);
		return -1;
	}
	if (lstat(path, &st) < 0 || listen(fd, backlog) < 0) {
		snprintf(err, errlen, "%s '%s': %m", option, path);
		unlink(path);
		close(fd);
		return -1;
	}
	made->dev = st.st_dev;
	made->ino = st.st_ino;
	return fd;
}

void unix_unlink(const char *path, const struct unix_socket_file *made)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == made->dev &&
	    st.st_ino == made->ino)
		unlinkat(AT_FDCWD, path, 0);
}
