// SPDX-License-Identifier: MIT
/* "kestrel --help": the option table and its prose, laid out for a terminal. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vmm/cli.h"
#include "vmm/cli_option.h"
#include "vmm/cli_text.h"

#define WIDTH 74 /* columns a line may fill */
#define HELP_COL 23 /* where an option's text starts */
#define STATUS_COL 7 /* where an exit status's meaning starts */

/*
 * Room for every row of the table and the prose with plenty to spare;
 * test_cli checks that the text ends where it should, uncut.
 */
static char usage[16384];

struct text {
	char *buf;
	size_t size, len;
	unsigned int col;
};

static void put(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends, cutting off what does not fit; tracks the column. */
static void put(struct text *t, const char *fmt, ...)
{
	size_t room = t->size - t->len;
	const char *nl;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room)
		n = (int)room - 1;
	nl = memrchr(t->buf + t->len, '\n', (size_t)n);
	if (nl)
		t->col = (unsigned int)(t->buf + t->len + n - nl - 1);
	else
		t->col += (unsigned int)n;
	t->len += (size_t)n;
}

/*
 * Text from the current column, words wrapped at WIDTH, continuation
 * lines indented by `indent`; ends the line.
 */
static void put_wrapped(struct text *t, const char *s, unsigned int indent)
{
	bool line_empty = true;

	while (*s) {
		size_t n = strcspn(s, " ");

		if (!line_empty && t->col + 1 + n > WIDTH) {
			put(t, "\n%*s", (int)indent, "");
			line_empty = true;
		}
		put(t, "%s%.*s", line_empty ? "" : " ", (int)n, s);
		line_empty = false;
		s += n;
		s += strspn(s, " ");
	}
	put(t, "\n");
}

static void put_option(struct text *t, const struct cli_option *o)
{
	if (o->letter)
		put(t, "  -%c, --%s", o->letter, o->name);
	else
		put(t, "      --%s", o->name);
	if (o->arg)
		put(t, " %s", o->arg);
	/* Two spaces at least between an option and its text. */
	if (t->col + 2 > HELP_COL)
		put(t, "\n");
	put(t, "%*s", (int)(HELP_COL - t->col), "");
	put_wrapped(t, o->help, HELP_COL);
}

static void render(struct text *t)
{
	for (size_t i = 0; cli_synopsis[i]; i++)
		put(t, "%s kestrel %s\n",
		    i ? "      " : "usage:", cli_synopsis[i]);
	put(t, "\n%s\n", cli_summary);
	for (size_t i = 0; cli_description[i]; i++) {
		put(t, "\n");
		put_wrapped(t, cli_description[i], 0);
	}
	put(t, "\n");
	for (size_t i = 0; i < cli_nr_options; i++)
		put_option(t, &cli_options[i]);
	for (size_t i = 0; i < cli_nr_sections; i++) {
		put(t, "\n");
		put_wrapped(t, cli_sections[i].text, 0);
	}
	put(t, "\nExit status:\n");
	for (size_t i = 0; i < cli_nr_exit_statuses; i++) {
		const struct cli_exit_status *e = &cli_exit_statuses[i];

		put(t, "  %-*s", STATUS_COL - 2, e->status);
		put_wrapped(t, e->meaning, STATUS_COL);
	}
}

const char *cli_usage_text(void)
{
	struct text t = { .buf = usage, .size = sizeof(usage) };

	if (!usage[0])
		render(&t);
	return usage;
}
