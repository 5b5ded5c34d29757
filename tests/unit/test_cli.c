// SPDX-License-Identifier: MIT
/* cli_parse() and parse_size(): the "kestrel run" command line. */
#include "unit.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>

#include "vmm/cli.h"
#include "vmm/cli_option.h"
#include "vmm/cli_text.h"

#define MAX_ARGS 32
#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

struct parsed {
	enum cli_action action;
	struct vm_config cfg;
	char err[256];
	char *argv[MAX_ARGS];
};

/*
 * Runs cli_parse on "kestrel" followed by the NULL-terminated arguments.
 * The strings must outlive p (cfg points into argv); literals do.
 */
static void parse_mem(struct parsed *p, uint64_t host_mem, ...)
{
	va_list ap;
	int argc = 0;
	char *a;

	memset(p, 0, sizeof(*p));
	p->argv[argc++] = "kestrel";
	va_start(ap, host_mem);
	while ((a = va_arg(ap, char *)) != NULL) {
		assert_true(argc < MAX_ARGS - 1);
		p->argv[argc++] = a;
	}
	va_end(ap);
	p->argv[argc] = NULL;
	memset(p->err, 'X', sizeof(p->err) - 1);
	p->action = cli_parse(argc, p->argv, host_mem, &p->cfg, p->err,
			      sizeof(p->err));
}

#define parse(p, ...) parse_mem(p, 0, __VA_ARGS__, (char *)NULL)

/* Expects CLI_ERROR with a one-line message containing sub. */
#define expect_error(p, sub)                              \
	do {                                              \
		assert_int_equal((p)->action, CLI_ERROR); \
		assert_true((p)->err[0] != '\0');         \
		assert_null(strchr((p)->err, '\n'));      \
		assert_contains((p)->err, sub);           \
		cli_free(&(p)->cfg);                      \
	} while (0)

static void test_defaults(void **state)
{
	struct parsed p;

	parse(&p, "run");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.err, "");
	assert_int_equal(p.cfg.mem_size, 512 * MiB);
	assert_int_equal(p.cfg.mem_size, CLI_DEFAULT_MEM);
	assert_int_equal(p.cfg.cpus, 1);
	assert_null(p.cfg.kernel);
	assert_null(p.cfg.initrd);
	assert_null(p.cfg.append);
	assert_null(p.cfg.command);
	assert_true(p.cfg.timeout_s == 0);
	assert_null(p.cfg.control);
	assert_false(p.cfg.gdb);
	assert_false(p.cfg.gdb_wait);
	assert_null(p.cfg.dump_on_panic);
	cli_free(&p.cfg);
}

static void test_long_options(void **state)
{
	struct parsed p;

	parse(&p, "run", "--kernel", "bzImage", "--initrd", "initrd.img",
	      "--append", "quiet", "--memory", "2G", "--cpus", "4", "--timeout",
	      "30");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.kernel, "bzImage");
	assert_string_equal(p.cfg.initrd, "initrd.img");
	assert_string_equal(p.cfg.append, "quiet");
	assert_int_equal(p.cfg.mem_size, 2 * GiB);
	assert_int_equal(p.cfg.cpus, 4);
	assert_true(p.cfg.timeout_s == 30.0);
	cli_free(&p.cfg);
	assert_null(p.cfg.append);
}

static void test_long_options_with_equals(void **state)
{
	struct parsed p;

	parse(&p, "run", "--kernel=vmlinux", "--memory=1024M", "--cpus=2",
	      "--timeout=1.5", "--append=a=b");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.kernel, "vmlinux");
	assert_int_equal(p.cfg.mem_size, GiB);
	assert_int_equal(p.cfg.cpus, 2);
	assert_true(p.cfg.timeout_s == 1.5);
	assert_string_equal(p.cfg.append, "a=b");
	cli_free(&p.cfg);
}

