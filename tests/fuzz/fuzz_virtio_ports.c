// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the virtio-console ports device
 * (devices/virtio/ports.c): the guest's control messages and port data in
 * fuzzer-controlled rings, host input and end of input in between.
 *
 * Input: a PORTF_HDR-byte header, then guest RAM from FUZZ_RAM_GPA on.
 * The rings of queue q are packed at FUZZ_RAM_GPA + q * RING_STRIDE.
 *
 *   [0]      bits 0-2: log2 of the queue size (mod 5: 1 .. 16);
 *            bit 3: EVENT_IDX, bit 4: INDIRECT_DESC
 *   [1]      rounds (1 .. 8)
 *   [2..3]   per round, which of the 10 queues to kick (a rotating mask)
 *   [4]      per round: bits 0-3 how many bytes of host input to offer
 *            port (bits 4-5); bit 6: close that port's input; bit 7:
 *            reset the device after the round
 *   [5]      how far the "driver" moves every avail->idx between rounds
 *
 * Oracles besides ASan/UBSan: what a port transmits lies in guest RAM;
 * receive never takes more than was offered.
 */
#include <stdio.h>
#include <string.h>

#include "devices/virtio/ports.h"
#include "tests/fuzz/fuzz_guest.h"

#define PORTF_HDR 6
#define NR_QUEUES (2 + 2 * VIRTIO_PORTS_MAX)
#define RING_STRIDE 0x600ULL

static struct fuzz_guest guest;
static struct virtio_ports ports;
static struct fuzz_sink sink = { .g = &guest };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct virtio_port p[VIRTIO_PORTS_MAX] = {
		{ .name = "in", .rx_ready = fuzz_ignore_rx_ready },
		{ .name = "out", .output = fuzz_sink_output, .ctx = &sink },
		{ .name = "err", .output = fuzz_sink_output, .ctx = &sink },
		{ .name = "status", .output = fuzz_sink_output, .ctx = &sink },
	};

	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	if (virtio_ports_init(&ports, &guest.hv, p, VIRTIO_PORTS_MAX))
		fuzz_fail("virtio_ports_init");
	ports.vdev.transport = &fuzz_null_transport;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t input[16] = "0123456789abcdef";
	uint64_t features = 1ULL << VIRTIO_F_VERSION_1;
	uint16_t qsize, mask;
	unsigned int rounds;

	if (size < PORTF_HDR)
		return 0;
	qsize = (uint16_t)(1u << ((data[0] & 7) % 5));
	if (data[0] & 8)
		features |= 1ULL << VIRTIO_F_EVENT_IDX;
	if (data[0] & 16)
		features |= 1ULL << VIRTIO_F_INDIRECT_DESC;
	features |= 1ULL << 1; /* MULTIPORT */
	rounds = 1 + (data[1] & 7);
	mask = fuzz_le16(data + 2);
	fuzz_guest_load(&guest, data + PORTF_HDR, size - PORTF_HDR);
	sink.budget = FUZZ_TOUCH_BUDGET;

	pthread_mutex_lock(&ports.vdev.lock);
	ports.nr_ports = VIRTIO_PORTS_MAX;
	for (unsigned int i = 0; i < VIRTIO_PORTS_MAX; i++)
		ports.port[i].host_closed = false;
	fuzz_bring_up(&ports.vdev, NR_QUEUES, qsize, features, RING_STRIDE);
	pthread_mutex_unlock(&ports.vdev.lock);
	for (unsigned int r = 0; r < rounds; r++) {
		unsigned int port = (data[4] >> 4) & 3;
		size_t offer = data[4] & 15, took;

		pthread_mutex_lock(&ports.vdev.lock);
		for (unsigned int q = 0; q < NR_QUEUES; q++)
			if (mask & (1u << ((q + r) % 16)))
				virtio_kick(&ports.vdev, q);
		pthread_mutex_unlock(&ports.vdev.lock);
		took = virtio_ports_receive(&ports, port, input, offer);
		if (took > offer)
			fuzz_fail("receive took %zu of %zu bytes", took, offer);
		if (data[4] & 64)
			virtio_ports_close_input(&ports, port);
		pthread_mutex_lock(&ports.vdev.lock);
		for (unsigned int q = 0; q < NR_QUEUES; q++)
			fuzz_move_avail(&guest, &ports.vdev, q, data[5]);
		if ((data[4] & 128) && r + 1 < rounds)
			fuzz_bring_up(&ports.vdev, NR_QUEUES, qsize, features,
				      RING_STRIDE);
		pthread_mutex_unlock(&ports.vdev.lock);
	}
	pthread_mutex_lock(&ports.vdev.lock);
	virtio_set_status(&ports.vdev, 0);
	pthread_mutex_unlock(&ports.vdev.lock);
	fuzz_guest_run_ready(&guest);
	return 0;
}
