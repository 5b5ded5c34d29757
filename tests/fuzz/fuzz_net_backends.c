// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for virtio-net (devices/virtio/net.c) on its real back
 * ends: the TAP back end (devices/net/tap.c) over a SOCK_SEQPACKET socket
 * pair standing in for the TAP device (net_tap_adopt()), and the user-mode
 * back end (devices/net/slirp.c) over a stand-in for libslirp that keeps
 * slirp.c's callbacks, so frames "from slirp" enter through its output
 * callback. Frames arrive from the host side with fuzzer-chosen sizes (0,
 * runts, oversize) and virtio-net headers (flags, gso_type, hdr_len,
 * csum_start/offset, num_buffers: whatever a hostile or broken host side
 * sends), while a driver in this file posts receive buffers of
 * fuzzer-chosen layouts (mergeable or not, too small, split, bad) and
 * transmits frames with hostile headers into the back end's writev path.
 * The device thread is the real event loop: the TAP socket, the kick
 * eventfds and the back ends' wake-ups.
 *
 * Input: a 4-byte header, then OP_SIZE-byte operations
 *
 *   [0]   bit 0: slirp (else TAP); bits 1-4: log2 of the queue size
 *         (mod 9: 1 .. 256); bit 5: the receive queue is enabled only by
 *         a later operation, after DRIVER_OK
 *   [1]   driver features: bit 0 MRG_RXBUF, 1 EVENT_IDX, 2 GUEST_CSUM,
 *         3 GUEST_TSO4, 4 GUEST_TSO6, 5 CSUM, 6 HOST_TSO4, 7 GUEST_ECN
 *   [2,3] unused
 *
 *   op [0] bits 0-2: what
 *          0: a frame from the host: [1] size class, [2..3] size, [4..15]
 *             its virtio-net header (TAP; slirp frames have none)
 *          1: a burst of 1 + [1] / 8 % 32 such frames, sizes from class [1]
 *          2: the driver posts 1 + [1] % 8 receive chains: [1] bits 3-4:
 *             descriptors each (1 .. 3), bit 5: the first chain has a
 *             buffer outside RAM, bit 6: a readable buffer first;
 *             [2..3], [4..5]: sizes (le16 % 16 KiB) of even and odd chains
 *          3: the driver transmits: [1] bits 0-1: descriptors (1 .. 4),
 *             bit 2: shorter than a header, bit 3: far too long (the same
 *             buffer many times), bit 4: a writable buffer at the end;
 *             [2..3] payload size (% 16 KiB), [4..15] header
 *          4: the device thread runs until idle; then the checks below
 *          5: reset, and the driver starts again with features [1]
 *          6: a kick the driver did not owe: queue [1] % 3; [1] bit 7
 *             enables the receive queue if it is not yet
 *          7: the guest stores [3..10] at RAM offset [1..2] (the rings
 *             too): the contents oracles stand down for the input
 *
 * Oracles besides ASan/UBSan (ASan also checks the buffers writev hands
 * the kernel):
 *  - the device thread goes idle (a source that stays ready with nothing
 *    to do would spin a host CPU);
 *  - receive: the device returns only chains the driver posted, each once,
 *    never claiming more bytes than the chain could take; num_buffers is
 *    1 without MRG_RXBUF; each frame the guest gets is byte for byte a
 *    frame the host sent, in order (drops allowed): TAP runts skipped and
 *    oversize frames cut at NET_MAX_FRAME, slirp frames behind a zero
 *    header;
 *  - transmit: each frame reaching the back end is 12 to NET_MAX_FRAME
 *    bytes and is, in order, what the guest posted (TAP: the whole frame
 *    on the socket; slirp: slirp_input() gets it without the header); the
 *    device returns every transmit chain;
 *  - no stranding: with the device idle and live, the TAP queue is empty
 *    unless the device holds a frame, and a frame it holds waits only
 *    while the driver has posted too little room for it.
 */
#include <errno.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/net/slirp.h"
#include "devices/net/tap.h"
#include "devices/virtio/net.h"
#include "tests/fuzz/fuzz_guest.h"

