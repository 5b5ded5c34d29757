// SPDX-License-Identifier: MIT
/*
 * Split virtqueues, device side, against a test guest driver that lays out
 * the rings in a calloc'd guest RAM and publishes chains -- well-formed
 * ones, and every kind of malformed one a hostile guest could write.
 */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>

#include "devices/virtio/virtqueue.h"
#include "runtime/guest_mem.h"
#include "runtime/log.h"

#define RAM_GPA 0x10000ULL
#define RAM_SIZE (1ULL << 20)
#define RAM_END (RAM_GPA + RAM_SIZE)
/* Room for rings of VQ_MAX_SIZE entries. */
#define DESC_GPA RAM_GPA /* 16 * 1024 bytes */
#define AVAIL_GPA (RAM_GPA + 0x4000) /* 6 + 2 * 1024 */
#define USED_GPA (RAM_GPA + 0x5000) /* 6 + 8 * 1024 */
#define SCRATCH_GPA (RAM_GPA + 0x8000) /* post1()'s buffer */
#define DATA_GPA (RAM_GPA + 0x8100) /* then alloc()'s */

/* The test guest driver and the device's queue. */
struct drv {
	struct guest_mem gm;
	uint8_t *ram;
	struct virtqueue vq;
	struct vq_chain c;
	uint16_t size;
	uint16_t avail_idx; /* the driver's copy of avail->idx */
	uint16_t next_desc; /* where the next chain's descriptors go */
	uint64_t next_data; /* bump allocator for buffers and tables */
};

static int setup(void **state)
{
	struct drv *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	d->ram = calloc(1, RAM_SIZE);
	if (!d->ram || gm_add_region(&d->gm, RAM_GPA, RAM_SIZE, d->ram)) {
		free(d->ram);
		free(d);
		return -1;
	}
	d->next_data = DATA_GPA;
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct drv *d = *state;

	free(d->ram);
	free(d);
	return 0;
}

/* Host address of guest RAM [gpa, gpa + len), which the test must own. */
static uint8_t *hva(struct drv *d, uint64_t gpa, uint64_t len)
{
	assert_true(gpa >= RAM_GPA && gpa <= RAM_END && len <= RAM_END - gpa);
	return d->ram + (gpa - RAM_GPA);
}

static void w16(struct drv *d, uint64_t gpa, uint16_t v)
{
	memcpy(hva(d, gpa, 2), &v, 2);
}

static uint16_t r16(struct drv *d, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, hva(d, gpa, 2), 2);
	return v;
}

static uint32_t r32(struct drv *d, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, hva(d, gpa, 4), 4);
	return v;
}

/* Writes descriptor i of the table at table_gpa. */
static void set_desc(struct drv *d, uint64_t table_gpa, unsigned int i,
		     uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc desc = { addr, len, flags, next };

	memcpy(hva(d, table_gpa + 16 * (uint64_t)i, 16), &desc, 16);
}

/* A buffer (or table) of len bytes in guest RAM, filled with a pattern. */
static uint64_t alloc(struct drv *d, uint32_t len)
{
	uint64_t gpa = d->next_data;

	d->next_data = (gpa + len + 15) & ~15ULL;
	assert_true(d->next_data <= RAM_END);
	for (uint32_t i = 0; i < len; i++)
		hva(d, gpa, len)[i] = (uint8_t)(gpa + i);
	return gpa;
}

/* Makes chain `head` available, as the driver does. */
static void publish(struct drv *d, uint16_t head)
{
	w16(d, AVAIL_GPA + 4 + 2 * (d->avail_idx & (d->size - 1)), head);
	d->avail_idx++;
	w16(d, AVAIL_GPA + 2, d->avail_idx);
}

static void set_avail_idx(struct drv *d, uint16_t idx)
{
	d->avail_idx = idx;
	w16(d, AVAIL_GPA + 2, idx);
}

static int try_start(struct drv *d, uint16_t size, uint64_t desc,
		     uint64_t avail, uint64_t used)
{
	memset(&d->vq, 0, sizeof(d->vq));
	d->vq.size = size;
	d->vq.desc_gpa = desc;
	d->vq.avail_gpa = avail;
	d->vq.used_gpa = used;
	return vq_start(&d->vq, &d->gm);
}

/* One vq_pop() in a round of its own: the budget is tested apart. */
static enum vq_pop_result pop(struct drv *d)
{
	vq_new_round(&d->vq);
	return vq_pop(&d->vq, &d->c);
}

/* Starts the queue with the standard ring layout. */
static void start(struct drv *d, uint16_t size, bool event_idx, bool indirect)
{
	assert_int_equal(try_start(d, size, DESC_GPA, AVAIL_GPA, USED_GPA), 0);
	d->vq.event_idx = event_idx;
	d->vq.indirect = indirect;
	d->size = size;
	d->avail_idx = 0;
	d->next_desc = 0;
	assert_true(d->vq.ready);
}

/*
 * Posts a chain of nr_out readable then nr_in writable buffers of the
 * given lengths in consecutive (wrapping) descriptors; returns its head.
 */
