// SPDX-License-Identifier: MIT
/*
 * The control socket's server on a real Unix socket and a real event loop
 * run by its own thread, as kestrel's device thread runs it: requests and
 * replies, many clients, hostile ones, descriptors sent for dumps, and the
 * socket file's life.
 */
#include "unit.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "fake_control.h"
#include "vmm/control_request.h"

static struct fake_control fc;

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

/* Fills in path, which the tests keep short. */
static void unix_address(struct sockaddr_un *sa, const char *path)
{
	size_t len = strlen(path);

	if (len >= sizeof(sa->sun_path))
		abort();
	memcpy(sa->sun_path, path, len + 1);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 10, 0 };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	unix_address(&sa, path);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return s;
}

static int client(void)
{
	return connect_to(fc.path);
}

/* Sends buf[0..len) in one sendmsg, with descriptors if nr_fds. */
static ssize_t sendmsg_with(int s, const void *buf, size_t len, const int *fds,
			    unsigned int nr_fds)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} cmsg;
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nr_fds) {
		struct cmsghdr *cm;

		msg.msg_control = cmsg.buf;
		msg.msg_controllen = CMSG_SPACE(nr_fds * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nr_fds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nr_fds * sizeof(int));
	}
	return sendmsg(s, &msg, MSG_NOSIGNAL);
}

static void send_with(int s, const void *buf, size_t len, const int *fds,
		      unsigned int nr_fds)
{
	if (sendmsg_with(s, buf, len, fds, nr_fds) != (ssize_t)len)
		fail_msg("sendmsg: %s", strerror(errno));
}

static void say(int s, const char *text)
{
	send_with(s, text, strlen(text), NULL, 0);
}

/* One reply line, without its newline; fails on EOF or timeout. */
static const char *hear(int s)
{
	static char line[CONTROL_REPLY_MAX + 1];
	size_t n = 0;

	for (;;) {
		ssize_t r = recv(s, line + n, 1, 0);

		if (r <= 0)
			fail_msg("no reply line (%s after \"%.*s\")",
				 r ? strerror(errno) : "EOF", (int)n, line);
		if (line[n] == '\n')
			break;
		if (++n == sizeof(line) - 1)
			fail_msg("reply line too long");
	}
	line[n] = '\0';
	return line;
}