#define HDR_SIZE 4
#define OP_SIZE 16
#define MAX_OPS 256
#define RX VIRTIO_NET_RX_QUEUE
#define TX VIRTIO_NET_TX_QUEUE
#define STRIDE 0x2000ULL /* queue q's rings at FUZZ_RAM_GPA + q * STRIDE */
#define BUF_BASE (FUZZ_RAM_GPA + 2 * STRIDE)
#define BUF_END (FUZZ_RAM_GPA + FUZZ_RAM_SIZE)
#define MAX_DESC 8
#define MAX_FRAMES 512
#define MAX_ROUNDS 2000
#define SLIRP_MTU_FRAME 1536 /* the most slirp.c queues */

#define F(bit) (1ULL << (bit))

/* A chain the driver posted and the device has not returned. */
struct chain {
	bool live, bad;
	unsigned int nr;
	uint16_t desc[MAX_DESC];
	uint64_t gpa[MAX_DESC];
	uint32_t len[MAX_DESC];
	bool writable[MAX_DESC];
	uint32_t room; /* writable bytes */
};

struct drv_queue {
	uint16_t num, next_avail, last_used;
	uint8_t *desc, *avail, *used;
	uint16_t free[256];
	unsigned int nr_free;
	struct chain chain[256]; /* by head */
	uint16_t ring[256]; /* avail slot -> head */
};

/* A frame one side sent, to recognise when it arrives. */
struct frame {
	uint32_t len; /* with the header, as it should arrive */
	uint32_t seq;
	uint8_t hdr[NET_HDR_LEN];
};

struct side {
	struct net_backend *be;
	struct virtio_net net;
	int host_fd, dev_fd; /* TAP: the socket pair */
};

static struct fuzz_guest guest;
static struct side tap_side, slirp_side;
static struct side *cur;
static struct drv_queue dq[2];
static uint64_t features;
static bool tainted, aliased;
static uint64_t next_buf;
static uint32_t seq;

static struct frame rx_sent[MAX_FRAMES], tx_sent[MAX_FRAMES];
static unsigned int nr_rx_sent, rx_cursor, nr_tx_sent, tx_cursor;

/* Assembly of a received frame over its chains. */
static uint8_t frame_buf[NET_MAX_FRAME + 8192];
static size_t frame_len;
static unsigned int frame_left;

/* libslirp's stand-in: slirp.c's callbacks, and what it was given. */
static const SlirpCb *slirp_cb;
static void *slirp_opaque;
static int fake_slirp;

static uint8_t pattern(uint32_t s, size_t i)
{
	return (uint8_t)(s * 7 + i * 13 + (i >> 8));
}

static void fill(uint8_t *p, size_t len, uint32_t s, size_t from)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pattern(s, from + i);
}

/* Does buf hold frame f, num_buffers aside (the device writes that)? */
static bool same_frame(const struct frame *f, const uint8_t *buf, size_t len)
{
	if (len != f->len || memcmp(buf, f->hdr, 10))
		return false;
	for (size_t i = NET_HDR_LEN; i < len; i++)
		if (buf[i] != pattern(f->seq, i))
			return false;
	return true;
}

Slirp *slirp_new(const SlirpConfig *cfg, const SlirpCb *callbacks, void *opaque)
{
	(void)cfg;
	slirp_cb = callbacks;
	slirp_opaque = opaque;
	return (Slirp *)&fake_slirp;
}

void slirp_cleanup(Slirp *slirp)
{
	(void)slirp;
}

void slirp_pollfds_fill(Slirp *slirp, uint32_t *timeout,
			SlirpAddPollCb add_poll, void *opaque)
{
	(void)slirp;
	(void)timeout;
	(void)add_poll;
	(void)opaque;
}

void slirp_pollfds_poll(Slirp *slirp, int select_error,
			SlirpGetREventsCb get_revents, void *opaque)
{
	(void)slirp;
	(void)select_error;
	(void)get_revents;
	(void)opaque;
}

int slirp_add_hostfwd(Slirp *slirp, int is_udp, struct in_addr host_addr,
		      int host_port, struct in_addr guest_addr, int guest_port)
{
	(void)slirp;
	(void)is_udp;
	(void)host_addr;
	(void)host_port;
	(void)guest_addr;
	(void)guest_port;
	return 0;
}