static uint16_t post(struct drv *d, unsigned int nr_out, unsigned int nr_in,
		     const uint32_t *lens)
{
	unsigned int n = nr_out + nr_in;
	uint16_t head = d->next_desc;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((head + i) & (d->size - 1));
		uint16_t next = (uint16_t)((idx + 1) & (d->size - 1));
		uint16_t flags = (i >= nr_out ? VRING_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VRING_DESC_F_NEXT : 0);

		set_desc(d, DESC_GPA, idx, alloc(d, lens[i]), lens[i], flags,
			 next);
	}
	d->next_desc = (uint16_t)((head + n) & (d->size - 1));
	publish(d, head);
	return head;
}

/* Posts a one-descriptor chain of 8 readable bytes, at next_desc. */
static uint16_t post1(struct drv *d)
{
	uint16_t head = d->next_desc;

	set_desc(d, DESC_GPA, head, SCRATCH_GPA, 8, 0, 0);
	d->next_desc = (uint16_t)((head + 1) & (d->size - 1));
	publish(d, head);
	return head;
}

static uint16_t used_idx(struct drv *d)
{
	return r16(d, USED_GPA + 2);
}

static void expect_used(struct drv *d, uint16_t i, uint32_t id, uint32_t len)
{
	uint64_t e = USED_GPA + 4 + 8 * (uint64_t)(i & (d->size - 1));

	assert_int_equal(r32(d, e), id);
	assert_int_equal(r32(d, e + 4), len);
}

/* Checks c->iov[i] is the buffer of descriptor i of table_gpa. */
static void expect_iov(struct drv *d, unsigned int i, uint64_t table_gpa,
		       unsigned int desc)
{
	struct vring_desc v;

	memcpy(&v, hva(d, table_gpa + 16 * desc, 16), 16);
	assert_ptr_equal(d->c.iov[i].iov_base, hva(d, v.addr, v.len));
	assert_int_equal(d->c.iov[i].iov_len, v.len);
}

/* Pops a chain the test expects to be malformed, with its head. */
static void expect_bad(struct drv *d, uint16_t head)
{
	d->c.head = 0xffff;
	assert_int_equal(pop(d), VQ_BAD_CHAIN);
	assert_int_equal(d->c.head, head);
	/* The device returns it unused, and the queue carries on. */
	vq_push(&d->vq, head, 0);
	assert_int_equal(used_idx(d), d->vq.used);
	expect_used(d, d->vq.used - 1, head, 0);
	assert_int_equal(pop(d), VQ_EMPTY);
}

/* A valid chain is still accepted after a malformed one. */
static void expect_recovers(struct drv *d)
{
	uint16_t head = post1(d);

	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.head, head);
	assert_int_equal(d->c.nr_out, 1);
	vq_push(&d->vq, head, 0);
}

/* Publishes the one-descriptor chain at descriptor 0, as given. */
static void post_raw(struct drv *d, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	set_desc(d, DESC_GPA, 0, addr, len, flags, next);
	publish(d, 0);
}

/* ---- vq_start ---- */

static void test_start_sizes(void **state)
{
	struct drv *d = *state;
	static const uint16_t bad[] = {
		0, 3, 6, 100, 1000, VQ_MAX_SIZE + 1, 2 * VQ_MAX_SIZE, 0xffff
	};
	static const uint16_t good[] = { 1, 2, 256, VQ_MAX_SIZE };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
			try_start(d, bad[i], DESC_GPA, AVAIL_GPA, USED_GPA),
			-1);
		assert_false(d->vq.ready);
		assert_int_equal(pop(d), VQ_EMPTY);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(
			try_start(d, good[i], DESC_GPA, AVAIL_GPA, USED_GPA),
			0);
		assert_true(d->vq.ready);
		/* The host views point at the guest's rings. */
		assert_ptr_equal(d->vq.desc, hva(d, DESC_GPA, 16));
		assert_ptr_equal(d->vq.avail_idx, hva(d, AVAIL_GPA + 2, 2));
		assert_ptr_equal(d->vq.used_idx, hva(d, USED_GPA + 2, 2));
		assert_ptr_equal(d->vq.used_event,
				 hva(d, AVAIL_GPA + 4 + 2 * good[i], 2));
		assert_ptr_equal(d->vq.avail_event,
				 hva(d, USED_GPA + 4 + 8 * good[i], 2));
	}
}

static void test_start_alignment(void **state)
{
	struct drv *d = *state;

	/* Descriptors 16-aligned, avail ring 2-aligned, used ring 4. */
	for (uint64_t mis = 1; mis < 16; mis++)
		assert_int_equal(
			try_start(d, 8, DESC_GPA + mis, AVAIL_GPA, USED_GPA),
			-1);
	assert_int_equal(try_start(d, 8, DESC_GPA, AVAIL_GPA + 1, USED_GPA),
			 -1);
	assert_int_equal(try_start(d, 8, DESC_GPA, AVAIL_GPA, USED_GPA + 2),
			 -1);
	assert_int_equal(try_start(d, 8, DESC_GPA, AVAIL_GPA, USED_GPA + 1),
			 -1);
	assert_false(d->vq.ready);
	/* The smallest alignments that are enough. */
	assert_int_equal(
		try_start(d, 8, DESC_GPA + 16, AVAIL_GPA + 2, USED_GPA + 4), 0);
}

