// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the split virtqueue (devices/virtio/virtqueue.c):
 * the rings and descriptors are guest memory and entirely fuzzer-chosen.
 *
 * Input: a VQF_HDR-byte header, then the bytes of guest RAM from
 * FUZZ_RAM_GPA on (the rest of RAM is zero).
 *
 *   [0]      bits 0-3: log2 of the queue size (mod 11: 1 .. 1024);
 *            bit 7: use the raw 16-bit size in [2..3] instead
 *   [1]      bit 0: VIRTIO_F_EVENT_IDX, bit 1: VIRTIO_F_INDIRECT_DESC,
 *            bit 2: ring offsets from [4..9], bit 3: raw ring gpas from
 *            [16..39], bits 4-5: extra rounds, bit 6: restart the queue
 *            (vq_stop + vq_start) between rounds
 *   [2..3]   raw queue size
 *   [4..9]   desc, avail, used ring offsets from FUZZ_RAM_GPA (16 bit)
 *   [10..11] seed for the lengths passed to vq_push
 *   [12]     how far the "driver" moves avail->idx between rounds
 *   [13]     after pop i, bit (i & 7) set: vq_should_interrupt and a
 *            vq_disable_kicks / vq_enable_kicks pair
 *   [16..39] desc, avail, used ring gpas (64 bit)
 *
 * Without bit 2 or 3 the rings are packed from FUZZ_RAM_GPA: descriptor
 * table, then avail ring, then used ring (4-byte aligned).
 *
 * Besides ASan and UBSan, the target checks vq_start() and vq_pop()
 * against a reference model written from the rules in virtqueue.h, and
 * what vq_push / vq_*_kicks leave in the rings.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "devices/virtio/virtqueue.h"
#include "tests/fuzz/fuzz_guest.h"

#define VQF_HDR 40

static struct fuzz_guest guest;
static struct vq_chain chain;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	return 0;
}

/* Reference gm_ptr(): [gpa, gpa + len) in one region, by gpa arithmetic. */
static uint8_t *ref_ptr(uint64_t gpa, uint64_t len)
{
	if (gpa >= FUZZ_RAM_GPA && gpa - FUZZ_RAM_GPA <= FUZZ_RAM_SIZE &&
	    len <= FUZZ_RAM_SIZE - (gpa - FUZZ_RAM_GPA))
		return guest.ram + (gpa - FUZZ_RAM_GPA);
	if (gpa >= FUZZ_RAM2_GPA && gpa - FUZZ_RAM2_GPA <= FUZZ_RAM2_SIZE &&
	    len <= FUZZ_RAM2_SIZE - (gpa - FUZZ_RAM2_GPA))
		return guest.ram2 + (gpa - FUZZ_RAM2_GPA);
	return NULL;
}

static bool ref_start_ok(uint64_t n, uint64_t desc, uint64_t avail,
			 uint64_t used)
{
	if (n == 0 || n > VQ_MAX_SIZE || (n & (n - 1)))
		return false;
	if ((desc & 15) || (avail & 1) || (used & 3))
		return false;
	return ref_ptr(desc, 16 * n) && ref_ptr(avail, 6 + 2 * n) &&
	       ref_ptr(used, 6 + 8 * n);
}

struct ref_buf {
	uint8_t *host;
	uint32_t len;
	bool write;
};

static struct ref_buf ref_bufs[VQ_MAX_CHAIN];

/*
 * Reference chain walk: returns the number of buffers, or -1 for a chain
 * the rules in virtqueue.h reject.
 */
