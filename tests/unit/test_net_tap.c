// SPDX-License-Identifier: MIT
/*
 * The TAP back end under virtio-net, on the device thread's real event
 * loop, with a SOCK_SEQPACKET socket pair standing in for the TAP device
 * (it keeps frame boundaries as a TAP queue does): what the host sends
 * reaches the guest, and a device that cannot take frames now does not
 * keep the device thread busy while they wait.
 */
#include "unit.h"

#include <stdbool.h>
#include <sys/socket.h>

#include "devices/net/tap.h"
#include "devices/virtio/net.h"
#include "fake_driver.h"
#include "runtime/log.h"

#define RX VIRTIO_NET_RX_QUEUE
#define TX VIRTIO_NET_TX_QUEUE
#define F(bit) (1ULL << (bit))
/* More rounds than any amount of work here needs: only a spin uses them. */
#define IDLE_ROUNDS 100

struct fixture {
	struct fake_driver fd;
	struct virtio_net net;
	int host; /* the host's end of the "TAP device" */
};

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct net_backend *be;
	int sv[2];

	if (!fx || fd_init(&fx->fd) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0, sv) < 0)
		return -1;
	fx->host = sv[1];
	be = net_tap_adopt(sv[0], "test0");
	if (!be || virtio_net_init(&fx->net, MAC, be, &fx->fd.hv))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	virtio_net_destroy(&fx->net);
	close(fx->host);
	fd_destroy(&fx->fd);
	free(fx);
	return 0;
}

/* Runs the device thread until idle; returns the rounds it took. */
static unsigned int run_until_idle(struct fixture *fx)
{
	unsigned int rounds = 0;

	while (rounds < IDLE_ROUNDS && fd_run_ready(&fx->fd))
		rounds++;
	return rounds;
}

static void host_sends(struct fixture *fx, uint8_t seed, size_t len)
{
	uint8_t frame[256];

	assert_true(len <= sizeof(frame) && len >= NET_HDR_LEN);
	memset(frame, 0, NET_HDR_LEN);
	for (size_t i = NET_HDR_LEN; i < len; i++)
		frame[i] = (uint8_t)(seed + i);
	assert_int_equal(send(fx->host, frame, len, 0), (ssize_t)len);
}

/* Brings the device up with queues [0, nr_queues) enabled. */
static void bring_up(struct fixture *fx, unsigned int nr_queues)
{
	fd_bring_up(&fx->fd, &fx->net.vdev, F(VIRTIO_NET_F_MRG_RXBUF),
		    nr_queues);
}

static uint64_t post_rx(struct fixture *fx)
{
	struct fd_seg s = { fd_alloc(&fx->fd, 1536), 1536, true };

	fd_post(&fx->fd, RX, &s, 1);
	fd_kick(&fx->fd, RX);
	return s.gpa;
}

static void assert_received(struct fixture *fx, uint64_t gpa, uint8_t seed,
			    size_t len)
{
	uint16_t id;
	uint32_t got;
	const uint8_t *p;

	assert_true(fd_next_used(&fx->fd, RX, &id, &got));
	assert_int_equal(got, len);
	p = fd_hva(&fx->fd, gpa, len);
	for (size_t i = NET_HDR_LEN; i < len; i++)
		assert_int_equal(p[i], (uint8_t)(seed + i));
}

static void frames_reach_the_guest_one_burst_after_another(void **state)
{
	struct fixture *fx = *state;
	uint64_t a, b;

	bring_up(fx, 2);
	a = post_rx(fx);
	b = post_rx(fx);
	host_sends(fx, 1, 100);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
	assert_received(fx, a, 1, 100);
	/* Reading the queue dry asked for the next frame. */
	host_sends(fx, 2, 60);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
	assert_received(fx, b, 2, 60);
}

static void frames_wait_for_buffers_and_then_arrive(void **state)
{
	struct fixture *fx = *state;
	uint64_t a;

	bring_up(fx, 2);
	host_sends(fx, 3, 80);
	host_sends(fx, 4, 90);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
	a = post_rx(fx);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
	assert_received(fx, a, 3, 80);
	a = post_rx(fx);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
	assert_received(fx, a, 4, 90);
}

/* DRIVER_OK with the receive queue not enabled: frames wait, quietly. */
static void receive_queue_not_enabled_does_not_spin(void **state)
{
	struct fixture *fx = *state;
	uint64_t a;

	bring_up(fx, 0);
	host_sends(fx, 5, 70);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
	/* Enabled late, as a driver may: the frame comes in. */
	pthread_mutex_lock(&fx->net.vdev.lock);
	fx->net.vdev.vq[RX].size = FD_QSIZE;
	fx->net.vdev.vq[RX].desc_gpa = fd_desc(RX);
	fx->net.vdev.vq[RX].avail_gpa = fd_avail(RX);
	fx->net.vdev.vq[RX].used_gpa = fd_used(RX);
	a = fd_alloc(&fx->fd, 1536);
	fd_post(&fx->fd, RX, &(struct fd_seg){ a, 1536, true }, 1);
	assert_true(virtio_enable_queue(&fx->net.vdev, RX));
	pthread_mutex_unlock(&fx->net.vdev.lock);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
	assert_received(fx, a, 5, 70);
}

/* A broken receive ring: the device needs a reset, and waits for it. */
static void device_needing_reset_does_not_spin(void **state)
{
	struct fixture *fx = *state;

	bring_up(fx, 2);
	post_rx(fx);
	fd_w16(&fx->fd, fd_avail(RX) + 2, FD_QSIZE + 5);
	host_sends(fx, 6, 70);
	host_sends(fx, 7, 70);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
	assert_true(fx->net.vdev.status & VIRTIO_STATUS_NEEDS_RESET);
	host_sends(fx, 8, 70);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
}

/* A driver that takes DRIVER_OK back (no reset) and then sets it again. */
static void driver_ok_cleared_and_set_again(void **state)
{
	struct fixture *fx = *state;
	const uint8_t up = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			   VIRTIO_STATUS_FEATURES_OK;
	uint64_t a;

	bring_up(fx, 2);
	pthread_mutex_lock(&fx->net.vdev.lock);
	virtio_set_status(&fx->net.vdev, up);
	pthread_mutex_unlock(&fx->net.vdev.lock);
	a = post_rx(fx);
	host_sends(fx, 9, 70);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
	pthread_mutex_lock(&fx->net.vdev.lock);
	virtio_set_status(&fx->net.vdev, up | VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&fx->net.vdev.lock);
	assert_true(run_until_idle(fx) < IDLE_ROUNDS);
	assert_received(fx, a, 9, 70);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(frames_reach_the_guest_one_burst_after_another),
		T(frames_wait_for_buffers_and_then_arrive),
		T(receive_queue_not_enabled_does_not_spin),
		T(device_needing_reset_does_not_spin),
		T(driver_ok_cleared_and_set_again),
#undef T
	};

	/* A socket takes no TAP ioctls: quiet the offload warnings. */
	log_threshold = LOG_ERROR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
