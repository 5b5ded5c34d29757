// SPDX-License-Identifier: MIT
/*
 * The control socket on the device thread's event loop: the listening
 * socket, its clients' lines and replies, and the descriptors they send.
 * What a request means is control_request.c's.
 *
 * Per client, lines are answered one at a time, in order, and the socket
 * is read only when no whole line waits and no reply is half sent, so a
 * client that never reads its replies stops being read (its sends block,
 * on its side) instead of growing anything here.
 */
#include "vmm/control.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vmm/control_request.h"
#include "runtime/log.h"

/* Descriptors taken per read; the kernel closes any beyond them. */
#define FDS_PER_READ 4
#define ACCEPTS_PER_EVENT 16
#define ACCEPT_RETRY_NS 1000000000ULL

static const char too_many[] =
	"{\"ok\":false,\"error\":\"too many clients\"}\n";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void accept_resume(struct control *c);

static void release_held(struct control_client *cl)
{
	for (unsigned int i = 0; i < cl->nr_held; i++)
		close(cl->held[i].fd);
	cl->nr_held = 0;
}

static void drop(struct control_client *cl)
{
	evloop_remove(cl->ctl->loop, &cl->src);
	close(cl->src.fd);
	cl->src.fd = -1;
	release_held(cl);
	accept_resume(cl->ctl);
}

/* The one way replies leave (the sandbox allows these flags only). */
static ssize_t send_some(int fd, const char *buf, size_t len)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	return sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Sends what is left of the reply; -1 if the client is gone. */
static int flush(struct control_client *cl)
{
	while (cl->out_sent < cl->out_len) {
		ssize_t n = send_some(cl->src.fd, cl->out + cl->out_sent,
				      cl->out_len - cl->out_sent);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -1;
		cl->out_sent += (size_t)n;
	}
	return 0;
}

/* Waits for room to send (a reply is half out) or for requests. */
static int watch(struct control_client *cl)
{
	bool writing = cl->out_sent < cl->out_len;

	if (writing == cl->writing)
		return 0;
	cl->writing = writing;
	return evloop_modify(cl->ctl->loop, &cl->src,
			     writing ? EPOLLOUT : EPOLLIN);
}

/* Takes the descriptors the line ending at offset nl came with. */
static int take_fd(struct control_client *cl, size_t nl, unsigned int *nr)
{
	int fd = -1;

	*nr = 0;
	if (cl->nr_held && cl->held[0].at <= nl) {
		fd = cl->held[0].fd;
		*nr = cl->held[0].nr;
		cl->held[0] = cl->held[1];
		cl->nr_held--;
	}
	for (unsigned int i = 0; i < cl->nr_held; i++)
		cl->held[i].at -= nl + 1;
	return fd;
}

/*
 * Answers the whole lines waiting, until a reply cannot be sent at once.
 * Returns -1 if the client is gone (dropped), 1 while a reply is half
 * sent, 0 when no whole line is left.
 */
static int serve(struct control_client *cl)
{
	struct control *c = cl->ctl;
	char *nl;

	while (cl->out_sent == cl->out_len &&
	       (nl = memchr(cl->in, '\n', cl->in_len))) {
		size_t len = (size_t)(nl - cl->in);
		unsigned int nr;
		int fd = take_fd(cl, len, &nr);

		cl->out_len = control_answer(c->ops, c->ctx, cl->in, len, fd,
					     nr, cl->out, sizeof(cl->out));
		cl->out_sent = 0;
		cl->in_len -= len + 1;
		memmove(cl->in, nl + 1, cl->in_len);
		if (flush(cl)) {
			drop(cl);
			return -1;
		}
	}
	return cl->out_sent < cl->out_len;
}

/*
 * Keeps the descriptors that came with a read whose last byte landed at
 * offset at: they belong to that byte's line (the kernel hands them over
 * with the last part of the sendmsg() that carried them). A line gets the
 * first; the others are closed and counted. Two slots are enough: a read
 * happens only when no whole line is waiting, so at most the unfinished
 * line holds one, and this read adds one more line's.
 */
static void hold(struct control_client *cl, struct msghdr *msg, size_t at)
{
	struct control_fd *last =
		cl->nr_held ? &cl->held[cl->nr_held - 1] : NULL;
	bool lost = msg->msg_flags & MSG_CTRUNC;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm;
	     cm = CMSG_NXTHDR(msg, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(fd));
			if (!last ||
			    memchr(cl->in + last->at, '\n', at - last->at)) {
				last = &cl->held[cl->nr_held++];
				*last = (struct control_fd){ fd, at, 0 };
			} else {
				close(fd);
			}
			last->nr++;
		}
	}
	if (last && lost)
		last->nr++;
}

/* One read into the line buffer: > 0 bytes, 0 at the end, -1 on error. */
static ssize_t receive(struct control_client *cl)
{
	union {
		char buf[CMSG_SPACE(FDS_PER_READ * sizeof(int))];
		struct cmsghdr align;
	} cmsg;
	struct iovec iov = { cl->in + cl->in_len, sizeof(cl->in) - cl->in_len };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cmsg.buf,
			      .msg_controllen = sizeof(cmsg.buf) };
	ssize_t n;

	do
		n = recvmsg(cl->src.fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		cl->in_len += (size_t)n;
		hold(cl, &msg, cl->in_len - 1);
	}
	return n;
}

