/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TOOLS_DOC_H
#define KESTREL_TOOLS_DOC_H

#include <stdio.h>

/*
 * Renderings of kestrel's command line (vmm/cli_option.h, vmm/cli_text.h)
 * for readers other than --help. Each writes the whole document to out.
 */

/* The README's usage block and option table (between its markers). */
void doc_markdown(FILE *out);
/* The kestrel(1) man page. */
void doc_man(FILE *out);
/* A bash completion script for kestrel. */
void doc_bash_completion(FILE *out);

#endif
