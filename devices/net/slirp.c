// SPDX-License-Identifier: MIT
/* The user-mode back end: libslirp, run from kestrel's event loop. */
#include "devices/net/slirp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/virtio/iov.h"
#include "runtime/evloop.h"
#include "runtime/log.h"

/* Frames slirp produced that the guest has not taken yet. slirp's MTU is
 * 1500, so a slot holds any of its frames; when all are full, frames are
 * dropped and TCP sends them again. */
#define RX_SLOTS 128
#define RX_SLOT_SIZE (NET_HDR_LEN + 1536)
#define MAX_TIMERS 16

struct slirp_timer {
	SlirpTimerCb cb;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
	bool used;
};

struct net_slirp {
	struct net_backend be;
	Slirp *slirp;
	struct evloop *loop;
	struct ev_poller poller;
	bool paused;
	struct slirp_timer timer[MAX_TIMERS];
	unsigned int rx_head, rx_count;
	uint16_t rx_len[RX_SLOTS];
	uint8_t rx_slot[RX_SLOTS][RX_SLOT_SIZE];
	uint8_t tx_frame[NET_MAX_FRAME];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* slirp -> guest: queue the frame behind a zero virtio-net header. */
static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct net_slirp *s = opaque;
	unsigned int slot;

	if (len > RX_SLOT_SIZE - NET_HDR_LEN || s->rx_count == RX_SLOTS)
		return (ssize_t)len; /* dropped, like a full NIC */
	slot = (s->rx_head + s->rx_count) % RX_SLOTS;
	memset(s->rx_slot[slot], 0, NET_HDR_LEN);
	memcpy(s->rx_slot[slot] + NET_HDR_LEN, buf, len);
	s->rx_len[slot] = (uint16_t)(len + NET_HDR_LEN);
	if (s->rx_count++ == 0 && s->be.rx_ready)
		s->be.rx_ready(s->be.dev);
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	(void)opaque;
	log_guest("user network: %s", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	(void)opaque;
	return now_ns();
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	struct net_slirp *s = opaque;

	for (unsigned int i = 0; i < MAX_TIMERS; i++) {
		if (!s->timer[i].used) {
			s->timer[i] =
				(struct slirp_timer){ cb, cb_opaque, -1, true };
			return &s->timer[i];
		}
	}
	log_error("user network: out of timers");
	return NULL;
}

static void cb_timer_free(void *timer, void *opaque)
{
	(void)opaque;
	if (timer)
		((struct slirp_timer *)timer)->used = false;
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	struct net_slirp *s = opaque;

	if (timer)
		((struct slirp_timer *)timer)->expire_ms = expire_ms;
	if (s->loop)
		evloop_wake(s->loop);
}

static void cb_register_poll_fd(int fd, void *opaque)
{
	(void)fd;
	(void)opaque;
}

static void cb_notify(void *opaque)
{
	struct net_slirp *s = opaque;

	if (s->loop)
		evloop_wake(s->loop);
}

static const SlirpCb callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_register_poll_fd,
	.notify = cb_notify,
};

static int cb_add_poll(int fd, int events, void *opaque)
{
	struct net_slirp *s = opaque;
	short ev = 0;

	/* While the guest has no room, data waits in the host's sockets. */
	if ((events & SLIRP_POLL_IN) &&
	    !__atomic_load_n(&s->paused, __ATOMIC_RELAXED))
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	return evloop_poll_add(s->loop, fd, ev);
}

static int cb_get_revents(int idx, void *opaque)
{
	struct net_slirp *s = opaque;
	short r = evloop_poll_revents(s->loop, idx);
	int ev = 0;

	if (r & POLLIN)
		ev |= SLIRP_POLL_IN;
	if (r & POLLOUT)
		ev |= SLIRP_POLL_OUT;
	if (r & POLLPRI)
		ev |= SLIRP_POLL_PRI;
	if (r & POLLERR)
		ev |= SLIRP_POLL_ERR;
	if (r & POLLHUP)
		ev |= SLIRP_POLL_HUP;
	return ev;
}

static void poller_prepare(struct ev_poller *p, int *timeout_ms)
{
	struct net_slirp *s =
		(struct net_slirp *)((char *)p -
				     offsetof(struct net_slirp, poller));
	uint32_t t = *timeout_ms < 0 ? UINT32_MAX : (uint32_t)*timeout_ms;
	int64_t now = now_ns() / 1000000;

	slirp_pollfds_fill(s->slirp, &t, cb_add_poll, s);
	for (unsigned int i = 0; i < MAX_TIMERS; i++) {
		const struct slirp_timer *tm = &s->timer[i];

		if (tm->used && tm->expire_ms >= 0) {
			int64_t left = tm->expire_ms - now;

			if (left < 0)
				left = 0;
			if ((uint64_t)left < t)
				t = (uint32_t)left;
		}
	}
	*timeout_ms =
		t == UINT32_MAX ? -1 : (int)(t > INT32_MAX ? INT32_MAX : t);
}

