/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_VIRTQUEUE_H
#define KESTREL_DEVICES_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "runtime/guest_mem.h"

/*
 * Split virtqueues (virtio 1.x, section 2.7), device side. The rings live
 * in guest memory and the guest may change them at any moment: each
 * descriptor is copied out once, then checked -- its buffer wholly inside
 * guest RAM, its next index inside its table, readable buffers before
 * writable ones, the chain no longer than its table, indirect tables only
 * when negotiated and never nested -- and only then used.
 */
#define VQ_MAX_SIZE 1024
#define VQ_MAX_CHAIN VQ_MAX_SIZE

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_USED_F_NO_NOTIFY 1
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtqueue {
	/*
	 * The layout the driver programs through the transport's registers.
	 * Only vq_start() reads it: what it checked, it copies, so a write
	 * that reaches these fields while the queue is live cannot move or
	 * resize the rings the device is using.
	 */
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;

	bool ready;
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect; /* VIRTIO_F_INDIRECT_DESC negotiated */
	/* While ready: the size the rings were checked for, and their host
	 * views. */
	uint16_t num;
	struct vring_desc *desc;
	uint16_t *avail_flags, *avail_idx, *avail_ring, *used_event;
	uint16_t *used_flags, *used_idx, *avail_event;
	struct vring_used_elem *used_ring;

	uint16_t last_avail; /* next avail entry to take */
	uint16_t used; /* our used index */
	uint16_t signalled_used;
	bool signalled_valid;
	/*
	 * A guest can make the ring endless (rings laid over each other, so
	 * the device's own writes move avail->idx), so a round of vq_pop()
	 * and vq_enable_kicks() calls takes at most `num` chains and passes;
	 * then they report "nothing more" with `yielded` set, and the caller
	 * comes back later instead of spinning.
	 */
	uint16_t round_pops;
	bool yielded;
	const struct guest_mem *mem;
};

/* A descriptor chain: nr_out readable buffers, then nr_in writable ones. */
struct vq_chain {
	uint16_t head;
	unsigned int nr_out, nr_in;
	size_t out_len, in_len;
	struct iovec iov[VQ_MAX_CHAIN];
};

enum vq_pop_result {
	VQ_EMPTY = 0,
	VQ_CHAIN = 1, /* a valid chain in *c */
	VQ_BAD_CHAIN = -1, /* c->head is valid; return it unused */
	VQ_BROKEN =
		-2, /* the ring itself is nonsense: the device needs reset */
};

/*
 * Maps the rings at the addresses set in vq (size, *_gpa) after checking
 * size (a power of two up to VQ_MAX_SIZE), alignment and that each ring is
 * inside guest RAM, and fixes `num` to that size. Returns 0, or -1 (and vq
 * stays not ready).
 *
 * None of these functions locks: whoever owns vq serialises them (for a
 * device's queues, the virtio_device lock).
 */
int vq_start(struct virtqueue *vq, const struct guest_mem *mem);
/* Forgets the rings and indices (device reset, queue disable). */
void vq_stop(struct virtqueue *vq);

/* Starts a round of vq_pop() calls (a kick's worth) with a fresh budget. */
void vq_new_round(struct virtqueue *vq);

/* Takes the next available chain. */
enum vq_pop_result vq_pop(struct virtqueue *vq, struct vq_chain *c);
/* Returns chain `head` to the driver, `len` bytes written into it. */
void vq_push(struct virtqueue *vq, uint16_t head, uint32_t len);
/*
 * vq_push() in two steps, for a group of chains the driver must see all at
 * once (a frame spread over several receive buffers): add each, then
 * publish them together.
 */
void vq_add_used(struct virtqueue *vq, uint16_t head, uint32_t len);
void vq_publish_used(struct virtqueue *vq);
/* Puts back the last n chains taken by vq_pop() and not yet returned. */
void vq_unpop(struct virtqueue *vq, unsigned int n);
/*
 * After a batch of vq_push(): does the driver want an interrupt? Never
 * when nothing was pushed since the last call.
 */
bool vq_should_interrupt(struct virtqueue *vq);

/* Asks the driver not to kick while the device is draining the ring. */
void vq_disable_kicks(struct virtqueue *vq);
/* Asks for kicks again; true if more chains arrived meanwhile. */
bool vq_enable_kicks(struct virtqueue *vq);
/*
 * The chains available now are not enough (a frame needs more receive
 * buffers): asks for a kick when the driver adds another. True if it has
 * already done so.
 */
bool vq_kick_on_more(struct virtqueue *vq);

#endif
