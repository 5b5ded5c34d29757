// SPDX-License-Identifier: MIT
/*
 * `kestrel ctl` against the control server with a fake VM behind it, and
 * against servers that misbehave: what it prints, where, and its exit
 * status.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "fake_control.h"
#include "vmm/ctl_client.h"

static struct fake_control fc;
/* what the last run_ctl() printed */
static char out[8192], err[8192];

static int start(void **state)
{
	(void)state;
	return fake_control_start(&fc, &fake_ops);
}

static int stop(void **state)
{
	(void)state;
	fake_control_stop(&fc);
	return 0;
}

struct ctl_run {
	int argc;
	char **argv;
	int timeout_ms;
	int out_fd, err_fd;
};

static int ctl_child(void *arg)
{
	struct ctl_run *r = arg;

	dup2(r->out_fd, STDOUT_FILENO);
	dup2(r->err_fd, STDERR_FILENO);
	return ctl_client_main(r->argc, r->argv, r->timeout_ms);
}

static void slurp(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static int tmp_fd(void)
{
	char path[192];
	int fd;

	snprintf(path, sizeof(path), "%s/outXXXXXX", fc.dir);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/*
 * `kestrel ctl ARG...` (NULL-terminated) with a reply timeout; its exit
 * status, its stdout and stderr in out and err.
 */
static int run_ctl_within(int timeout_ms, const char *arg, ...)
{
	char *argv[16];
	struct ctl_run r = { 0, argv, timeout_ms, tmp_fd(), tmp_fd() };
	va_list ap;
	int status;

	va_start(ap, arg);
	for (; arg; arg = va_arg(ap, const char *))
		argv[r.argc++] = (char *)arg;
	va_end(ap);
	argv[r.argc] = NULL;
	status = run_in_child(ctl_child, &r, 20);
	slurp(r.out_fd, out, sizeof(out));
	slurp(r.err_fd, err, sizeof(err));
	return status;
}

#define run_ctl(...) run_ctl_within(CTL_TIMEOUT_MS, __VA_ARGS__, NULL)

static void test_status_reads_as_lines(void **state)
{
	(void)state;
	assert_int_equal(run_ctl(fc.path, "status"), 0);
	assert_string_equal(
		out, "state     running\n"
		     "vCPUs     2\n"
		     "memory    512 MiB\n"
		     "uptime    1h02m03s\n"
		     "devices   serial, virtio-blk vda, virtio-net eth0\n");
	assert_string_equal(err, "");
	assert_int_equal(run_ctl("--json", fc.path, "status"), 0);
	assert_string_equal(
		out,
		"{\"ok\":true,\"state\":\"running\",\"vcpus\":2,\"memory\":536870912,\"uptime_ms\":3723400,\"devices\":\"serial, virtio-blk vda, virtio-net eth0\"}\n");
}

/* Fields the client does not know are shown as they come. */
static int odd_status(void *ctx, struct json_writer *w, char *e, size_t n)
{
	(void)ctx;
	(void)e;
	(void)n;
	json_add_uint(w, "memory", 1000);
	json_add_str(w, "state", "paused");
	json_add_uint(w, "uptime_ms", 12345);
	json_add_bool(w, "gdb", true);
	json_add_int(w, "pid", 4242);
	json_add_uint(w, "vcpus", 1);
	return 0;
}

static void test_status_shows_what_there_is(void **state)
{
	static const struct control_ops ops = { .status = odd_status };
	struct fake_control other;

	(void)state;
	assert_int_equal(fake_control_start(&other, &ops), 0);
	assert_int_equal(run_ctl(other.path, "status"), 0);
	fake_control_stop(&other);
	assert_string_equal(out, "state     paused\n"
				 "vCPUs     1\n"
				 "memory    1000 bytes\n"
				 "uptime    12.3s\n"
				 "gdb       yes\n"
				 "pid       4242\n");
}

static void test_commands(void **state)
{
	(void)state;
	assert_int_equal(run_ctl(fc.path, "pause"), 0);
	assert_string_equal(out, "");
	assert_string_equal(err, "");
	assert_true(atomic_load(&fc.vm.paused));
	assert_int_equal(run_ctl(fc.path, "pause"), CTL_EXIT_REFUSED);
	assert_string_equal(out, "");
	assert_string_equal(err, "kestrel: ctl: already paused\n");
	assert_int_equal(run_ctl("--json", fc.path, "pause"), CTL_EXIT_REFUSED);
	assert_string_equal(out,
			    "{\"ok\":false,\"error\":\"already paused\"}\n");
	assert_int_equal(run_ctl(fc.path, "resume"), 0);
	assert_false(atomic_load(&fc.vm.paused));
	assert_int_equal(run_ctl(fc.path, "sysrq", "t"), 0);
	assert_int_equal(atomic_load(&fc.vm.key), 't');
	assert_int_equal(run_ctl(fc.path, "nmi"), 0);
	assert_int_equal(atomic_load(&fc.vm.nmis), 1);
	assert_int_equal(run_ctl("--", fc.path, "stop"), 0);
	assert_int_equal(atomic_load(&fc.vm.stops), 1);
	assert_string_equal(out, "");
	assert_string_equal(err, "");
}

static void test_dump(void **state)
{
	char path[192], got[64];
	struct stat st;
	ssize_t n;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/core", fc.dir);
	assert_int_equal(run_ctl(fc.path, "dump", path), 0);
	assert_string_equal(out, "");
	assert_string_equal(err, "");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	got[n > 0 ? n : 0] = '\0';
	assert_string_equal(got, FAKE_DUMP);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* a failed dump into a file it made leaves no file ... */
	fc.vm.fail = "guest memory unreadable";
	snprintf(path, sizeof(path), "%s/core2", fc.dir);
	assert_int_equal(run_ctl(fc.path, "dump", path), CTL_EXIT_REFUSED);
	assert_string_equal(err, "kestrel: ctl: guest memory unreadable\n");
	assert_int_equal(access(path, F_OK), -1);
	/* ... and keeps a file that was there */
	snprintf(path, sizeof(path), "%s/core", fc.dir);
	assert_int_equal(run_ctl(fc.path, "dump", path), CTL_EXIT_REFUSED);
	assert_int_equal(access(path, F_OK), 0);
	fc.vm.fail = NULL;

	/* the file is the client's to open, with the client's rights */
	snprintf(path, sizeof(path), "%s/no/core", fc.dir);
	assert_int_equal(run_ctl(fc.path, "dump", path), 125);
	assert_contains(err, "kestrel: ctl: cannot open '");
	assert_contains(err,
			"/no/core' for writing: No such file or directory\n");
	assert_int_equal(atomic_load(&fc.vm.dumps), 3);
}

static void check_usage_error(int status, const char *want)
{
	assert_int_equal(status, 125);
	assert_string_equal(out, "");
	if (strncmp(err, "kestrel: ctl: ", 14) || !strstr(err, want) ||
	    strchr(err, '\n') != err + strlen(err) - 1)
		fail_msg("stderr \"%s\" is not one line with \"%s\"", err,
			 want);
}

static void test_usage_errors(void **state)
{
	char longpath[200];

	(void)state;
	check_usage_error(run_ctl_within(1000, NULL), "no socket given");
	check_usage_error(run_ctl("--json"), "no socket given");
	check_usage_error(run_ctl(fc.path), "no command given (known: status");
	check_usage_error(run_ctl(fc.path, "reboot"),
			  "unknown command 'reboot' (known: status, pause, "
			  "resume, stop, sysrq KEY, nmi, dump FILE)");
	check_usage_error(run_ctl(fc.path, "sysrq"), "sysrq needs a KEY");
	check_usage_error(run_ctl(fc.path, "sysrq", ""), "sysrq needs a KEY");
	check_usage_error(run_ctl(fc.path, "sysrq", "tt"),
			  "sysrq KEY 'tt' is not one digit or lower-case "
			  "letter");
	check_usage_error(run_ctl(fc.path, "sysrq", "T"), "sysrq KEY 'T'");
	check_usage_error(run_ctl(fc.path, "dump"), "dump needs a FILE");
	check_usage_error(run_ctl(fc.path, "status", "now"),
			  "unexpected argument 'now'");
	check_usage_error(run_ctl(fc.path, "sysrq", "t", "u"),
			  "unexpected argument 'u'");
	check_usage_error(run_ctl("--yaml", fc.path, "status"),
			  "unknown option '--yaml'");
	memset(longpath, 'x', 150);
	longpath[150] = '\0';
	check_usage_error(run_ctl(longpath, "status"),
			  "is longer than 107 bytes");
	/* none of them reached the VM */
	assert_int_equal(atomic_load(&fc.vm.sysrqs), 0);
	assert_int_equal(run_ctl("--help"), 0);
	assert_contains(out, "usage: kestrel ctl [--json] SOCKET COMMAND");
}

static void test_unreachable_sockets(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[192], want[256];
	int s;

	(void)state;
	snprintf(path, sizeof(path), "%s/none.sock", fc.dir);
	check_usage_error(run_ctl(path, "status"), "cannot connect");
	snprintf(want, sizeof(want),
		 "kestrel: ctl: cannot connect to %s: No such file or "
		 "directory\n",
		 path);
	assert_string_equal(err, want);
	/* a socket nobody listens on: a kestrel that died */
	snprintf(path, sizeof(path), "%s/dead.sock", fc.dir);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	check_usage_error(run_ctl(path, "status"), ": Connection refused");
	close(s);
	/* not a socket at all */
	check_usage_error(run_ctl(fc.dir, "status"), ": Connection refused");
	/* a dump's file is not made when there is nobody to ask */
	snprintf(want, sizeof(want), "%s/core", fc.dir);
	check_usage_error(run_ctl(path, "dump", want), "Connection refused");
	assert_int_equal(access(want, F_OK), -1);
}

/* A server of the test's: reads a line, answers reply (NULL: nothing). */
struct raw_server {
	int listen;
	const char *reply;
	pthread_t thread;
};

static void *raw_serve(void *arg)
{
	struct raw_server *r = arg;
	int s = accept4(r->listen, NULL, NULL, SOCK_CLOEXEC);
	char c;

	while (recv(s, &c, 1, 0) == 1 && c != '\n')
		;
	if (r->reply && send(s, r->reply, strlen(r->reply), MSG_NOSIGNAL) < 0) {
		/* the client is gone: its test says so */
	}
	close(s);
	return NULL;
}

static void raw_server_start(struct raw_server *r, const char *path,
			     const char *reply, bool serve)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memcpy(sa.sun_path, path, strlen(path) + 1);
	r->listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(r->listen, (struct sockaddr *)&sa, sizeof(sa)),
			 0);
	assert_int_equal(listen(r->listen, 4), 0);
	r->reply = reply;
	r->thread = pthread_self();
	if (serve)
		assert_int_equal(pthread_create(&r->thread, NULL, raw_serve, r),
				 0);
}

