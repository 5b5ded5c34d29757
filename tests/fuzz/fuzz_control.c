// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the control socket: the server (vmm/control.c)
 * on its real event loop and a real Unix socket, its request decoding
 * (vmm/control_request.c) and the JSON reader and writer (vmm/json.c),
 * with a fake VM behind it. Up to ten clients at once (two more than the
 * server takes) send the input's bytes, split and timed as it says,
 * with descriptors of every kind, leave half-way, half-close, or stop
 * reading their replies.
 *
 * Input: operations, each a byte o and its arguments; o & 7 is what,
 * (o >> 3) % 10 the client (connected on first use):
 *
 *   0  send [1] bytes, the next ones of the input
 *   1  send [2] bytes with descriptors: [1] bits 0-5 pick a writable
 *      file, a read-only file, a pipe, /dev/null, an appending file, a
 *      directory (none picked: the writable file; all: two of each)
 *   2  the device thread runs until idle
 *   3  the client reads what replies have come
 *   4  the client half-closes (sends nothing more)
 *   5  the client leaves
 *   6  send ([2] + 1) * 32 copies of byte [1], a newline taken as a
 *      space (long lines cheaply; thousands of lines would only be slow)
 *   7  send canned request [1] % 9 (dump with the writable file)
 *
 * Then every client half-closes and reads to the end. A first byte of
 * the input itself goes to the JSON reader, whole, too.
 *
 * Oracles besides ASan/UBSan:
 *  - every reply is one line of at most CONTROL_REPLY_MAX bytes, an
 *    object the reader takes with a boolean "ok" and, when false, a
 *    string "error";
 *  - each client gets exactly one reply per line it sent (an unfinished
 *    last line gets none), plus one error for a line too long, after
 *    which the server closes; or only "too many clients", then the end;
 *    and every connection ends once its client half-closes and reads;
 *  - the device thread goes idle (a ready source with nothing to do
 *    would spin), and a client that sends more than it reads is stopped
 *    by its own full socket, never by the server's memory;
 *  - the VM's dump callback gets only regular files open for writing,
 *    not appending;
 *  - after each input no descriptor is left open and no client slot in
 *    use: nothing leaks, whatever came with which line;
 *  - an object the reader takes, written back by the writer, reads back
 *    the same.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tests/fuzz/fuzz_host.h"
#include "vmm/control.h"
#include "vmm/json.h"
#include "runtime/log.h"

#define NR_CLIENTS (CONTROL_MAX_CLIENTS + 2)
#define IDLE_ROUNDS 100000
#define SEND_TRIES 64

enum fd_kind {
	FD_FILE,
	FD_RDONLY,
	FD_PIPE,
	FD_NULL,
	FD_APPEND,
	FD_DIR,
	NR_KINDS
};

static struct evloop loop;
static struct control ctl;
static char sock_path[108];
static int kind_fd[NR_KINDS];
static int pipe_read_end; /* kept open: the pipe is a pipe, not a broken one */
static int baseline_fds;

struct client {
	int fd; /* -1: not connected */
	size_t cur; /* bytes of the unfinished line sent */
	unsigned int lines; /* whole lines sent before one too long */
	bool overlong; /* sent a line too long: the server closes */
	bool shut, eof, refused;
	unsigned int replies;
	char buf[CONTROL_REPLY_MAX + 1];
	size_t len;
};

static struct client clients[NR_CLIENTS];

__attribute__((noreturn, format(printf, 1, 2))) static void
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz oracle: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* ---- the fake VM ---- */

static int ok_status(void *ctx, struct json_writer *w, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	json_add_str(w, "state", "running");
	json_add_uint(w, "vcpus", 1);
	json_add_uint(w, "memory", 64 << 20);
	json_add_uint(w, "uptime_ms", 1);
	json_add_str(w, "devices", "serial \"\\\n\x01\xff");
	return 0;
}

/* Every third call of an input fails, with a message to escape. */
static unsigned int calls;

static int ok_or_not(void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	if (++calls % 3)
		return 0;
	snprintf(err, errlen, "refused\n\"%u\"", calls);
	return -1;
}

static int ok_sysrq(void *ctx, char key, char *err, size_t errlen)
{
	if (!control_sysrq_key_ok(key))
		fail("sysrq with key %d", key);
	return ok_or_not(ctx, err, errlen);
}