/* Reads n reply lines in bulk; how many were want. */
static int replies(int s, int n, const char *want)
{
	static char buf[1 << 16];
	size_t have = 0, wlen = strlen(want);
	int good = 0;

	while (n) {
		ssize_t r = recv(s, buf + have, sizeof(buf) - have, 0);
		char *line = buf, *nl;

		if (r <= 0)
			fail_msg("%d replies missing", n);
		have += (size_t)r;
		while (n && (nl = memchr(line, '\n', have - (line - buf)))) {
			good += (size_t)(nl - line) == wlen &&
				!memcmp(line, want, wlen);
			n--;
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
	}
	return good;
}

/*
 * The server closed the connection: the end, or a reset when it closed
 * with bytes of ours unread.
 */
static void assert_ends(int s)
{
	char c;
	ssize_t n = recv(s, &c, 1, 0);

	if (n != 0 && !(n < 0 && errno == ECONNRESET))
		fail_msg("recv: %zd (%s), not the end", n,
			 n < 0 ? strerror(errno) : "data");
}

static const char *ask(int s, const char *request)
{
	say(s, request);
	return hear(s);
}

static const char running[] =
	"{\"ok\":true,\"state\":\"running\",\"vcpus\":2,\"memory\":536870912,"
	"\"uptime_ms\":3723400,\"devices\":\"serial, virtio-blk vda, "
	"virtio-net eth0\"}";

static void test_every_command(void **state)
{
	int s = client();

	(void)state;
	assert_string_equal(ask(s, "{\"cmd\":\"status\"}\n"), running);
	assert_string_equal(ask(s, "{\"cmd\":\"pause\"}\n"), "{\"ok\":true}");
	assert_contains(ask(s, "{\"cmd\":\"status\"}\n"),
			"\"state\":\"paused\"");
	assert_string_equal(ask(s, "{\"cmd\":\"pause\"}\n"),
			    "{\"ok\":false,\"error\":\"already paused\"}");
	assert_string_equal(ask(s, "{\"cmd\":\"resume\"}\n"), "{\"ok\":true}");
	assert_string_equal(ask(s, "{\"cmd\":\"resume\"}\n"),
			    "{\"ok\":false,\"error\":\"not paused\"}");
	assert_string_equal(
		ask(s, " { \"key\" : \"t\", \"cmd\":\"sysrq\" }\r\n"),
		"{\"ok\":true}");
	assert_int_equal(atomic_load(&fc.vm.key), 't');
	assert_string_equal(ask(s, "{\"cmd\":\"nmi\"}\n"), "{\"ok\":true}");
	assert_int_equal(atomic_load(&fc.vm.nmis), 1);
	assert_string_equal(ask(s, "{\"cmd\":\"stop\"}\n"), "{\"ok\":true}");
	assert_int_equal(atomic_load(&fc.vm.stops), 1);
	close(s);
}

static void test_bad_requests_get_an_error_and_the_line_goes_on(void **state)
{
	static const struct {
		const char *request, *reply;
	} bad[] = {
		{ "hello", "bad request: at offset 0: expected an object" },
		{ "", "bad request: at offset 0: expected an object" },
		{ "{\"cmd\":\"status\"",
		  "bad request: at offset 15: expected ',' or '}'" },
		{ "{\"cmd\":[\"status\"]}", "nested objects and arrays" },
		{ "{}", "the request needs \\\"cmd\\\", a string" },
		{ "{\"cmd\":1}", "the request needs \\\"cmd\\\", a string" },
		{ "{\"cmd\":\"reboot\"}", "unknown command \\\"reboot\\\"" },
		{ "{\"cmd\":\"sta\\u0000tus\"}", "\\\\u0000 is not allowed" },
		{ "{\"cmd\":\"status\",\"cmd\":\"stop\"}", "duplicate key" },
		{ "{\"cmd\":\"status\",\"verbose\":true}",
		  "status takes no member \\\"verbose\\\"" },
		{ "{\"cmd\":\"nmi\",\"key\":\"t\"}",
		  "nmi takes no member \\\"key\\\"" },
		{ "{\"cmd\":\"sysrq\"}", "sysrq needs \\\"key\\\"" },
		{ "{\"cmd\":\"sysrq\",\"key\":\"\"}",
		  "sysrq needs \\\"key\\\"" },
		{ "{\"cmd\":\"sysrq\",\"key\":\"tt\"}",
		  "sysrq needs \\\"key\\\"" },
		{ "{\"cmd\":\"sysrq\",\"key\":\"T\"}",
		  "sysrq needs \\\"key\\\"" },
		{ "{\"cmd\":\"sysrq\",\"key\":\"!\"}",
		  "sysrq needs \\\"key\\\"" },
		{ "{\"cmd\":\"sysrq\",\"key\":7}", "sysrq needs \\\"key\\\"" },
		{ "{\"cmd\":\"dump\"}", "dump needs the file's descriptor" },
		{ "\xff\xfe", "expected an object" },
		{ "{\"cmd\":\"\xff\"}", "not UTF-8" },
	};
	int s = client();
	char line[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *reply;

		snprintf(line, sizeof(line), "%s\n", bad[i].request);
		reply = ask(s, line);
		if (strncmp(reply, "{\"ok\":false,\"error\":\"", 21) ||
		    !strstr(reply, bad[i].reply))
			fail_msg("%s: got %s", bad[i].request, reply);
	}
	assert_int_equal(atomic_load(&fc.vm.sysrqs), 0);
	assert_int_equal(atomic_load(&fc.vm.stops), 0);
	assert_string_equal(ask(s, "{\"cmd\":\"status\"}\n"), running);
	close(s);
}

static void test_the_vms_errors_are_the_replies(void **state)
{
	int s = client();

	(void)state;
	fc.vm.fail = "no \"dump\" today\n(really)";
	assert_string_equal(
		ask(s, "{\"cmd\":\"nmi\"}\n"),
		"{\"ok\":false,\"error\":\"no \\\"dump\\\" today\\n(really)\"}");
	fc.vm.fail = "";
	assert_string_equal(ask(s, "{\"cmd\":\"stop\"}\n"),
			    "{\"ok\":false,\"error\":\"stop failed\"}");
	assert_string_equal(ask(s, "{\"cmd\":\"status\"}\n"),
			    "{\"ok\":false,\"error\":\"status failed\"}");
	fc.vm.fail = NULL;
	close(s);
}

/* A VM without a callback says so, per command. */
static void test_missing_callbacks_are_not_supported(void **state)
{
	static const struct control_ops none = { 0 };
	static const char *const cmds[] = { "status", "pause", "resume", "stop",
					    "nmi" };
	char reply[CONTROL_REPLY_MAX], line[64], want[128];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		n = (size_t)snprintf(line, sizeof(line), "{\"cmd\":\"%s\"}",
				     cmds[i]);
		snprintf(want, sizeof(want),
			 "{\"ok\":false,\"error\":\"%s is not supported\"}\n",
			 cmds[i]);
		assert_int_equal(control_answer(&none, NULL, line, n, -1, 0,
						reply, sizeof(reply)),
				 strlen(want));
		assert_string_equal(reply, want);
	}
	n = (size_t)snprintf(line, sizeof(line),
			     "{\"cmd\":\"sysrq\",\"key\":\"s\"}");
	control_answer(&none, NULL, line, n, -1, 0, reply, sizeof(reply));
	assert_string_equal(
		reply, "{\"ok\":false,\"error\":\"sysrq is not supported\"}\n");
}

