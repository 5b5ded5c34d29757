// SPDX-License-Identifier: MIT
/*
 * virtio-net driven by a test guest driver through a fake transport, on a
 * fake back end that records what the device sent and hands it frames to
 * receive.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>

#include "devices/virtio/net.h"
#include "fake_driver.h"

#define F(bit) (1ULL << (bit))
#define RX VIRTIO_NET_RX_QUEUE
#define TX VIRTIO_NET_TX_QUEUE
#define QSIZE FD_QSIZE
#define RAM_END FD_RAM_END

struct fake_backend {
	struct net_backend be;
	uint8_t sent[8][2048];
	size_t sent_len[8];
	unsigned int nr_sent;
	const uint8_t *frame[8]; /* to receive, header first */
	size_t frame_len[8];
	unsigned int nr_frames, next_frame;
	bool paused;
	unsigned int pause_calls;
	uint64_t offloads_set;
	bool attached;
};

struct fixture {
	struct fake_driver fd;
	struct virtio_net net;
	struct fake_backend fb;
};

static bool fb_send(struct net_backend *be, const struct iovec *iov,
		    unsigned int n)
{
	struct fake_backend *fb = (struct fake_backend *)be;
	size_t len = 0;

	assert_true(fb->nr_sent < 8);
	for (unsigned int i = 0; i < n; i++) {
		assert_true(len + iov[i].iov_len <= sizeof(fb->sent[0]));
		memcpy(fb->sent[fb->nr_sent] + len, iov[i].iov_base,
		       iov[i].iov_len);
		len += iov[i].iov_len;
	}
	fb->sent_len[fb->nr_sent++] = len;
	return true;
}

static size_t fb_recv(struct net_backend *be, uint8_t *buf, size_t len)
{
	struct fake_backend *fb = (struct fake_backend *)be;
	size_t n;

	if (fb->next_frame == fb->nr_frames)
		return 0;
	n = fb->frame_len[fb->next_frame];
	assert_true(n <= len);
	memcpy(buf, fb->frame[fb->next_frame++], n);
	return n;
}

static void fb_pause_rx(struct net_backend *be, bool paused)
{
	struct fake_backend *fb = (struct fake_backend *)be;

	fb->paused = paused;
	fb->pause_calls++;
}

static void fb_set_offloads(struct net_backend *be, uint64_t features)
{
	((struct fake_backend *)be)->offloads_set = features;
}

static int fb_attach(struct net_backend *be, struct evloop *loop)
{
	(void)loop;
	((struct fake_backend *)be)->attached = true;
	return 0;
}

static void fb_destroy(struct net_backend *be)
{
	((struct fake_backend *)be)->attached = false;
}

static const struct net_backend_ops fb_ops = {
	.attach = fb_attach,
	.send = fb_send,
	.recv = fb_recv,
	.pause_rx = fb_pause_rx,
	.set_offloads = fb_set_offloads,
	.destroy = fb_destroy,
};

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || fd_init(&fx->fd))
		return -1;
	fx->fb.be.ops = &fb_ops;
	fx->fb.be.offloads = F(VIRTIO_NET_F_CSUM);
	if (virtio_net_init(&fx->net, MAC, &fx->fb.be, &fx->fd.hv))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	virtio_net_destroy(&fx->net);
	assert_false(fx->fb.attached);
	fd_destroy(&fx->fd);
	free(fx);
	return 0;
}

static uint8_t *hva(struct fixture *fx, uint64_t gpa, uint64_t len)
{
	return fd_hva(&fx->fd, gpa, len);
}

static uint16_t r16(struct fixture *fx, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, hva(fx, gpa, 2), 2);
	return v;
}

static uint64_t alloc(struct fixture *fx, uint32_t len)
{
	return fd_alloc(&fx->fd, len);
}

static void kick(struct fixture *fx, unsigned int q)
{
	fd_kick(&fx->fd, q);
}

/* DRIVER_OK runs each queue once; interrupts count from after it. */
static void bring_up(struct fixture *fx, uint64_t features)
{
	fd_bring_up(&fx->fd, &fx->net.vdev, features, 2);
}

#define seg fd_seg

static uint16_t post(struct fixture *fx, unsigned int q, const struct seg *s,
		     unsigned int n)
{
	return fd_post(&fx->fd, q, s, n);
}

