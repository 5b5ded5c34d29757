// SPDX-License-Identifier: MIT
/* virtio-console named ports driven by a fake guest driver. */
#include "unit.h"

#include "devices/virtio/ports.h"
#include "fake_driver.h"

#define CTRL_RX 2
#define CTRL_TX 3
#define NR_QUEUES (2 + 2 * VIRTIO_PORTS_MAX)
#define F_MULTIPORT (1ULL << 1)

enum {
	DEVICE_READY = 0,
	DEVICE_ADD = 1,
	PORT_READY = 3,
	PORT_OPEN = 6,
	PORT_NAME = 7
};

struct ctrl {
	uint32_t id;
	uint16_t event, value;
	char name[32];
};

struct fixture {
	struct fake_driver fd;
	struct virtio_ports vp;
	char out[4][256];
	size_t out_len[4];
	int order[8]; /* which port's output came, in turn */
	unsigned int nr_order;
	unsigned int rx_ready;
	uint64_t ctrl_buf[FD_QSIZE];
	bool count_only; /* output is only counted in `emitted` */
	uint64_t emitted[4];
};

static struct fixture *the;

static void record(int port, const uint8_t *buf, size_t len)
{
	the->emitted[port] += len;
	if (the->count_only)
		return;
	assert_true(the->out_len[port] + len <= sizeof(the->out[port]));
	memcpy(the->out[port] + the->out_len[port], buf, len);
	the->out_len[port] += len;
	if (the->nr_order < 8)
		the->order[the->nr_order++] = port;
}

static void out1(void *ctx, const uint8_t *b, size_t n)
{
	(void)ctx;
	record(1, b, n);
}

static void out3(void *ctx, const uint8_t *b, size_t n)
{
	(void)ctx;
	record(3, b, n);
}

static void on_rx_ready(void *ctx)
{
	(void)ctx;
	the->rx_ready++;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const struct virtio_port ports[4] = {
		{ .name = "in", .rx_ready = on_rx_ready },
		{ .name = "out", .output = out1 },
		{ .name = "err" },
		{ .name = "status", .output = out3 },
	};

	if (!fx || fd_init(&fx->fd) ||
	    virtio_ports_init(&fx->vp, &fx->fd.hv, ports, 4))
		return -1;
	the = fx;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	virtio_ports_destroy(&fx->vp);
	fd_destroy(&fx->fd);
	free(fx);
	return 0;
}

static unsigned int rxq(unsigned int id)
{
	return id == 0 ? 0 : 2 + 2 * id;
}

static void post_ctrl_buffers(struct fixture *fx, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct fd_seg s = { fd_alloc(&fx->fd, 64), 64, true };
		uint16_t head = fd_post(&fx->fd, CTRL_RX, &s, 1);

		fx->ctrl_buf[head] = s.gpa;
	}
}

/* The guest sends a control message. */
static void send_ctrl(struct fixture *fx, uint32_t id, uint16_t event,
		      uint16_t value)
{
	uint8_t msg[8];
	struct fd_seg s = { fd_alloc(&fx->fd, 8), 8, false };
	uint16_t head, used;
	uint32_t len;

	memcpy(msg, &id, 4);
	memcpy(msg + 4, &event, 2);
	memcpy(msg + 6, &value, 2);
	memcpy(fd_hva(&fx->fd, s.gpa, 8), msg, 8);
	head = fd_post(&fx->fd, CTRL_TX, &s, 1);
	fd_kick(&fx->fd, CTRL_TX);
	/* Returned as itself, whatever the answer took from the rx queue. */
	assert_true(fd_next_used(&fx->fd, CTRL_TX, &used, &len));
	assert_int_equal(used, head);
}

/* The next control message from the device; false if none. */
static bool recv_ctrl(struct fixture *fx, struct ctrl *c)
{
	uint16_t head;
	uint32_t len;
	const uint8_t *p;

	if (!fd_next_used(&fx->fd, CTRL_RX, &head, &len))
		return false;
	assert_true(len >= 8 && len < 8 + sizeof(c->name));
	p = fd_hva(&fx->fd, fx->ctrl_buf[head], len);
	memset(c, 0, sizeof(*c));
	memcpy(&c->id, p, 4);
	memcpy(&c->event, p + 4, 2);
	memcpy(&c->value, p + 6, 2);
	memcpy(c->name, p + 8, len - 8);
	return true;
}

static void expect_ctrl(struct fixture *fx, uint32_t id, uint16_t event,
			uint16_t value)
{
	struct ctrl c;

	assert_true(recv_ctrl(fx, &c));
	assert_int_equal(c.id, id);
	assert_int_equal(c.event, event);
	assert_int_equal(c.value, value);
}

