// SPDX-License-Identifier: MIT
/* The kestrel(1) man page, in the man(7) macros. */
#include "tools/doc.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "vmm/cli.h"
#include "vmm/cli_option.h"
#include "vmm/cli_text.h"

#define WORD_CHARS                                                        \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_" \
	"-"

/*
 * One character of text. A '-' that starts a word (an option) or is part
 * of a literal must print as the ASCII minus people type, not a hyphen.
 */
static void put_char(FILE *out, char c, char prev, bool literal)
{
	if (c == '\\')
		fputs("\\e", out);
	else if (c == '-' && (literal || !isalnum((unsigned char)prev)))
		fputs("\\-", out);
	else
		fputc(c, out);
}

/* Where the text of a "[text](#anchor)" at s ends, or NULL. */
static const char *link_text_end(const char *s)
{
	const char *end = strstr(s, "](#");

	if (!end || memchr(s + 1, ']', (size_t)(end - s - 1)) ||
	    !strchr(end, ')'))
		return NULL;
	return end;
}

/*
 * A paragraph of option text: `code` in bold, a [link](#anchor) to a
 * README section as words naming it.
 */
static void put_text(FILE *out, const char *s)
{
	const char *link_end = NULL;
	bool code = false;
	char prev = ' ';

	/* A line starting with these would be a request. */
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; prev = *s++) {
		if (*s == '`') {
			fputs(code ? "\\fR" : "\\fB", out);
			code = !code;
		} else if (!code && !link_end && *s == '[' &&
			   (link_end = link_text_end(s))) {
			/* only the link's text is shown */
		} else if (s == link_end) {
			fputs(" in the README", out);
			s = strchr(s, ')');
			link_end = NULL;
		} else {
			put_char(out, *s, prev, code);
		}
	}
	fputs("\n", out);
}

/*
 * Command-line syntax: placeholders (FILE, ARG) in italics, words typed
 * as they are (run, ro, --quiet) in bold, brackets and bars in roman.
 */
static void put_syntax(FILE *out, const char *s)
{
	while (*s) {
		size_t n = strspn(s, WORD_CHARS);
		bool lower = false, upper = false;

		if (n == 0) {
			put_char(out, *s, ' ', true);
			s++;
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			lower |= islower((unsigned char)s[i]) != 0;
			upper |= isupper((unsigned char)s[i]) != 0;
		}
		fputs(upper && !lower ? "\\fI" : "\\fB", out);
		for (size_t i = 0; i < n; i++)
			put_char(out, s[i], ' ', true);
		fputs("\\fR", out);
		s += n;
	}
}

static void put_option(FILE *out, const struct cli_option *o)
{
	char syntax[256];
	int n = 0;

	if (o->letter)
		n = snprintf(syntax, sizeof(syntax), "-%c, ", o->letter);
	snprintf(syntax + n, sizeof(syntax) - (size_t)n, "--%s%s%s", o->name,
		 o->arg ? " " : "", o->arg ? o->arg : "");
	fputs(".TP\n", out);
	put_syntax(out, syntax);
	fputs("\n", out);
	put_text(out, o->doc ? o->doc : o->help);
}

void doc_man(FILE *out)
{
	size_t len = strlen(cli_summary);

	fputs(".\\\" Made by cli-doc from kestrel's option table "
	      "(vmm/cli_options.c, vmm/cli_text.c).\n",
	      out);
	fprintf(out, ".TH KESTREL 1 \"\" \"kestrel %s\" \"User Commands\"\n",
		KESTREL_VERSION);
	/* Ragged right, no hyphens inserted: option words stay whole. */
	fputs(".ad l\n.nh\n", out);
	/* NAME is "kestrel \- summary", as whatis and apropos read it. */
	fprintf(out, ".SH NAME\nkestrel \\- %c%.*s\n",
		tolower((unsigned char)cli_summary[0]),
		(int)(len - 1 - (cli_summary[len - 1] == '.')),
		cli_summary + 1);
	fputs(".SH SYNOPSIS\n.nf\n", out);
	for (size_t i = 0; cli_synopsis[i]; i++) {
		put_syntax(out, "kestrel ");
		put_syntax(out, cli_synopsis[i]);
		fputs("\n", out);
	}
	fputs(".fi\n.SH DESCRIPTION\n", out);
	put_text(out, cli_summary);
	for (size_t i = 0; cli_description[i]; i++) {
		fputs(".PP\n", out);
		put_text(out, cli_description[i]);
	}
	fputs(".SH OPTIONS\n", out);
	for (size_t i = 0; i < cli_nr_options; i++)
		put_option(out, &cli_options[i]);
	for (size_t i = 0; i < cli_nr_sections; i++) {
		fprintf(out, ".SH %s\n", cli_sections[i].title);
		put_text(out, cli_sections[i].text);
	}
	fputs(".SH \"EXIT STATUS\"\n", out);
	for (size_t i = 0; i < cli_nr_exit_statuses; i++) {
		fprintf(out, ".TP\n.B %s\n", cli_exit_statuses[i].status);
		put_text(out, cli_exit_statuses[i].meaning);
	}
}
