/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_CLI_OPTION_H
#define KESTREL_VMM_CLI_OPTION_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/cli.h"

/* What a parse function may need besides the option's argument. */
struct cli_ctx {
	uint64_t host_mem; /* the ceiling for --memory; 0: unknown */
	/* CLI_RUN, or what --help and --version ask for instead */
	enum cli_action action;
};

/* What a shell offers to complete an option's argument with. */
enum cli_complete {
	CLI_COMPLETE_NONE,
	CLI_COMPLETE_FILE,
	CLI_COMPLETE_DIR,
	CLI_COMPLETE_CHOICES, /* the words in `choices` */
};

/*
 * One option of "kestrel run". getopt's tables, --help, the README's option
 * table, the man page and the bash completion are all made from
 * cli_options[], so an option is added in one place.
 *
 * An option with more than one form of argument (--net user..., --net
 * tap=...) has one row per form: the first parses, the rows after it have
 * the same name and no parse function, and only document.
 */
struct cli_option {
	const char *name; /* long name, without "--" */
	char letter; /* short option, or 0 */
	const char *arg; /* the argument's name; NULL: the option takes none */
	/* --help's text: plain, one paragraph, wrapped when shown */
	const char *help;
	/*
	 * The README's and the man page's text, where they say more than
	 * --help (NULL: help). Markdown, limited to `code` and
	 * [text](#anchor) links.
	 */
	const char *doc;
	enum cli_complete complete;
	const char *choices; /* CLI_COMPLETE_CHOICES: space-separated */
	/*
	 * Stores arg (NULL for an option without one) into cfg. Returns 0, or
	 * -1 with one line in err.
	 */
	int (*parse)(struct vm_config *cfg, const char *arg,
		     struct cli_ctx *ctx, char *err, size_t errlen);
};

/* Fixed-size getopt tables are built from the rows; this bounds them. */
#define CLI_MAX_OPTIONS 40

extern const struct cli_option cli_options[];
extern const size_t cli_nr_options;

/* One line (printf-style) into err; returns -1: "return cli_fail(...)". */
int cli_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "run [OPTIONS] [-- CMD]" (argv[0] is "run"); see cli_parse(). */
enum cli_action cli_parse_run(int argc, char **argv, uint64_t host_mem,
			      struct vm_config *cfg, char *err, size_t errlen);

#endif