/* Up to the point where every port is ready and the host end is open. */
static void handshake_with(struct fixture *fx, uint64_t features)
{
	struct ctrl c;

	fd_bring_up(&fx->fd, &fx->vp.vdev, F_MULTIPORT | features, NR_QUEUES);
	post_ctrl_buffers(fx, FD_QSIZE);
	send_ctrl(fx, 0, DEVICE_READY, 1);
	for (uint32_t id = 0; id < 4; id++)
		expect_ctrl(fx, id, DEVICE_ADD, 1);
	for (uint32_t id = 0; id < 4; id++) {
		send_ctrl(fx, id, PORT_READY, 1);
		assert_true(recv_ctrl(fx, &c));
		assert_int_equal(c.event, PORT_NAME);
		assert_string_equal(c.name, fx->vp.port[id].name);
		expect_ctrl(fx, id, PORT_OPEN, 1);
	}
	assert_false(recv_ctrl(fx, &c));
}

static void handshake(struct fixture *fx)
{
	handshake_with(fx, 0);
}

static void offers_multiport_with_four_ports(void **state)
{
	struct fixture *fx = *state;
	uint32_t max = 0;

	assert_true(virtio_offered_features(&fx->vp.vdev) & F_MULTIPORT);
	fx->vp.vdev.ops->read_config(&fx->vp.vdev, 4, &max, 4);
	assert_int_equal(max, VIRTIO_PORTS_MAX);
}

static void handshake_names_and_opens_every_port(void **state)
{
	handshake(*state);
}

static void control_waits_for_buffers(void **state)
{
	struct fixture *fx = *state;

	fd_bring_up(&fx->fd, &fx->vp.vdev, F_MULTIPORT, NR_QUEUES);
	send_ctrl(fx, 0, DEVICE_READY, 1);
	assert_int_equal(fd_used_idx(&fx->fd, CTRL_RX), 0);
	post_ctrl_buffers(fx, 2);
	fd_kick(&fx->fd, CTRL_RX);
	expect_ctrl(fx, 0, DEVICE_ADD, 1);
	expect_ctrl(fx, 1, DEVICE_ADD, 1);
	post_ctrl_buffers(fx, 2);
	fd_kick(&fx->fd, CTRL_RX);
	expect_ctrl(fx, 2, DEVICE_ADD, 1);
	expect_ctrl(fx, 3, DEVICE_ADD, 1);
}

static void output_of_earlier_ports_comes_first(void **state)
{
	struct fixture *fx = *state;
	struct fd_seg a = { fd_alloc(&fx->fd, 5), 5, false };
	struct fd_seg b = { fd_alloc(&fx->fd, 2), 2, false };

	handshake(fx);
	memcpy(fd_hva(&fx->fd, a.gpa, 5), "hello", 5);
	memcpy(fd_hva(&fx->fd, b.gpa, 2), "7\n", 2);
	fd_post(&fx->fd, rxq(1) + 1, &a, 1);
	fd_post(&fx->fd, rxq(3) + 1, &b, 1);
	/* Only the status port's kick has arrived yet. */
	fd_kick(&fx->fd, rxq(3) + 1);
	assert_int_equal(fx->nr_order, 2);
	assert_int_equal(fx->order[0], 1);
	assert_int_equal(fx->order[1], 3);
	assert_memory_equal(fx->out[1], "hello", 5);
	assert_memory_equal(fx->out[3], "7\n", 2);
	assert_int_equal(fd_used_idx(&fx->fd, rxq(1) + 1), 1);
}

static void input_waits_for_the_guest_to_open(void **state)
{
	struct fixture *fx = *state;
	struct fd_seg s = { fd_alloc(&fx->fd, 16), 16, true };
	uint16_t head;
	uint32_t len;

	handshake(fx);
	fx->rx_ready = 0;
	fd_post(&fx->fd, rxq(0), &s, 1);
	assert_int_equal(
		virtio_ports_receive(&fx->vp, 0, (const uint8_t *)"abc", 3), 0);
	send_ctrl(fx, 0, PORT_OPEN, 1);
	assert_int_equal(fx->rx_ready, 1);
	assert_int_equal(
		virtio_ports_receive(&fx->vp, 0, (const uint8_t *)"abc", 3), 3);
	assert_true(fd_next_used(&fx->fd, rxq(0), &head, &len));
	assert_int_equal(len, 3);
	assert_memory_equal(fd_hva(&fx->fd, s.gpa, 3), "abc", 3);
	/* No buffers left: the rest waits. */
	assert_int_equal(
		virtio_ports_receive(&fx->vp, 0, (const uint8_t *)"d", 1), 0);
}

/* With event idx, a driver kicks only when asked: starved input must ask. */
static void starved_input_asks_for_a_kick(void **state)
{
	struct fixture *fx = *state;
	struct fd_seg s = { fd_alloc(&fx->fd, 4), 4, true };
	uint16_t avail_event;

	fd_bring_up(&fx->fd, &fx->vp.vdev,
		    F_MULTIPORT | (1ULL << VIRTIO_F_EVENT_IDX), NR_QUEUES);
	post_ctrl_buffers(fx, FD_QSIZE);
	send_ctrl(fx, 0, DEVICE_READY, 1);
	send_ctrl(fx, 0, PORT_READY, 1);
	send_ctrl(fx, 0, PORT_OPEN, 1);
	fd_post(&fx->fd, rxq(0), &s, 1);
	assert_int_equal(virtio_ports_receive(&fx->vp, 0,
					      (const uint8_t *)"abcdefgh", 8),
			 4);
	memcpy(&avail_event,
	       fd_hva(&fx->fd, fd_used(rxq(0)) + 4 + 8 * FD_QSIZE, 2), 2);
	assert_int_equal(avail_event, fx->fd.avail_idx[rxq(0)]);
}

