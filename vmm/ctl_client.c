// SPDX-License-Identifier: MIT
/* `kestrel ctl`: one request to a running kestrel's control socket. */
#include "vmm/ctl_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vmm/control.h"
#include "vmm/exit_status.h"
#include "vmm/json.h"
#include "runtime/log.h"

const char ctl_usage[] =
	"usage: kestrel ctl [--json] SOCKET COMMAND [ARG]\n"
	"\n"
	"Ask the kestrel started with --control SOCKET to:\n"
	"  status       say whether it runs, its vCPUs, memory, uptime, devices\n"
	"  pause        stop the vCPUs\n"
	"  resume       start them again\n"
	"  stop         end the VM as SIGTERM does\n"
	"  sysrq KEY    send magic SysRq KEY (a digit or a-z) to the guest\n"
	"  nmi          inject an NMI into every vCPU\n"
	"  dump FILE    write an ELF core of the guest to FILE (made 0600)\n"
	"\n"
	"--json prints the reply line as it came. Exit status: 0 done, 1 the VM\n"
	"refused (why on stderr), 125 bad arguments or no answer.\n";

struct ctl_command {
	const char *name;
	const char *arg; /* what it takes, for messages; NULL: nothing */
};

static const struct ctl_command commands[] = {
	{ "status", NULL }, { "pause", NULL },	{ "resume", NULL },
	{ "stop", NULL },   { "sysrq", "KEY" }, { "nmi", NULL },
	{ "dump", "FILE" },
};

#define KNOWN "status, pause, resume, stop, sysrq KEY, nmi, dump FILE"

struct ctl_request {
	bool json;
	const char *socket;
	const struct ctl_command *cmd;
	const char *arg;
};

/* The arguments into rq; 0, or -1 after saying why, or 1 for --help. */
static int parse_args(int argc, char **argv, struct ctl_request *rq)
{
	int i = 0;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--json")) {
			rq->json = true;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			return 1;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			log_error("ctl: unknown option '%s' (try 'kestrel ctl "
				  "--help')",
				  argv[i]);
			return -1;
		}
	}
	if (i == argc) {
		log_error("ctl: no socket given (usage: kestrel ctl [--json] "
			  "SOCKET COMMAND [ARG])");
		return -1;
	}
	rq->socket = argv[i++];
	if (i == argc) {
		log_error("ctl: no command given (known: " KNOWN ")");
		return -1;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
		if (!strcmp(argv[i], commands[k].name))
			rq->cmd = &commands[k];
	if (!rq->cmd) {
		log_error("ctl: unknown command '%s' (known: " KNOWN ")",
			  argv[i]);
		return -1;
	}
	i++;
	if (rq->cmd->arg && (i == argc || !*argv[i])) {
		log_error("ctl: %s needs a %s", rq->cmd->name, rq->cmd->arg);
		return -1;
	}
	if (rq->cmd->arg)
		rq->arg = argv[i++];
	if (i < argc) {
		log_error("ctl: unexpected argument '%s'", argv[i]);
		return -1;
	}
	if (!strcmp(rq->cmd->name, "sysrq") &&
	    (strlen(rq->arg) != 1 || !control_sysrq_key_ok(rq->arg[0]))) {
		log_error("ctl: sysrq KEY '%s' is not one digit or lower-case "
			  "letter",
			  rq->arg);
		return -1;
	}
	if (strlen(rq->socket) > CONTROL_PATH_MAX) {
		log_error("ctl: socket path '%s' is longer than %d bytes",
			  rq->socket, CONTROL_PATH_MAX);
		return -1;
	}
	return 0;
}

static int connect_to(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { timeout_ms / 1000, timeout_ms % 1000 * 1000 };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0) {
		log_error("ctl: socket: %s", strerror(errno));
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	/* a listener whose backlog is full keeps connect() waiting */
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_error("ctl: cannot connect to %s: %s", path,
			  strerror(errno));
		close(s);
		return -1;
	}
	return s;
}

/* The dump's file, made here if it was not there (*made). */
static int open_dump_file(const char *path, bool *made)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	*made = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		log_error("ctl: cannot open '%s' for writing: %s", path,
			  strerror(errno));
	return fd;
}

