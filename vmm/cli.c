// SPDX-License-Identifier: MIT
/* The kestrel command line: its commands; sizes and disks. */
#include "vmm/cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli_option.h"

int cli_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 20; /* bare number: MiB */
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		case 'T':
			shift = 40;
			break;
		default:
			return -1;
		}
		end++;
		if (!strcasecmp(end, "iB"))
			end += 2;
		else if (!strcasecmp(end, "B"))
			end += 1;
		if (*end)
			return -1;
	}
	if (v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

void cli_free(struct vm_config *cfg)
{
	free(cfg->append);
	cfg->append = NULL;
	for (unsigned int i = 0; i < cfg->nr_disks; i++) {
		free(cfg->disk[i].path);
		cfg->disk[i].path = NULL;
	}
	cfg->nr_disks = 0;
	for (unsigned int i = 0; i < cfg->nr_shares; i++) {
		free(cfg->share[i].path);
		cfg->share[i].path = NULL;
	}
	cfg->nr_shares = 0;
}

int parse_disk(const char *arg, struct disk_config *d, char *err, size_t errlen)
{
	const char *opt = strchr(arg, ',');
	size_t plen = opt ? (size_t)(opt - arg) : strlen(arg);

	memset(d, 0, sizeof(*d));
	if (plen == 0) {
		cli_fail(err, errlen, "--disk '%s': no file name", arg);
		return -1;
	}
	while (opt) {
		const char *next = strchr(opt + 1, ',');
		size_t len = next ? (size_t)(next - opt - 1) : strlen(opt + 1);

		if (len == 2 && !strncmp(opt + 1, "ro", 2)) {
			d->readonly = true;
		} else if (len == 8 && !strncmp(opt + 1, "snapshot", 8)) {
			d->snapshot = true;
		} else if (len >= 7 && !strncmp(opt + 1, "serial=", 7)) {
			if (len - 7 > CLI_DISK_SERIAL_MAX) {
				cli_fail(
					err, errlen,
					"--disk '%s': serial is longer than %d characters",
					arg, CLI_DISK_SERIAL_MAX);
				return -1;
			}
			memcpy(d->serial, opt + 8, len - 7);
			d->serial[len - 7] = '\0';
		} else {
			cli_fail(
				err, errlen,
				"--disk '%s': unknown option '%.*s' (known: ro, snapshot, serial=ID)",
				arg, (int)len, opt + 1);
			return -1;
		}
		opt = next;
	}
	if (d->readonly && d->snapshot) {
		cli_fail(
			err, errlen,
			"--disk '%s': ro and snapshot exclude each other (snapshot: the guest writes to a throwaway copy)",
			arg);
		return -1;
	}
	d->path = strndup(arg, plen);
	if (!d->path) {
		cli_fail(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static enum cli_action parse_check(int argc, char **argv, struct vm_config *cfg,
				   char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			cfg->quiet = true;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			return CLI_HELP;
		} else {
			cli_fail(
				err, errlen,
				"check: unexpected argument '%s' (try 'kestrel --help')",
				argv[i]);
			return CLI_ERROR;
		}
	}
	return CLI_CHECK;
}

/*
 * "ctl [--json] SOCKET COMMAND [ARG...]": the client (vmm/ctl_client.c)
 * checks every word, a missing one included.
 */
static enum cli_action parse_ctl(int argc, char **argv, struct vm_config *cfg)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return CLI_HELP;
	cfg->ctl_argc = argc - 1;
	cfg->ctl_argv = argv + 1;
	return CLI_CTL;
}

enum cli_action cli_parse(int argc, char **argv, uint64_t host_mem,
			  struct vm_config *cfg, char *err, size_t errlen)
{
	*cfg = (struct vm_config){ .mem_size = CLI_DEFAULT_MEM, .cpus = 1 };
	err[0] = '\0';
	if (argc < 2) {
		cli_fail(err, errlen,
			 "no command given (try 'kestrel --help')");
		return CLI_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return CLI_HELP;
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return CLI_VERSION;
	if (!strcmp(argv[1], "check"))
		return parse_check(argc - 1, argv + 1, cfg, err, errlen);
	if (!strcmp(argv[1], "ctl"))
		return parse_ctl(argc - 1, argv + 1, cfg);
	if (strcmp(argv[1], "run") != 0) {
		cli_fail(err, errlen,
			 "unknown command '%s' (try 'kestrel --help')",
			 argv[1]);
		return CLI_ERROR;
	}
	return cli_parse_run(argc - 1, argv + 1, host_mem, cfg, err, errlen);
}
