// SPDX-License-Identifier: MIT
/* epoll event loop run by the device thread. */
#include "vmm/evloop.h"

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int evloop_init(struct evloop *loop)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	atomic_init(&loop->stop, false);
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		return -errno;
	loop->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->wakefd < 0 ||
	    epoll_ctl(loop->epfd, EPOLL_CTL_ADD, loop->wakefd, &ev) < 0) {
		int err = -errno;

		evloop_destroy(loop);
		return err;
	}
	return 0;
}

void evloop_destroy(struct evloop *loop)
{
	if (loop->wakefd >= 0)
		close(loop->wakefd);
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->wakefd = loop->epfd = -1;
}

int evloop_add(struct evloop *loop, struct ev_source *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(loop->epfd, EPOLL_CTL_ADD, src->fd, &ev) ? -errno : 0;
}

int evloop_modify(struct evloop *loop, struct ev_source *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, src->fd, &ev) ? -errno : 0;
}

void evloop_remove(struct evloop *loop, struct ev_source *src)
{
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, src->fd, NULL);
}

int evloop_run(struct evloop *loop)
{
	struct epoll_event evs[32];

	while (!atomic_load(&loop->stop)) {
		int n = epoll_wait(loop->epfd, evs, 32, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !atomic_load(&loop->stop); i++) {
			struct ev_source *src = evs[i].data.ptr;

			if (!src) {
				uint64_t v;

				if (read(loop->wakefd, &v, sizeof(v)) < 0 &&
				    errno != EAGAIN)
					return -errno;
				continue;
			}
			src->handler(src, evs[i].events);
		}
	}
	return 0;
}

void evloop_stop(struct evloop *loop)
{
	uint64_t one = 1;

	atomic_store(&loop->stop, true);
	if (write(loop->wakefd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow from these writes; nothing to do. */
	}
}
