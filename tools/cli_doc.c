// SPDX-License-Identifier: MIT
/*
 * cli-doc: writes the README's option table, the man page or the bash
 * completion, all made from the option table kestrel itself parses with.
 * usage: cli-doc markdown|man|bash-completion
 */
#include <stdio.h>
#include <string.h>

#include "tools/doc.h"

static const struct {
	const char *name;
	void (*render)(FILE *out);
} documents[] = {
	{ "markdown", doc_markdown },
	{ "man", doc_man },
	{ "bash-completion", doc_bash_completion },
};

int main(int argc, char **argv)
{
	for (size_t i = 0;
	     argc == 2 && i < sizeof(documents) / sizeof(documents[0]); i++) {
		if (strcmp(argv[1], documents[i].name) != 0)
			continue;
		documents[i].render(stdout);
		if (fflush(stdout) || ferror(stdout)) {
			perror("cli-doc: stdout");
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: cli-doc markdown|man|bash-completion\n");
	return 2;
}
