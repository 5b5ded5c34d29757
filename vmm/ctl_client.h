/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_CTL_CLIENT_H
#define KESTREL_VMM_CTL_CLIENT_H

/*
 * `kestrel ctl [--json] SOCKET COMMAND [ARG]`: one request to a running
 * kestrel's control socket (vmm/control.h), its answer on stdout.
 */

/* How long to wait for a reply: a dump of a big guest takes a while. */
#define CTL_TIMEOUT_MS 60000

/* The VM answered the request with an error. */
#define CTL_EXIT_REFUSED 1

extern const char ctl_usage[];

/*
 * argv[0..argc): [--json] SOCKET COMMAND [ARG] (cfg.ctl_argv). Prints
 * status as lines of "name value" (--json: the reply line as it came),
 * nothing for the other commands; errors as one line on stderr. Returns
 * the exit status: 0, CTL_EXIT_REFUSED, or EXIT_KESTREL_FAILED for a
 * usage error, a socket that cannot be reached, or no (valid) reply
 * within timeout_ms. dump FILE: the file is opened here, with the
 * caller's permissions, and sent; if the dump fails and the file was
 * made here, it is removed.
 */
int ctl_client_main(int argc, char **argv, int timeout_ms);

#endif