/* A status bigger than a reply line is an error, not a cut line. */
static int huge_status(void *ctx, struct json_writer *w, char *err,
		       size_t errlen)
{
	char big[1000];

	(void)ctx;
	(void)err;
	(void)errlen;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 5; i++)
		json_add_str(w, "devices", big);
	return 0;
}

static void test_an_oversized_reply_is_an_error(void **state)
{
	static const struct control_ops ops = { .status = huge_status };
	char reply[CONTROL_REPLY_MAX];

	(void)state;
	control_answer(&ops, NULL, "{\"cmd\":\"status\"}", 16, -1, 0, reply,
		       sizeof(reply));
	assert_string_equal(
		reply,
		"{\"ok\":false,\"error\":\"status: reply longer than 4096 bytes\"}\n");
}

/* Requests sent together are answered one line each, in order. */
static void test_pipelined_requests(void **state)
{
	int s = client();
	char buf[64 * 40];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\n",
				      i % 3 == 0 ? "{\"cmd\":\"nmi\"}" :
				      i % 3 == 1 ? "nonsense" :
						   "{\"cmd\":\"status\"}");
	say(s, buf);
	for (int i = 0; i < 40; i++) {
		const char *r = hear(s);

		if (i % 3 == 0)
			assert_string_equal(r, "{\"ok\":true}");
		else if (i % 3 == 1)
			assert_contains(r, "bad request");
		else
			assert_string_equal(r, running);
	}
	/* byte by byte, too */
	for (const char *p = "{\"cmd\":\"status\"}\n"; *p; p++)
		send_with(s, p, 1, NULL, 0);
	assert_string_equal(hear(s), running);
	close(s);
}

static void test_clients_one_after_another(void **state)
{
	int base = open_fds();

	(void)state;
	for (int i = 0; i < 200; i++) {
		int s = client();

		assert_string_equal(ask(s, "{\"cmd\":\"status\"}\n"), running);
		close(s);
	}
	assert_true(fds_settle_at(base));
}