static void test_short_options(void **state)
{
	struct parsed p;

	parse(&p, "run", "-k", "bzImage", "-i", "initrd.img", "-a",
	      "console=hvc0", "-m", "64M", "-c", "254");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.kernel, "bzImage");
	assert_string_equal(p.cfg.initrd, "initrd.img");
	assert_string_equal(p.cfg.append, "console=hvc0");
	assert_int_equal(p.cfg.mem_size, 64 * MiB);
	assert_int_equal(p.cfg.cpus, 254);
	cli_free(&p.cfg);

	/* Arguments glued to the option letter. */
	parse(&p, "run", "-kbz", "-c3", "-m32M");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.kernel, "bz");
	assert_int_equal(p.cfg.cpus, 3);
	assert_int_equal(p.cfg.mem_size, 32 * MiB);
	cli_free(&p.cfg);
}

static void test_append_repeated(void **state)
{
	struct parsed p;

	parse(&p, "run", "--append", "a", "-a", "b c", "--append=d");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.append, "a b c d");
	cli_free(&p.cfg);
	assert_null(p.cfg.append);

	parse(&p, "run", "-a", "", "-a", "x");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.append, " x");
	cli_free(&p.cfg);
}

static void test_later_option_wins(void **state)
{
	struct parsed p;

	parse(&p, "run", "-m", "64M", "-m", "128M", "-c", "2", "-c", "3", "-k",
	      "a", "-k", "b");
	assert_int_equal(p.action, CLI_RUN);
	assert_int_equal(p.cfg.mem_size, 128 * MiB);
	assert_int_equal(p.cfg.cpus, 3);
	assert_string_equal(p.cfg.kernel, "b");
	cli_free(&p.cfg);
}

static void test_help_and_version(void **state)
{
	static const char *const help[] = { "--help", "-h", "help" };
	static const char *const version[] = { "--version", "-V" };
	struct parsed p;

	for (size_t i = 0; i < sizeof(help) / sizeof(help[0]); i++) {
		parse(&p, (char *)help[i]);
		assert_int_equal(p.action, CLI_HELP);
		parse(&p, (char *)help[i], "bogus", "--bogus");
		assert_int_equal(p.action, CLI_HELP);
	}
	for (size_t i = 0; i < sizeof(version) / sizeof(version[0]); i++) {
		parse(&p, (char *)version[i]);
		assert_int_equal(p.action, CLI_VERSION);
	}
	parse(&p, "run", "--help");
	assert_int_equal(p.action, CLI_HELP);
	parse(&p, "run", "-k", "bzImage", "-h");
	assert_int_equal(p.action, CLI_HELP);
	parse(&p, "run", "--version");
	assert_int_equal(p.action, CLI_VERSION);
	parse(&p, "run", "-c", "2", "-V");
	assert_int_equal(p.action, CLI_VERSION);
	cli_free(&p.cfg);

	assert_non_null(strstr(cli_usage, "--kernel"));
	assert_non_null(strstr(cli_usage, "--timeout"));
}

static void test_no_args(void **state)
{
	struct parsed p;
	char *argv[] = { "kestrel", NULL };

	memset(&p, 0, sizeof(p));
	p.action = cli_parse(1, argv, 0, &p.cfg, p.err, sizeof(p.err));
	expect_error(&p, "no command");

	p.action = cli_parse(0, argv, 0, &p.cfg, p.err, sizeof(p.err));
	expect_error(&p, "no command");
}

static void test_unknown_command(void **state)
{
	struct parsed p;

	parse(&p, "boot");
	expect_error(&p, "unknown command 'boot'");
	parse(&p, "version");
	expect_error(&p, "unknown command");
	parse(&p, "");
	expect_error(&p, "unknown command");
	/* Options go after the command. */
	parse(&p, "-k", "bzImage", "run");
	expect_error(&p, "unknown command '-k'");
}