static int ref_walk(uint64_t table_gpa, uint32_t count, uint16_t head,
		    bool indirect_ok)
{
	uint32_t idx = head, steps = 0;
	bool in_indirect = false, seen_write = false;
	int n = 0;

	for (;;) {
		struct vring_desc d;
		uint8_t *p;

		if (++steps > count)
			return -1;
		p = ref_ptr(table_gpa + 16ULL * idx, 16);
		if (!p)
			fuzz_fail("reference: descriptor %u outside RAM", idx);
		memcpy(&d, p, sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!indirect_ok || in_indirect ||
			    (d.flags & VRING_DESC_F_NEXT) || n)
				return -1;
			if (d.len == 0 || d.len % 16 ||
			    d.len / 16 > VQ_MAX_CHAIN)
				return -1;
			if (!ref_ptr(d.addr, d.len))
				return -1;
			table_gpa = d.addr;
			count = d.len / 16;
			idx = 0;
			steps = 0;
			in_indirect = true;
			continue;
		}
		p = ref_ptr(d.addr, d.len);
		if (!p)
			return -1;
		if (d.flags & VRING_DESC_F_WRITE)
			seen_write = true;
		else if (seen_write)
			return -1;
		if (n == VQ_MAX_CHAIN)
			return -1;
		ref_bufs[n++] =
			(struct ref_buf){ p, d.len,
					  d.flags & VRING_DESC_F_WRITE };
		if (!(d.flags & VRING_DESC_F_NEXT))
			return n;
		idx = d.next;
		if (idx >= count)
			return -1;
	}
}

static void check_chain(const struct vq_chain *c, int nbufs)
{
	size_t out = 0, in = 0;

	if ((int)(c->nr_out + c->nr_in) != nbufs)
		fuzz_fail("chain %u: %u+%u buffers, reference has %d", c->head,
			  c->nr_out, c->nr_in, nbufs);
	for (int i = 0; i < nbufs; i++) {
		const struct iovec *v = &c->iov[i];

		if (v->iov_base != ref_bufs[i].host ||
		    v->iov_len != ref_bufs[i].len ||
		    ((unsigned int)i >= c->nr_out) != ref_bufs[i].write)
			fuzz_fail(
				"chain %u: buffer %d is %p+%zu, reference %p+%u%s",
				c->head, i, v->iov_base, v->iov_len,
				(void *)ref_bufs[i].host, ref_bufs[i].len,
				ref_bufs[i].write ? " (writable)" : "");
		if ((unsigned int)i < c->nr_out)
			out += v->iov_len;
		else
			in += v->iov_len;
	}
	if (out != c->out_len || in != c->in_len)
		fuzz_fail(
			"chain %u: out_len %zu in_len %zu, buffers add up to %zu %zu",
			c->head, c->out_len, c->in_len, out, in);
}

struct run {
	struct virtqueue vq;
	uint64_t n;
	uint16_t pops; /* chains taken: the device's last_avail */
	uint16_t pushes; /* the device's used index */
	uint16_t len_seed;
	uint8_t kick_bits;
	size_t budget;
	/* Interrupt suppression as the spec (and vhost) have it. */
	bool signalled_valid;
	uint16_t signalled_used;
};

/* vq_should_interrupt() against virtio 1.x section 2.7.10 / vhost. */
static void check_interrupt(struct run *r)
{
	const uint8_t *avail = ref_ptr(r->vq.avail_gpa, 6 + 2 * r->n);
	uint16_t event = fuzz_le16(avail + 4 + 2 * r->n), old;
	bool want, got;

	old = r->signalled_used;
	if (r->signalled_valid && old == r->pushes)
		want = false; /* nothing new to tell */
	else if (!r->vq.event_idx)
		want = !(fuzz_le16(avail) & VRING_AVAIL_F_NO_INTERRUPT);
	else
		want = !r->signalled_valid ||
		       (uint16_t)(r->pushes - event - 1) <
			       (uint16_t)(r->pushes - old);
	r->signalled_used = r->pushes;
	r->signalled_valid = true;
	got = vq_should_interrupt(&r->vq);
	if (got != want)
		fuzz_fail(
			"vq_should_interrupt: %d, want %d (used %u, used_event %u, flags %#x)",
			got, want, r->pushes, event, fuzz_le16(avail));
}

