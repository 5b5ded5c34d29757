// SPDX-License-Identifier: MIT
/* The TAP back end: frames to and from a host TAP device, header and all. */
#include "devices/net/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devices/virtio/net.h"
#include "runtime/evloop.h"
#include "runtime/log.h"

#define TUN_OFFLOADS (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

struct net_tap {
	struct net_backend be;
	struct ev_source src;
	struct evloop *loop;
	char ifname[IFNAMSIZ];
	bool polled; /* the device wants frames (not paused) */
};

/*
 * Readiness is one-shot: on_readable() tells the device once, and the
 * device reading the queue dry (tap_recv() finding nothing) asks for the
 * next. A device that cannot take frames now (not live, its receive
 * queue not enabled, its ring broken) is told once, rather than again and
 * again while the frames wait, which spun the device thread. Whatever lets
 * it take frames again also makes it read the queue (the kick when the
 * receive queue is enabled, DRIVER_OK's kicks, pause_rx(false) after a
 * reset), so no frame is stranded.
 */
#define TAP_POLL (EPOLLIN | EPOLLONESHOT)

static bool tap_send(struct net_backend *be, const struct iovec *iov,
		     unsigned int n)
{
	struct net_tap *t = (struct net_tap *)be;

	for (;;) {
		ssize_t r = writev(t->src.fd, iov, (int)n);

		if (r >= 0)
			return true;
		if (errno == EINTR)
			continue;
		/* EAGAIN (a full host queue) or EIO (link down): dropped,
		 * as a NIC would. */
		return false;
	}
}

static size_t tap_recv(struct net_backend *be, uint8_t *buf, size_t len)
{
	struct net_tap *t = (struct net_tap *)be;

	for (;;) {
		ssize_t r = read(t->src.fd, buf, len);

		if (r >= NET_HDR_LEN)
			return (size_t)r;
		if (r >= 0 || errno == EINTR)
			continue; /* a runt: skip it */
		if (errno != EAGAIN)
			log_warn("%s: read: %s", t->ifname, strerror(errno));
		if (t->polled)
			evloop_modify(t->loop, &t->src, TAP_POLL);
		return 0;
	}
}

static void tap_pause_rx(struct net_backend *be, bool paused)
{
	struct net_tap *t = (struct net_tap *)be;

	if (!t->loop || t->polled == !paused)
		return;
	if (evloop_modify(t->loop, &t->src, paused ? 0 : TAP_POLL) == 0)
		t->polled = !paused;
}

/* Frames the host may hand us: only what the guest said it can take. */
static void tap_set_offloads(struct net_backend *be, uint64_t features)
{
	struct net_tap *t = (struct net_tap *)be;
	unsigned int flags = 0;

	if (features & (1ULL << VIRTIO_NET_F_GUEST_CSUM)) {
		flags |= TUN_F_CSUM;
		if (features & (1ULL << VIRTIO_NET_F_GUEST_TSO4))
			flags |= TUN_F_TSO4;
		if (features & (1ULL << VIRTIO_NET_F_GUEST_TSO6))
			flags |= TUN_F_TSO6;
		if (features & (1ULL << VIRTIO_NET_F_GUEST_ECN))
			flags |= TUN_F_TSO_ECN;
	}
	if (ioctl(t->src.fd, TUNSETOFFLOAD, flags) < 0)
		log_warn("%s: setting offloads: %s", t->ifname,
			 strerror(errno));
}

static int tap_attach(struct net_backend *be, struct evloop *loop)
{
	struct net_tap *t = (struct net_tap *)be;
	int err = evloop_add(loop, &t->src, 0);

	if (!err)
		t->loop = loop;
	return err;
}

static void tap_destroy(struct net_backend *be)
{
	struct net_tap *t = (struct net_tap *)be;

	if (t->loop)
		evloop_remove(t->loop, &t->src);
	close(t->src.fd);
	free(t);
}

static void on_readable(struct ev_source *src, uint32_t events)
{
	struct net_tap *t = src->opaque;

	(void)events;
	if (t->be.rx_ready)
		t->be.rx_ready(t->be.dev);
}

static const struct net_backend_ops tap_ops = {
	.attach = tap_attach,
	.send = tap_send,
	.recv = tap_recv,
	.pause_rx = tap_pause_rx,
	.set_offloads = tap_set_offloads,
	.destroy = tap_destroy,
};

static int attach(int fd, const char *ifname, char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	int hdr = NET_HDR_LEN;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		if (e == EBUSY)
			snprintf(
				err, errlen,
				"TAP device '%s' is in use (another program has it open)",
				ifname);
		else if (e == EPERM || e == EACCES)
			snprintf(
				err, errlen,
				"no permission to use TAP device '%s' (create it with 'ip tuntap add %s mode tap user USER')",
				ifname, ifname);
		else if (e == EINVAL)
			snprintf(
				err, errlen,
				"'%s' is not a TAP device (create one with 'ip tuntap add %s mode tap')",
				ifname, ifname);
		else
			snprintf(err, errlen, "TAP device '%s': %s", ifname,
				 strerror(e));
		return -1;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		snprintf(err, errlen,
			 "TAP device '%s': no virtio-net headers: %s", ifname,
			 strerror(errno));
		return -1;
	}
	return 0;
}

struct net_backend *net_tap_adopt(int fd, const char *ifname)
{
	struct net_tap *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->be.ops = &tap_ops;
	/* Offered to the guest only if this kernel's TAP can do them all. */
	if (ioctl(fd, TUNSETOFFLOAD, TUN_OFFLOADS) == 0) {
		t->be.offloads = (1ULL << VIRTIO_NET_F_CSUM) |
				 (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
				 (1ULL << VIRTIO_NET_F_HOST_TSO4) |
				 (1ULL << VIRTIO_NET_F_HOST_TSO6) |
				 (1ULL << VIRTIO_NET_F_HOST_ECN) |
				 (1ULL << VIRTIO_NET_F_GUEST_TSO4) |
				 (1ULL << VIRTIO_NET_F_GUEST_TSO6) |
				 (1ULL << VIRTIO_NET_F_GUEST_ECN);
		ioctl(fd, TUNSETOFFLOAD, 0);
	}
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifname);
	t->src.fd = fd;
	t->src.handler = on_readable;
	t->src.opaque = t;
	return &t->be;
}

struct net_backend *net_tap_open(const char *ifname, char *err, size_t errlen)
{
	struct net_backend *be;
	int fd;

	/* Asking TUNSETIFF for a missing name would create a new device. */
	if (!if_nametoindex(ifname)) {
		snprintf(
			err, errlen,
			"no network device '%s' (create it with 'ip tuntap add %s mode tap user USER')",
			ifname, ifname);
		return NULL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open /dev/net/tun: %s",
			 strerror(errno));
		return NULL;
	}
	if (attach(fd, ifname, err, errlen)) {
		close(fd);
		return NULL;
	}
	be = net_tap_adopt(fd, ifname);
	if (!be) {
		snprintf(err, errlen, "out of memory");
		close(fd);
	}
	return be;
}
