// SPDX-License-Identifier: MIT
/* A bash completion script for kestrel: its commands, options and values. */
#include "tools/doc.h"

#include <stdbool.h>
#include <string.h>

#include "vmm/cli_option.h"
#include "vmm/cli_text.h"

#define SEPARATORS " []|"

/* The option words ("-q --quiet") of a synopsis line. */
static void put_synopsis_options(FILE *out, const char *line)
{
	const char *sep = "";

	for (const char *s = line; *s;) {
		size_t n = strcspn(s, SEPARATORS);

		/* "--" starts the guest command: no option */
		if (n > 0 && s[0] == '-' && !(n == 2 && s[1] == '-')) {
			fprintf(out, "%s%.*s", sep, (int)n, s);
			sep = " ";
		}
		s += n;
		s += strspn(s, SEPARATORS);
	}
}

/* Rows with no parse function only document another form of an option. */
static bool parses(const struct cli_option *o)
{
	return o->parse != NULL;
}

/* One option's spellings, as a case pattern or a word list. */
static void put_spellings(FILE *out, const struct cli_option *o,
			  const char *sep, bool *first)
{
	if (o->letter) {
		fprintf(out, "%s-%c", *first ? "" : sep, o->letter);
		*first = false;
	}
	fprintf(out, "%s--%s", *first ? "" : sep, o->name);
	*first = false;
}

/*
 * A case arm's pattern for the options taking an argument that
 * completes as `kind` (every kind if kind < 0); false if there is none.
 */
static bool put_pattern(FILE *out, int kind)
{
	bool first = true;

	for (size_t i = 0; i < cli_nr_options; i++) {
		const struct cli_option *o = &cli_options[i];

		if (!parses(o) || !o->arg ||
		    (kind >= 0 && (int)o->complete != kind))
			continue;
		fputs(first ? "\t" : "", out);
		put_spellings(out, o, " | ", &first);
	}
	if (!first)
		fputs(")\n", out);
	return !first;
}

static void put_run(FILE *out)
{
	bool first = true;

	fputs("_kestrel_run()\n{\n\tlocal i\n\n"
	      "\t# After \"--\" (not an option's argument): the guest command.\n"
	      "\tfor ((i = 2; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n"
	      "\t\t--)\n"
	      "\t\t\tif ((i + 1 == COMP_CWORD)); then\n"
	      "\t\t\t\t_kestrel_compgen -c\n"
	      "\t\t\telse\n"
	      "\t\t\t\t_kestrel_compgen -f\n"
	      "\t\t\tfi\n"
	      "\t\t\treturn\n"
	      "\t\t\t;;\n\t",
	      out);
	put_pattern(out, -1);
	fputs("\t\t\t((i++))\n\t\t\t;;\n\t\tesac\n\tdone\n\tcase $prev in\n",
	      out);
	if (put_pattern(out, CLI_COMPLETE_FILE))
		fputs("\t\t_kestrel_compgen -f\n\t\t;;\n", out);
	if (put_pattern(out, CLI_COMPLETE_DIR))
		fputs("\t\t_kestrel_compgen -d\n\t\t;;\n", out);
	for (size_t i = 0; i < cli_nr_options; i++) {
		const struct cli_option *o = &cli_options[i];
		bool one = true;

		if (!parses(o) || o->complete != CLI_COMPLETE_CHOICES)
			continue;
		fputs("\t", out);
		put_spellings(out, o, " | ", &one);
		fprintf(out, ")\n\t\t_kestrel_compgen -W '%s'\n\t\t;;\n",
			o->choices);
	}
	/* A value only the user knows (a size, a port): nothing to offer. */
	if (put_pattern(out, CLI_COMPLETE_NONE))
		fputs("\t\t;;\n", out);
	fputs("\t*)\n\t\t_kestrel_compgen -W '", out);
	for (size_t i = 0; i < cli_nr_options; i++)
		if (parses(&cli_options[i]))
			put_spellings(out, &cli_options[i], " ", &first);
	fputs("'\n\t\t;;\n\tesac\n}\n\n", out);
}

/*
 * The next "NAME [ARG]" of CLI_CTL_COMMANDS from *s; false at its end.
 * arg_len is 0 for a command without an argument.
 */
