// SPDX-License-Identifier: MIT
/* kestrel: boot a Linux kernel under KVM from the command line. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/cli.h"
#include "vmm/ctl_client.h"
#include "vmm/exit_status.h"
#include "vmm/host_kvm.h"
#include "runtime/log.h"
#include "vmm/sandbox.h"
#include "vmm/vm.h"

static struct host_console *crash_console;

/* A crashing kestrel must not leave the user's terminal in raw mode. */
static void crash_handler(int sig)
{
	if (crash_console)
		host_console_restore(crash_console);
	raise(sig); /* SA_RESETHAND: now with the default action */
}

/* A sandbox violation ends kestrel at once: the terminal first. */
static void sandbox_violation(void)
{
	if (crash_console)
		host_console_restore(crash_console);
}

static void setup_process_signals(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct sigaction sa = { .sa_handler = crash_handler,
				.sa_flags = SA_RESETHAND };
	sigset_t mask;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Delivered through a signalfd in the event loop, in every thread
	 * blocked here before any is created. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
}

/* `kestrel check`: the facts on stdout, then the verdict. */
static int check_host(bool quiet)
{
	struct host_kvm h;
	char why[512];
	int ret;

	host_kvm_probe(host_kvm_root(), &host_kvm_real_ops, &h, NULL);
	if (!quiet)
		host_kvm_print(&h, stdout);
	ret = host_kvm_verdict(&h, NULL, why, sizeof(why));
	fflush(stdout);
	if (ret) {
		log_error("%s", why);
		return EXIT_KESTREL_FAILED;
	}
	printf("%s\n", why);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t host_mem = (uint64_t)sysconf(_SC_PHYS_PAGES) *
			    (uint64_t)sysconf(_SC_PAGESIZE);
	const char *debug = getenv("KESTREL_DEBUG");
	struct vm_config cfg;
	struct vm vm;
	char err[512];
	int status;

	if (debug && *debug && strcmp(debug, "0") != 0)
		log_threshold = LOG_DEBUG;
	switch (cli_parse(argc, argv, host_mem, &cfg, err, sizeof(err))) {
	case CLI_HELP:
		fputs(cli_usage, stdout);
		cli_free(&cfg);
		return 0;
	case CLI_VERSION:
		printf("kestrel %s\n", KESTREL_VERSION);
		cli_free(&cfg);
		return 0;
	case CLI_ERROR:
		log_error("%s", err);
		cli_free(&cfg);
		return EXIT_KESTREL_FAILED;
	case CLI_CHECK:
		status = check_host(cfg.quiet);
		cli_free(&cfg);
		return status;
	case CLI_CTL:
		status = ctl_client_main(cfg.ctl_argc, cfg.ctl_argv,
					 CTL_TIMEOUT_MS);
		cli_free(&cfg);
		return status;
	case CLI_RUN:
		break;
	}

	setup_process_signals();
	/* Everything is open once the VM exists: confine the rest. */
	if (vm_load(&vm, &cfg) || vm_create(&vm) ||
	    (!cfg.no_sandbox &&
	     sandbox_prepare(sandbox_needs_of(&cfg), sandbox_violation))) {
		status = EXIT_KESTREL_FAILED;
	} else {
		crash_console = &vm.console;
		status = vm_run(&vm);
		crash_console = NULL;
	}
	vm_destroy(&vm);
	cli_free(&cfg);
	return status;
}