static void test_start_outside_ram(void **state)
{
	struct drv *d = *state;
	const uint16_t n = 8;
	const uint64_t desc_len = 16 * n, avail_len = 6 + 2 * n,
		       used_len = 6 + 8 * n;

	/* Below RAM, at its end, straddling its end, far beyond it. */
	assert_int_equal(try_start(d, n, 0, AVAIL_GPA, USED_GPA), -1);
	assert_int_equal(try_start(d, n, RAM_GPA - 16, AVAIL_GPA, USED_GPA),
			 -1);
	assert_int_equal(try_start(d, n, RAM_END, AVAIL_GPA, USED_GPA), -1);
	assert_int_equal(
		try_start(d, n, RAM_END - desc_len + 16, AVAIL_GPA, USED_GPA),
		-1);
	assert_int_equal(
		try_start(d, n, DESC_GPA, RAM_END - avail_len + 2, USED_GPA),
		-1);
	assert_int_equal(try_start(d, n, DESC_GPA, AVAIL_GPA,
				   (RAM_END - used_len + 4) & ~3ULL),
			 -1);
	assert_int_equal(
		try_start(d, n, 0xfffffffffffffff0ULL, AVAIL_GPA, USED_GPA),
		-1);
	assert_int_equal(
		try_start(d, n, DESC_GPA, 0xfffffffffffffffeULL, USED_GPA), -1);
	assert_int_equal(
		try_start(d, n, DESC_GPA, AVAIL_GPA, 0xfffffffffffffffcULL),
		-1);
	assert_false(d->vq.ready);
	/* Each ring ending exactly at the end of RAM is fine. */
	assert_int_equal(
		try_start(d, n, RAM_END - desc_len, AVAIL_GPA, USED_GPA), 0);
	assert_int_equal(
		try_start(d, n, DESC_GPA, RAM_END - avail_len, USED_GPA), 0);
	assert_int_equal(try_start(d, n, DESC_GPA, AVAIL_GPA,
				   (RAM_END - used_len) & ~3ULL),
			 0);
}

static void test_stop(void **state)
{
	struct drv *d = *state;

	start(d, 8, false, false);
	post1(d);
	vq_stop(&d->vq);
	assert_false(d->vq.ready);
	/* A stopped queue has nothing and touches nothing. */
	assert_int_equal(pop(d), VQ_EMPTY);
	vq_push(&d->vq, 0, 1);
	assert_int_equal(used_idx(d), 0);
	assert_false(vq_should_interrupt(&d->vq));
	assert_false(vq_enable_kicks(&d->vq));
	/* Restarted (after a reset), it begins at index 0 again. */
	memset(hva(d, AVAIL_GPA, 4), 0, 4);
	start(d, 8, false, false);
	assert_int_equal(pop(d), VQ_EMPTY);
	assert_int_equal(post1(d), 0);
	assert_int_equal(pop(d), VQ_CHAIN);
}

/*
 * A live queue keeps the rings vq_start() checked: a later write to its
 * layout (a transport register that reached it, as a vCPU racing another
 * could make happen) neither resizes nor moves them.
 */
static void test_live_layout_is_fixed(void **state)
{
	struct drv *d = *state;
	uint16_t head = 0;

	start(d, 8, false, false);
	d->vq.size = 64;
	d->vq.desc_gpa = DESC_GPA + 0x1000;
	d->vq.avail_gpa = AVAIL_GPA + 0x100;
	d->vq.used_gpa = USED_GPA + 0x100;
	/* Used entries wrap at 8: the ninth lands in slot 0. */
	for (unsigned int i = 0; i < 9; i++) {
		head = post1(d);
		assert_int_equal(pop(d), VQ_CHAIN);
		assert_int_equal(d->c.head, head);
		vq_push(&d->vq, head, i);
	}
	assert_int_equal(used_idx(d), 9);
	expect_used(d, 8, head, 8);
	assert_int_equal(r32(d, USED_GPA + 4 + 8 * 8 + 4), 0);
	/* Head 20 is beyond the 8 descriptors checked. */
	set_desc(d, DESC_GPA, 20, SCRATCH_GPA, 8, 0, 0);
	publish(d, 20);
	assert_int_equal(pop(d), VQ_BROKEN);
}

/* ---- well-formed chains ---- */

static void test_simple_chain(void **state)
{
	struct drv *d = *state;
	const uint32_t len = 100;
	uint16_t head;

	start(d, 16, false, false);
	assert_int_equal(pop(d), VQ_EMPTY);
	head = post(d, 1, 0, &len);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.head, head);
	assert_int_equal(d->c.nr_out, 1);
	assert_int_equal(d->c.nr_in, 0);
	assert_int_equal(d->c.out_len, 100);
	assert_int_equal(d->c.in_len, 0);
	expect_iov(d, 0, DESC_GPA, head);
	/* The device sees the driver's bytes. */
	assert_int_equal(((uint8_t *)d->c.iov[0].iov_base)[5],
			 (uint8_t)(DATA_GPA + 5));
	assert_int_equal(((uint8_t *)d->c.iov[0].iov_base)[99],
			 (uint8_t)(DATA_GPA + 99));
	assert_int_equal(pop(d), VQ_EMPTY);

	vq_push(&d->vq, head, 0);
	assert_int_equal(used_idx(d), 1);
	expect_used(d, 0, head, 0);
}