static bool next_ctl_command(const char **s, const char **name,
			     size_t *name_len, const char **arg,
			     size_t *arg_len)
{
	size_t len = strcspn(*s, "|");

	if (len == 0)
		return false;
	*name = *s;
	*name_len = strcspn(*s, " |");
	*arg = *s + *name_len + (*name_len < len);
	*arg_len = len - (size_t)(*arg - *s);
	*s += len + ((*s)[len] == '|');
	return true;
}

/* kestrel ctl SOCKET COMMAND [ARG]: a file, a command, a file for some. */
static void put_ctl(FILE *out)
{
	const char *s = CLI_CTL_COMMANDS, *name, *arg;
	size_t name_len, arg_len;
	const char *sep = "";

	fputs("_kestrel_ctl()\n{\n\tcase $COMP_CWORD in\n"
	      "\t2)\n\t\t_kestrel_compgen -f\n\t\t;;\n"
	      "\t3)\n\t\t_kestrel_compgen -W '",
	      out);
	while (next_ctl_command(&s, &name, &name_len, &arg, &arg_len)) {
		fprintf(out, "%s%.*s", sep, (int)name_len, name);
		sep = " ";
	}
	fputs("'\n\t\t;;\n\t4)\n\t\tcase $prev in\n", out);
	s = CLI_CTL_COMMANDS;
	while (next_ctl_command(&s, &name, &name_len, &arg, &arg_len))
		if (arg_len == 4 && !strncmp(arg, "FILE", 4))
			fprintf(out,
				"\t\t%.*s)\n\t\t\t_kestrel_compgen -f\n\t\t\t;;\n",
				(int)name_len, name);
	fputs("\t\tesac\n\t\t;;\n\tesac\n}\n\n", out);
}

/* The command word, then what each command takes. */
static void put_main(FILE *out)
{
	const char *sep = "";

	fputs("_kestrel()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} "
	      "prev=${COMP_WORDS[COMP_CWORD - 1]}\n\n"
	      "\t# COMP_WORDBREAKS splits --option=value at the '='.\n"
	      "\tif [[ $cur == = ]]; then\n\t\tcur=\n"
	      "\telif [[ $prev == = ]]; then\n"
	      "\t\tprev=${COMP_WORDS[COMP_CWORD - 2]}\n\tfi\n"
	      "\tCOMPREPLY=()\n"
	      "\tif ((COMP_CWORD == 1)); then\n\t\t_kestrel_compgen -W '",
	      out);
	for (size_t i = 0; cli_synopsis[i]; i++) {
		const char *line = cli_synopsis[i];

		fputs(sep, out);
		if (line[0] == '-')
			put_synopsis_options(out, line);
		else
			fprintf(out, "%.*s", (int)strcspn(line, " "), line);
		sep = " ";
	}
	fputs("'\n\t\treturn\n\tfi\n\tcase ${COMP_WORDS[1]} in\n", out);
	for (size_t i = 0; cli_synopsis[i]; i++) {
		const char *line = cli_synopsis[i];
		int n = (int)strcspn(line, " ");

		if (line[0] == '-')
			continue;
		fprintf(out, "\t%.*s)\n\t\t", n, line);
		/* run and ctl have functions of their own, above */
		if (!strncmp(line, "run ", 4) || !strncmp(line, "ctl ", 4)) {
			fprintf(out, "_kestrel_%.*s\n", n, line);
		} else {
			fputs("_kestrel_compgen -W '", out);
			put_synopsis_options(out, line + n);
			fputs("'\n", out);
		}
		fputs("\t\t;;\n", out);
	}
	fputs("\tesac\n}\n\ncomplete -F _kestrel kestrel\n", out);
}

void doc_bash_completion(FILE *out)
{
	fputs("# bash completion for kestrel, made by cli-doc from kestrel's\n"
	      "# option table (vmm/cli_options.c, vmm/cli_text.c).\n\n"
	      "# COMPREPLY from what compgen offers for $cur, one a line, so\n"
	      "# that file names stay whole.\n"
	      "_kestrel_compgen()\n{\n"
	      "\tcase $1 in\n"
	      "\t-f | -d)\n"
	      "\t\tcompopt -o filenames 2>/dev/null\n"
	      "\t\t;;\n"
	      "\tesac\n"
	      "\tmapfile -t COMPREPLY < <(compgen \"$@\" -- \"$cur\")\n}\n\n",
	      out);
	put_run(out);
	put_ctl(out);
	put_main(out);
}