static void test_unknown_options(void **state)
{
	struct parsed p;

	parse(&p, "run", "--bogus");
	expect_error(&p, "unknown option '--bogus'");
	parse(&p, "run", "--bogus=3");
	expect_error(&p, "unknown option '--bogus'");
	parse(&p, "run", "-k", "bz", "--bogus", "-c", "2");
	expect_error(&p, "unknown option '--bogus'");
	parse(&p, "run", "-z");
	expect_error(&p, "unknown option '-z'");
	parse(&p, "run", "-m", "64M", "-z");
	expect_error(&p, "unknown option '-z'");
	/* --timeout has no short form. */
	parse(&p, "run", "-t", "5");
	expect_error(&p, "unknown option '-t'");
	parse(&p, "run", "--no-sandbox=yes");
	expect_error(&p, "option '--no-sandbox' takes no value");
}

/*
 * An unknown letter inside a cluster of short options, after a long option:
 * the message must still name '-z'. getopt has not advanced optind while it
 * is still inside the cluster "-zq", so argv[optind - 1] is the previous
 * argument "--cpus=2"; the message must go by the letter (optopt), not by
 * that word (vmm/cli_run.c bad_option).
 */
static void test_unknown_option_in_cluster(void **state)
{
	struct parsed p;

	parse(&p, "run", "-zq");
	expect_error(&p, "unknown option '-z'");
	parse(&p, "run", "--cpus=2", "-zq");
	expect_error(&p, "unknown option '-z'");
}

static void test_missing_argument(void **state)
{
	static const char *const opts[] = { "--kernel", "--initrd", "--append",
					    "--memory", "--cpus",   "--timeout",
					    "-k",	"-i",	    "-a",
					    "-m",	"-c" };
	struct parsed p;
	char want[64];

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		parse(&p, "run", (char *)opts[i]);
		snprintf(want, sizeof(want), "'%s' needs an argument", opts[i]);
		expect_error(&p, want);
		/* The same after other options. */
		parse(&p, "run", "-c", "2", (char *)opts[i]);
		expect_error(&p, want);
	}
}

static void test_empty_file_names(void **state)
{
	struct parsed p;

	parse(&p, "run", "--kernel", "");
	expect_error(&p, "--kernel needs a file name");
	parse(&p, "run", "--kernel=");
	expect_error(&p, "--kernel needs a file name");
	parse(&p, "run", "-i", "");
	expect_error(&p, "--initrd needs a file name");
}

static void test_bad_memory(void **state)
{
	static const char *const bad[] = {
		"abc", "12Q",  "",
		"-5M", "1.5G", "G",
		" 1G", "1G ",  "99999999999999999999G"
	};
	struct parsed p;
	char want[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(&p, "run", "--memory", (char *)bad[i]);
		snprintf(want, sizeof(want), "--memory '%s': not a size",
			 bad[i]);
		expect_error(&p, want);
	}
}

static void test_memory_limits(void **state)
{
	struct parsed p;

	parse(&p, "run", "-m", "31M");
	expect_error(&p, "at least 32 MiB");
	parse(&p, "run", "-m", "0");
	expect_error(&p, "at least 32 MiB");
	parse(&p, "run", "-m", "32767K");
	expect_error(&p, "at least 32 MiB");
	parse(&p, "run", "-m", "32M");
	assert_int_equal(p.action, CLI_RUN);
	assert_int_equal(p.cfg.mem_size, CLI_MIN_MEM);

	parse(&p, "run", "-m", "1000001K");
	expect_error(&p, "not a multiple of 4 KiB");
	parse(&p, "run", "-m", "1000004K");
	assert_int_equal(p.action, CLI_RUN);
	assert_int_equal(p.cfg.mem_size, 1000004ULL * 1024);

	parse_mem(&p, GiB, "run", "-m", "2G", (char *)NULL);
	expect_error(&p, "2048 MiB is more than the host's 1024 MiB");
	parse_mem(&p, GiB, "run", "-m", "1025M", (char *)NULL);
	expect_error(&p, "more than the host's");
	parse_mem(&p, GiB, "run", "-m", "1G", (char *)NULL);
	assert_int_equal(p.action, CLI_RUN);
	assert_int_equal(p.cfg.mem_size, GiB);
	/* host_mem 0: unknown, no ceiling. */
	parse(&p, "run", "-m", "1T");
	assert_int_equal(p.action, CLI_RUN);
	assert_int_equal(p.cfg.mem_size, 1024 * GiB);
}

