// SPDX-License-Identifier: MIT
/* What --help and the man page say besides the options. */
#include "vmm/cli_text.h"

const char *const cli_synopsis[] = {
	"run [OPTIONS] [-- COMMAND [ARG...]]",
	"check [-q|--quiet]",
	"ctl SOCKET " CLI_CTL_COMMANDS,
	"--help | --version",
	NULL,
};

const char cli_summary[] = "Boot a Linux kernel in a KVM virtual machine.";

const char *const cli_description[] = {
	"kestrel check says what this host's KVM offers and whether it can "
	"run a standard guest kernel (status 0) or not (125, with the "
	"reason); --quiet prints only that verdict.",
	"kestrel ctl sends COMMAND to the kestrel run started with --control "
	"SOCKET.",
	NULL,
};

const struct cli_section cli_sections[] = {
	{
		"CONSOLE",
		"The console is the guest's first serial port on "
		"stdin/stdout. When stdin is a terminal it is put in raw mode; "
		"type Ctrl-A x to quit, Ctrl-A Ctrl-A to send Ctrl-A. Ctrl-A b "
		"sends a break (SysRq: then the key).",
	},
	{
		"COMMAND",
		"With --rootfs and a COMMAND, the guest runs COMMAND with "
		"kestrel's stdin, stdout and stderr, then powers off; the "
		"console is kept out of the way (see --console-log) and its "
		"last lines are shown if the run fails.",
	},
};

const size_t cli_nr_sections = sizeof(cli_sections) / sizeof(cli_sections[0]);

const struct cli_exit_status cli_exit_statuses[] = {
	{ "N", "with a COMMAND: the command's own exit status" },
	{ "0", "the guest powered off or rebooted" },
	{ "124", "--timeout expired" },
	{ "125", "kestrel failed (bad arguments, unreadable kernel, KVM "
		 "error, a system call its sandbox forbids)" },
	{ "126", "the guest kernel panicked" },
	{ "130", "interrupted (SIGINT or Ctrl-A x)" },
	{ "143", "terminated (SIGTERM)" },
};

const size_t cli_nr_exit_statuses =
	sizeof(cli_exit_statuses) / sizeof(cli_exit_statuses[0]);