static int ok_dump(void *ctx, int fd, char *err, size_t errlen)
{
	struct stat st;
	int flags = fcntl(fd, F_GETFL);

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || flags < 0 ||
	    (flags & O_ACCMODE) == O_RDONLY || (flags & (O_APPEND | O_PATH)))
		fail("dump got descriptor %d (mode %o, flags %x)", fd,
		     st.st_mode, flags);
	if (pwrite(fd, "core", 4, 0) != 4)
		fail("dump cannot write: %s", strerror(errno));
	return ok_or_not(ctx, err, errlen);
}

static const struct control_ops ops = {
	.status = ok_status,
	.pause = ok_or_not,
	.resume = ok_or_not,
	.stop = ok_or_not,
	.sysrq = ok_sysrq,
	.nmi = ok_or_not,
	.dump = ok_dump,
};

/* ---- set-up ---- */

/*
 * Whether fd is something this target or the server made or passed
 * around: a socket, or one of the files behind the descriptors sent.
 * (libFuzzer's symbolizer opens pipes of its own as it goes.)
 */
static bool ours(int fd)
{
	struct stat st, k;

	if (fstat(fd, &st))
		return false;
	if (S_ISSOCK(st.st_mode))
		return true;
	for (int i = 0; i < NR_KINDS; i++)
		if (!fstat(kind_fd[i], &k) && k.st_dev == st.st_dev &&
		    k.st_ino == st.st_ino)
			return true;
	return false;
}

/* Ours open now: the same as after set-up, or a descriptor leaked. */
static int count_ours(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		fail("opendir /proc/self/fd: %s", strerror(errno));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) &&
		    ours(atoi(e->d_name)))
			n++;
	closedir(d);
	return n;
}

static void check_no_leak(void)
{
	int n = count_ours();

	if (n != baseline_fds)
		fail("%d descriptors of ours open, %d after set-up", n,
		     baseline_fds);
}

/* A file in dir for descriptors to be sent, gone once opened. */
static int scratch_file(const char *dir, const char *name, int flags)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		fail("open %s: %s", path, strerror(errno));
	return fd;
}

static char dir[4200];

/* At exit: the socket and the directory go, so runs leave nothing. */
static void clean_up(void)
{
	control_destroy(&ctl);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[CONTROL_ERR_MAX], path[4300];
	int p[2];

	(void)argc;
	(void)argv;
	if (!getenv("KESTREL_FUZZ_VERBOSE"))
		log_threshold = LOG_ERROR;
	snprintf(dir, sizeof(dir), "%s/kestrel-fuzz-control-XXXXXX",
		 fuzz_tmp_dir());
	if (!mkdtemp(dir) || evloop_init(&loop))
		fail("cannot set up in %s", dir);
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", dir);
	if (strlen(dir) + 9 >= sizeof(sock_path) ||
	    control_init(&ctl, sock_path, &loop, &ops, NULL, err, sizeof(err)))
		fail("control_init in %s: %s", dir, err);
	atexit(clean_up);
	kind_fd[FD_FILE] = scratch_file(dir, "core", O_WRONLY);
	kind_fd[FD_RDONLY] = scratch_file(dir, "core", O_RDONLY);
	kind_fd[FD_APPEND] = scratch_file(dir, "log", O_WRONLY | O_APPEND);
	snprintf(path, sizeof(path), "%s/core", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/log", dir);
	unlink(path);
	if (pipe2(p, O_CLOEXEC))
		fail("pipe: %s", strerror(errno));
	pipe_read_end = p[0];
	kind_fd[FD_PIPE] = p[1];
	kind_fd[FD_NULL] = open("/dev/null", O_WRONLY | O_CLOEXEC);
	kind_fd[FD_DIR] = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < NR_CLIENTS; i++)
		clients[i].fd = -1;
	baseline_fds = count_ours();
	return 0;
}

/* ---- the device thread ---- */

static void run_until_idle(void)
{
	for (int round = 0; round < IDLE_ROUNDS; round++) {
		struct epoll_event evs[16];
		int n = epoll_wait(loop.epfd, evs, 16, 0);

		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			struct ev_source *src = evs[i].data.ptr;

			if (src)
				src->handler(src, evs[i].events);
		}
	}
	fail("the device thread is still busy after %d rounds", IDLE_ROUNDS);
}

/* ---- clients ---- */