static void test_bad_cpus(void **state)
{
	static const char *const bad[] = {
		"0", "255", "x",  "-1",	 "2x",
		"",  " 2",  "+2", "1e2", "99999999999999999999999"
	};
	struct parsed p;
	char want[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(&p, "run", "--cpus", (char *)bad[i]);
		snprintf(want, sizeof(want),
			 "--cpus '%s': must be a number from 1 to 254", bad[i]);
		expect_error(&p, want);
	}
	parse(&p, "run", "-c", "1");
	assert_int_equal(p.action, CLI_RUN);
	assert_int_equal(p.cfg.cpus, 1);
}

static void test_bad_timeout(void **state)
{
	static const char *const bad[] = { "0",	    "-1",   "abc",   "nan",
					   "inf",   "",	    "5s",    "0.0",
					   "1e300", "-inf", "1e-400" };
	struct parsed p;
	char want[80];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(&p, "run", "--timeout", (char *)bad[i]);
		snprintf(want, sizeof(want),
			 "--timeout '%s': must be a positive number", bad[i]);
		expect_error(&p, want);
	}
	parse(&p, "run", "--timeout", "0.25");
	assert_int_equal(p.action, CLI_RUN);
	assert_true(p.cfg.timeout_s == 0.25);
}

static void test_stray_argument(void **state)
{
	struct parsed p;

	parse(&p, "run", "foo");
	expect_error(&p, "unexpected argument 'foo'");
	parse(&p, "run", "-k", "bzImage", "foo", "-c", "2");
	expect_error(&p, "unexpected argument 'foo'");
	assert_contains(p.err, "after '--'");
}

/*
 * "--" given as the text of --append, then a stray word: the word is not a
 * guest command.
 */
static void test_dashdash_as_option_argument(void **state)
{
	struct parsed p;

	parse(&p, "run", "--append", "--", "foo");
	expect_error(&p, "unexpected argument 'foo'");
}

static void test_command_needs_rootfs(void **state)
{
	struct parsed p;

	parse(&p, "run", "--", "cmd");
	expect_error(&p, "give --rootfs DIR");
	parse(&p, "run", "--rootfs", "/", "-c", "2", "--", "cmd", "--arg",
	      "-x");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.rootfs, "/");
	assert_string_equal(p.cfg.command[0], "cmd");
	assert_string_equal(p.cfg.command[1], "--arg");
	assert_string_equal(p.cfg.command[2], "-x");
	assert_null(p.cfg.command[3]);
	parse(&p, "run", "--rootfs", "/", "-i", "initrd");
	expect_error(&p, "leave out --initrd");
	parse(&p, "run", "--rootfs", "");
	expect_error(&p, "--rootfs needs a directory");
	parse(&p, "run", "--console-log", "");
	expect_error(&p, "--console-log needs a file name");
	parse(&p, "run", "--console-log", "log", "--rootfs", "/", "--", "x");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.console_log, "log");
	assert_false(p.cfg.no_sandbox);
	parse(&p, "run", "--no-sandbox", "--rootfs", "/", "--", "x");
	assert_int_equal(p.action, CLI_RUN);
	assert_true(p.cfg.no_sandbox);

	/* A bare "--" with nothing after it is no command. */
	parse(&p, "run", "-c", "2", "--");
	assert_int_equal(p.action, CLI_RUN);
	assert_null(p.cfg.command);
	assert_int_equal(p.cfg.cpus, 2);
}

static void test_reparse_resets_state(void **state)
{
	struct parsed p;

	parse(&p, "run", "-k", "a", "-c", "8", "-a", "x");
	assert_int_equal(p.action, CLI_RUN);
	cli_free(&p.cfg);
	/* getopt state and cfg must not leak into the next call. */
	parse(&p, "run");
	assert_int_equal(p.action, CLI_RUN);
	assert_null(p.cfg.kernel);
	assert_null(p.cfg.append);
	assert_int_equal(p.cfg.cpus, 1);
	parse(&p, "run", "-z");
	expect_error(&p, "'-z'");
	parse(&p, "run", "-c", "5");
	assert_int_equal(p.action, CLI_RUN);
	assert_int_equal(p.cfg.cpus, 5);
}