static void test_readable_writable_chain(void **state)
{
	struct drv *d = *state;
	const uint32_t lens[] = { 16, 512, 1024, 7, 1 };
	uint16_t head;

	start(d, 8, false, false);
	d->next_desc = 6; /* wraps around the table: 6, 7, 0, 1, 2 */
	head = post(d, 2, 3, lens);
	assert_int_equal(head, 6);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.head, 6);
	assert_int_equal(d->c.nr_out, 2);
	assert_int_equal(d->c.nr_in, 3);
	assert_int_equal(d->c.out_len, 16 + 512);
	assert_int_equal(d->c.in_len, 1024 + 7 + 1);
	expect_iov(d, 0, DESC_GPA, 6);
	expect_iov(d, 1, DESC_GPA, 7);
	expect_iov(d, 2, DESC_GPA, 0);
	expect_iov(d, 3, DESC_GPA, 1);
	expect_iov(d, 4, DESC_GPA, 2);
	vq_push(&d->vq, head, 1032);
	assert_int_equal(used_idx(d), 1);
	expect_used(d, 0, 6, 1032);
}

/* Chains in any descriptor order, several outstanding, used out of order. */
static void test_many_chains(void **state)
{
	struct drv *d = *state;
	uint64_t buf = alloc(d, 64);

	start(d, 8, false, false);
	/* Chain A: 5 -> 2 -> 7; chain B: 0 -> 4; chain C: 3 (writable). */
	set_desc(d, DESC_GPA, 5, buf, 4, VRING_DESC_F_NEXT, 2);
	set_desc(d, DESC_GPA, 2, buf + 4, 4, VRING_DESC_F_NEXT, 7);
	set_desc(d, DESC_GPA, 7, buf + 8, 4, VRING_DESC_F_WRITE, 1234);
	set_desc(d, DESC_GPA, 0, buf + 16, 8, VRING_DESC_F_NEXT, 4);
	set_desc(d, DESC_GPA, 4, buf + 24, 8, 0, 0);
	set_desc(d, DESC_GPA, 3, buf + 32, 32, VRING_DESC_F_WRITE, 0);
	publish(d, 5);
	publish(d, 0);
	publish(d, 3);

	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.head, 5);
	assert_int_equal(d->c.nr_out, 2);
	assert_int_equal(d->c.nr_in, 1);
	expect_iov(d, 0, DESC_GPA, 5);
	expect_iov(d, 1, DESC_GPA, 2);
	expect_iov(d, 2, DESC_GPA, 7);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.head, 0);
	assert_int_equal(d->c.nr_out, 2);
	assert_int_equal(d->c.out_len, 16);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.head, 3);
	assert_int_equal(d->c.nr_out, 0);
	assert_int_equal(d->c.nr_in, 1);
	assert_int_equal(d->c.in_len, 32);
	assert_int_equal(pop(d), VQ_EMPTY);

	vq_push(&d->vq, 3, 32);
	vq_push(&d->vq, 5, 4);
	vq_push(&d->vq, 0, 0);
	assert_int_equal(used_idx(d), 3);
	expect_used(d, 0, 3, 32);
	expect_used(d, 1, 5, 4);
	expect_used(d, 2, 0, 0);
}

/* A chain using every descriptor of the table is not a loop. */
static void test_chain_as_long_as_table(void **state)
{
	struct drv *d = *state;
	uint32_t lens[VQ_MAX_SIZE];

	for (unsigned int i = 0; i < VQ_MAX_SIZE; i++)
		lens[i] = 1 + (i & 3);
	start(d, VQ_MAX_SIZE, false, false);
	post(d, VQ_MAX_SIZE / 2, VQ_MAX_SIZE / 2, lens);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.nr_out, VQ_MAX_SIZE / 2);
	assert_int_equal(d->c.nr_in, VQ_MAX_SIZE / 2);
	assert_int_equal(d->c.out_len + d->c.in_len, VQ_MAX_SIZE / 4 * 10);
	expect_iov(d, VQ_MAX_SIZE - 1, DESC_GPA, VQ_MAX_SIZE - 1);
}

/* Zero-length buffers are legal and kept in place. */
static void test_zero_length_buffers(void **state)
{
	struct drv *d = *state;
	const uint32_t lens[] = { 0, 16, 0 };

	start(d, 4, false, false);
	post(d, 2, 1, lens);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.nr_out, 2);
	assert_int_equal(d->c.nr_in, 1);
	assert_int_equal(d->c.out_len, 16);
	assert_int_equal(d->c.in_len, 0);
	assert_int_equal(d->c.iov[0].iov_len, 0);
	assert_int_equal(d->c.iov[2].iov_len, 0);
}

/* A buffer ending exactly at the end of RAM is inside it. */
static void test_buffer_at_end_of_ram(void **state)
{
	struct drv *d = *state;

	start(d, 4, false, false);
	post_raw(d, RAM_END - 64, 64, VRING_DESC_F_WRITE, 0);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_ptr_equal(d->c.iov[0].iov_base, d->ram + RAM_SIZE - 64);
	assert_int_equal(d->c.in_len, 64);
}

