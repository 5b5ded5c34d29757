/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_UNIX_LISTEN_H
#define KESTREL_VMM_UNIX_LISTEN_H

#include <stddef.h>
#include <sys/types.h>

/* sun_path's 108 bytes, the NUL included */
#define UNIX_PATH_MAX_LEN 107

/* The socket file a listener made, so that only it is removed. */
struct unix_socket_file {
	dev_t dev;
	ino_t ino;
};

/*
 * A Unix stream socket listening at path, mode 0600 from the start (bind()
 * applies the umask: call while no other thread creates files). A socket
 * already there is replaced if nobody listens on it (a kestrel that died),
 * refused if somebody does; anything else there is refused. Returns the
 * socket (non-blocking, close-on-exec), or -1 with one line in err that
 * begins "OPTION 'path': ".
 */
int unix_listen(const char *path, const char *option, int backlog,
		struct unix_socket_file *made, char *err, size_t errlen);

/* Removes path if it is still the socket unix_listen() made. */
void unix_unlink(const char *path, const struct unix_socket_file *made);

#endif