/* A transmitted frame reached the back end: the next the guest sent? */
static void tx_arrived(const uint8_t *buf, size_t len, bool has_hdr)
{
	size_t full = has_hdr ? len : len + NET_HDR_LEN;

	if (full < NET_HDR_LEN || full > NET_MAX_FRAME ||
	    (!has_hdr && len == 0))
		fuzz_fail("a %zu-byte frame reached the back end", full);
	if (tainted || aliased)
		return;
	for (unsigned int i = tx_cursor; i < nr_tx_sent; i++) {
		const struct frame *f = &tx_sent[i];
		bool ok = f->len == full;

		if (ok && has_hdr)
			ok = !memcmp(buf, f->hdr, NET_HDR_LEN);
		for (size_t j = NET_HDR_LEN; ok && j < full; j++)
			ok = buf[has_hdr ? j : j - NET_HDR_LEN] ==
			     pattern(f->seq, j);
		if (ok) {
			tx_cursor = i + 1;
			return;
		}
	}
	fuzz_fail("the back end got a %zu-byte frame the guest never sent "
		  "(or not in this order)",
		  full);
}

void slirp_input(Slirp *slirp, const uint8_t *pkt, int pkt_len)
{
	(void)slirp;
	if (pkt_len < 0)
		fuzz_fail("slirp_input of %d bytes", pkt_len);
	tx_arrived(pkt, (size_t)pkt_len, false);
}

static void make_side(struct side *s, bool slirp)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct net_config cfg = { .kind = NET_USER };
	char err[256];
	int sv[2], big = 4 << 20;

	s->host_fd = s->dev_fd = -1;
	if (slirp) {
		s->be = net_slirp_open(&cfg, err, sizeof(err));
		if (!s->be || !slirp_cb)
			fuzz_fail("net_slirp_open: %s", err);
	} else {
		if (socketpair(AF_UNIX,
			       SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
			       sv) < 0)
			fuzz_fail("socketpair: %s", strerror(errno));
		/* Room for bursts of the largest frames both ways. */
		if (setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &big,
			       sizeof(big)) < 0)
			setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big,
				   sizeof(big));
		if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big,
			       sizeof(big)) < 0)
			setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big,
				   sizeof(big));
		s->dev_fd = sv[0];
		s->host_fd = sv[1];
		s->be = net_tap_adopt(sv[0], "fuzz0");
		if (!s->be)
			fuzz_fail("net_tap_adopt");
		/* A kernel whose TAP takes every offload kestrel offers. */
		s->be->offloads =
			F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) |
			F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6) |
			F(VIRTIO_NET_F_HOST_ECN) | F(VIRTIO_NET_F_GUEST_TSO4) |
			F(VIRTIO_NET_F_GUEST_TSO6) | F(VIRTIO_NET_F_GUEST_ECN);
	}
	if (virtio_net_init(&s->net, mac, s->be, &guest.hv))
		fuzz_fail("virtio_net_init");
	s->net.vdev.transport = &fuzz_null_transport;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_guest_init(&guest);
	make_side(&tap_side, false);
	make_side(&slirp_side, true);
	return 0;
}

static bool is_slirp(void)
{
	return cur == &slirp_side;
}

/* ---- the driver ---- */