static void poller_dispatch(struct ev_poller *p)
{
	struct net_slirp *s =
		(struct net_slirp *)((char *)p -
				     offsetof(struct net_slirp, poller));
	int64_t now = now_ns() / 1000000;

	slirp_pollfds_poll(s->slirp, 0, cb_get_revents, s);
	for (unsigned int i = 0; i < MAX_TIMERS; i++) {
		struct slirp_timer *tm = &s->timer[i];

		if (tm->used && tm->expire_ms >= 0 && tm->expire_ms <= now) {
			tm->expire_ms = -1;
			tm->cb(tm->cb_opaque);
		}
	}
}

/* guest -> slirp: slirp wants the bare Ethernet frame in one piece. */
static bool slirp_send(struct net_backend *be, const struct iovec *iov,
		       unsigned int n)
{
	struct net_slirp *s = (struct net_slirp *)be;
	size_t len = iov_to_buf(iov, n, 0, s->tx_frame, sizeof(s->tx_frame));

	if (len <= NET_HDR_LEN)
		return false;
	slirp_input(s->slirp, s->tx_frame + NET_HDR_LEN,
		    (int)(len - NET_HDR_LEN));
	return true;
}

static size_t slirp_recv(struct net_backend *be, uint8_t *buf, size_t len)
{
	struct net_slirp *s = (struct net_slirp *)be;
	size_t n;

	if (!s->rx_count)
		return 0;
	n = s->rx_len[s->rx_head];
	if (n > len)
		n = 0;
	else
		memcpy(buf, s->rx_slot[s->rx_head], n);
	s->rx_head = (s->rx_head + 1) % RX_SLOTS;
	s->rx_count--;
	return n;
}

static void slirp_pause_rx(struct net_backend *be, bool paused)
{
	struct net_slirp *s = (struct net_slirp *)be;

	/* From the vCPU that resets the device too, while the device
	 * thread polls. */
	__atomic_store_n(&s->paused, paused, __ATOMIC_RELAXED);
	if (!paused && s->loop)
		evloop_wake(s->loop);
}

static void slirp_set_offloads(struct net_backend *be, uint64_t features)
{
	(void)be;
	(void)features;
}

static int slirp_attach(struct net_backend *be, struct evloop *loop)
{
	struct net_slirp *s = (struct net_slirp *)be;

	s->loop = loop;
	s->poller.prepare = poller_prepare;
	s->poller.dispatch = poller_dispatch;
	evloop_add_poller(loop, &s->poller);
	return 0;
}

static void slirp_destroy(struct net_backend *be)
{
	struct net_slirp *s = (struct net_slirp *)be;

	if (s->loop)
		evloop_remove_poller(s->loop, &s->poller);
	slirp_cleanup(s->slirp);
	free(s);
}

static const struct net_backend_ops slirp_ops = {
	.attach = slirp_attach,
	.send = slirp_send,
	.recv = slirp_recv,
	.pause_rx = slirp_pause_rx,
	.set_offloads = slirp_set_offloads,
	.destroy = slirp_destroy,
};

static struct in_addr ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static int add_forwards(struct net_slirp *s, const struct net_config *cfg,
			char *err, size_t errlen)
{
	for (unsigned int i = 0; i < cfg->nr_fwd; i++) {
		const struct hostfwd *f = &cfg->fwd[i];
		struct in_addr host = { .s_addr = f->host_addr };
		struct in_addr guest = { .s_addr = f->guest_addr };
		char ip[INET_ADDRSTRLEN];

		errno = 0;
		if (slirp_add_hostfwd(s->slirp, f->udp, host, f->host_port,
				      guest, f->guest_port) < 0) {
			inet_ntop(AF_INET, &host, ip, sizeof(ip));
			snprintf(err, errlen,
				 "--net user: cannot forward %s %s:%u: %s",
				 f->udp ? "udp" : "tcp", ip, f->host_port,
				 errno ? strerror(errno) :
					 "the address is in use or not local");
			return -1;
		}
	}
	return 0;
}

struct net_backend *net_slirp_open(const struct net_config *cfg, char *err,
				   size_t errlen)
{
	struct net_slirp *s = calloc(1, sizeof(*s));
	SlirpConfig sc = {
		.version = 1,
		.restricted = cfg->restricted,
		.in_enabled = true,
		.vnetwork = ip4("10.0.2.0"),
		.vnetmask = ip4("255.255.255.0"),
		.vhost = ip4("10.0.2.2"),
		.in6_enabled = true,
		.vprefix_addr6 = ip6("fec0::"),
		.vprefix_len = 64,
		.vhost6 = ip6("fec0::2"),
		.vhostname = "kestrel",
		.vdhcp_start = ip4("10.0.2.15"),
		.vnameserver = ip4("10.0.2.3"),
		.vnameserver6 = ip6("fec0::3"),
	};

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->be.ops = &slirp_ops;
	s->slirp = slirp_new(&sc, &callbacks, s);
	if (!s->slirp) {
		snprintf(err, errlen, "--net user: cannot start libslirp");
		free(s);
		return NULL;
	}
	if (add_forwards(s, cfg, err, errlen)) {
		slirp_cleanup(s->slirp);
		free(s);
		return NULL;
	}
	return &s->be;
}
