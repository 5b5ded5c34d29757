// SPDX-License-Identifier: MIT
/* "kestrel run": getopt made from the option table; checks across options. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/guest_init_protocol.h"
#include "vmm/cli_option.h"

/* getopt's value for an option without a letter: beyond every char. */
#define LONG_ONLY_VAL 0x100

struct getopt_tables {
	struct option longopts[CLI_MAX_OPTIONS + 1];
	/* "+:", then each letter with a ':' if it takes an argument */
	char shortopts[2 + 2 * CLI_MAX_OPTIONS + 1];
};

static int option_val(size_t i)
{
	return cli_options[i].letter ? cli_options[i].letter :
				       LONG_ONLY_VAL + (int)i;
}

/*
 * '+' stops at the first word that is no option (the guest command's
 * "--" is one); ':' has a missing argument reported apart from an
 * unknown option. Rows without a parse function only document another
 * form of the option before them.
 */
static void build_getopt(struct getopt_tables *g)
{
	size_t nl = 0, ns = 0;

	g->shortopts[ns++] = '+';
	g->shortopts[ns++] = ':';
	for (size_t i = 0; i < cli_nr_options; i++) {
		const struct cli_option *o = &cli_options[i];

		if (!o->parse)
			continue;
		g->longopts[nl++] = (struct option){
			.name = o->name,
			.has_arg = o->arg ? required_argument : no_argument,
			.val = option_val(i),
		};
		if (o->letter) {
			g->shortopts[ns++] = o->letter;
			if (o->arg)
				g->shortopts[ns++] = ':';
		}
	}
	g->longopts[nl] = (struct option){ 0 };
	g->shortopts[ns] = '\0';
}

static const struct cli_option *option_of(int val)
{
	for (size_t i = 0; i < cli_nr_options; i++)
		if (cli_options[i].parse && option_val(i) == val)
			return &cli_options[i];
	return NULL;
}

/*
 * The option getopt just rejected, as the user spelled it. getopt leaves
 * optopt 0 for an unknown long option and the option's letter otherwise;
 * a long option missing its argument is the last word it consumed. (A
 * short option inside a cluster is not, hence the letter.)
 */
static const char *bad_option(char **argv, bool missing_arg, char *buf,
			      size_t len)
{
	const char *arg = argv[optind - 1];

	if (!optopt || (missing_arg && !strncmp(arg, "--", 2)))
		snprintf(buf, len, "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(buf, len, "-%c", optopt);
	return buf;
}

/* One line for what getopt refused (it returned '?' or ':'). */
static void rejected(char **argv, int c, char *err, size_t errlen)
{
	const struct cli_option *o = option_of(optopt);
	char opt[64];

	if (c == ':')
		cli_fail(err, errlen, "option '%s' needs an argument",
			 bad_option(argv, true, opt, sizeof(opt)));
	else if (o) /* a known option refused: it was given "=VALUE" */
		cli_fail(err, errlen, "option '--%s' takes no value", o->name);
	else
		cli_fail(err, errlen,
			 "unknown option '%s' (try 'kestrel --help')",
			 bad_option(argv, false, opt, sizeof(opt)));
}

/* The root of a --rootfs guest is a read-only share like any other. */
static int add_root_share(struct vm_config *cfg, char *err, size_t errlen)
{
	struct share_config *s = &cfg->share[cfg->nr_shares];

	if (cfg->nr_shares == CLI_MAX_SHARES)
		return cli_fail(err, errlen,
				"--rootfs needs one of the %d shares",
				CLI_MAX_SHARES);
	for (unsigned int i = 0; i < cfg->nr_shares; i++) {
		if (!strcmp(cfg->share[i].tag, GUEST_ROOT_TAG))
			return cli_fail(
				err, errlen,
				"--share: tag '%s' is the root's with --rootfs",
				GUEST_ROOT_TAG);
	}
	*s = (struct share_config){ .path = strdup(cfg->rootfs),
				    .readonly = true };
	snprintf(s->tag, sizeof(s->tag), "%s", GUEST_ROOT_TAG);
	if (!s->path)
		return cli_fail(err, errlen, "out of memory");
	cfg->nr_shares++;
	return 0;
}

/* What no single option can check: how they go together. */
static int check_combination(struct vm_config *cfg, char *err, size_t errlen)
{
	if (cfg->command && !cfg->rootfs)
		return cli_fail(
			err, errlen,
			"a COMMAND runs in the guest's root file system: give --rootfs DIR (e.g. --rootfs /)");
	if (cfg->rootfs && cfg->initrd)
		return cli_fail(
			err, errlen,
			"--rootfs brings its own initramfs: leave out --initrd");
	if (cfg->gdb_wait && !cfg->gdb)
		return cli_fail(err, errlen, "--gdb-wait needs --gdb");
	return cfg->rootfs ? add_root_share(cfg, err, errlen) : 0;
}

enum cli_action cli_parse_run(int argc, char **argv, uint64_t host_mem,
			      struct vm_config *cfg, char *err, size_t errlen)
{
	struct cli_ctx ctx = { .host_mem = host_mem, .action = CLI_RUN };
	struct getopt_tables g;
	int c, last_optarg = -1;

	build_getopt(&g);
	optind = 0; /* re-initialise getopt: the parser is called repeatedly */
	opterr = 0;
	while ((c = getopt_long(argc, argv, g.shortopts, g.longopts, NULL)) !=
	       -1) {
		const struct cli_option *o = option_of(c);

		/* Remember which word was an option's argument, so that an
		 * argument "--" is not taken for the end of the options. */
		if (optarg && optind >= 1 && optarg == argv[optind - 1])
			last_optarg = optind - 1;
		if (!o) {
			rejected(argv, c, err, errlen);
			return CLI_ERROR;
		}
		if (o->parse(cfg, optarg, &ctx, err, errlen))
			return CLI_ERROR;
		if (ctx.action != CLI_RUN)
			return ctx.action;
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0 ||
		    last_optarg == optind - 1) {
			cli_fail(
				err, errlen,
				"unexpected argument '%s' (a guest command goes after '--')",
				argv[optind]);
			return CLI_ERROR;
		}
		cfg->command = &argv[optind];
	}
	return check_combination(cfg, err, errlen) ? CLI_ERROR : CLI_RUN;
}
