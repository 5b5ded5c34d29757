// SPDX-License-Identifier: MIT
/* The --gdb option: where the gdb remote stub listens. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli_option.h"

#define UNIX_PREFIX "unix:"

static int parse_unix(const char *arg, struct gdb_listen_config *g, char *err,
		      size_t errlen)
{
	const char *path = arg + strlen(UNIX_PREFIX);
	size_t len = strlen(path);

	if (len == 0)
		return cli_fail(err, errlen, "--gdb '%s': no socket path", arg);
	if (len > CLI_SOCKET_PATH_MAX)
		return cli_fail(
			err, errlen,
			"--gdb '%s': a Unix socket path is at most %d bytes",
			arg, CLI_SOCKET_PATH_MAX);
	g->is_unix = true;
	memcpy(g->path, path, len + 1);
	return 0;
}

/* "localhost" or a dotted quad, into addr (network byte order). */
static int parse_host(const char *s, size_t len, uint32_t *addr)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;

	if (len == strlen("localhost") && !strncmp(s, "localhost", len)) {
		*addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	if (len >= sizeof(ip))
		return -1;
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -1;
	*addr = a.s_addr;
	return 0;
}

int parse_gdb_listen(const char *arg, struct gdb_listen_config *g, char *err,
		     size_t errlen)
{
	const char *colon = strrchr(arg, ':');
	const char *port = colon ? colon + 1 : arg;

	memset(g, 0, sizeof(*g));
	if (!strncmp(arg, UNIX_PREFIX, strlen(UNIX_PREFIX)))
		return parse_unix(arg, g, err, errlen);
	/* A stub that can read and write the guest: loopback unless asked. */
	g->addr = htonl(INADDR_LOOPBACK);
	if (colon && colon > arg &&
	    parse_host(arg, (size_t)(colon - arg), &g->addr))
		return cli_fail(
			err, errlen,
			"--gdb '%s': '%.*s' is not an IPv4 address or localhost",
			arg, (int)(colon - arg), arg);
	if (parse_port(port, strlen(port), &g->port))
		return cli_fail(
			err, errlen,
			"--gdb '%s': the port must be a number from 1 to 65535 ([HOST:]PORT or unix:PATH)",
			arg);
	return 0;
}