/* The avail and used indices wrap at 65536; ring slots follow them. */
static void test_index_wrap(void **state)
{
	struct drv *d = *state;

	start(d, 4, false, false);
	for (unsigned int i = 0; i < 70000; i++) {
		uint16_t head = post1(d);

		assert_int_equal(pop(d), VQ_CHAIN);
		assert_int_equal(d->c.head, head);
		assert_int_equal(pop(d), VQ_EMPTY);
		vq_push(&d->vq, head, i);
		assert_int_equal(used_idx(d), (uint16_t)(i + 1));
		expect_used(d, (uint16_t)i, head, i);
	}
}

/* The driver may fill every slot at once: size ahead is not too many. */
static void test_full_ring(void **state)
{
	struct drv *d = *state;

	start(d, 8, false, false);
	for (unsigned int i = 0; i < 8; i++)
		post1(d);
	for (unsigned int i = 0; i < 8; i++) {
		assert_int_equal(pop(d), VQ_CHAIN);
		assert_int_equal(d->c.head, i);
	}
	assert_int_equal(pop(d), VQ_EMPTY);
}

/* ---- indirect descriptors ---- */

static void test_indirect(void **state)
{
	struct drv *d = *state;
	uint64_t table = alloc(d, 3 * 16);
	uint64_t b0 = alloc(d, 16), b1 = alloc(d, 200), b2 = alloc(d, 1);

	start(d, 4, false, true);
	/* The chain starts at entry 0, then goes on out of order: 2, 1. */
	set_desc(d, table, 0, b0, 16, VRING_DESC_F_NEXT, 2);
	set_desc(d, table, 2, b1, 200, VRING_DESC_F_NEXT, 1);
	set_desc(d, table, 1, b2, 1, VRING_DESC_F_WRITE, 0);
	/* The device ignores WRITE on the descriptor naming the table. */
	set_desc(d, DESC_GPA, 3, table, 3 * 16,
		 VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	publish(d, 3);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.head, 3);
	assert_int_equal(d->c.nr_out, 2);
	assert_int_equal(d->c.nr_in, 1);
	assert_int_equal(d->c.out_len, 216);
	assert_int_equal(d->c.in_len, 1);
	expect_iov(d, 0, table, 0);
	expect_iov(d, 1, table, 2);
	expect_iov(d, 2, table, 1);
	vq_push(&d->vq, 3, 1);
	expect_used(d, 0, 3, 1);
}

/* An indirect table may hold more entries than the ring has slots. */
static void test_indirect_max(void **state)
{
	struct drv *d = *state;
	uint64_t table = alloc(d, VQ_MAX_CHAIN * 16);
	uint64_t buf = alloc(d, VQ_MAX_CHAIN);

	start(d, 2, false, true);
	for (unsigned int i = 0; i < VQ_MAX_CHAIN; i++)
		set_desc(d, table, i, buf + i, 1,
			 i + 1 < VQ_MAX_CHAIN ? VRING_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	set_desc(d, DESC_GPA, 0, table, VQ_MAX_CHAIN * 16,
		 VRING_DESC_F_INDIRECT, 0);
	publish(d, 0);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.nr_out, VQ_MAX_CHAIN);
	assert_int_equal(d->c.out_len, VQ_MAX_CHAIN);
	expect_iov(d, VQ_MAX_CHAIN - 1, table, VQ_MAX_CHAIN - 1);

	/* One entry more than the device's limit is refused. */
	table = alloc(d, (VQ_MAX_CHAIN + 1) * 16);
	set_desc(d, DESC_GPA, 1, table, (VQ_MAX_CHAIN + 1) * 16,
		 VRING_DESC_F_INDIRECT, 0);
	publish(d, 1);
	expect_bad(d, 1);
}