static void test_error_message_truncated(void **state)
{
	struct vm_config cfg;
	char *argv[] = { "kestrel", "run", "--bogus-option-with-a-long-name",
			 NULL };
	char err[8];

	memset(err, 'X', sizeof(err));
	assert_int_equal(cli_parse(3, argv, 0, &cfg, err, sizeof(err)),
			 CLI_ERROR);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	cli_free(&cfg);
}

/* A path of n bytes, for the Unix socket limit. */
static char *path_of(char *buf, size_t n, const char *prefix)
{
	size_t plen = strlen(prefix);

	memcpy(buf, prefix, plen);
	memset(buf + plen, 'p', n);
	buf[plen + n] = '\0';
	return buf;
}

static void test_control(void **state)
{
	char path[CLI_SOCKET_PATH_MAX + 2];
	struct parsed p;

	parse(&p, "run", "--control", "/run/kestrel.sock");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.control, "/run/kestrel.sock");
	parse(&p, "run", "--control=rel.sock");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.control, "rel.sock");
	parse(&p, "run", "--control", path_of(path, CLI_SOCKET_PATH_MAX, ""));
	assert_int_equal(p.action, CLI_RUN);
	assert_int_equal(strlen(p.cfg.control), 107);

	parse(&p, "run", "--control", "");
	expect_error(&p, "--control needs a socket path");
	parse(&p, "run", "--control",
	      path_of(path, CLI_SOCKET_PATH_MAX + 1, ""));
	expect_error(&p, "': a Unix socket path is at most 107 bytes");
	parse(&p, "run", "--control");
	expect_error(&p, "option '--control' needs an argument");
}

static void expect_gdb_tcp(const char *arg, const char *addr, uint16_t port)
{
	struct parsed p;

	parse(&p, "run", "--gdb", (char *)arg);
	if (p.action != CLI_RUN)
		fail_msg("--gdb '%s': %s", arg, p.err);
	assert_true(p.cfg.gdb);
	assert_false(p.cfg.gdb_listen.is_unix);
	assert_int_equal(p.cfg.gdb_listen.addr, inet_addr(addr));
	assert_int_equal(p.cfg.gdb_listen.port, port);
	assert_string_equal(p.cfg.gdb_listen.path, "");
	cli_free(&p.cfg);
}

static void test_gdb_tcp(void **state)
{
	expect_gdb_tcp("1234", "127.0.0.1", 1234);
	expect_gdb_tcp(":1234", "127.0.0.1", 1234);
	expect_gdb_tcp("localhost:1", "127.0.0.1", 1);
	expect_gdb_tcp("0.0.0.0:65535", "0.0.0.0", 65535);
	expect_gdb_tcp("10.1.2.3:99", "10.1.2.3", 99);
}

static void test_gdb_unix(void **state)
{
	char arg[CLI_SOCKET_PATH_MAX + 8];
	struct parsed p;

	parse(&p, "run", "--gdb", "unix:/tmp/gdb.sock");
	assert_int_equal(p.action, CLI_RUN);
	assert_true(p.cfg.gdb);
	assert_true(p.cfg.gdb_listen.is_unix);
	assert_string_equal(p.cfg.gdb_listen.path, "/tmp/gdb.sock");
	assert_int_equal(p.cfg.gdb_listen.port, 0);
	assert_int_equal(p.cfg.gdb_listen.addr, 0);

	parse(&p, "run", "--gdb", path_of(arg, CLI_SOCKET_PATH_MAX, "unix:"));
	assert_int_equal(p.action, CLI_RUN);
	assert_int_equal(strlen(p.cfg.gdb_listen.path), CLI_SOCKET_PATH_MAX);

	parse(&p, "run", "--gdb",
	      path_of(arg, CLI_SOCKET_PATH_MAX + 1, "unix:"));
	expect_error(&p, "': a Unix socket path is at most 107 bytes");
	parse(&p, "run", "--gdb", "unix:");
	expect_error(&p, "--gdb 'unix:': no socket path");
}