static bool live(void)
{
	const struct virtio_device *v = &cur->net.vdev;

	return (v->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(v->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void driver_reset_queues(uint16_t num)
{
	for (unsigned int q = 0; q < 2; q++) {
		struct drv_queue *d = &dq[q];
		const struct virtqueue *vq = &cur->net.vdev.vq[q];

		memset(d, 0, sizeof(*d));
		d->num = num;
		d->desc = gm_ptr(&guest.mem, vq->desc_gpa, 16ULL * num);
		d->avail = gm_ptr(&guest.mem, vq->avail_gpa, 6 + 2ULL * num);
		d->used = gm_ptr(&guest.mem, vq->used_gpa, 6 + 8ULL * num);
		if (!d->desc || !d->avail || !d->used)
			fuzz_fail("queue %u rings outside RAM", q);
		for (unsigned int i = 0; i < num; i++)
			d->free[d->nr_free++] = (uint16_t)(num - 1 - i);
	}
	frame_left = 0;
	next_buf = BUF_BASE;
}

static void bring_up(uint16_t num, bool rx_later)
{
	struct virtio_device *v = &cur->net.vdev;

	/* A driver starts from zeroed rings. */
	memset(guest.ram, 0, 2 * STRIDE);
	pthread_mutex_lock(&v->lock);
	fuzz_bring_up_some(v, 2, rx_later ? 1U << TX : 3U, num, features,
			   STRIDE);
	pthread_mutex_unlock(&v->lock);
	driver_reset_queues(num);
}

static uint64_t alloc_buf(uint32_t len)
{
	uint64_t at;

	len = (len + 15) & ~15U;
	if (len > BUF_END - BUF_BASE)
		len = BUF_END - BUF_BASE;
	if (next_buf + len > BUF_END) {
		/* Out of RAM: buffers share it from here (as a guest may). */
		next_buf = BUF_BASE;
		aliased = true;
	}
	at = next_buf;
	next_buf += len;
	return at;
}

/* Should the driver kick after moving avail->idx from old to now? */
static bool kick_needed(const struct drv_queue *d, uint16_t old, uint16_t now)
{
	if (features & F(VIRTIO_F_EVENT_IDX)) {
		uint16_t event = fuzz_le16(d->used + 4 + 8 * d->num);

		return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
	}
	return !(fuzz_le16(d->used) & VRING_USED_F_NO_NOTIFY);
}

/* Posts a chain of c->nr buffers; false if the table is full. */
static bool post(unsigned int q, struct chain *c)
{
	struct drv_queue *d = &dq[q];
	uint16_t head, old = d->next_avail;

	if (c->nr > d->nr_free || !c->nr)
		return false;
	for (unsigned int i = 0; i < c->nr; i++)
		c->desc[i] = d->free[--d->nr_free];
	head = c->desc[0];
	for (unsigned int i = 0; i < c->nr; i++) {
		struct vring_desc vd = {
			.addr = c->gpa[i],
			.len = c->len[i],
			.flags = (c->writable[i] ? VRING_DESC_F_WRITE : 0) |
				 (i + 1 < c->nr ? VRING_DESC_F_NEXT : 0),
			.next = i + 1 < c->nr ? c->desc[i + 1] : 0,
		};

		memcpy(d->desc + 16 * c->desc[i], &vd, sizeof(vd));
	}
	c->live = true;
	d->chain[head] = *c;
	d->ring[d->next_avail % d->num] = head;
	put16(d->avail + 4 + 2 * (d->next_avail % d->num), head);
	d->next_avail++;
	__atomic_store_n((uint16_t *)(d->avail + 2), d->next_avail,
			 __ATOMIC_RELEASE);
	if (kick_needed(d, old, d->next_avail))
		virtio_notify(&cur->net.vdev, q);
	return true;
}

static void post_rx(const uint8_t *op)
{
	unsigned int count = 1 + op[1] % 8, per = 1 + (op[1] >> 3) % 3;

	for (unsigned int n = 0; n < count; n++) {
		uint32_t size = fuzz_le16(op + (n % 2 ? 4 : 2)) % 0x4000;
		struct chain c = { 0 };

		if (op[1] & 0x40) {
			c.gpa[c.nr] = alloc_buf(16);
			c.len[c.nr++] = 16;
		}
		for (unsigned int i = 0; i < per; i++) {
			uint32_t part = size / per + (i == 0 ? size % per : 0);

			c.gpa[c.nr] = alloc_buf(part);
			c.len[c.nr] = part;
			c.writable[c.nr++] = true;
			c.room += part;
		}
		if (n == 0 && (op[1] & 0x20)) {
			c.gpa[c.nr - 1] = FUZZ_RAM2_GPA + FUZZ_RAM2_SIZE - 8;
			c.len[c.nr - 1] = 64;
			c.bad = true;
		}
		if (!post(RX, &c))
			return;
	}
}

static void post_tx(const uint8_t *op)
{
	unsigned int per = 1 + op[1] % 4;
	uint32_t payload = fuzz_le16(op + 2) % 0x4000;
	uint32_t total = NET_HDR_LEN + payload, done = 0;
	uint8_t whole[NET_HDR_LEN + 0x4000];
	struct chain c = { 0 };

	if (op[1] & 4)
		total = payload % NET_HDR_LEN;
	memcpy(whole, op + 4, NET_HDR_LEN);
	fill(whole + NET_HDR_LEN, total > NET_HDR_LEN ? total - NET_HDR_LEN : 0,
	     seq, NET_HDR_LEN);
	if (op[1] & 8) {
		/* One buffer, named over and over: past NET_MAX_FRAME. */
		uint64_t at = alloc_buf(0x4000);

		for (c.nr = 0; c.nr < MAX_DESC - 1; c.nr++) {
			c.gpa[c.nr] = at;
			c.len[c.nr] = 0x4000;
		}
		total = 0; /* never expected */
	} else {
		for (unsigned int i = 0; i < per; i++) {
			uint32_t part =
				total / per + (i == 0 ? total % per : 0);

			c.gpa[c.nr] = alloc_buf(part);
			c.len[c.nr] = part;
			if (part)
				gm_write(&guest.mem, c.gpa[c.nr], whole + done,
					 part);
			done += part;
			c.nr++;
		}
	}
	if (op[1] & 0x10) {
		c.gpa[c.nr] = alloc_buf(64);
		c.len[c.nr] = 64;
		c.writable[c.nr++] = true;
	}
	if (!post(TX, &c))
		return;
	if (total >= NET_HDR_LEN && nr_tx_sent < MAX_FRAMES &&
	    (!is_slirp() || total > NET_HDR_LEN)) {
		struct frame *f = &tx_sent[nr_tx_sent++];

		f->len = total;
		f->seq = seq;
		memcpy(f->hdr, whole, NET_HDR_LEN);
	}
	seq++;
}

/* ---- frames from the host ---- */

static size_t frame_size(uint8_t cls, uint16_t v)
{
	switch (cls % 8) {
	case 0:
		return 0;
	case 1:
		return 1 + v % 11; /* a runt */
	case 2:
		return NET_HDR_LEN;
	case 3:
		return NET_HDR_LEN + 14 + v % 1501;
	case 4:
		return v;
	case 5:
		return NET_HDR_LEN + 1500 + v % 64;
	case 6:
		return NET_MAX_FRAME - 2 + v % 5;
	default:
		return NET_MAX_FRAME + v % 5000; /* cut by the TAP read */
	}
}

static void host_frame(const uint8_t *op, size_t len)
{
	static uint8_t buf[NET_MAX_FRAME + 5000];
	struct frame f = { .seq = seq++ };

	memcpy(f.hdr, op + 4, NET_HDR_LEN);
	if (is_slirp()) {
		/* An Ethernet frame from slirp; it adds a zero header. */
		fill(buf, len, f.seq, NET_HDR_LEN);
		memset(f.hdr, 0, NET_HDR_LEN);
		f.len = (uint32_t)(len + NET_HDR_LEN);
		if (slirp_cb->send_packet(buf, len, slirp_opaque) !=
		    (ssize_t)len)
			fuzz_fail("send_packet did not take the frame");
		if (len > SLIRP_MTU_FRAME)
			return;
	} else {
		memcpy(buf, op + 4, len < NET_HDR_LEN ? len : NET_HDR_LEN);
		if (len > NET_HDR_LEN)
			fill(buf + NET_HDR_LEN, len - NET_HDR_LEN, f.seq,
			     NET_HDR_LEN);
		if (send(cur->host_fd, buf, len, MSG_DONTWAIT) != (ssize_t)len)
			return; /* the host queue is full */
		if (len < NET_HDR_LEN)
			return; /* tap.c skips runts */
		f.len = (uint32_t)(len < NET_MAX_FRAME ? len : NET_MAX_FRAME);
	}
	if (nr_rx_sent < MAX_FRAMES)
		rx_sent[nr_rx_sent++] = f;
}

/* ---- the device's answers ---- */

static void gather(const struct chain *c, uint32_t len)
{
	for (unsigned int i = 0; i < c->nr && len; i++) {
		uint32_t n = c->len[i] < len ? c->len[i] : len;

		if (!c->writable[i])
			continue;
		if (frame_len + n > sizeof(frame_buf))
			fuzz_fail("a received frame grows past %zu bytes",
				  sizeof(frame_buf));
		gm_read(&guest.mem, frame_buf + frame_len, c->gpa[i], n);
		frame_len += n;
		len -= n;
	}
}

static void frame_done(void)
{
	if (frame_len > NET_MAX_FRAME)
		fuzz_fail("a %zu-byte frame was received", frame_len);
	for (unsigned int i = rx_cursor; i < nr_rx_sent; i++) {
		if (same_frame(&rx_sent[i], frame_buf, frame_len)) {
			rx_cursor = i + 1;
			return;
		}
	}
	fuzz_fail("the guest received a %zu-byte frame the host never sent "
		  "(or not in this order)",
		  frame_len);
}

static void rx_used(const struct chain *c, uint32_t len)
{
	uint16_t nb;

	if (aliased)
		return;
	if (!frame_left) {
		if (!len)
			return; /* given back unused */
		frame_len = 0;
		gather(c, len);
		if (frame_len < NET_HDR_LEN)
			fuzz_fail("a frame starts with %zu bytes", frame_len);
		nb = fuzz_le16(frame_buf + 10);
		if (!nb || nb > dq[RX].num ||
		    (!(features & F(VIRTIO_NET_F_MRG_RXBUF)) && nb != 1))
			fuzz_fail("num_buffers %u", nb);
		frame_left = nb;
	} else {
		gather(c, len);
	}
	if (--frame_left == 0)
		frame_done();
}

/* Takes what the device returned on queue q, as a driver does. */
static void take_used(unsigned int q)
{
	struct drv_queue *d = &dq[q];
	uint16_t idx =
		__atomic_load_n((uint16_t *)(d->used + 2), __ATOMIC_ACQUIRE);

	if ((uint16_t)(idx - d->last_used) > d->num)
		fuzz_fail("queue %u: used index moved by %u in a ring of %u", q,
			  (uint16_t)(idx - d->last_used), d->num);
	for (; d->last_used != idx; d->last_used++) {
		const uint8_t *e = d->used + 4 + 8 * (d->last_used % d->num);
		uint32_t id = fuzz_le32(e), len = fuzz_le32(e + 4);
		struct chain *c = id < d->num ? &d->chain[id] : NULL;

		if (!c || !c->live)
			fuzz_fail("queue %u: the device returned chain %u, "
				  "which it does not hold",
				  q, id);
		if (len > c->room || (q == TX && len))
			fuzz_fail("queue %u: chain %u of %u bytes returned "
				  "with %u written",
				  q, id, c->room, len);
		if (q == RX)
			rx_used(c, len);
		c->live = false;
		for (unsigned int i = 0; i < c->nr; i++)
			d->free[d->nr_free++] = c->desc[i];
	}
}

static void take_tap_tx(void)
{
	static uint8_t buf[NET_MAX_FRAME + 4096];
	ssize_t n;

	if (is_slirp())
		return;
	while ((n = recv(cur->host_fd, buf, sizeof(buf),
			 MSG_DONTWAIT | MSG_TRUNC)) >= 0) {
		if ((size_t)n > sizeof(buf))
			fuzz_fail("a %zd-byte frame on the TAP socket", n);
		tx_arrived(buf, (size_t)n, true);
	}
}

/* With the device idle: is a frame stranded, or a transmit left undone? */
static void check_idle(void)
{
	const struct virtqueue *rx = &cur->net.vdev.vq[RX];
	const struct virtqueue *tx = &cur->net.vdev.vq[TX];
	struct drv_queue *d = &dq[RX];
	uint16_t avail, count;
	uint64_t room = 0;
	bool progress;

	if (tainted || !live())
		return;
	if (tx->ready)
		for (unsigned int h = 0; h < dq[TX].num; h++)
			if (dq[TX].chain[h].live)
				fuzz_fail("transmit chain %u is never returned",
					  h);
	if (!rx->ready)
		return;
	if (!cur->net.rx_len) {
		uint8_t b;

		/* The device reads the TAP queue dry unless it holds a frame. */
		if (!is_slirp() &&
		    recv(cur->dev_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) >= 0)
			fuzz_fail("frames wait on the TAP queue, unread");
		return;
	}
	avail = d->next_avail;
	count = (uint16_t)(avail - rx->last_avail);
	if (!count)
		return;
	progress = !(features & F(VIRTIO_NET_F_MRG_RXBUF)) || count >= d->num;
	for (uint16_t i = 0; i < count && !progress; i++) {
		const struct chain *c =
			&d->chain[d->ring[(uint16_t)(rx->last_avail + i) %
					  d->num]];

		room += c->room;
		if (c->bad || (i == 0 && c->room < NET_HDR_LEN) ||
		    room >= cur->net.rx_len)
			progress = true;
	}
	if (progress)
		fuzz_fail("a %zu-byte frame waits with %u receive chains "
			  "posted that could take it",
			  cur->net.rx_len, count);
}

static void run_device(void)
{
	fuzz_guest_run_until_idle(&guest, MAX_ROUNDS, NULL);
	take_tap_tx();
	if (tainted)
		return;
	take_used(TX);
	take_used(RX);
	check_idle();
}

/* ---- inputs ---- */

static uint64_t features_of(uint8_t b)
{
	static const unsigned int bit[8] = {
		VIRTIO_NET_F_MRG_RXBUF,	 VIRTIO_F_EVENT_IDX,
		VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_GUEST_TSO4,
		VIRTIO_NET_F_GUEST_TSO6, VIRTIO_NET_F_CSUM,
		VIRTIO_NET_F_HOST_TSO4,	 VIRTIO_NET_F_GUEST_ECN,
	};
	uint64_t f = F(VIRTIO_F_VERSION_1);

	for (unsigned int i = 0; i < 8; i++)
		if (b & (1U << i))
			f |= F(bit[i]);
	return f;
}

static void do_op(const uint8_t *op, uint16_t num)
{
	struct virtio_device *v = &cur->net.vdev;
	uint16_t size = fuzz_le16(op + 2);

	switch (op[0] & 7) {
	case 0:
		host_frame(op, frame_size(op[1], size));
		break;
	case 1:
		for (unsigned int i = 0; i <= op[1] / 8 % 32; i++)
			host_frame(op, frame_size(op[1], (uint16_t)(size + i)));
		break;
	case 2:
		if (!tainted)
			post_rx(op);
		break;
	case 3:
		if (!tainted)
			post_tx(op);
		break;
	case 4:
		run_device();
		break;
	case 5:
		features = features_of(op[1]);
		pthread_mutex_lock(&v->lock);
		virtio_set_status(v, 0);
		pthread_mutex_unlock(&v->lock);
		run_device();
		bring_up(num, false);
		break;
	case 6:
		if ((op[1] & 0x80) && !v->vq[RX].ready) {
			pthread_mutex_lock(&v->lock);
			virtio_enable_queue(v, RX);
			pthread_mutex_unlock(&v->lock);
		}
		virtio_notify(v, op[1] % 3);
		break;
	default:
		gm_write(&guest.mem, FUZZ_RAM_GPA + fuzz_le16(op + 1), op + 3,
			 8);
		tainted = true;
		break;
	}
}

/* Nothing of this input reaches the next. */
static void clean_up(void)
{
	struct virtio_device *v = &cur->net.vdev;
	static uint8_t buf[NET_MAX_FRAME + 4096];

	pthread_mutex_lock(&v->lock);
	virtio_set_status(v, 0);
	pthread_mutex_unlock(&v->lock);
	if (is_slirp()) {
		while (cur->be->ops->recv(cur->be, buf, sizeof(buf)))
			;
	} else {
		while (recv(cur->dev_fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			;
		while (recv(cur->host_fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			;
	}
	fuzz_guest_run_until_idle(&guest, MAX_ROUNDS, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t num;

	if (size < HDR_SIZE)
		return 0;
	cur = data[0] & 1 ? &slirp_side : &tap_side;
	num = (uint16_t)(1u << ((data[0] >> 1) & 15) % 9);
	features = features_of(data[1]);
	tainted = aliased = false;
	seq = 0;
	nr_rx_sent = rx_cursor = nr_tx_sent = tx_cursor = 0;
	fuzz_guest_load(&guest, NULL, 0);
	bring_up(num, data[0] & 0x20);

	for (size_t at = HDR_SIZE, i = 0; at + OP_SIZE <= size && i < MAX_OPS;
	     at += OP_SIZE, i++)
		do_op(data + at, num);
	run_device();
	if (fuzz_verbose)
		fprintf(stderr,
			"%s: status %#x, rx: %u frames sent, matched to %u, "
			"%zu held, %llu dropped; tx: %u sent, matched to %u, "
			"%llu dropped%s%s\n",
			is_slirp() ? "slirp" : "tap", cur->net.vdev.status,
			nr_rx_sent, rx_cursor, cur->net.rx_len,
			(unsigned long long)cur->net.rx_dropped, nr_tx_sent,
			tx_cursor, (unsigned long long)cur->net.tx_dropped,
			tainted ? ", RAM tainted" : "",
			aliased ? ", buffers aliased" : "");
	clean_up();
	return 0;
}
