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
#include "devices/virtio/net.h"
#include "tests/fuzz/fuzz_guest.h"
#include "tests/fuzz/fuzz_netbe.h"

#define NETF_HDR 8
#define TX_RINGS 0x2000ULL

static struct fuzz_guest guest;
static struct virtio_net net;
static struct fuzz_netbe netbe;

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	fuzz_netbe_init(&netbe, &guest, 0);
	if (virtio_net_init(&net, mac, &netbe.be, &guest.hv))
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
	fuzz_netbe_reset(&netbe);
	for (unsigned int i = 0; i < 2; i++) {
		size_t len =
			NET_HDR_LEN + fuzz_le16(data + 4 + 2 * i) %
					      (NET_MAX_FRAME - NET_HDR_LEN);

		fuzz_netbe_offer(&netbe, len, (uint8_t)(i + 1),
				 (uint8_t)(i + 1));
	}
	fuzz_guest_load(&guest, data + NETF_HDR, size - NETF_HDR);

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