static void check_reply(struct client *c, const char *line, size_t len)
{
	static struct json_object reply;
	const struct json_member *ok, *error;
	char why[CONTROL_ERR_MAX];

	if (len + 1 > CONTROL_REPLY_MAX)
		fail("a reply of %zu bytes", len + 1);
	if (json_parse(line, len, &reply, why, sizeof(why)))
		fail("reply '%.*s' is not JSON: %s", (int)len, line, why);
	ok = json_get(&reply, "ok");
	error = json_get(&reply, "error");
	if (!ok || ok->type != JSON_BOOL ||
	    (!ok->v.b && (!error || error->type != JSON_STRING)))
		fail("reply '%.*s' lacks ok/error", (int)len, line);
	if (c->replies == 0 && !ok->v.b &&
	    !strcmp(error->v.s, "too many clients"))
		c->refused = true;
	else if (c->refused)
		fail("a reply after 'too many clients'");
	c->replies++;
}

/* Reads what has come, without waiting. */
static void drain(struct client *c)
{
	while (!c->eof) {
		ssize_t n = recv(c->fd, c->buf + c->len,
				 sizeof(c->buf) - c->len, MSG_DONTWAIT);
		char *line = c->buf, *nl;

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (n < 0 && errno != ECONNRESET)
				fail("recv: %s", strerror(errno));
			c->eof = true;
			break;
		}
		c->len += (size_t)n;
		while ((nl = memchr(line, '\n', c->len - (line - c->buf)))) {
			check_reply(c, line, (size_t)(nl - line));
			line = nl + 1;
		}
		c->len -= (size_t)(line - c->buf);
		memmove(c->buf, line, c->len);
		if (c->len == sizeof(c->buf))
			fail("a reply line longer than %zu bytes", c->len);
	}
	if (c->len)
		fail("the connection ended inside a reply line");
}

static struct client *client(unsigned int i)
{
	struct client *c = &clients[i % NR_CLIENTS];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (c->fd >= 0)
		return c;
	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memcpy(sa.sun_path, sock_path, sizeof(sock_path));
	if (c->fd < 0)
		fail("socket: %s", strerror(errno));
	/* a full backlog waits for the server to accept */
	for (int tries = 0; connect(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	     tries++) {
		if (errno != EAGAIN || tries == SEND_TRIES)
			fail("connect: %s", strerror(errno));
		run_until_idle();
	}
	return c;
}

/* What the server makes of the bytes sent: lines, and one too long. */
static void account(struct client *c, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && !c->overlong; i++) {
		if (p[i] == '\n') {
			c->lines++;
			c->cur = 0;
		} else if (++c->cur == CONTROL_LINE_MAX) {
			c->overlong = true;
		}
	}
}

/*
 * Sends p[0..n) with descriptors; when the socket is full, lets the
 * server run and reads replies (as a client would) before trying again.
 */
static void send_some(struct client *c, const uint8_t *p, size_t n,
		      const int *fds, unsigned int nr_fds)
{
	union {
		char buf[CMSG_SPACE(2 * NR_KINDS * sizeof(int))];
		struct cmsghdr align;
	} cmsg;

	if (c->shut || c->eof)
		return;
	for (int tries = 0; (n || nr_fds) && tries < SEND_TRIES; tries++) {
		struct iovec iov = { (void *)p, n };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t sent;

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
		sent = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent < 0 && errno == EAGAIN) {
			run_until_idle();
			drain(c);
			continue;
		}
		if (sent < 0) /* the server closed it */
			return;
		if (!n && nr_fds) /* descriptors need a byte to ride on */
			return;
		account(c, p, (size_t)sent);
		p += sent;
		n -= (size_t)sent;
		nr_fds = 0;
	}
}

/* Half-closes, and reads until the server ends the connection. */
static void finish(struct client *c)
{
	unsigned int want, stalled = 0;

	if (!c->shut)
		shutdown(c->fd, SHUT_WR);
	c->shut = true;
	while (!c->eof) {
		unsigned int before = c->replies;
		size_t len = c->len;

		run_until_idle();
		drain(c);
		if (c->replies == before && c->len == len && !c->eof &&
		    ++stalled == 2)
			fail("a half-closed client's connection does not end");
	}
	want = c->refused ? 1 : c->lines + c->overlong;
	if (c->replies != want)
		fail("%u replies for %u lines%s%s", c->replies, c->lines,
		     c->overlong ? " and one too long" : "",
		     c->refused ? " (refused)" : "");
}

static void leave(struct client *c)
{
	close(c->fd);
	c->fd = -1;
}

/* ---- JSON both ways ---- */