static void test_gdb_bad(void **state)
{
	static const char *const bad_port[] = {
		"0",
		"65536",
		"x",
		"",
		"-1",
		"12 ",
		"+22",
		"1e3",
		"1.2.3.4:",
		"1.2.3.4:0",
		"unix",
		"localhost",
		"localhost:99999",
	};
	static const char *const bad_host[] = { "host:12",     "1.2.3:5",
						"::1:22",      "256.1.1.1:1",
						"LOCALHOST:1", " 1.2.3.4:1",
						"1:" };
	struct parsed p;
	char want[96];

	for (size_t i = 0; i < sizeof(bad_port) / sizeof(bad_port[0]); i++) {
		parse(&p, "run", "--gdb", (char *)bad_port[i]);
		snprintf(
			want, sizeof(want),
			"--gdb '%s': the port must be a number from 1 to 65535",
			bad_port[i]);
		expect_error(&p, want);
		assert_false(p.cfg.gdb);
	}
	for (size_t i = 0; i < sizeof(bad_host) / sizeof(bad_host[0]); i++) {
		parse(&p, "run", "--gdb", (char *)bad_host[i]);
		snprintf(want, sizeof(want),
			 "--gdb '%s': '%.*s' is not an IPv4", bad_host[i],
			 (int)(strrchr(bad_host[i], ':') - bad_host[i]),
			 bad_host[i]);
		expect_error(&p, want);
	}
	parse(&p, "run", "--gdb");
	expect_error(&p, "option '--gdb' needs an argument");
}

static void test_gdb_wait(void **state)
{
	struct parsed p;

	parse(&p, "run", "--gdb-wait");
	expect_error(&p, "--gdb-wait needs --gdb");
	/* Checked once every option is in: the order does not matter. */
	parse(&p, "run", "--gdb-wait", "--gdb", "1234");
	assert_int_equal(p.action, CLI_RUN);
	assert_true(p.cfg.gdb_wait);
	assert_true(p.cfg.gdb);
	parse(&p, "run", "--gdb", "unix:g", "--gdb-wait");
	assert_int_equal(p.action, CLI_RUN);
	assert_true(p.cfg.gdb_wait);
	parse(&p, "run", "--gdb", "1", "--gdb-wait=yes");
	expect_error(&p, "option '--gdb-wait' takes no value");
	/* A bad --gdb is reported, not the missing one. */
	parse(&p, "run", "--gdb-wait", "--gdb", "0");
	expect_error(&p, "--gdb '0': the port");
}

static void test_dump_on_panic(void **state)
{
	struct parsed p;

	parse(&p, "run", "--dump-on-panic", "vmcore.elf");
	assert_int_equal(p.action, CLI_RUN);
	assert_string_equal(p.cfg.dump_on_panic, "vmcore.elf");
	parse(&p, "run", "--dump-on-panic=");
	expect_error(&p, "--dump-on-panic needs a file name");
	parse(&p, "run", "--dump-on-panic");
	expect_error(&p, "option '--dump-on-panic' needs an argument");
}

