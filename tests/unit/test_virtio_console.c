// SPDX-License-Identifier: MIT
/* The single-port virtio-console driven by a fake guest driver. */
#include "unit.h"

#include "devices/virtio/console.h"
#include "fake_driver.h"
#include "runtime/log.h"

#define RX 0
#define TX 1

struct fixture {
	struct fake_driver fd;
	struct virtio_console con;
	char out[64];
	size_t out_len;
	uint64_t emitted;
};

static void output(void *ctx, const uint8_t *buf, size_t len)
{
	struct fixture *fx = ctx;

	fx->emitted += len;
	if (fx->out_len + len <= sizeof(fx->out)) {
		memcpy(fx->out + fx->out_len, buf, len);
		fx->out_len += len;
	}
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || fd_init(&fx->fd) ||
	    virtio_console_init(&fx->con, &fx->fd.hv, output, NULL, fx))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	virtio_console_destroy(&fx->con);
	fd_destroy(&fx->fd);
	free(fx);
	return 0;
}

static void transmit_reaches_output(void **state)
{
	struct fixture *fx = *state;
	struct fd_seg s[2] = { { fd_alloc(&fx->fd, 5), 5, false },
			       { fd_alloc(&fx->fd, 3), 3, false } };
	uint16_t head, id;
	uint32_t len;

	fd_bring_up(&fx->fd, &fx->con.vdev, 0, 2);
	memcpy(fd_hva(&fx->fd, s[0].gpa, 5), "hello", 5);
	memcpy(fd_hva(&fx->fd, s[1].gpa, 3), ", k", 3);
	head = fd_post(&fx->fd, TX, s, 2);
	fd_kick(&fx->fd, TX);
	assert_int_equal(fx->out_len, 8);
	assert_memory_equal(fx->out, "hello, k", 8);
	assert_true(fd_next_used(&fx->fd, TX, &id, &len));
	assert_int_equal(id, head);
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

	fd_bring_up(&fx->fd, &fx->con.vdev, 1ULL << VIRTIO_F_INDIRECT_DESC, 2);
	fd_post_one_buffer_many_times(&fx->fd, TX, buf, big, false);
	assert_int_equal(fx->emitted, VIRTIO_TX_CHAIN_MAX);
	fd_post_one_buffer_many_times(&fx->fd, TX, buf, big, true);
	assert_int_equal(fx->emitted, 2 * VIRTIO_TX_CHAIN_MAX);
	assert_int_equal(fd_used_idx(&fx->fd, TX), 2);
	assert_false(fx->con.vdev.status & VIRTIO_STATUS_NEEDS_RESET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(transmit_reaches_output),
		T(one_chain_emits_at_most_its_cap),
#undef T
	};

	/* The oversized chain is expected to be reported. */
	log_threshold = LOG_ERROR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