static void raw_server_stop(struct raw_server *r, const char *path)
{
	if (!pthread_equal(r->thread, pthread_self()))
		pthread_join(r->thread, NULL);
	close(r->listen);
	unlink(path);
}

static void test_servers_that_misbehave(void **state)
{
	static const struct {
		const char *reply, *why;
	} bad[] = {
		{ NULL, "closed the connection without a reply" },
		{ "{\"ok\":true}", "closed the connection without a reply" },
		{ "garbage\n", "bad reply from" },
		{ "{\"ok\":1}\n", "no \"ok\" or \"error\"" },
		{ "{\"ok\":false}\n", "no \"ok\" or \"error\"" },
		{ "{\"ok\":false,\"error\":[]}\n", "bad reply" },
	};
	struct raw_server r;
	char path[192], core[192], want[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/raw.sock", fc.dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_server_start(&r, path, bad[i].reply, true);
		check_usage_error(run_ctl(path, "status"), bad[i].why);
		raw_server_stop(&r, path);
	}
	/* listening, never answering: the timeout */
	raw_server_start(&r, path, NULL, false);
	check_usage_error(run_ctl_within(300, path, "status", NULL),
			  "no reply from");
	snprintf(want, sizeof(want),
		 "kestrel: ctl: no reply from %s within 0.3 s\n", path);
	assert_string_equal(err, want);
	/* and a dump that never came leaves no file */
	snprintf(core, sizeof(core), "%s/core", fc.dir);
	check_usage_error(run_ctl_within(300, path, "dump", core, NULL),
			  "no reply from");
	assert_int_equal(access(core, F_OK), -1);
	raw_server_stop(&r, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_reads_as_lines,
						start, stop),
		cmocka_unit_test_setup_teardown(test_status_shows_what_there_is,
						start, stop),
		cmocka_unit_test_setup_teardown(test_commands, start, stop),
		cmocka_unit_test_setup_teardown(test_dump, start, stop),
		cmocka_unit_test_setup_teardown(test_usage_errors, start, stop),
		cmocka_unit_test_setup_teardown(test_unreachable_sockets, start,
						stop),
		cmocka_unit_test_setup_teardown(test_servers_that_misbehave,
						start, stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