static void check_push(struct run *r, uint16_t head, uint32_t len)
{
	const uint8_t *used = ref_ptr(r->vq.used_gpa, 6 + 8 * r->n);
	struct vring_used_elem e;

	vq_push(&r->vq, head, len);
	r->pushes++;
	memcpy(&e,
	       used + 4 +
		       8 * (uint64_t)((uint16_t)(r->pushes - 1) & (r->n - 1)),
	       sizeof(e));
	if (fuzz_le16(used + 2) != r->pushes || e.id != head || e.len != len)
		fuzz_fail(
			"vq_push(%u, %u): used idx %u elem {%u, %u}, want idx %u",
			head, len, fuzz_le16(used + 2), e.id, e.len, r->pushes);
}

static void check_kicks(struct run *r)
{
	const uint8_t *avail = ref_ptr(r->vq.avail_gpa, 6 + 2 * r->n);
	const uint8_t *used = ref_ptr(r->vq.used_gpa, 6 + 8 * r->n);
	bool more;

	vq_disable_kicks(&r->vq);
	if (!r->vq.event_idx && fuzz_le16(used) != VRING_USED_F_NO_NOTIFY)
		fuzz_fail("vq_disable_kicks: used flags %#x", fuzz_le16(used));
	vq_new_round(&r->vq);
	more = vq_enable_kicks(&r->vq);
	if (r->vq.event_idx ? fuzz_le16(used + 4 + 8 * r->n) != r->pops :
			      fuzz_le16(used) != 0)
		fuzz_fail(
			"vq_enable_kicks: used flags %#x avail_event %u, %u taken",
			fuzz_le16(used), fuzz_le16(used + 4 + 8 * r->n),
			r->pops);
	if (more != (fuzz_le16(avail + 2) != r->pops))
		fuzz_fail(
			"vq_enable_kicks: says %d with avail idx %u, %u taken",
			more, fuzz_le16(avail + 2), r->pops);
}

