/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_FUZZ_NETBE_H
#define KESTREL_TESTS_FUZZ_NETBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/net/backend.h"
#include "tests/fuzz/fuzz_guest.h"

#define FUZZ_NETBE_FRAMES 8

struct fuzz_netbe_frame {
	size_t len;
	uint8_t hdr, body; /* the header's bytes, and the rest's */
};

/*
 * A virtio-net back end that takes every frame it is sent -- an oracle:
 * NET_HDR_LEN to NET_MAX_FRAME bytes, all of it in guest RAM (and touched,
 * as a fuzz_sink does) -- and offers the frames the target queued, in
 * turn.
 */
struct fuzz_netbe {
	struct net_backend be; /* first: the ops are handed &be */
	struct fuzz_sink sent;
	struct fuzz_netbe_frame frame[FUZZ_NETBE_FRAMES];
	unsigned int nr_frames, next_frame;
};

/* offloads: the virtio-net offloads the back end passes through. */
void fuzz_netbe_init(struct fuzz_netbe *nb, const struct fuzz_guest *g,
		     uint64_t offloads);
/* For each input: no frames queued, the touch budget full. */
void fuzz_netbe_reset(struct fuzz_netbe *nb);
/*
 * Queues a frame of len bytes (NET_HDR_LEN to NET_MAX_FRAME); false, and
 * nothing queued, when FUZZ_NETBE_FRAMES are.
 */
bool fuzz_netbe_offer(struct fuzz_netbe *nb, size_t len, uint8_t hdr,
		      uint8_t body);

#endif