static void test_clients_at_once_and_one_too_many(void **state)
{
	int s[CONTROL_MAX_CLIENTS], extra, late, n;

	(void)state;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		s[i] = client();
		say(s[i], "{\"cmd\":");
	}
	/* all eight are being served: none waits for another's line */
	assert_string_equal(ask(s[3], "\"status\"}\n"), running);
	extra = client();
	assert_string_equal(hear(extra),
			    "{\"ok\":false,\"error\":\"too many clients\"}");
	assert_ends(extra);
	close(extra);
	for (int i = CONTROL_MAX_CLIENTS - 1; i >= 0; i--)
		if (i != 3)
			assert_string_equal(ask(s[i], "\"status\"}\n"),
					    running);
	/* a slot freed is taken by the next to come */
	n = open_fds();
	close(s[0]);
	assert_true(fds_settle_at(n - 2));
	late = client();
	assert_string_equal(ask(late, "{\"cmd\":\"status\"}\n"), running);
	close(late);
	for (int i = 1; i < CONTROL_MAX_CLIENTS; i++)
		close(s[i]);
}

static void test_a_line_too_long_ends_the_connection(void **state)
{
	char line[CONTROL_LINE_MAX + 16];
	int s = client();
	size_t n;

	(void)state;
	/* the longest line: 4095 bytes and its newline */
	n = (size_t)snprintf(line, sizeof(line), "{\"cmd\":\"status\"}");
	memset(line + n, ' ', CONTROL_LINE_MAX - 1 - n);
	line[CONTROL_LINE_MAX - 1] = '\n';
	send_with(s, line, CONTROL_LINE_MAX, NULL, 0);
	assert_string_equal(hear(s), running);
	/* one byte more */
	memset(line + n, ' ', CONTROL_LINE_MAX - n);
	line[CONTROL_LINE_MAX] = '\n';
	send_with(s, line, CONTROL_LINE_MAX + 1, NULL, 0);
	assert_string_equal(
		hear(s),
		"{\"ok\":false,\"error\":\"request longer than 4095 bytes\"}");
	assert_ends(s);
	close(s);
	/* the server goes on */
	s = client();
	assert_string_equal(ask(s, "{\"cmd\":\"status\"}\n"), running);
	close(s);
}

static void test_clients_that_leave_early(void **state)
{
	int base = open_fds(), s, fd;

	(void)state;
	/* mid-request, with a descriptor waiting for its line */
	s = client();
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	send_with(s, "{\"cmd\":\"du", 10, &fd, 1);
	close(fd);
	close(s);
	/* mid-reply: many requests, no reading */
	s = client();
	for (int i = 0; i < 200; i++)
		say(s, "{\"cmd\":\"status\"}\n");
	close(s);
	/* after half-closing: the reply still comes */
	s = client();
	say(s, "{\"cmd\":\"status\"}\n");
	shutdown(s, SHUT_WR);
	assert_string_equal(hear(s), running);
	assert_ends(s);
	close(s);
	/* an unterminated last line is not a request */
	s = client();
	say(s, "{\"cmd\":\"nmi\"}");
	shutdown(s, SHUT_WR);
	assert_ends(s);
	close(s);
	assert_int_equal(atomic_load(&fc.vm.nmis), 0);
	assert_true(fds_settle_at(base));
}

/*
 * A client that sends and never reads is not read from once its replies
 * back up, and meanwhile the others are served as before.
 */
static void test_a_client_that_never_reads(void **state)
{
	static const char req[] = "{\"cmd\":\"status\"}\n";
	int hog = client(), s = client(), sent = 0;
	struct pollfd p = { hog, POLLOUT, 0 };

	(void)state;
	fcntl(hog, F_SETFL, O_NONBLOCK);
	/* until both directions are full: replies here, requests there */
	while (poll(&p, 1, 500) == 1) {
		if (send(hog, req, sizeof(req) - 1, MSG_NOSIGNAL) < 0)
			break;
		sent++;
	}
	assert_true(sent > 100);
	for (int i = 0; i < 10; i++)
		assert_string_equal(ask(s, req), running);
	/* reading the hog's replies lets it go on: each line is one reply */
	fcntl(hog, F_SETFL, 0);
	assert_int_equal(replies(hog, sent, running), sent);
	close(hog);
	close(s);
}

