// SPDX-License-Identifier: MIT
/* Split virtqueue: ring validation, chain walking, used ring, suppression. */
#include "devices/virtio/virtqueue.h"

#include <assert.h>
#include <string.h>

#include "runtime/log.h"

static_assert(sizeof(struct vring_desc) == 16, "descriptor layout");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	      "virtio 1.x rings are little-endian, as is the host");

static uint16_t load_acquire(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint16_t load_once(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void store_release(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void store_once(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* Host pointer to a ring of len bytes at gpa, aligned to align. */
static void *map_ring(const struct guest_mem *mem, uint64_t gpa, uint64_t len,
		      uint64_t align)
{
	if (gpa & (align - 1))
		return NULL;
	return gm_ptr(mem, gpa, len);
}

int vq_start(struct virtqueue *vq, const struct guest_mem *mem)
{
	uint64_t n = vq->size;
	uint8_t *avail, *used;

	vq->ready = false;
	if (n == 0 || n > VQ_MAX_SIZE || (n & (n - 1)))
		return -1;
	vq->desc = map_ring(mem, vq->desc_gpa, 16 * n, 16);
	avail = map_ring(mem, vq->avail_gpa, 6 + 2 * n, 2);
	used = map_ring(mem, vq->used_gpa, 6 + 8 * n, 4);
	if (!vq->desc || !avail || !used)
		return -1;
	vq->avail_flags = (uint16_t *)avail;
	vq->avail_idx = (uint16_t *)(avail + 2);
	vq->avail_ring = (uint16_t *)(avail + 4);
	vq->used_event = (uint16_t *)(avail + 4 + 2 * n);
	vq->used_flags = (uint16_t *)used;
	vq->used_idx = (uint16_t *)(used + 2);
	vq->used_ring = (struct vring_used_elem *)(used + 4);
	vq->avail_event = (uint16_t *)(used + 4 + 8 * n);
	vq->num = (uint16_t)n;
	/* Start from where the driver's rings say (zero after a reset). */
	vq->last_avail = 0;
	vq->used = 0;
	vq->signalled_valid = false;
	vq->mem = mem;
	vq->ready = true;
	return 0;
}

void vq_stop(struct virtqueue *vq)
{
	vq->ready = false;
	vq->num = 0;
	vq->desc = NULL;
	vq->avail_flags = vq->avail_idx = vq->avail_ring = NULL;
	vq->used_event = vq->used_flags = vq->used_idx = NULL;
	vq->avail_event = NULL;
	vq->used_ring = NULL;
	vq->last_avail = vq->used = 0;
	vq->signalled_valid = false;
}

/* Walks the chain starting at descriptor `head` into c. */
static enum vq_pop_result walk(struct virtqueue *vq, uint16_t head,
			       struct vq_chain *c)
{
	const struct vring_desc *table = vq->desc;
	uint32_t count = vq->num, idx = head, steps = 0;
	bool in_indirect = false;
	unsigned int n = 0;

	c->head = head;
	c->nr_out = c->nr_in = 0;
	c->out_len = c->in_len = 0;
	for (;;) {
		struct vring_desc d;
		void *buf;

		/* More steps than the table has entries means a loop. */
		if (++steps > count) {
			log_guest(
				"virtqueue: descriptor chain %u loops or is too long",
				head);
			return VQ_BAD_CHAIN;
		}
		memcpy(&d, &table[idx], sizeof(d)); /* one read: TOCTOU-safe */
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!vq->indirect || in_indirect ||
			    (d.flags & VRING_DESC_F_NEXT) || n) {
				log_guest(
					"virtqueue: misplaced indirect descriptor in chain %u",
					head);
				return VQ_BAD_CHAIN;
			}
			if (d.len == 0 || d.len % sizeof(d) ||
			    d.len / sizeof(d) > VQ_MAX_CHAIN) {
				log_guest(
					"virtqueue: indirect table of %u bytes in chain %u",
					d.len, head);
				return VQ_BAD_CHAIN;
			}
			table = gm_ptr(vq->mem, d.addr, d.len);
			if (!table) {
				log_guest(
					"virtqueue: indirect table outside RAM in chain %u",
					head);
				return VQ_BAD_CHAIN;
			}
			count = d.len / sizeof(d);
			idx = 0;
			steps = 0;
			in_indirect = true;
			continue;
		}
		buf = gm_ptr(vq->mem, d.addr, d.len);
		if (!buf) {
			log_guest(
				"virtqueue: buffer %#llx+%u outside RAM in chain %u",
				(unsigned long long)d.addr, d.len, head);
			return VQ_BAD_CHAIN;
		}
		if (d.flags & VRING_DESC_F_WRITE) {
			c->nr_in++;
			c->in_len += d.len;
		} else {
			if (c->nr_in) {
				log_guest(
					"virtqueue: readable buffer after a writable one in chain %u",
					head);
				return VQ_BAD_CHAIN;
			}
			c->nr_out++;
			c->out_len += d.len;
		}
		if (n == VQ_MAX_CHAIN)
			return VQ_BAD_CHAIN;
		c->iov[n].iov_base = buf;
		c->iov[n].iov_len = d.len;
		n++;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return VQ_CHAIN;
		idx = d.next;
		if (idx >= count) {
			log_guest(
				"virtqueue: next index %u out of range in chain %u",
				idx, head);
			return VQ_BAD_CHAIN;
		}
	}
}

void vq_new_round(struct virtqueue *vq)
{
	vq->round_pops = 0;
	vq->yielded = false;
}

enum vq_pop_result vq_pop(struct virtqueue *vq, struct vq_chain *c)
{
	uint16_t avail, head;

	if (!vq->ready)
		return VQ_EMPTY;
	avail = load_acquire(vq->avail_idx);
	if (avail == vq->last_avail)
		return VQ_EMPTY;
	if (vq->round_pops >= vq->num) {
		vq->yielded = true;
		return VQ_EMPTY;
	}
	vq->round_pops++;
	if ((uint16_t)(avail - vq->last_avail) > vq->num) {
		log_guest(
			"virtqueue: driver claims %u available buffers in a ring of %u",
			(uint16_t)(avail - vq->last_avail), vq->num);
		return VQ_BROKEN;
	}
	head = load_once(&vq->avail_ring[vq->last_avail & (vq->num - 1)]);
	vq->last_avail++;
	if (head >= vq->num) {
		log_guest("virtqueue: head index %u out of range", head);
		return VQ_BROKEN;
	}
	return walk(vq, head, c);
}

void vq_add_used(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e;

	if (!vq->ready)
		return;
	e = &vq->used_ring[vq->used & (vq->num - 1)];
	__atomic_store_n(&e->id, head, __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, len, __ATOMIC_RELAXED);
	vq->used++;
}

void vq_publish_used(struct virtqueue *vq)
{
	/* The elements must be visible before the index that covers them. */
	if (vq->ready)
		store_release(vq->used_idx, vq->used);
}

void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	vq_add_used(vq, head, len);
	vq_publish_used(vq);
}

void vq_unpop(struct virtqueue *vq, unsigned int n)
{
	/* The budget stays spent: taking them again counts again. */
	vq->last_avail = (uint16_t)(vq->last_avail - n);
}

bool vq_should_interrupt(struct virtqueue *vq)
{
	uint16_t old, event;
	bool valid;

	if (!vq->ready)
		return false;
	/* Our used index store against the driver's flag or event load. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	old = vq->signalled_used;
	valid = vq->signalled_valid;
	vq->signalled_used = vq->used;
	vq->signalled_valid = true;
	/* Nothing used since the last call: an interrupt would be spurious. */
	if (valid && old == vq->used)
		return false;
	if (!vq->event_idx)
		return !(load_once(vq->avail_flags) &
			 VRING_AVAIL_F_NO_INTERRUPT);
	if (!valid)
		return true;
	event = load_once(vq->used_event);
	/* Did used cross used_event since the last interrupt? */
	return (uint16_t)(vq->used - event - 1) < (uint16_t)(vq->used - old);
}

void vq_disable_kicks(struct virtqueue *vq)
{
	if (!vq->ready || vq->event_idx)
		return; /* with event idx, not updating avail_event does it */
	store_once(vq->used_flags, VRING_USED_F_NO_NOTIFY);
}

bool vq_enable_kicks(struct virtqueue *vq)
{
	if (!vq->ready)
		return false;
	if (vq->event_idx)
		store_once(vq->avail_event, vq->last_avail);
	else
		store_once(vq->used_flags, 0);
	/* Our store against the driver's next avail index store. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->yielded || load_acquire(vq->avail_idx) == vq->last_avail)
		return false;
	/*
	 * Another pass costs budget too: a guest can make the index move
	 * under the device's own flag writes without offering a chain.
	 */
	if (vq->round_pops >= vq->num) {
		vq->yielded = true;
		return false;
	}
	vq->round_pops++;
	return true;
}

bool vq_kick_on_more(struct virtqueue *vq)
{
	uint16_t avail;

	if (!vq->ready)
		return false;
	avail = load_acquire(vq->avail_idx);
	if (vq->event_idx)
		store_once(vq->avail_event, avail);
	else
		store_once(vq->used_flags, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load_acquire(vq->avail_idx) != avail;
}
