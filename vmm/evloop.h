/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_EVLOOP_H
#define KESTREL_VMM_EVLOOP_H

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

struct evloop {
	int epfd;
	int wakefd;
	atomic_bool stop;
};

int evloop_init(struct evloop *loop);
void evloop_destroy(struct evloop *loop);

/* events: EPOLLIN/EPOLLOUT...; returns 0 or -errno. */
int evloop_add(struct evloop *loop, struct ev_source *src, uint32_t events);
int evloop_modify(struct evloop *loop, struct ev_source *src, uint32_t events);
void evloop_remove(struct evloop *loop, struct ev_source *src);

/* Runs handlers until evloop_stop(); returns 0, or -errno on epoll failure. */
int evloop_run(struct evloop *loop);

/* Safe from any thread or a signal handler. */
void evloop_stop(struct evloop *loop);

#endif
