// SPDX-License-Identifier: MIT
/* The guest console on kestrel's stdin and stdout. */
#include "vmm/host_console.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "runtime/log.h"

#define CTRL_A 0x01

void host_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				/* An inherited non-blocking stdout. */
				struct pollfd p = { .fd = fd,
						    .events = POLLOUT };

				poll(&p, 1, -1);
				continue;
			}
			return; /* EPIPE and the like: nobody is reading */
		}
		buf += n;
		len -= n;
	}
}

void host_console_output(void *ctx, const uint8_t *buf, size_t len)
{
	struct host_console *hc = ctx;

	if (hc->liveness && len)
		liveness_mark(hc->liveness);
	pthread_mutex_lock(&hc->out_lock);
	if (!hc->captured)
		host_write_all(hc->out_fd, buf, len);
	if (hc->log_fd >= 0)
		host_write_all(hc->log_fd, buf, len);
	for (size_t i = 0; i < len; i++) {
		hc->tail[hc->tail_pos++] = (char)buf[i];
		if (hc->tail_pos == sizeof(hc->tail)) {
			hc->tail_pos = 0;
			hc->tail_wrapped = true;
		}
	}
	console_watch_feed(&hc->watch, buf, len);
	pthread_mutex_unlock(&hc->out_lock);
}

/*
 * Takes the raw bytes through the escapes, in place, into pending: Ctrl-A
 * x asks to quit and drops the rest; Ctrl-A b stops there with a break
 * pending, the rest waiting its turn; Ctrl-A Ctrl-A is a literal Ctrl-A;
 * Ctrl-A and anything else is dropped.
 */
static void filter_escapes(struct host_console *hc)
{
	uint8_t *buf = hc->pending + hc->raw_off;
	size_t in = 0, out = 0;

	while (in < hc->raw_len) {
		uint8_t c = buf[in++];

		if (hc->escape) {
			hc->escape = false;
			if (c == 'x' || c == 'X') {
				if (hc->quit)
					hc->quit(hc->quit_ctx);
				in = hc->raw_len;
				break;
			}
			if ((c == 'b' || c == 'B') && hc->brk) {
				hc->break_pending = true;
				break;
			}
			if (c == CTRL_A)
				buf[out++] = c;
			continue;
		}
		if (c == CTRL_A) {
			hc->escape = true;
			continue;
		}
		buf[out++] = c;
	}
	hc->pending_off = hc->raw_off;
	hc->pending_len = out;
	hc->raw_off += in;
	hc->raw_len -= in;
}

/*
 * Pausing takes stdin out of epoll altogether: a hung-up pipe reports
 * EPOLLHUP whatever the event mask, and would spin the loop.
 */
static void set_input_interest(struct host_console *hc, bool want)
{
	if (!hc->in_polled || hc->in_eof || want != hc->in_paused)
		return;
	hc->in_paused = !want;
	if (want)
		evloop_add(hc->loop, &hc->in_src, EPOLLIN);
	else
		evloop_remove(hc->loop, &hc->in_src);
}

/* Is anything read from stdin still waiting for the guest? */
static bool input_waiting(const struct host_console *hc)
{
	return hc->pending_len || hc->break_pending || hc->raw_len;
}

/* Hands pending input to the guest, in order; true when all of it went. */
static bool flush_pending(struct host_console *hc)
{
	for (;;) {
		if (hc->pending_len && hc->push) {
			size_t n =
				hc->push(hc->dev, hc->pending + hc->pending_off,
					 hc->pending_len);

			hc->pending_off += n;
			hc->pending_len -= n;
		}
		if (hc->pending_len)
			return false;
		if (hc->break_pending) {
			if (hc->brk && !hc->brk(hc->dev))
				return false;
			hc->break_pending = false;
		}
		if (!hc->raw_len)
			break;
		filter_escapes(hc);
	}
	hc->pending_off = hc->raw_off = 0;
	return true;
}

/* Reads a chunk of stdin and hands it on; false if none was read. */
static bool read_input(struct host_console *hc)
{
	ssize_t n;

	if (hc->in_eof || !flush_pending(hc))
		return false;
	n = read(hc->in_fd, hc->pending, sizeof(hc->pending));
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return false;
		log_warn("reading stdin: %s", strerror(errno));
		n = 0;
	}
	if (n == 0) {
		if (hc->in_polled && !hc->in_paused)
			evloop_remove(hc->loop, &hc->in_src);
		hc->in_eof = true;
		if (hc->eof)
			hc->eof(hc->dev);
		return false;
	}
	if (hc->raw)
		hc->raw_len = n;
	else
		hc->pending_len = n;
	flush_pending(hc);
	return true;
}

/*
 * Files and /dev/null cannot be polled, and never block: read on until the
 * guest has no room, as no readiness event will come to ask again. Its
 * next "room again" (rx_ready) does.
 */
