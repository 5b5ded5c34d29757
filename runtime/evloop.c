// SPDX-License-Identifier: MIT
/* epoll event loop run by the device thread. */
#include "runtime/evloop.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int evloop_init(struct evloop *loop)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	atomic_init(&loop->stop, false);
	loop->pollers = NULL;
	loop->pfd = NULL;
	loop->nr_pfd = loop->max_pfd = 0;
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
	free(loop->pfd);
	loop->pfd = NULL;
	loop->nr_pfd = loop->max_pfd = 0;
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

void evloop_add_poller(struct evloop *loop, struct ev_poller *p)
{
	p->next = loop->pollers;
	loop->pollers = p;
}

void evloop_remove_poller(struct evloop *loop, struct ev_poller *p)
{
	for (struct ev_poller **pp = &loop->pollers; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			return;
		}
	}
}

int evloop_poll_add(struct evloop *loop, int fd, short events)
{
	if (loop->nr_pfd == loop->max_pfd) {
		unsigned int max = loop->max_pfd ? loop->max_pfd * 2 : 16;
		struct pollfd *p = realloc(loop->pfd, max * sizeof(*p));

		if (!p)
			return -1; /* unwatched this round; retried next */
		loop->pfd = p;
		loop->max_pfd = max;
	}
	loop->pfd[loop->nr_pfd] =
		(struct pollfd){ .fd = fd, .events = events, .revents = 0 };
	return (int)loop->nr_pfd++;
}

short evloop_poll_revents(const struct evloop *loop, int idx)
{
	if (idx < 1 || (unsigned int)idx >= loop->nr_pfd)
		return 0;
	return loop->pfd[idx].revents;
}

void evloop_wake(struct evloop *loop)
{
	uint64_t one = 1;

	if (write(loop->wakefd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow from these writes; nothing to do. */
	}
}

/*
 * With pollers, a round is poll() over the epoll fd and their fds; the
 * epoll fd's sources are then collected without waiting.
 */
static int wait_round(struct evloop *loop, struct epoll_event *evs, int max)
{
	int timeout = -1, n;

	if (!loop->pollers)
		return epoll_wait(loop->epfd, evs, max, -1);
	loop->nr_pfd = 0;
	if (evloop_poll_add(loop, loop->epfd, POLLIN) < 0)
		return epoll_wait(loop->epfd, evs, max, -1);
	for (struct ev_poller *p = loop->pollers; p; p = p->next)
		p->prepare(p, &timeout);
	n = poll(loop->pfd, loop->nr_pfd, timeout);
	if (n < 0)
		return -1;
	for (struct ev_poller *p = loop->pollers; p; p = p->next)
		p->dispatch(p);
	if (!(loop->pfd[0].revents & POLLIN))
		return 0;
	return epoll_wait(loop->epfd, evs, max, 0);
}

int evloop_run(struct evloop *loop)
{
	struct epoll_event evs[32];

	while (!atomic_load(&loop->stop)) {
		int n = wait_round(loop, evs, 32);

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
	atomic_store(&loop->stop, true);
	evloop_wake(loop);
}