/* The request line, with fd (if >= 0) on it. */
static int send_request(int s, const struct ctl_request *rq, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cmsg;
	char line[256];
	struct json_writer w;
	struct iovec iov = { line, 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int n;

	json_start(&w, line, sizeof(line));
	json_add_str(&w, "cmd", rq->cmd->name);
	if (!strcmp(rq->cmd->name, "sysrq"))
		json_add_str(&w, "key", rq->arg);
	n = json_end(&w);
	iov.iov_len = n < 0 ? 0 : (size_t)n;
	if (fd >= 0) {
		struct cmsghdr *cm;

		msg.msg_control = cmsg.buf;
		msg.msg_controllen = sizeof(cmsg.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (sendmsg(s, &msg, MSG_NOSIGNAL) != (ssize_t)iov.iov_len) {
		log_error("ctl: cannot send to %s: %s", rq->socket,
			  strerror(errno));
		return -1;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The reply line into buf, NUL for its newline; its length, or -1. */
static ssize_t read_reply(int s, const char *socket, char *buf, size_t size,
			  int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	size_t len = 0;
	char *nl;

	while (!(nl = memchr(buf, '\n', len))) {
		struct pollfd p = { s, POLLIN, 0 };
		long long left = deadline - now_ms();
		ssize_t n;
		int ready;

		if (len == size) {
			log_error("ctl: the reply from %s is too long", socket);
			return -1;
		}
		ready = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0) {
			log_error("ctl: poll: %s", strerror(errno));
			return -1;
		}
		if (ready == 0) {
			log_error("ctl: no reply from %s within %g s", socket,
				  timeout_ms / 1000.0);
			return -1;
		}
		n = recv(s, buf + len, size - len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			log_error("ctl: %s closed the connection without a "
				  "reply%s%s",
				  socket, n ? ": " : "",
				  n ? strerror(errno) : "");
			return -1;
		}
		len += (size_t)n;
	}
	*nl = '\0';
	return nl - buf;
}

static void print_duration(unsigned long long ms)
{
	unsigned long long s = ms / 1000;

	if (s < 60)
		printf("%llu.%llus\n", s, ms % 1000 / 100);
	else if (s < 3600)
		printf("%llum%02llus\n", s / 60, s % 60);
	else if (s < 86400)
		printf("%lluh%02llum%02llus\n", s / 3600, s / 60 % 60, s % 60);
	else
		printf("%llud%02lluh%02llum\n", s / 86400, s / 3600 % 24,
		       s / 60 % 60);
}

static void print_size(unsigned long long bytes)
{
	if (bytes && !(bytes % (1ULL << 30)))
		printf("%llu GiB\n", bytes >> 30);
	else if (bytes && !(bytes % (1ULL << 20)))
		printf("%llu MiB\n", bytes >> 20);
	else
		printf("%llu bytes\n", bytes);
}

static void print_value(const struct json_member *m)
{
	switch (m->type) {
	case JSON_STRING:
		printf("%s\n", m->v.s);
		break;
	case JSON_INT:
		printf("%lld\n", (long long)m->v.i);
		break;
	case JSON_BOOL:
		printf("%s\n", m->v.b ? "yes" : "no");
		break;
	case JSON_NULL:
		printf("-\n");
		break;
	}
}

/* The status reply as "name value" lines: the known ones first. */
static void print_status(const struct json_object *reply)
{
	static const struct {
		const char *key, *label;
		void (*print)(unsigned long long);
	} known[] = {
		{ "state", "state", NULL },
		{ "vcpus", "vCPUs", NULL },
		{ "memory", "memory", print_size },
		{ "uptime_ms", "uptime", print_duration },
		{ "devices", "devices", NULL },
	};
	size_t nr_known = sizeof(known) / sizeof(known[0]);

	for (size_t k = 0; k < nr_known; k++) {
		const struct json_member *m = json_get(reply, known[k].key);

		if (!m)
			continue;
		printf("%-9s ", known[k].label);
		if (known[k].print && m->type == JSON_INT && m->v.i >= 0)
			known[k].print((unsigned long long)m->v.i);
		else
			print_value(m);
	}
	for (unsigned int i = 0; i < reply->nr; i++) {
		const struct json_member *m = &reply->member[i];
		size_t k = 0;

		while (k < nr_known && strcmp(m->key, known[k].key))
			k++;
		if (k < nr_known || !strcmp(m->key, "ok"))
			continue;
		printf("%-9s ", m->key);
		print_value(m);
	}
}

/* What the reply says: 0 ok, CTL_EXIT_REFUSED, or EXIT_KESTREL_FAILED. */
static int answer(const struct ctl_request *rq, char *line, size_t len)
{
	static struct json_object reply;
	const struct json_member *ok, *error;
	char why[CONTROL_ERR_MAX];

	if (json_parse(line, len, &reply, why, sizeof(why))) {
		log_error("ctl: bad reply from %s: %s", rq->socket, why);
		return EXIT_KESTREL_FAILED;
	}
	ok = json_get(&reply, "ok");
	error = json_get(&reply, "error");
	if (!ok || ok->type != JSON_BOOL ||
	    (!ok->v.b && (!error || error->type != JSON_STRING))) {
		log_error("ctl: bad reply from %s: no \"ok\" or \"error\"",
			  rq->socket);
		return EXIT_KESTREL_FAILED;
	}
	if (rq->json)
		printf("%s\n", line);
	if (!ok->v.b) {
		log_error("ctl: %s", error->v.s);
		return CTL_EXIT_REFUSED;
	}
	if (!rq->json && !strcmp(rq->cmd->name, "status"))
		print_status(&reply);
	return 0;
}

int ctl_client_main(int argc, char **argv, int timeout_ms)
{
	struct ctl_request rq = { 0 };
	char line[CONTROL_REPLY_MAX];
	int s, fd = -1, status = EXIT_KESTREL_FAILED;
	bool dump, made = false;
	ssize_t len;

	switch (parse_args(argc, argv, &rq)) {
	case 1:
		fputs(ctl_usage, stdout);
		fflush(stdout);
		return 0;
	case -1:
		return EXIT_KESTREL_FAILED;
	}
	s = connect_to(rq.socket, timeout_ms);
	if (s < 0)
		return EXIT_KESTREL_FAILED;
	dump = !strcmp(rq.cmd->name, "dump");
	if (dump)
		fd = open_dump_file(rq.arg, &made);
	if ((!dump || fd >= 0) && !send_request(s, &rq, fd)) {
		len = read_reply(s, rq.socket, line, sizeof(line), timeout_ms);
		if (len >= 0)
			status = answer(&rq, line, (size_t)len);
	}
	if (fd >= 0)
		close(fd);
	if (made && status)
		unlink(rq.arg);
	close(s);
	fflush(stdout);
	return status;
}