/* A receive buffer of len bytes; returns its address. */
static uint64_t post_rx(struct fixture *fx, uint32_t len)
{
	struct seg s = { alloc(fx, len), len, true };

	post(fx, RX, &s, 1);
	return s.gpa;
}

static uint16_t used_idx(struct fixture *fx, unsigned int q)
{
	return fd_used_idx(&fx->fd, q);
}

/* The next used element of queue q: its id and length. */
static void next_used(struct fixture *fx, unsigned int q, uint16_t *id,
		      uint32_t *len)
{
	assert_true(fd_next_used(&fx->fd, q, id, len));
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 31);
}

static void config_has_mac_and_link(void **state)
{
	struct fixture *fx = *state;
	uint8_t mac[6];
	uint16_t status;

	fx->net.ops.read_config(&fx->net.vdev, 0, mac, 6);
	fx->net.ops.read_config(&fx->net.vdev, 6, &status, 2);
	assert_memory_equal(mac, MAC, 6);
	assert_int_equal(status, VIRTIO_NET_S_LINK_UP);
	assert_true(fx->net.ops.features & F(VIRTIO_NET_F_MRG_RXBUF));
	assert_true(fx->net.ops.features & F(VIRTIO_NET_F_CSUM));
}

static void tx_frame_reaches_backend_whole(void **state)
{
	struct fixture *fx = *state;
	struct seg s[2] = { { alloc(fx, NET_HDR_LEN), NET_HDR_LEN, false },
			    { alloc(fx, 600), 600, false } };
	uint16_t head, id;
	uint32_t len;

	bring_up(fx, F(VIRTIO_NET_F_MRG_RXBUF));
	fill(hva(fx, s[0].gpa, NET_HDR_LEN), NET_HDR_LEN, 1);
	fill(hva(fx, s[1].gpa, 600), 600, 2);
	head = post(fx, TX, s, 2);
	kick(fx, TX);
	assert_int_equal(fx->fb.nr_sent, 1);
	assert_int_equal(fx->fb.sent_len[0], NET_HDR_LEN + 600);
	assert_memory_equal(fx->fb.sent[0], hva(fx, s[0].gpa, NET_HDR_LEN),
			    NET_HDR_LEN);
	assert_memory_equal(fx->fb.sent[0] + NET_HDR_LEN,
			    hva(fx, s[1].gpa, 600), 600);
	next_used(fx, TX, &id, &len);
	assert_int_equal(id, head);
	assert_int_equal(len, 0);
	assert_int_equal(fx->fd.irqs[TX], 1);
}

static void tx_without_header_is_dropped(void **state)
{
	struct fixture *fx = *state;
	struct seg s = { alloc(fx, 8), 8, false };
	uint16_t id;
	uint32_t len;

	bring_up(fx, 0);
	post(fx, TX, &s, 1);
	kick(fx, TX);
	assert_int_equal(fx->fb.nr_sent, 0);
	next_used(fx, TX, &id, &len);
	assert_int_equal(fx->net.tx_dropped, 1);
}

static void tx_oversize_is_dropped(void **state)
{
	struct fixture *fx = *state;
	struct seg s[2] = { { alloc(fx, 65536), 65536, false },
			    { alloc(fx, 4096), 4096, false } };
	uint16_t id;
	uint32_t len;

	bring_up(fx, 0);
	post(fx, TX, s, 2);
	kick(fx, TX);
	assert_int_equal(fx->fb.nr_sent, 0);
	next_used(fx, TX, &id, &len);
	assert_int_equal(fx->net.tx_dropped, 1);
}

static void tx_buffer_outside_ram_is_not_sent(void **state)
{
	struct fixture *fx = *state;
	struct seg s[2] = { { alloc(fx, NET_HDR_LEN), NET_HDR_LEN, false },
			    { RAM_END - 100, 200, false } };
	uint16_t id;
	uint32_t len;

	bring_up(fx, 0);
	post(fx, TX, s, 2);
	kick(fx, TX);
	assert_int_equal(fx->fb.nr_sent, 0);
	next_used(fx, TX, &id, &len);
	assert_int_equal(len, 0);
}

