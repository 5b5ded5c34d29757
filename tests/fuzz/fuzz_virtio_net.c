// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for virtio-net (devices/virtio/net.c): transmit chains
 * and receive buffers in fuzzer-controlled guest memory, frames from a fake
 * back end of fuzzer-chosen sizes.
 *
 * Input: a NETF_HDR-byte header, then the bytes of guest RAM from
 * FUZZ_RAM_GPA on. The receive queue's rings are packed from FUZZ_RAM_GPA
 * (descriptors, avail, used), the transmit queue's from FUZZ_RAM_GPA +
 * 0x2000.
 *
 *   [0]      bits 0-3: log2 of the queue size (mod 9: 1 .. 256)
 *   [1]      bit 0: MRG_RXBUF, bit 1: EVENT_IDX, bit 2: INDIRECT_DESC,
 *            bit 3: reset the device between rounds
 *   [2]      rounds (1 .. 4); each kicks tx, then rx
 *   [3]      how far the "driver" moves each avail->idx between rounds
 *   [4..7]   sizes of two frames waiting in the back end (le16 each)
 *
 * Oracles besides ASan/UBSan: each frame handed to the back end is 12 to
 * NET_MAX_FRAME bytes, all of it in guest RAM; the used rings never claim
 * more entries than their size past what the driver offered.
 */
#include <stdio.h>
#include <string.h>

#include "devices/virtio/net.h"
#include "tests/fuzz/fuzz_guest.h"

#define NETF_HDR 8
#define TX_RINGS 0x2000ULL
#define TOUCH_BUDGET (256 * 1024)

static struct fuzz_guest guest;
static struct virtio_net net;
static uint8_t frame[2][NET_MAX_FRAME];
static size_t frame_len[2];
static unsigned int next_frame, nr_frames;
static size_t budget;

static bool fb_send(struct net_backend *be, const struct iovec *iov,
		    unsigned int n)
{
	size_t len = 0;

	(void)be;
	fuzz_touch_iov(&guest, iov, n, 0, &budget);
	for (unsigned int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (len < NET_HDR_LEN || len > NET_MAX_FRAME)
		fuzz_fail("send: a %zu-byte frame reached the back end", len);
	return true;
}

static size_t fb_recv(struct net_backend *be, uint8_t *buf, size_t len)
{
	(void)be;
	if (next_frame == nr_frames)
		return 0;
	if (frame_len[next_frame] > len)
		fuzz_fail("recv: no room for a %zu-byte frame",
			  frame_len[next_frame]);
	memcpy(buf, frame[next_frame], frame_len[next_frame]);
	return frame_len[next_frame++];
}

static void fb_pause_rx(struct net_backend *be, bool paused)
{
	(void)be;
	(void)paused;
}

static void fb_set_offloads(struct net_backend *be, uint64_t features)
{
	(void)be;
	(void)features;
}

static int fb_attach(struct net_backend *be, struct evloop *loop)
{
	(void)be;
	(void)loop;
	return 0;
}

static void fb_destroy(struct net_backend *be)
{
	(void)be;
}

static const struct net_backend_ops fb_ops = {
	.attach = fb_attach,
	.send = fb_send,
	.recv = fb_recv,
	.pause_rx = fb_pause_rx,
	.set_offloads = fb_set_offloads,
	.destroy = fb_destroy,
};

static struct net_backend fake_backend = { .ops = &fb_ops };

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	if (virtio_net_init(&net, mac, &fake_backend, &guest.hv))
		fuzz_fail("virtio_net_init");
	net.vdev.transport = &fuzz_null_transport;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t qsize;
	uint64_t features = 1ULL << VIRTIO_F_VERSION_1;
	unsigned int rounds;

	if (size < NETF_HDR)
		return 0;
	qsize = (uint16_t)(1u << ((data[0] & 15) % 9));
	if (data[1] & 1)
		features |= 1ULL << VIRTIO_NET_F_MRG_RXBUF;
	if (data[1] & 2)
		features |= 1ULL << VIRTIO_F_EVENT_IDX;
	if (data[1] & 4)
		features |= 1ULL << VIRTIO_F_INDIRECT_DESC;
	rounds = 1 + (data[2] & 3);
	for (unsigned int i = 0; i < 2; i++) {
		frame_len[i] =
			NET_HDR_LEN + fuzz_le16(data + 4 + 2 * i) %
					      (NET_MAX_FRAME - NET_HDR_LEN);
		memset(frame[i], (int)i + 1, frame_len[i]);
	}
	fuzz_guest_load(&guest, data + NETF_HDR, size - NETF_HDR);
	next_frame = 0;
	nr_frames = 2;
	budget = TOUCH_BUDGET;

	pthread_mutex_lock(&net.vdev.lock);
	fuzz_bring_up(&net.vdev, 2, qsize, features, TX_RINGS);
	for (unsigned int r = 0; r < rounds; r++) {
		virtio_kick(&net.vdev, VIRTIO_NET_TX_QUEUE);
		virtio_kick(&net.vdev, VIRTIO_NET_RX_QUEUE);
		fuzz_move_avail(&guest, &net.vdev, VIRTIO_NET_TX_QUEUE,
				data[3]);
		fuzz_move_avail(&guest, &net.vdev, VIRTIO_NET_RX_QUEUE,
				data[3]);
		if ((data[1] & 8) && r + 1 < rounds)
			fuzz_bring_up(&net.vdev, 2, qsize, features, TX_RINGS);
	}
	virtio_set_status(&net.vdev, 0);
	pthread_mutex_unlock(&net.vdev.lock);
	/* Kicks the device re-armed for itself, as the device thread would. */
	fuzz_guest_run_ready(&guest);
	return 0;
}