/* Drains the ring like a device would; false once the ring is broken. */
static bool drain(struct run *r)
{
	const uint8_t *avail = ref_ptr(r->vq.avail_gpa, 6 + 2 * r->n);
	uint64_t limit = 2 * r->n + 2;

	for (uint64_t i = 0; i < limit; i++) {
		uint16_t idx = fuzz_le16(avail + 2), head = 0;
		int want = -2;
		enum vq_pop_result res;

		/* What the reference says vq_pop must return. */
		if (idx == r->pops) {
			want = VQ_EMPTY;
		} else if ((uint16_t)(idx - r->pops) <= r->n) {
			head = fuzz_le16(avail + 4 +
					 2 * (r->pops & (r->n - 1)));
			if (head < r->n)
				want = ref_walk(r->vq.desc_gpa, (uint32_t)r->n,
						head, r->vq.indirect);
		}
		/* The budget (unit-tested) would cut the model's drain short. */
		vq_new_round(&r->vq);
		res = vq_pop(&r->vq, &chain);
		if ((res == VQ_EMPTY) != (want == VQ_EMPTY))
			fuzz_fail("vq_pop: %d with avail idx %u, %u taken", res,
				  idx, r->pops);
		if (res == VQ_EMPTY)
			return true;
		if (want == -2) {
			if (res != VQ_BROKEN)
				fuzz_fail(
					"vq_pop: %d for a broken ring (idx %u, %u taken, head %u)",
					res, idx, r->pops, head);
			return false;
		}
		r->pops++;
		if (want < 0 ? res != VQ_BAD_CHAIN : res != VQ_CHAIN)
			fuzz_fail("vq_pop: %d for head %u, reference %d", res,
				  head, want);
		if (chain.head != head)
			fuzz_fail("vq_pop: head %u, avail ring says %u",
				  chain.head, head);
		if (res == VQ_CHAIN) {
			check_chain(&chain, want);
			fuzz_touch_iov(&guest, chain.iov, chain.nr_out,
				       chain.nr_in, &r->budget);
			check_push(r, chain.head,
				   (uint32_t)(chain.in_len ^ r->len_seed ^ i));
		} else {
			check_push(r, chain.head, 0);
		}
		if ((r->kick_bits >> (i & 7)) & 1) {
			check_interrupt(r);
			check_kicks(r);
		}
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	uint8_t hdr[VQF_HDR] = { 0 };
	unsigned int rounds;
	uint64_t base;
	int ret;

	memcpy(hdr, data, size < VQF_HDR ? size : VQF_HDR);
	fuzz_guest_load(&guest, size > VQF_HDR ? data + VQF_HDR : NULL,
			size > VQF_HDR ? size - VQF_HDR : 0);

	memset(&r, 0, sizeof(r));
	r.n = hdr[0] & 0x80 ? fuzz_le16(hdr + 2) : 1U << ((hdr[0] & 15) % 11);
	r.vq.size = (uint16_t)r.n;
	r.vq.event_idx = hdr[1] & 1;
	r.vq.indirect = hdr[1] & 2;
	if (hdr[1] & 8) {
		r.vq.desc_gpa = fuzz_le64(hdr + 16);
		r.vq.avail_gpa = fuzz_le64(hdr + 24);
		r.vq.used_gpa = fuzz_le64(hdr + 32);
	} else if (hdr[1] & 4) {
		r.vq.desc_gpa = FUZZ_RAM_GPA + fuzz_le16(hdr + 4);
		r.vq.avail_gpa = FUZZ_RAM_GPA + fuzz_le16(hdr + 6);
		r.vq.used_gpa = FUZZ_RAM_GPA + fuzz_le16(hdr + 8);
	} else {
		base = FUZZ_RAM_GPA;
		r.vq.desc_gpa = base;
		r.vq.avail_gpa = base + 16 * r.n;
		r.vq.used_gpa = (r.vq.avail_gpa + 6 + 2 * r.n + 3) & ~3ULL;
	}
	r.len_seed = fuzz_le16(hdr + 10);
	r.kick_bits = hdr[13];
	r.budget = FUZZ_TOUCH_BUDGET;
	rounds = 1 + ((hdr[1] >> 4) & 3);

	ret = vq_start(&r.vq, &guest.mem);
	if ((ret == 0) !=
	    ref_start_ok(r.n, r.vq.desc_gpa, r.vq.avail_gpa, r.vq.used_gpa))
		fuzz_fail(
			"vq_start(size %u, desc %#llx, avail %#llx, used %#llx) = %d",
			r.vq.size, (unsigned long long)r.vq.desc_gpa,
			(unsigned long long)r.vq.avail_gpa,
			(unsigned long long)r.vq.used_gpa, ret);
	if (ret) {
		/* A queue that did not start does nothing. */
		if (r.vq.ready || vq_pop(&r.vq, &chain) != VQ_EMPTY ||
		    vq_should_interrupt(&r.vq) || vq_enable_kicks(&r.vq))
			fuzz_fail("a queue that failed vq_start is live");
		vq_push(&r.vq, 0, 0);
		vq_disable_kicks(&r.vq);
		return 0;
	}
	if (r.n > VQ_MAX_SIZE)
		fuzz_fail("vq_start accepted size %llu",
			  (unsigned long long)r.n);

	for (unsigned int round = 0; round < rounds; round++) {
		if (round) {
			uint8_t *avail = ref_ptr(r.vq.avail_gpa, 6 + 2 * r.n);
			uint16_t idx = fuzz_le16(avail + 2) + hdr[12];

			if (hdr[1] & 0x40) {
				vq_stop(&r.vq);
				if (vq_pop(&r.vq, &chain) != VQ_EMPTY)
					fuzz_fail("vq_pop on a stopped queue");
				if (vq_start(&r.vq, &guest.mem))
					fuzz_fail(
						"vq_start failed the second time");
				r.pops = r.pushes = 0;
				r.signalled_valid = false;
			}
			/* The driver makes more buffers available. */
			avail[2] = (uint8_t)idx;
			avail[3] = (uint8_t)(idx >> 8);
		}
		if (!drain(&r))
			break;
		check_interrupt(&r);
		check_kicks(&r);
	}
	vq_stop(&r.vq);
	return 0;
}