/* The table need only be wholly in RAM, not aligned. */
static void test_indirect_unaligned_table(void **state)
{
	struct drv *d = *state;
	uint64_t table = alloc(d, 2 * 16 + 8) + 4;
	uint64_t buf = alloc(d, 32);

	start(d, 4, false, true);
	set_desc(d, table, 0, buf, 16, VRING_DESC_F_NEXT, 1);
	set_desc(d, table, 1, buf + 16, 16, VRING_DESC_F_WRITE, 0);
	post_raw(d, table, 32, VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(d->c.nr_out, 1);
	assert_int_equal(d->c.nr_in, 1);
	expect_iov(d, 1, table, 1);
}

/* ---- the per-round budget ---- */

/* A round takes at most a ring's worth of chains, then yields. */
static void test_budget_yields(void **state)
{
	struct drv *d = *state;

	start(d, 4, false, false);
	vq_new_round(&d->vq);
	for (int i = 0; i < 4; i++) {
		uint16_t head = post1(d);

		assert_int_equal(vq_pop(&d->vq, &d->c), VQ_CHAIN);
		vq_push(&d->vq, head, 0);
	}
	post1(d);
	assert_int_equal(vq_pop(&d->vq, &d->c), VQ_EMPTY);
	assert_true(d->vq.yielded);
	/* Work is left, but the kick loop must end: the caller comes back. */
	assert_false(vq_enable_kicks(&d->vq));
	vq_new_round(&d->vq);
	assert_false(d->vq.yielded);
	assert_int_equal(vq_pop(&d->vq, &d->c), VQ_CHAIN);
}

/*
 * The used ring's flags laid over avail->idx: the device's own writes to
 * them move the index, with no chain behind it, over and over. The kick
 * loop of a device still ends.
 */
static void test_budget_ends_endless_ring(void **state)
{
	struct drv *d = *state;
	unsigned int passes = 0;

	start(d, 8, false, false);
	/* One real chain, so that last_avail is 1 afterwards. */
	post1(d);
	assert_int_equal(pop(d), VQ_CHAIN);
	d->vq.used_flags = d->vq.avail_idx;
	vq_new_round(&d->vq);
	do {
		vq_disable_kicks(&d->vq); /* avail->idx = 1 = last_avail */
		assert_int_equal(vq_pop(&d->vq, &d->c), VQ_EMPTY);
		assert_true(++passes < 100);
	} while (vq_enable_kicks(&d->vq)); /* avail->idx = 0 */
	assert_true(d->vq.yielded);
	assert_true(passes <= 9);
}

/* ---- notification suppression ---- */

/* Posts, pops and returns one chain: one more used entry. */
static void cycle(struct drv *d)
{
	uint16_t head = post1(d);

	assert_int_equal(pop(d), VQ_CHAIN);
	vq_push(&d->vq, head, 0);
}

static void set_used_event(struct drv *d, uint16_t v)
{
	w16(d, AVAIL_GPA + 4 + 2 * d->size, v);
}

static void test_no_interrupt_flag(void **state)
{
	struct drv *d = *state;

	start(d, 8, false, false);
	cycle(d);
	assert_true(vq_should_interrupt(&d->vq));
	w16(d, AVAIL_GPA, VRING_AVAIL_F_NO_INTERRUPT);
	cycle(d);
	assert_false(vq_should_interrupt(&d->vq));
	cycle(d);
	assert_false(vq_should_interrupt(&d->vq));
	w16(d, AVAIL_GPA, 0);
	cycle(d);
	assert_true(vq_should_interrupt(&d->vq));
	/* Without event idx, used_event means nothing. */
	set_used_event(d, 1000);
	cycle(d);
	assert_true(vq_should_interrupt(&d->vq));
	/* Nothing used since the last interrupt: no spurious one. */
	assert_false(vq_should_interrupt(&d->vq));
}

static void test_kick_suppression_flag(void **state)
{
	struct drv *d = *state;

	start(d, 8, false, false);
	vq_disable_kicks(&d->vq);
	assert_int_equal(r16(d, USED_GPA), VRING_USED_F_NO_NOTIFY);
	/* Nothing arrived meanwhile. */
	assert_false(vq_enable_kicks(&d->vq));
	assert_int_equal(r16(d, USED_GPA), 0);

	vq_disable_kicks(&d->vq);
	post1(d);
	/* A chain arrived while kicks were off: the device must look. */
	assert_true(vq_enable_kicks(&d->vq));
	assert_int_equal(r16(d, USED_GPA), 0);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_false(vq_enable_kicks(&d->vq));
}

static void test_event_idx_interrupts(void **state)
{
	struct drv *d = *state;

	start(d, 8, true, false);
	/* The first batch always interrupts. */
	set_used_event(d, 0x8000);
	cycle(d);
	assert_true(vq_should_interrupt(&d->vq));
	/* No new used entries since: nothing to say. */
	assert_false(vq_should_interrupt(&d->vq));

	/* The driver wants to hear when entry 1 is used (used idx -> 2). */
	set_used_event(d, 1);
	cycle(d);
	assert_true(vq_should_interrupt(&d->vq));

	/* Entry 5: used idx 3, 4 and 5 stay quiet, 6 interrupts. */
	set_used_event(d, 5);
	for (unsigned int i = 0; i < 3; i++) {
		cycle(d);
		assert_false(vq_should_interrupt(&d->vq));
	}
	cycle(d);
	assert_int_equal(d->vq.used, 6);
	assert_true(vq_should_interrupt(&d->vq));

	/* A batch that crosses the event interrupts once. */
	set_used_event(d, 7);
	cycle(d);
	cycle(d);
	cycle(d);
	assert_true(vq_should_interrupt(&d->vq));
	/* A batch that stops short does not. */
	set_used_event(d, 20);
	cycle(d);
	cycle(d);
	assert_false(vq_should_interrupt(&d->vq));
	/* An event already passed before the batch: no interrupt either. */
	set_used_event(d, 9);
	cycle(d);
	assert_false(vq_should_interrupt(&d->vq));
	/* The avail flag is ignored with event idx. */
	w16(d, AVAIL_GPA, VRING_AVAIL_F_NO_INTERRUPT);
	set_used_event(d, d->vq.used);
	cycle(d);
	assert_true(vq_should_interrupt(&d->vq));
}

/* Event indices wrap at 65536 like the ring indices. */
static void test_event_idx_wrap(void **state)
{
	struct drv *d = *state;

	start(d, 4, true, false);
	for (unsigned int i = 0; i < 70000; i++) {
		/* Like Linux: interrupt me once you used what I wait for. */
		set_used_event(d, d->vq.used);
		cycle(d);
		assert_true(vq_should_interrupt(&d->vq));
		assert_false(vq_should_interrupt(&d->vq));
	}
}

static void test_event_idx_kicks(void **state)
{
	struct drv *d = *state;
	const uint64_t avail_event = USED_GPA + 4 + 8 * 8;

	start(d, 8, true, false);
	w16(d, avail_event, 0x5555);
	/* With event idx, disabling is just not moving avail_event. */
	vq_disable_kicks(&d->vq);
	assert_int_equal(r16(d, USED_GPA), 0);
	assert_int_equal(r16(d, avail_event), 0x5555);

	post1(d);
	post1(d);
	assert_true(vq_enable_kicks(&d->vq));
	assert_int_equal(r16(d, avail_event), 0);
	assert_int_equal(pop(d), VQ_CHAIN);
	assert_int_equal(pop(d), VQ_CHAIN);
	/* Caught up: kick me for the entry after the last one taken. */
	assert_false(vq_enable_kicks(&d->vq));
	assert_int_equal(r16(d, avail_event), 2);
	assert_int_equal(r16(d, USED_GPA), 0);
	post1(d);
	assert_true(vq_enable_kicks(&d->vq));
	assert_int_equal(r16(d, avail_event), 2);
}

/* ---- malformed chains: refused, nothing outside RAM touched ---- */

static void test_bad_loop(void **state)
{
	struct drv *d = *state;
	uint64_t buf = alloc(d, 16);

	start(d, 8, false, false);
	/* 2 -> 5 -> 2 ... */
	set_desc(d, DESC_GPA, 2, buf, 8, VRING_DESC_F_NEXT, 5);
	set_desc(d, DESC_GPA, 5, buf + 8, 8, VRING_DESC_F_NEXT, 2);
	publish(d, 2);
	expect_bad(d, 2);
	/* A descriptor naming itself. */
	set_desc(d, DESC_GPA, 6, buf, 8, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		 6);
	publish(d, 6);
	expect_bad(d, 6);
	d->next_desc = 0;
	expect_recovers(d);
}

/* Longer than the table: it must pass some descriptor twice. */
static void test_bad_chain_longer_than_table(void **state)
{
	struct drv *d = *state;
	uint64_t buf = alloc(d, 16);

	start(d, 4, false, false);
	/* 0 -> 1 -> 2 -> 3 -> 0: five descriptors in a table of four. */
	for (unsigned int i = 0; i < 4; i++)
		set_desc(d, DESC_GPA, i, buf, 16, VRING_DESC_F_NEXT,
			 (uint16_t)((i + 1) & 3));
	publish(d, 0);
	expect_bad(d, 0);
	/* The same in an indirect table. */
	{
		uint64_t table = alloc(d, 3 * 16);

		d->vq.indirect = true;
		for (unsigned int i = 0; i < 3; i++)
			set_desc(d, table, i, buf, 16, VRING_DESC_F_NEXT,
				 (uint16_t)((i + 1) % 3));
		set_desc(d, DESC_GPA, 1, table, 3 * 16, VRING_DESC_F_INDIRECT,
			 0);
		publish(d, 1);
		expect_bad(d, 1);
	}
	expect_recovers(d);
}

static void test_bad_next_out_of_range(void **state)
{
	struct drv *d = *state;
	uint64_t buf = alloc(d, 16), table = alloc(d, 2 * 16);

	start(d, 8, false, true);
	set_desc(d, DESC_GPA, 3, buf, 16, VRING_DESC_F_NEXT, 8);
	publish(d, 3);
	expect_bad(d, 3);
	set_desc(d, DESC_GPA, 3, buf, 16, VRING_DESC_F_NEXT, 0xffff);
	publish(d, 3);
	expect_bad(d, 3);
	/* Inside an indirect table, the range is the table's. */
	set_desc(d, table, 0, buf, 16, VRING_DESC_F_NEXT, 2);
	set_desc(d, table, 1, buf, 16, 0, 0);
	set_desc(d, DESC_GPA, 4, table, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	publish(d, 4);
	expect_bad(d, 4);
	expect_recovers(d);
}

static void test_bad_buffer_address(void **state)
{
	struct drv *d = *state;
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ 0, 16 }, /* below RAM */
		{ RAM_GPA - 8, 16 }, /* starting below RAM */
		{ RAM_END, 1 }, /* just past the end */
		{ RAM_END + 4096, 0 }, /* empty, but nowhere */
		{ RAM_END - 8, 16 }, /* straddling the end */
		{ RAM_END - 1, 0xffffffff },
		{ 0xfffffffffffff000ULL, 0x2000 }, /* addr + len wraps */
		{ 0xffffffffffffffffULL, 1 },
		{ 0xffffffffffffffffULL, 0xffffffff },
		{ RAM_GPA, 0xffffffff }, /* longer than RAM */
	};

	start(d, 8, false, false);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* As the only buffer, readable or writable ... */
		post_raw(d, bad[i].addr, bad[i].len, 0, 0);
		expect_bad(d, 0);
		post_raw(d, bad[i].addr, bad[i].len, VRING_DESC_F_WRITE, 0);
		expect_bad(d, 0);
		/* ... and after a good one. */
		set_desc(d, DESC_GPA, 1, DATA_GPA, 16, VRING_DESC_F_NEXT, 2);
		set_desc(d, DESC_GPA, 2, bad[i].addr, bad[i].len,
			 VRING_DESC_F_WRITE, 0);
		publish(d, 1);
		expect_bad(d, 1);
	}
	d->next_desc = 0;
	expect_recovers(d);
}

