/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_NET_BACKEND_H
#define KESTREL_DEVICES_NET_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/*
 * Where a virtio-net device's frames go: a host TAP device or the user-mode
 * stack. Frames cross this interface with the 12-byte virtio_net_hdr_v1 in
 * front, as the guest lays them out; a back end that cannot use the header
 * (no offloads) drops it on the way out and sends zeros on the way in.
 * Everything runs on the device thread, except that pause_rx() and
 * set_offloads() also come from the vCPU thread that starts or resets the
 * device (with the device locked).
 */
#define NET_HDR_LEN 12
/* The largest frame with header: a 64 KiB GSO packet plus link headers. */
#define NET_MAX_FRAME (NET_HDR_LEN + 65536 + 64)

struct net_backend;

struct evloop;

struct net_backend_ops {
	/* Joins the device thread's loop (paused); 0 or -errno. */
	int (*attach)(struct net_backend *be, struct evloop *loop);
	/* Sends one frame (header first); false if it was dropped. */
	bool (*send)(struct net_backend *be, const struct iovec *iov,
		     unsigned int n);
	/*
	 * Takes the next frame for the guest into buf (header first); returns
	 * its length, or 0 when nothing is waiting.
	 */
	size_t (*recv)(struct net_backend *be, uint8_t *buf, size_t len);
	/*
	 * The guest has no receive buffers: stop taking frames in from the
	 * host (they wait there) until resumed.
	 */
	void (*pause_rx)(struct net_backend *be, bool paused);
	/* The guest accepts these virtio-net offloads (feature bits). */
	void (*set_offloads)(struct net_backend *be, uint64_t guest_features);
	void (*destroy)(struct net_backend *be);
};

struct net_backend {
	const struct net_backend_ops *ops;
	/* virtio-net offload feature bits this back end can pass through. */
	uint64_t offloads;
	/* Set by the device: frames may be waiting for recv(). */
	void (*rx_ready)(void *dev);
	void *dev;
};

#endif