static void read_file_input(struct host_console *hc)
{
	while (read_input(hc) && !input_waiting(hc))
		;
}

static void on_input(struct ev_source *src, uint32_t events)
{
	struct host_console *hc = src->opaque;

	(void)events;
	read_input(hc);
	if (input_waiting(hc))
		set_input_interest(hc, false);
}

static void on_wake(struct ev_source *src, uint32_t events)
{
	struct host_console *hc = src->opaque;
	uint64_t v;

	(void)events;
	if (read(src->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	if (!flush_pending(hc))
		return;
	if (hc->in_polled) {
		set_input_interest(hc, true);
		return;
	}
	read_file_input(hc);
}

void host_console_rx_ready(void *ctx)
{
	struct host_console *hc = ctx;
	uint64_t one = 1;

	if (write(hc->wake_src.fd, &one, sizeof(one)) < 0) {
		/* Only fails when the counter is saturated: already awake. */
	}
}

int host_console_init(struct host_console *hc, struct evloop *loop, int in_fd,
		      int out_fd)
{
	memset(hc, 0, sizeof(*hc));
	pthread_mutex_init(&hc->out_lock, NULL);
	hc->in_fd = in_fd;
	hc->out_fd = out_fd;
	hc->log_fd = -1;
	hc->loop = loop;
	hc->in_tty = isatty(in_fd);
	hc->wake_src.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (hc->wake_src.fd < 0)
		return -errno;
	hc->wake_src.handler = on_wake;
	hc->wake_src.opaque = hc;
	hc->in_src.fd = in_fd;
	hc->in_src.handler = on_input;
	hc->in_src.opaque = hc;
	return 0;
}

void host_console_attach(struct host_console *hc,
			 size_t (*push)(void *dev, const uint8_t *buf,
					size_t len),
			 void *dev)
{
	hc->push = push;
	hc->brk = NULL;
	hc->dev = dev;
}

void host_console_attach_break(struct host_console *hc, bool (*brk)(void *dev))
{
	hc->brk = brk;
}

static void enter_raw_mode(struct host_console *hc)
{
	struct termios t;

	if (tcgetattr(hc->in_fd, &hc->saved) < 0)
		return;
	t = hc->saved;
	/* Raw input, so keys like Ctrl-C reach the guest; output
	 * post-processing stays on, so kestrel's own messages keep their
	 * carriage returns. */
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
		       ICRNL | IXON);
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(hc->in_fd, TCSANOW, &t) == 0)
		hc->raw = true;
}

int host_console_start(struct host_console *hc)
{
	int err;

	err = evloop_add(hc->loop, &hc->wake_src, EPOLLIN);
	if (err)
		return err;
	if (hc->in_tty && !hc->captured)
		enter_raw_mode(hc);
	/*
	 * stdin stays blocking: it may share its file description with the
	 * caller's shell. One read per readiness event never blocks.
	 */
	err = evloop_add(hc->loop, &hc->in_src, EPOLLIN);
	if (err == 0) {
		hc->in_polled = true;
		return 0;
	}
	if (err != -EPERM)
		return err;
	/* A regular file or /dev/null: feed it as the guest takes it. */
	read_file_input(hc);
	return 0;
}

void host_console_capture(struct host_console *hc)
{
	hc->captured = true;
}

bool host_console_wrote(struct host_console *hc)
{
	bool wrote;

	pthread_mutex_lock(&hc->out_lock);
	wrote = hc->tail_pos || hc->tail_wrapped;
	pthread_mutex_unlock(&hc->out_lock);
	return wrote;
}

void host_console_print_tail(struct host_console *hc, int fd,
			     unsigned int lines)
{
	char buf[HOST_CONSOLE_TAIL];
	size_t len = 0, start;

	pthread_mutex_lock(&hc->out_lock);
	if (hc->tail_wrapped) {
		len = sizeof(hc->tail) - hc->tail_pos;
		memcpy(buf, hc->tail + hc->tail_pos, len);
	}
	memcpy(buf + len, hc->tail, hc->tail_pos);
	len += hc->tail_pos;
	pthread_mutex_unlock(&hc->out_lock);

	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	start = len;
	while (start && lines) {
		start--;
		if (buf[start] == '\n' && --lines == 0) {
			start++;
			break;
		}
	}
	host_write_all(fd, (const uint8_t *)buf + start, len - start);
	if (len > start)
		host_write_all(fd, (const uint8_t *)"\n", 1);
}

void host_console_restore(struct host_console *hc)
{
	if (hc->raw) {
		tcsetattr(hc->in_fd, TCSANOW, &hc->saved);
		hc->raw = false;
	}
}

void host_console_destroy(struct host_console *hc)
{
	host_console_restore(hc);
	if (hc->wake_src.fd >= 0)
		close(hc->wake_src.fd);
	hc->wake_src.fd = -1;
	if (hc->log_fd >= 0)
		close(hc->log_fd);
	hc->log_fd = -1;
}
