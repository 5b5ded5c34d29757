/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_RUNTIME_EVLOOP_H
#define KESTREL_RUNTIME_EVLOOP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The device thread's epoll loop. A source is owned by whoever registers it
 * (usually embedded in a device), so adding one allocates nothing.
 */
struct ev_source {
	int fd;
	void (*handler)(struct ev_source *src, uint32_t events);
	void *opaque;
};

/*
 * For libraries that hand over a set of fds to poll each round instead of
 * registering them (libslirp): before each wait, prepare() adds fds with
 * evloop_poll_add() and may shorten *timeout_ms; after it, dispatch() reads
 * their results with evloop_poll_revents().
 */
struct ev_poller {
	void (*prepare)(struct ev_poller *p, int *timeout_ms);
	void (*dispatch)(struct ev_poller *p);
	struct ev_poller *next;
};

struct pollfd;

struct evloop {
	int epfd;
	int wakefd;
	atomic_bool stop;
	struct ev_poller *pollers;
	/* The pollers' fds for this round; [0] is epfd. Grows, never shrinks. */
	struct pollfd *pfd;
	unsigned int nr_pfd, max_pfd;
};

int evloop_init(struct evloop *loop);
void evloop_destroy(struct evloop *loop);

/* events: EPOLLIN/EPOLLOUT...; returns 0 or -errno. */
int evloop_add(struct evloop *loop, struct ev_source *src, uint32_t events);
int evloop_modify(struct evloop *loop, struct ev_source *src, uint32_t events);
void evloop_remove(struct evloop *loop, struct ev_source *src);

void evloop_add_poller(struct evloop *loop, struct ev_poller *p);
void evloop_remove_poller(struct evloop *loop, struct ev_poller *p);
/* In prepare(): watch fd for events (POLLIN ...); returns its index. */
int evloop_poll_add(struct evloop *loop, int fd, short events);
/* In dispatch(): what happened to the fd at index idx (0 if out of range). */
short evloop_poll_revents(const struct evloop *loop, int idx);
/* Makes a waiting evloop_run() start a new round; any thread. */
void evloop_wake(struct evloop *loop);

/* Runs handlers until evloop_stop(); returns 0, or -errno on epoll failure. */
int evloop_run(struct evloop *loop);

/* Safe from any thread or a signal handler. */
void evloop_stop(struct evloop *loop);

#endif