/* kestrel ctl: the words after "ctl" go to the client, SOCKET first. */
static void test_ctl(void **state)
{
	struct parsed p;

	parse(&p, "ctl", "/run/k.sock", "status");
	assert_int_equal(p.action, CLI_CTL);
	assert_string_equal(p.err, "");
	assert_int_equal(p.cfg.ctl_argc, 2);
	assert_string_equal(p.cfg.ctl_argv[0], "/run/k.sock");
	assert_string_equal(p.cfg.ctl_argv[1], "status");
	assert_null(p.cfg.ctl_argv[2]);
	cli_free(&p.cfg);

	/* Commands and their arguments are the client's to check. */
	parse(&p, "ctl", "k.sock", "sysrq", "t");
	assert_int_equal(p.action, CLI_CTL);
	assert_int_equal(p.cfg.ctl_argc, 3);
	assert_string_equal(p.cfg.ctl_argv[2], "t");
	parse(&p, "ctl", "k.sock", "frobnicate", "--now");
	assert_int_equal(p.action, CLI_CTL);
	assert_int_equal(p.cfg.ctl_argc, 3);

	/* So are missing words (tests/cli/run.sh checks its messages). */
	parse(&p, "ctl");
	assert_int_equal(p.action, CLI_CTL);
	assert_int_equal(p.cfg.ctl_argc, 0);
	parse(&p, "ctl", "k.sock");
	assert_int_equal(p.action, CLI_CTL);
	assert_int_equal(p.cfg.ctl_argc, 1);
	parse(&p, "ctl", "--help");
	assert_int_equal(p.action, CLI_HELP);
	parse(&p, "ctl", "-h", "x", "y");
	assert_int_equal(p.action, CLI_HELP);
	/* Only "ctl" itself selects it. */
	parse(&p, "ctl-x", "k.sock", "status");
	expect_error(&p, "unknown command 'ctl-x'");

	assert_contains(cli_usage,
			"kestrel ctl SOCKET "
			"status|pause|resume|stop|sysrq KEY|nmi|dump "
			"FILE\n");
}

/* The rows getopt, --help, the README and the man page are made from. */
static void test_option_table(void **state)
{
	assert_true(cli_nr_options <= CLI_MAX_OPTIONS);
	for (size_t i = 0; i < cli_nr_options; i++) {
		const struct cli_option *o = &cli_options[i];

		assert_non_null(o->name);
		assert_true(o->name[0] != '\0' && o->name[0] != '-');
		assert_non_null(o->help);
		assert_null(strchr(o->help, '\n'));
		assert_true(!o->doc || !strchr(o->doc, '\n'));
		/* getopt's own characters cannot be letters. */
		if (o->letter)
			assert_null(strchr(":?+-", o->letter));
		assert_true((o->complete == CLI_COMPLETE_CHOICES) ==
			    (o->choices != NULL));
		if (!o->parse) {
			/* Another form of the option in the row before. */
			assert_true(i > 0);
			assert_string_equal(o->name, cli_options[i - 1].name);
			assert_int_equal(o->letter, 0);
			assert_true((o->arg != NULL) ==
				    (cli_options[i - 1].arg != NULL));
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			if (!cli_options[j].parse)
				continue;
			assert_string_not_equal(o->name, cli_options[j].name);
			if (o->letter)
				assert_int_not_equal(o->letter,
						     cli_options[j].letter);
		}
	}
}