/* ---- descriptors ---- */

static int tmp_file(const char *name, int flags)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/%s", fc.dir, name);
	return open(path, flags | O_CREAT | O_CLOEXEC, 0600);
}

static void file_holds(const char *name, const char *want)
{
	char path[192], got[256];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", fc.dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof(got) - 1);
	assert_true(n >= 0);
	got[n] = '\0';
	assert_string_equal(got, want);
	close(fd);
}

static const char *dump_with(int s, const int *fds, unsigned int nr)
{
	static const char req[] = "{\"cmd\":\"dump\"}\n";

	send_with(s, req, sizeof(req) - 1, fds, nr);
	return hear(s);
}

static void test_dump_writes_where_the_descriptor_says(void **state)
{
	int base = open_fds(), s = client();
	int fd = tmp_file("core", O_WRONLY | O_TRUNC);

	(void)state;
	assert_string_equal(dump_with(s, &fd, 1), "{\"ok\":true}");
	close(fd);
	file_holds("core", FAKE_DUMP);
	/* read-write is writing too */
	fd = tmp_file("core2", O_RDWR);
	assert_string_equal(dump_with(s, &fd, 1), "{\"ok\":true}");
	close(fd);
	file_holds("core2", FAKE_DUMP);
	assert_int_equal(atomic_load(&fc.vm.dumps), 2);
	close(s);
	/* every descriptor the server got is closed again */
	assert_true(fds_settle_at(base));
}