static void test_bad_readable_after_writable(void **state)
{
	struct drv *d = *state;
	uint64_t buf = alloc(d, 32);

	start(d, 8, false, false);
	set_desc(d, DESC_GPA, 0, buf, 16, 0 | VRING_DESC_F_NEXT, 1);
	set_desc(d, DESC_GPA, 1, buf + 16, 8,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(d, DESC_GPA, 2, buf + 24, 8, 0, 0);
	publish(d, 0);
	expect_bad(d, 0);
	expect_recovers(d);
}

static void test_bad_indirect(void **state)
{
	struct drv *d = *state;
	uint64_t buf = alloc(d, 16);
	uint64_t table = alloc(d, 2 * 16), inner = alloc(d, 16);

	set_desc(d, inner, 0, buf, 16, 0, 0);
	set_desc(d, table, 0, buf, 16, VRING_DESC_F_NEXT, 1);
	set_desc(d, table, 1, buf, 16, VRING_DESC_F_WRITE, 0);

	/* Not negotiated. */
	start(d, 8, false, false);
	post_raw(d, table, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);

	d->vq.indirect = true;
	/* Sanity: the same descriptor is fine once negotiated. */
	post_raw(d, table, 32, VRING_DESC_F_INDIRECT, 0);
	assert_int_equal(pop(d), VQ_CHAIN);
	vq_push(&d->vq, 0, 0);

	/* With NEXT. */
	set_desc(d, DESC_GPA, 1, buf, 16, 0, 0);
	post_raw(d, table, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	expect_bad(d, 0);

	/* Nested: a table naming a table. */
	set_desc(d, table, 1, inner, 16, VRING_DESC_F_INDIRECT, 0);
	post_raw(d, table, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);
	set_desc(d, table, 0, inner, 16, VRING_DESC_F_INDIRECT, 0);
	post_raw(d, table, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);
	set_desc(d, table, 0, buf, 16, VRING_DESC_F_NEXT, 1);
	set_desc(d, table, 1, buf, 16, VRING_DESC_F_WRITE, 0);

	/* Bad table lengths. */
	post_raw(d, table, 0, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);
	post_raw(d, table, 8, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);
	post_raw(d, table, 17, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);
	post_raw(d, table, 31, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);
	post_raw(d, table, 0xfffffff0, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);

	/* Tables outside RAM, partly or wholly. */
	post_raw(d, RAM_END - 16, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);
	post_raw(d, RAM_END, 16, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);
	post_raw(d, 0, 16, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);
	post_raw(d, 0xfffffffffffffff0ULL, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);

	/* A good table, a bad buffer inside it. */
	set_desc(d, table, 1, RAM_END - 4, 8, VRING_DESC_F_WRITE, 0);
	post_raw(d, table, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);
	/* ... or readable after writable inside it. */
	set_desc(d, table, 0, buf, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
		 1);
	set_desc(d, table, 1, buf, 16, 0, 0);
	post_raw(d, table, 32, VRING_DESC_F_INDIRECT, 0);
	expect_bad(d, 0);

	d->next_desc = 2;
	expect_recovers(d);
}

static void test_broken_head(void **state)
{
	struct drv *d = *state;

	start(d, 8, false, false);
	publish(d, 8);
	assert_int_equal(pop(d), VQ_BROKEN);

	start(d, 8, false, false);
	memset(hva(d, AVAIL_GPA, 4), 0, 4);
	publish(d, 0xffff);
	assert_int_equal(pop(d), VQ_BROKEN);
	assert_int_equal(used_idx(d), 0);
}

static void test_broken_avail_idx(void **state)
{
	struct drv *d = *state;

	start(d, 8, false, false);
	/* Nine buffers claimed in a ring of eight. */
	set_avail_idx(d, 9);
	assert_int_equal(pop(d), VQ_BROKEN);
	/* Or the index moved backwards (it is taken as 65535 ahead). */
	start(d, 8, false, false);
	set_avail_idx(d, 0);
	post1(d);
	assert_int_equal(pop(d), VQ_CHAIN);
	set_avail_idx(d, 0);
	assert_int_equal(pop(d), VQ_BROKEN);
	assert_int_equal(used_idx(d), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_start_sizes),
		T(test_start_alignment),
		T(test_start_outside_ram),
		T(test_stop),
		T(test_live_layout_is_fixed),
		T(test_simple_chain),
		T(test_readable_writable_chain),
		T(test_many_chains),
		T(test_chain_as_long_as_table),
		T(test_zero_length_buffers),
		T(test_buffer_at_end_of_ram),
		T(test_index_wrap),
		T(test_full_ring),
		T(test_indirect),
		T(test_indirect_max),
		T(test_indirect_unaligned_table),
		T(test_budget_yields),
		T(test_budget_ends_endless_ring),
		T(test_no_interrupt_flag),
		T(test_kick_suppression_flag),
		T(test_event_idx_interrupts),
		T(test_event_idx_wrap),
		T(test_event_idx_kicks),
		T(test_bad_loop),
		T(test_bad_chain_longer_than_table),
		T(test_bad_next_out_of_range),
		T(test_bad_buffer_address),
		T(test_bad_readable_after_writable),
		T(test_bad_indirect),
		T(test_broken_head),
		T(test_broken_avail_idx),
	};
#undef T

	/* The guest warnings the malformed rings provoke are expected. */
	log_threshold = LOG_ERROR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