/* --help names every row, ends uncut, and fits a terminal. */
static void test_usage_lists_every_option(void **state)
{
	const char *text = cli_usage;
	const struct cli_exit_status *last =
		&cli_exit_statuses[cli_nr_exit_statuses - 1];
	char want[160];
	size_t len = strlen(text);

	for (size_t i = 0; i < cli_nr_options; i++) {
		const struct cli_option *o = &cli_options[i];

		snprintf(want, sizeof(want), "--%s%s%s\n", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		if (!strstr(text, want)) {
			snprintf(want, sizeof(want), "--%s%s%s ", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
			assert_contains(text, want);
		}
		if (o->letter) {
			snprintf(want, sizeof(want), "  -%c, --%s", o->letter,
				 o->name);
			assert_contains(text, want);
		}
	}
	for (size_t i = 0; cli_synopsis[i]; i++)
		assert_contains(text, cli_synopsis[i]);
	assert_contains(text, "Exit status:");
	snprintf(want, sizeof(want), "%s\n", last->meaning);
	assert_true(len > strlen(want));
	assert_string_equal(text + len - strlen(want), want);
	for (const char *line = text; *line;) {
		size_t n = strcspn(line, "\n");

		if (n > 80)
			fail_msg("a line of %zu columns: %.*s", n, (int)n,
				 line);
		line += n + (line[n] == '\n');
	}
	/* Made once: the same text every time. */
	assert_ptr_equal(cli_usage, text);
}

/* "--NAME=VALUE" for an option without a value, however abbreviated. */
static void test_flag_given_a_value(void **state)
{
	struct parsed p;

	parse(&p, "run", "--no-sand=1");
	expect_error(&p, "option '--no-sandbox' takes no value");
	parse(&p, "run", "--help=x");
	expect_error(&p, "option '--help' takes no value");
	parse(&p, "run", "--vers=2");
	expect_error(&p, "option '--version' takes no value");
}

static void expect_size(const char *s, uint64_t want)
{
	uint64_t v = 0xdeadbeef;

	if (parse_size(s, &v) != 0)
		fail_msg("parse_size(\"%s\") failed", s);
	if (v != want)
		fail_msg("parse_size(\"%s\") = %llu, want %llu", s,
			 (unsigned long long)v, (unsigned long long)want);
}

static void expect_bad_size(const char *s)
{
	uint64_t v = 0xdeadbeef;

	if (parse_size(s, &v) != -1)
		fail_msg("parse_size(\"%s\") accepted (%llu)", s,
			 (unsigned long long)v);
	assert_int_equal(v, 0xdeadbeef);
}

static void test_parse_size(void **state)
{
	expect_size("512M", 512 * MiB);
	expect_size("4G", 4 * GiB);
	expect_size("1T", 1024 * GiB);
	expect_size("64", 64 * MiB);
	expect_size("1024K", MiB);
	expect_size("2GiB", 2 * GiB);
	expect_size("2gb", 2 * GiB);
	expect_size("2g", 2 * GiB);
	expect_size("2GB", 2 * GiB);
	expect_size("2gib", 2 * GiB);
	expect_size("3k", 3072);
	expect_size("0", 0);
	expect_size("007M", 7 * MiB);
	/* The largest value that fits, per suffix. */
	expect_size("16777215T", 16777215ULL << 40);
	expect_size("17592186044415", 17592186044415ULL << 20);
}

static void test_parse_size_rejects(void **state)
{
	static const char *const bad[] = {
		"G",
		"1.5G",
		" 1G",
		"1G ",
		"",
		"-1G",
		"+1G",
		"1Q",
		"1GG",
		"1GiBB",
		"1Gi",
		"1iB",
		"1B",
		"0x10",
		"1 G",
		"abc",
		"16777216T",
		"17592186044416",
		"99999999999999999999G",
		"18446744073709551616K",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad_size(bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_long_options),
		cmocka_unit_test(test_long_options_with_equals),
		cmocka_unit_test(test_short_options),
		cmocka_unit_test(test_append_repeated),
		cmocka_unit_test(test_later_option_wins),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_no_args),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_unknown_option_in_cluster),
		cmocka_unit_test(test_missing_argument),
		cmocka_unit_test(test_empty_file_names),
		cmocka_unit_test(test_bad_memory),
		cmocka_unit_test(test_memory_limits),
		cmocka_unit_test(test_bad_cpus),
		cmocka_unit_test(test_bad_timeout),
		cmocka_unit_test(test_stray_argument),
		cmocka_unit_test(test_dashdash_as_option_argument),
		cmocka_unit_test(test_command_needs_rootfs),
		cmocka_unit_test(test_reparse_resets_state),
		cmocka_unit_test(test_error_message_truncated),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_gdb_tcp),
		cmocka_unit_test(test_gdb_unix),
		cmocka_unit_test(test_gdb_bad),
		cmocka_unit_test(test_gdb_wait),
		cmocka_unit_test(test_dump_on_panic),
		cmocka_unit_test(test_ctl),
		cmocka_unit_test(test_option_table),
		cmocka_unit_test(test_usage_lists_every_option),
		cmocka_unit_test(test_flag_given_a_value),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_size_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
