// SPDX-License-Identifier: MIT
/* The README's usage block and option table, in GitHub's Markdown. */
#include "tools/doc.h"

#include "vmm/cli_option.h"
#include "vmm/cli_text.h"

/* The row after the options: what "--" starts. */
static const char command_row[] =
	"with `--rootfs`: run COMMAND in the guest, then power off; kestrel "
	"exits with its status";

/* A table cell: a '|' would end it. */
static void put_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
}

/* Blank lines around it keep the README's markers out of the table. */
void doc_markdown(FILE *out)
{
	fputs("\n```\n", out);
	for (size_t i = 0; cli_synopsis[i]; i++)
		fprintf(out, "kestrel %s\n", cli_synopsis[i]);
	fputs("```\n\n| option | meaning |\n| --- | --- |\n", out);
	for (size_t i = 0; i < cli_nr_options; i++) {
		const struct cli_option *o = &cli_options[i];

		fputs("| `", out);
		if (o->letter)
			fprintf(out, "-%c, ", o->letter);
		fprintf(out, "--%s", o->name);
		if (o->arg) {
			fputc(' ', out);
			put_cell(out, o->arg);
		}
		fputs("` | ", out);
		put_cell(out, o->doc ? o->doc : o->help);
		fputs(" |\n", out);
	}
	fprintf(out, "| `-- COMMAND [ARG...]` | %s |\n\n", command_row);
}