static void round_trip(const uint8_t *data, size_t size)
{
	static struct json_object a, b;
	static char line[3 * JSON_MAX_TEXT * 6];
	char err[128];
	struct json_writer w;
	int n;

	if (json_parse((const char *)data, size, &a, err, sizeof(err)))
		return;
	json_start(&w, line, sizeof(line));
	for (unsigned int i = 0; i < a.nr; i++) {
		const struct json_member *m = &a.member[i];

		switch (m->type) {
		case JSON_STRING:
			json_add_str(&w, m->key, m->v.s);
			break;
		case JSON_INT:
			json_add_int(&w, m->key, m->v.i);
			break;
		case JSON_BOOL:
			json_add_bool(&w, m->key, m->v.b);
			break;
		case JSON_NULL:
			/* the writer has no null; a string stands in */
			json_add_str(&w, m->key, "null");
			break;
		}
	}
	n = json_end(&w);
	if (n < 0)
		fail("%u members did not fit %zu bytes", a.nr, sizeof(line));
	if (json_parse(line, (size_t)n, &b, err, sizeof(err)))
		fail("the writer's '%s' does not read back: %s", line, err);
	if (a.nr != b.nr)
		fail("%u members read back as %u", a.nr, b.nr);
	for (unsigned int i = 0; i < a.nr; i++) {
		const struct json_member *x = &a.member[i], *y = &b.member[i];

		if (strcmp(x->key, y->key) ||
		    (x->type == JSON_STRING &&
		     (y->type != JSON_STRING || strcmp(x->v.s, y->v.s))) ||
		    (x->type == JSON_INT &&
		     (y->type != JSON_INT || x->v.i != y->v.i)) ||
		    (x->type == JSON_BOOL &&
		     (y->type != JSON_BOOL || x->v.b != y->v.b)))
			fail("member %u changed on the way back", i);
	}
}

/* ---- the input ---- */

static const char *const canned[] = {
	"{\"cmd\":\"status\"}\n",
	"{\"cmd\":\"pause\"}\n",
	"{\"cmd\":\"resume\"}\n",
	"{\"cmd\":\"stop\"}\n",
	"{\"cmd\":\"sysrq\",\"key\":\"t\"}\n",
	"{\"cmd\":\"nmi\"}\n",
	"{\"cmd\":\"dump\"}\n",
	"{\"cmd\":\"sysrq\",\"key\":\"\\u0074\"}\n",
	"{\"cmd\":\"dump\",\"cmd\":\"dump\"}\n",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0;

	calls = 0;
	round_trip(data, size);
	while (i < size) {
		uint8_t o = data[i++], a = i < size ? data[i] : 0;
		struct client *cl = client(o >> 3);
		uint8_t fill[256 * 32];
		int fds[2 * NR_KINDS];
		unsigned int nr = 0;
		size_t n;

		switch (o & 7) {
		case 0:
			n = i < size ? data[i++] : 0;
			n = n < size - i ? n : size - i;
			send_some(cl, data + i, n, NULL, 0);
			i += n;
			break;
		case 1:
			i++;
			for (int k = 0; k < NR_KINDS; k++)
				if ((a & 0x3f) == 0x3f || a & (1 << k))
					fds[nr++] = kind_fd[k];
			if ((a & 0x3f) == 0x3f)
				for (int k = 0; k < NR_KINDS; k++)
					fds[nr++] = kind_fd[k];
			if (!nr)
				fds[nr++] = kind_fd[FD_FILE];
			n = i < size ? data[i++] : 0;
			n = n < size - i ? n : size - i;
			send_some(cl, data + i, n, fds, nr);
			i += n;
			break;
		case 2:
			run_until_idle();
			break;
		case 3:
			drain(cl);
			break;
		case 4:
			shutdown(cl->fd, SHUT_WR);
			cl->shut = true;
			break;
		case 5:
			leave(cl);
			break;
		case 6:
			n = ((size_t)(i + 1 < size ? data[i + 1] : 0) + 1) * 32;
			i += 2;
			memset(fill, a == '\n' ? ' ' : a, n);
			send_some(cl, fill, n, NULL, 0);
			break;
		case 7:
			i++;
			n = a % (sizeof(canned) / sizeof(canned[0]));
			send_some(cl, (const uint8_t *)canned[n],
				  strlen(canned[n]), &kind_fd[FD_FILE],
				  strstr(canned[n], "dump") ? 1 : 0);
			break;
		}
	}
	for (int k = 0; k < NR_CLIENTS; k++) {
		if (clients[k].fd < 0)
			continue;
		finish(&clients[k]);
		leave(&clients[k]);
	}
	run_until_idle();
	for (int k = 0; k < CONTROL_MAX_CLIENTS; k++)
		if (ctl.client[k].src.fd >= 0)
			fail("client slot %d still in use", k);
	check_no_leak();
	return 0;
}