static void end_of_input_closes_the_host_end(void **state)
{
	struct fixture *fx = *state;
	struct ctrl c;

	handshake(fx);
	virtio_ports_close_input(&fx->vp, 0);
	expect_ctrl(fx, 0, PORT_OPEN, 0);
	virtio_ports_close_input(&fx->vp, 0);
	assert_false(recv_ctrl(fx, &c));
}

static void input_closed_before_ready_is_never_opened(void **state)
{
	struct fixture *fx = *state;

	fd_bring_up(&fx->fd, &fx->vp.vdev, F_MULTIPORT, NR_QUEUES);
	post_ctrl_buffers(fx, FD_QSIZE);
	virtio_ports_close_input(&fx->vp, 0);
	send_ctrl(fx, 0, DEVICE_READY, 1);
	for (uint32_t id = 0; id < 4; id++)
		expect_ctrl(fx, id, DEVICE_ADD, 1);
	send_ctrl(fx, 0, PORT_READY, 1);
	expect_ctrl(fx, 0, PORT_NAME, 1);
	expect_ctrl(fx, 0, PORT_OPEN, 0);
}

static void hostile_control_messages_are_ignored(void **state)
{
	struct fixture *fx = *state;
	struct fd_seg shortmsg = { fd_alloc(&fx->fd, 4), 4, false };
	struct ctrl c;

	handshake(fx);
	send_ctrl(fx, 99, PORT_READY, 1);
	send_ctrl(fx, 99, PORT_OPEN, 1);
	send_ctrl(fx, 1, PORT_READY, 1); /* again */
	fd_post(&fx->fd, CTRL_TX, &shortmsg, 1);
	fd_kick(&fx->fd, CTRL_TX);
	assert_false(recv_ctrl(fx, &c));
	assert_false(fx->vp.vdev.status & VIRTIO_STATUS_NEEDS_RESET);
}

static void output_outside_ram_is_returned_unread(void **state)
{
	struct fixture *fx = *state;
	struct fd_seg bad = { FD_RAM_END - 4, 64, false };
	uint16_t head;
	uint32_t len;

	handshake(fx);
	fd_post(&fx->fd, rxq(1) + 1, &bad, 1);
	fd_kick(&fx->fd, rxq(1) + 1);
	assert_int_equal(fx->out_len[1], 0);
	assert_true(fd_next_used(&fx->fd, rxq(1) + 1, &head, &len));
	assert_int_equal(len, 0);
}

/*
 * A chain whose descriptors all name the same big buffer: a guest could
 * make the host emit up to VQ_MAX_CHAIN times its RAM with one chain.
 */
static void one_chain_emits_at_most_its_cap(void **state)
{
	struct fixture *fx = *state;
	const uint32_t big = 2 << 20;
	uint64_t buf = fd_alloc(&fx->fd, big);
	struct fd_seg small = { buf, 3, false };
	uint16_t head;
	uint32_t len;

	handshake_with(fx, 1ULL << VIRTIO_F_INDIRECT_DESC);
	fx->count_only = true;
	fd_post_one_buffer_many_times(&fx->fd, rxq(1) + 1, buf, big, false);
	assert_int_equal(fx->emitted[1], VIRTIO_TX_CHAIN_MAX);
	fd_post_one_buffer_many_times(&fx->fd, rxq(1) + 1, buf, big, true);
	assert_int_equal(fx->emitted[1], 2 * VIRTIO_TX_CHAIN_MAX);
	/* Both went back to the driver, and the queue carries on. */
	assert_true(fd_next_used(&fx->fd, rxq(1) + 1, &head, &len));
	assert_true(fd_next_used(&fx->fd, rxq(1) + 1, &head, &len));
	assert_false(fx->vp.vdev.status & VIRTIO_STATUS_NEEDS_RESET);
	fd_post(&fx->fd, rxq(1) + 1, &small, 1);
	fd_kick(&fx->fd, rxq(1) + 1);
	assert_int_equal(fx->emitted[1], 2 * VIRTIO_TX_CHAIN_MAX + 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(offers_multiport_with_four_ports),
		T(handshake_names_and_opens_every_port),
		T(control_waits_for_buffers),
		T(output_of_earlier_ports_comes_first),
		T(input_waits_for_the_guest_to_open),
		T(starved_input_asks_for_a_kick),
		T(end_of_input_closes_the_host_end),
		T(input_closed_before_ready_is_never_opened),
		T(hostile_control_messages_are_ignored),
		T(output_outside_ram_is_returned_unread),
		T(one_chain_emits_at_most_its_cap),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