static void test_dump_refuses_what_is_not_a_writable_file(void **state)
{
	int base = open_fds(), s = client(), fds[6], p[2];

	(void)state;
	fds[0] = tmp_file("ro", O_RDONLY);
	assert_string_equal(
		dump_with(s, fds, 1),
		"{\"ok\":false,\"error\":\"dump: the file is not open for writing\"}");
	close(fds[0]);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_string_equal(
		dump_with(s, &p[1], 1),
		"{\"ok\":false,\"error\":\"dump: the descriptor is not a file\"}");
	close(p[0]);
	close(p[1]);
	fds[0] = open(fc.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_contains(dump_with(s, fds, 1), "not a file");
	close(fds[0]);
	fds[0] = tmp_file("ro", O_PATH);
	assert_contains(dump_with(s, fds, 1), "not a file");
	close(fds[0]);
	fds[0] = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_contains(dump_with(s, fds, 1), "not a file");
	close(fds[0]);
	fds[0] = tmp_file("append", O_WRONLY | O_APPEND);
	assert_string_equal(
		dump_with(s, fds, 1),
		"{\"ok\":false,\"error\":\"dump: the file is open for appending\"}");
	close(fds[0]);
	/* more than one, and more than the server takes in one read */
	for (int i = 0; i < 6; i++)
		fds[i] = tmp_file("many", O_WRONLY);
	assert_string_equal(
		dump_with(s, fds, 2),
		"{\"ok\":false,\"error\":\"dump takes exactly one descriptor\"}");
	assert_string_equal(
		dump_with(s, fds, 6),
		"{\"ok\":false,\"error\":\"dump takes exactly one descriptor\"}");
	for (int i = 0; i < 6; i++)
		close(fds[i]);
	file_holds("many", "");
	assert_int_equal(atomic_load(&fc.vm.dumps), 0);
	/* sent with another request, a descriptor is closed, unused */
	fds[0] = tmp_file("status", O_WRONLY);
	send_with(s, "{\"cmd\":\"status\"}\n", 17, fds, 1);
	close(fds[0]);
	assert_string_equal(hear(s), running);
	close(s);
	assert_true(fds_settle_at(base));
}

/*
 * A descriptor goes with the line its sendmsg() ends in, however the
 * kernel splits and joins the bytes on the way.
 */
static void test_a_descriptor_goes_with_its_line(void **state)
{
	int s = client(), fd;
	char c;

	(void)state;
	/* the line split over two sends, the descriptor with either part */
	fd = tmp_file("split1", O_WRONLY);
	send_with(s, "{\"cmd\":", 7, &fd, 1);
	close(fd);
	say(s, "\"dump\"}\n");
	assert_string_equal(hear(s), "{\"ok\":true}");
	file_holds("split1", FAKE_DUMP);
	fd = tmp_file("split2", O_WRONLY);
	say(s, "{\"cmd\":");
	send_with(s, "\"dump\"}\n", 8, &fd, 1);
	close(fd);
	assert_string_equal(hear(s), "{\"ok\":true}");
	file_holds("split2", FAKE_DUMP);

	/*
	 * Two sends the server reads at once: hold the device thread in a
	 * pause while a status line and then a dump line with its
	 * descriptor queue up behind it.
	 */
	fc.vm.gated = true;
	say(s, "{\"cmd\":\"pause\"}\n");
	assert_int_equal(read(fc.vm.entered[0], &c, 1), 1);
	say(s, "{\"cmd\":\"status\"}\n");
	fd = tmp_file("joined", O_WRONLY);
	send_with(s, "{\"cmd\":\"dump\"}\n", 15, &fd, 1);
	close(fd);
	assert_int_equal(write(fc.vm.gate[1], "", 1), 1);
	assert_string_equal(hear(s), "{\"ok\":true}");
	fc.vm.gated = false;
	assert_contains(hear(s), "\"state\":\"paused\"");
	assert_string_equal(hear(s), "{\"ok\":true}");
	file_holds("joined", FAKE_DUMP);
	close(s);
}

/* A reply line into buf (no cmocka: for other threads); its length. */
static ssize_t read_line(int s, char *buf, size_t size)
{
	size_t n = 0;

	while (n < size && recv(s, buf + n, 1, 0) == 1)
		if (buf[n++] == '\n')
			return (ssize_t)n;
	return -1;
}

/* What one of the racing clients does, many times over. */
static void *come_and_go(void *arg)
{
	static const char status[] = "{\"cmd\":\"status\"}\n",
			  dump[] = "{\"cmd\":\"dump\"}\n";
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 10, 0 };
	long bad = 0;

	unix_address(&sa, fc.path);
	for (int i = 0; i < 300; i++) {
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int fd = tmp_file("race", O_WRONLY), what = rand_r(&seed) % 5;
		char reply[CONTROL_REPLY_MAX];
		ssize_t n;

		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (fd < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
			bad++;
		} else if (what < 2) {
			/* a whole request; its reply, or the refusal */
			sendmsg_with(s, what ? dump : status,
				     what ? sizeof(dump) - 1 :
					    sizeof(status) - 1,
				     &fd, what);
			n = read_line(s, reply, sizeof(reply));
			if (n < 0 ||
			    (strncmp(reply, "{\"ok\":true", 10) &&
			     !memmem(reply, (size_t)n, "too many clients", 16)))
				bad++;
		} else if (what == 2) {
			/* half a request, with a descriptor */
			sendmsg_with(s, dump, 5, &fd, 1);
		} else if (what == 3) {
			/* requests, and gone before the replies */
			for (int k = 0; k < 20; k++)
				send(s, status, sizeof(status) - 1,
				     MSG_NOSIGNAL);
		}
		close(fd);
		close(s);
	}
	return (void *)bad;
}

/*
 * Clients connect, send, leave at random times from several threads
 * while the device thread serves them: nothing leaks, nothing hangs, and
 * a request afterwards is answered as ever.
 */
static void test_clients_coming_and_going_at_once(void **state)
{
	int base = open_fds(), s;
	pthread_t t[4];

	(void)state;
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, come_and_go,
						(void *)(i + 1)),
				 0);
	for (int i = 0; i < 4; i++) {
		void *bad;

		pthread_join(t[i], &bad);
		assert_int_equal((long)bad, 0);
	}
	assert_true(fds_settle_at(base));
	s = client();
	assert_string_equal(ask(s, "{\"cmd\":\"status\"}\n"), running);
	close(s);
}