static void tx_broken_ring_needs_reset(void **state)
{
	struct fixture *fx = *state;

	bring_up(fx, 0);
	fd_w16(&fx->fd, fd_avail(TX) + 2, QSIZE + 5);
	kick(fx, TX);
	assert_true(fx->net.vdev.status & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(fx->fd.config_irqs, 1);
}

/* A frame from the back end: header (num_buffers 0) and pattern. */
static uint8_t frame_a[3000], frame_b[100];

static void queue_frame(struct fixture *fx, uint8_t *frame, size_t len,
			uint8_t seed)
{
	memset(frame, 0, NET_HDR_LEN);
	fill(frame + NET_HDR_LEN, len - NET_HDR_LEN, seed);
	fx->fb.frame[fx->fb.nr_frames] = frame;
	fx->fb.frame_len[fx->fb.nr_frames++] = len;
}

static void rx_merges_buffers_and_counts_them(void **state)
{
	struct fixture *fx = *state;
	uint64_t b1, b2;
	uint16_t id, nb;
	uint32_t len1, len2;

	bring_up(fx, F(VIRTIO_NET_F_MRG_RXBUF));
	b1 = post_rx(fx, 1536);
	b2 = post_rx(fx, 1536);
	queue_frame(fx, frame_a, sizeof(frame_a), 7);
	fx->fb.be.rx_ready(fx->fb.be.dev);
	kick(fx, RX);
	assert_int_equal(used_idx(fx, RX), 2);
	next_used(fx, RX, &id, &len1);
	assert_int_equal(id, 0);
	next_used(fx, RX, &id, &len2);
	assert_int_equal(id, 1);
	assert_int_equal(len1, 1536);
	assert_int_equal(len2, sizeof(frame_a) - 1536);
	nb = r16(fx, b1 + 10);
	assert_int_equal(nb, 2);
	assert_memory_equal(hva(fx, b1 + NET_HDR_LEN, 1536 - NET_HDR_LEN),
			    frame_a + NET_HDR_LEN, 1536 - NET_HDR_LEN);
	assert_memory_equal(hva(fx, b2, len2), frame_a + 1536, len2);
	assert_int_equal(fx->fd.irqs[RX], 1);
}

/* With too few buffers, nothing is used: the frame waits for more. */
static void rx_waits_for_enough_buffers(void **state)
{
	struct fixture *fx = *state;
	uint64_t b1;
	uint16_t id;
	uint32_t len;

	bring_up(fx, F(VIRTIO_NET_F_MRG_RXBUF));
	b1 = post_rx(fx, 1536);
	queue_frame(fx, frame_a, sizeof(frame_a), 3);
	kick(fx, RX);
	assert_int_equal(used_idx(fx, RX), 0);
	assert_true(fx->fb.paused);
	assert_int_equal(fx->fd.irqs[RX], 0);
	post_rx(fx, 1536);
	kick(fx, RX);
	assert_false(fx->fb.paused);
	assert_int_equal(used_idx(fx, RX), 2);
	next_used(fx, RX, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(r16(fx, b1 + 10), 2);
}

static void rx_without_buffers_pauses_backend(void **state)
{
	struct fixture *fx = *state;
	uint64_t b;

	bring_up(fx, F(VIRTIO_NET_F_MRG_RXBUF));
	queue_frame(fx, frame_b, sizeof(frame_b), 9);
	queue_frame(fx, frame_a, sizeof(frame_a), 4);
	kick(fx, RX);
	assert_true(fx->fb.paused);
	/* The first frame was taken and is held, the second still waits. */
	assert_int_equal(fx->fb.next_frame, 1);
	b = post_rx(fx, 4096);
	post_rx(fx, 4096);
	kick(fx, RX);
	assert_int_equal(used_idx(fx, RX), 2);
	assert_memory_equal(
		hva(fx, b + NET_HDR_LEN, sizeof(frame_b) - NET_HDR_LEN),
		frame_b + NET_HDR_LEN, sizeof(frame_b) - NET_HDR_LEN);
	assert_int_equal(r16(fx, b + 10), 1);
	assert_false(fx->fb.paused);
}

static void rx_too_small_without_merging_is_dropped(void **state)
{
	struct fixture *fx = *state;
	uint16_t id;
	uint32_t len;

	bring_up(fx, 0);
	post_rx(fx, 1536);
	post_rx(fx, 1536);
	queue_frame(fx, frame_a, sizeof(frame_a), 5);
	queue_frame(fx, frame_b, sizeof(frame_b), 6);
	kick(fx, RX);
	assert_int_equal(fx->net.rx_dropped, 1);
	next_used(fx, RX, &id, &len);
	assert_int_equal(len, 0);
	next_used(fx, RX, &id, &len);
	assert_int_equal(len, sizeof(frame_b));
}

static void rx_buffer_smaller_than_header_is_refused(void **state)
{
	struct fixture *fx = *state;
	uint16_t id;
	uint32_t len;

	bring_up(fx, F(VIRTIO_NET_F_MRG_RXBUF));
	post_rx(fx, 4);
	post_rx(fx, 1536);
	queue_frame(fx, frame_b, sizeof(frame_b), 6);
	queue_frame(fx, frame_b, sizeof(frame_b), 6);
	kick(fx, RX);
	next_used(fx, RX, &id, &len);
	assert_int_equal(len, 0);
	next_used(fx, RX, &id, &len);
	assert_int_equal(len, sizeof(frame_b));
}

static void rx_buffer_outside_ram_is_returned_unused(void **state)
{
	struct fixture *fx = *state;
	struct seg bad = { RAM_END - 10, 1536, true };
	uint16_t id;
	uint32_t len;

	bring_up(fx, F(VIRTIO_NET_F_MRG_RXBUF));
	post(fx, RX, &bad, 1);
	post_rx(fx, 1536);
	queue_frame(fx, frame_b, sizeof(frame_b), 6);
	kick(fx, RX);
	next_used(fx, RX, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	next_used(fx, RX, &id, &len);
	assert_int_equal(id, 1);
	assert_int_equal(len, sizeof(frame_b));
}

/* A bad buffer in the middle of a merged frame: every chain comes back
 * exactly once, the frame is dropped, and the next frame is received. */
static void rx_bad_buffer_mid_frame_drops_it(void **state)
{
	struct fixture *fx = *state;
	struct seg bad = { RAM_END - 10, 1536, true };
	uint16_t id;
	uint32_t len;

	bring_up(fx, F(VIRTIO_NET_F_MRG_RXBUF));
	post_rx(fx, 1536);
	post(fx, RX, &bad, 1);
	post_rx(fx, 1536);
	queue_frame(fx, frame_a, sizeof(frame_a), 5);
	queue_frame(fx, frame_b, sizeof(frame_b), 6);
	kick(fx, RX);
	assert_int_equal(fx->net.rx_dropped, 1);
	assert_int_equal(used_idx(fx, RX), 3);
	next_used(fx, RX, &id, &len);
	assert_int_equal(id, 1);
	assert_int_equal(len, 0);
	next_used(fx, RX, &id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 0);
	next_used(fx, RX, &id, &len);
	assert_int_equal(id, 2);
	assert_int_equal(len, sizeof(frame_b));
}

static void reset_pauses_and_clears_offloads(void **state)
{
	struct fixture *fx = *state;

	bring_up(fx, F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_MRG_RXBUF));
	assert_true(fx->fb.offloads_set & F(VIRTIO_NET_F_CSUM));
	assert_false(fx->fb.paused);
	pthread_mutex_lock(&fx->net.vdev.lock);
	virtio_set_status(&fx->net.vdev, 0);
	pthread_mutex_unlock(&fx->net.vdev.lock);
	assert_true(fx->fb.paused);
	assert_int_equal(fx->fb.offloads_set, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(config_has_mac_and_link),
		T(tx_frame_reaches_backend_whole),
		T(tx_without_header_is_dropped),
		T(tx_oversize_is_dropped),
		T(tx_buffer_outside_ram_is_not_sent),
		T(tx_broken_ring_needs_reset),
		T(rx_merges_buffers_and_counts_them),
		T(rx_waits_for_enough_buffers),
		T(rx_without_buffers_pauses_backend),
		T(rx_too_small_without_merging_is_dropped),
		T(rx_buffer_smaller_than_header_is_refused),
		T(rx_buffer_outside_ram_is_returned_unused),
		T(rx_bad_buffer_mid_frame_drops_it),
		T(reset_pauses_and_clears_offloads),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
