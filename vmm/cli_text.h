/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_CLI_TEXT_H
#define KESTREL_VMM_CLI_TEXT_H

#include <stddef.h>

/*
 * The words around the option table (vmm/cli_option.h), for --help and
 * the man page. Texts are plain, one paragraph each, unwrapped.
 */

/* What `kestrel ctl SOCKET` can ask; an argument follows some. */
#define CLI_CTL_COMMANDS "status|pause|resume|stop|sysrq KEY|nmi|dump FILE"

/* The ways to call kestrel, each after "kestrel "; NULL-terminated. */
extern const char *const cli_synopsis[];
/* What kestrel does, in a line. */
extern const char cli_summary[];
/* About the commands besides run; NULL-terminated. */
extern const char *const cli_description[];

/* A topic after the options: the man page's section, --help's paragraph. */
struct cli_section {
	const char *title;
	const char *text;
};
extern const struct cli_section cli_sections[];
extern const size_t cli_nr_sections;

struct cli_exit_status {
	const char *status;
	const char *meaning;
};
extern const struct cli_exit_status cli_exit_statuses[];
extern const size_t cli_nr_exit_statuses;

#endif