/* ---- the socket file ---- */

static void test_the_socket_is_private(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(lstat(fc.path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_a_permissive_umask_changes_nothing(void **state)
{
	struct fake_control other;
	mode_t old = umask(0);
	struct stat st;

	(void)state;
	assert_int_equal(fake_control_start(&other, &fake_ops), 0);
	assert_int_equal(umask(old), 0);
	assert_int_equal(lstat(other.path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	fake_control_stop(&other);
}

static int init_at(const char *path, char *err, size_t errlen)
{
	struct evloop loop;
	struct control c;
	int ret;

	assert_int_equal(evloop_init(&loop), 0);
	ret = control_init(&c, path, &loop, &fake_ops, NULL, err, errlen);
	if (!ret) {
		struct stat st;

		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISSOCK(st.st_mode));
	}
	control_destroy(&c);
	evloop_destroy(&loop);
	return ret;
}

static void test_what_may_stand_at_the_path(void **state)
{
	char path[192], err[CONTROL_ERR_MAX], want[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	(void)state;
	/* a dead kestrel's socket: nobody listens, so it is replaced */
	snprintf(path, sizeof(path), "%s/stale.sock", fc.dir);
	unix_address(&sa, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	assert_int_equal(init_at(path, err, sizeof(err)), 0);
	/* and removed on the way out */
	assert_int_equal(access(path, F_OK), -1);

	/* a live one: the running server's */
	assert_int_equal(init_at(fc.path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "--control '%s': already in use by a running process",
		 fc.path);
	assert_string_equal(err, want);
	s = client();
	assert_string_equal(ask(s, "{\"cmd\":\"status\"}\n"), running);
	close(s);

	/* anything that is not a socket is left alone */
	s = tmp_file("file", O_WRONLY);
	close(s);
	snprintf(path, sizeof(path), "%s/file", fc.dir);
	assert_int_equal(init_at(path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "--control '%s': exists and is not a socket", path);
	assert_string_equal(err, want);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/link", fc.dir);
	assert_int_equal(symlink(fc.path, path), 0);
	assert_int_equal(init_at(path, err, sizeof(err)), -1);
	assert_contains(err, "exists and is not a socket");
	assert_int_equal(init_at(fc.dir, err, sizeof(err)), -1);
	assert_contains(err, "exists and is not a socket");

	snprintf(path, sizeof(path), "%s/no/such.sock", fc.dir);
	assert_int_equal(init_at(path, err, sizeof(err)), -1);
	assert_contains(err, "such.sock': No such file or directory");
	memset(path, 'a', 108);
	path[108] = '\0';
	assert_int_equal(init_at(path, err, sizeof(err)), -1);
	assert_contains(err, "a socket path must be 1 to 107 bytes");
	assert_int_equal(init_at("", err, sizeof(err)), -1);
}

/* Teardown removes its own socket, not one that took the name since. */
static void test_teardown_removes_only_its_socket(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[CONTROL_ERR_MAX];
	struct evloop loop;
	struct control c;
	struct stat st;
	int s;

	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/mine.sock", fc.dir);
	assert_int_equal(evloop_init(&loop), 0);
	assert_int_equal(control_init(&c, sa.sun_path, &loop, &fake_ops, NULL,
				      err, sizeof(err)),
			 0);
	unlink(sa.sun_path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	control_destroy(&c);
	assert_int_equal(lstat(sa.sun_path, &st), 0);
	close(s);
	evloop_destroy(&loop);
}

/* A VM that has no control socket may tear down the zeroed struct. */
static void test_teardown_of_nothing(void **state)
{
	static struct control c;

	(void)state;
	control_destroy(&c);
	assert_true(fcntl(0, F_GETFD) >= 0); /* fd 0 is not "its" socket */
}

/* ---- out of descriptors ---- */

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * A client waits in the backlog while the process has no descriptor to
 * spare: the server must neither spin on the ready listening socket nor
 * give up on it.
 */
static int out_of_descriptors(void *arg)
{
	static const char req[] = "{\"cmd\":\"status\"}\n";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { 5, 0 };
	struct fake_control *f = arg;
	char reply[sizeof(running)];
	struct rlimit lim, none;
	double cpu;
	ssize_t n;
	int s, ret = 0;

	if (fake_control_start(f, &fake_ops))
		return 1;
	/* the warning the server prints is expected */
	dup2(open("/dev/null", O_WRONLY | O_CLOEXEC), STDERR_FILENO);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unix_address(&sa, f->path);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	getrlimit(RLIMIT_NOFILE, &lim);
	none = lim;
	none.rlim_cur = (rlim_t)s + 1;
	setrlimit(RLIMIT_NOFILE, &none);
	while (dup(0) >= 0)
		; /* the last free descriptors */
	cpu = cpu_seconds();
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(s, req, sizeof(req) - 1, 0) != sizeof(req) - 1) {
		ret = 2;
	} else {
		usleep(500000);
		if (cpu_seconds() - cpu > 0.2)
			ret = 3; /* it spun */
	}
	setrlimit(RLIMIT_NOFILE, &lim);
	/*
	 * Served within the second the server waits before trying again:
	 * the line and its newline.
	 */
	n = recv(s, reply, sizeof(running), MSG_WAITALL);
	if (!ret && (n != (ssize_t)sizeof(running) ||
		     memcmp(reply, running, n - 1) || reply[n - 1] != '\n'))
		ret = 4;
	fake_control_stop(f);
	return ret;
}

static void test_out_of_descriptors(void **state)
{
	struct fake_control other;

	(void)state;
	assert_int_equal(run_in_child(out_of_descriptors, &other, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_command, start,
						stop),
		cmocka_unit_test_setup_teardown(
			test_bad_requests_get_an_error_and_the_line_goes_on,
			start, stop),
		cmocka_unit_test_setup_teardown(
			test_the_vms_errors_are_the_replies, start, stop),
		cmocka_unit_test_setup_teardown(
			test_missing_callbacks_are_not_supported, start, stop),
		cmocka_unit_test_setup_teardown(
			test_an_oversized_reply_is_an_error, start, stop),
		cmocka_unit_test_setup_teardown(test_pipelined_requests, start,
						stop),
		cmocka_unit_test_setup_teardown(test_clients_one_after_another,
						start, stop),
		cmocka_unit_test_setup_teardown(
			test_clients_at_once_and_one_too_many, start, stop),
		cmocka_unit_test_setup_teardown(
			test_a_line_too_long_ends_the_connection, start, stop),
		cmocka_unit_test_setup_teardown(test_clients_that_leave_early,
						start, stop),
		cmocka_unit_test_setup_teardown(test_a_client_that_never_reads,
						start, stop),
		cmocka_unit_test_setup_teardown(
			test_clients_coming_and_going_at_once, start, stop),
		cmocka_unit_test_setup_teardown(
			test_dump_writes_where_the_descriptor_says, start,
			stop),
		cmocka_unit_test_setup_teardown(
			test_dump_refuses_what_is_not_a_writable_file, start,
			stop),
		cmocka_unit_test_setup_teardown(
			test_a_descriptor_goes_with_its_line, start, stop),
		cmocka_unit_test_setup_teardown(test_the_socket_is_private,
						start, stop),
		cmocka_unit_test_setup_teardown(
			test_a_permissive_umask_changes_nothing, start, stop),
		cmocka_unit_test_setup_teardown(test_what_may_stand_at_the_path,
						start, stop),
		cmocka_unit_test_setup_teardown(
			test_teardown_removes_only_its_socket, start, stop),
		cmocka_unit_test(test_teardown_of_nothing),
		cmocka_unit_test_setup_teardown(test_out_of_descriptors, start,
						stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