static void client_event(struct ev_source *src, uint32_t events)
{
	struct control_client *cl = src->opaque;
	ssize_t n;
	int busy;

	(void)events;
	if (flush(cl)) {
		drop(cl);
		return;
	}
	if (cl->closing && cl->out_sent == cl->out_len) {
		drop(cl);
		return;
	}
	busy = cl->closing ? 1 : serve(cl);
	if (busy == 0) {
		n = receive(cl);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			drop(cl);
			return;
		}
		busy = serve(cl);
	}
	if (busy < 0)
		return;
	if (!busy && cl->in_len == sizeof(cl->in)) {
		/* a line longer than the buffer: said once, then goodbye */
		release_held(cl);
		cl->out_len = (size_t)snprintf(
			cl->out, sizeof(cl->out),
			"{\"ok\":false,\"error\":\"request longer than %d "
			"bytes\"}\n",
			CONTROL_LINE_MAX - 1);
		cl->out_sent = 0;
		cl->closing = true;
		if (flush(cl) || cl->out_sent == cl->out_len) {
			drop(cl);
			return;
		}
	}
	if (watch(cl))
		drop(cl);
}

static void refuse(int fd)
{
	if (send_some(fd, too_many, sizeof(too_many) - 1) < 0) {
		/* it left already */
	}
	close(fd);
}

static void adopt(struct control *c, int fd)
{
	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *cl = &c->client[i];

		if (cl->src.fd >= 0)
			continue;
		cl->src.fd = fd;
		cl->writing = cl->closing = false;
		cl->in_len = cl->out_len = cl->out_sent = 0;
		cl->nr_held = 0;
		if (evloop_add(c->loop, &cl->src, EPOLLIN)) {
			cl->src.fd = -1;
			break;
		}
		return;
	}
	refuse(fd);
}

static void retry_prepare(struct ev_poller *p, int *timeout_ms)
{
	struct control *c =
		(struct control *)((char *)p - offsetof(struct control, retry));
	uint64_t now = now_ns();
	int ms = c->retry_at_ns > now ?
			 (int)((c->retry_at_ns - now + 999999) / 1000000) :
			 0;

	if (*timeout_ms < 0 || ms < *timeout_ms)
		*timeout_ms = ms;
}

static void retry_dispatch(struct ev_poller *p)
{
	struct control *c =
		(struct control *)((char *)p - offsetof(struct control, retry));

	if (now_ns() >= c->retry_at_ns)
		accept_resume(c);
}

/*
 * Out of descriptors or memory: the listening socket stays readable, so
 * watching it would spin. Stop until a client leaves or a second passes.
 */
static void accept_pause(struct control *c, int err)
{
	if (c->accept_paused)
		return;
	log_warn("control: cannot accept a client: %s", strerror(err));
	c->accept_paused = true;
	c->retry_at_ns = now_ns() + ACCEPT_RETRY_NS;
	evloop_modify(c->loop, &c->listen, 0);
	evloop_add_poller(c->loop, &c->retry);
}

static void accept_resume(struct control *c)
{
	if (!c->accept_paused)
		return;
	c->accept_paused = false;
	evloop_remove_poller(c->loop, &c->retry);
	evloop_modify(c->loop, &c->listen, EPOLLIN);
}

static void listen_event(struct ev_source *src, uint32_t events)
{
	struct control *c = src->opaque;

	(void)events;
	for (int i = 0; i < ACCEPTS_PER_EVENT && !c->accept_paused; i++) {
		int fd = accept4(src->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0)
			adopt(c, fd);
		else if (errno == EAGAIN)
			return;
		else if (errno != EINTR && errno != ECONNABORTED)
			accept_pause(c, errno);
	}
}

int control_init(struct control *c, const char *path, struct evloop *loop,
		 const struct control_ops *ops, void *ctx, char *err,
		 size_t errlen)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->listen = (struct ev_source){ -1, listen_event, c };
	c->loop = loop;
	c->ops = ops;
	c->ctx = ctx;
	c->retry = (struct ev_poller){ retry_prepare, retry_dispatch, NULL };
	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->client[i].src =
			(struct ev_source){ -1, client_event, &c->client[i] };
	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		c->client[i].ctl = c;
	c->listen.fd = unix_listen(path, "--control", CONTROL_MAX_CLIENTS,
				   &c->made, err, errlen);
	if (c->listen.fd < 0)
		return -1;
	snprintf(c->path, sizeof(c->path), "%s", path);
	ret = evloop_add(loop, &c->listen, EPOLLIN);
	if (ret) {
		snprintf(err, errlen, "--control '%s': %s", path,
			 strerror(-ret));
		unix_unlink(path, &c->made);
		goto fail;
	}
	return 0;
fail:
	if (c->listen.fd >= 0)
		close(c->listen.fd);
	c->listen.fd = -1;
	c->path[0] = '\0';
	return -1;
}

void control_destroy(struct control *c)
{
	if (!c->loop)
		return; /* zeroed: control_init() never ran */
	for (unsigned int i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->client[i].src.fd >= 0)
			drop(&c->client[i]);
	accept_resume(c);
	if (c->listen.fd >= 0) {
		evloop_remove(c->loop, &c->listen);
		close(c->listen.fd);
		c->listen.fd = -1;
	}
	if (c->path[0])
		unix_unlink(c->path, &c->made);
	c->path[0] = '\0';
}
