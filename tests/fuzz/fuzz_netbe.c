// SPDX-License-Identifier: MIT
/* The fake virtio-net back end of the targets with a virtio-net. */
#include "tests/fuzz/fuzz_netbe.h"

#include <string.h>

static bool nb_send(struct net_backend *be, const struct iovec *iov,
		    unsigned int n)
{
	struct fuzz_netbe *nb = (struct fuzz_netbe *)be;
	size_t len = 0;

	fuzz_touch_iov(nb->sent.g, iov, n, 0, &nb->sent.budget);
	for (unsigned int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (len < NET_HDR_LEN || len > NET_MAX_FRAME)
		fuzz_fail("send: a %zu-byte frame reached the back end", len);
	return true;
}

static size_t nb_recv(struct net_backend *be, uint8_t *buf, size_t len)
{
	struct fuzz_netbe *nb = (struct fuzz_netbe *)be;
	size_t n;

	if (nb->next_frame == nb->nr_frames)
		return 0;
	n = nb->frame[nb->next_frame].len;
	if (n > len)
		fuzz_fail("recv: no room for a %zu-byte frame", n);
	memset(buf, nb->frame[nb->next_frame].hdr, NET_HDR_LEN);
	memset(buf + NET_HDR_LEN, nb->frame[nb->next_frame].body,
	       n - NET_HDR_LEN);
	nb->next_frame++;
	return n;
}

static void nb_pause_rx(struct net_backend *be, bool paused)
{
	(void)be;
	(void)paused;
}

static void nb_set_offloads(struct net_backend *be, uint64_t features)
{
	(void)be;
	(void)features;
}

static int nb_attach(struct net_backend *be, struct evloop *loop)
{
	(void)be;
	(void)loop;
	return 0;
}

static void nb_destroy(struct net_backend *be)
{
	(void)be;
}

static const struct net_backend_ops nb_ops = {
	.attach = nb_attach,
	.send = nb_send,
	.recv = nb_recv,
	.pause_rx = nb_pause_rx,
	.set_offloads = nb_set_offloads,
	.destroy = nb_destroy,
};

void fuzz_netbe_init(struct fuzz_netbe *nb, const struct fuzz_guest *g,
		     uint64_t offloads)
{
	*nb = (struct fuzz_netbe){
		.be = { .ops = &nb_ops, .offloads = offloads },
		.sent = { .g = g },
	};
	fuzz_netbe_reset(nb);
}

void fuzz_netbe_reset(struct fuzz_netbe *nb)
{
	nb->sent.budget = FUZZ_TOUCH_BUDGET;
	nb->nr_frames = nb->next_frame = 0;
}

bool fuzz_netbe_offer(struct fuzz_netbe *nb, size_t len, uint8_t hdr,
		      uint8_t body)
{
	if (nb->nr_frames == FUZZ_NETBE_FRAMES)
		return false;
	nb->frame[nb->nr_frames++] =
		(struct fuzz_netbe_frame){ len, hdr, body };
	return true;
}
