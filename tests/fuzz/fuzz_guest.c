// SPDX-License-Identifier: MIT
/* The fake guest shared by the fuzz targets: RAM, event loop, KVM stubs. */
#include "tests/fuzz/fuzz_guest.h"

#include <sys/epoll.h>

#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio/virtio.h"
#include "runtime/iobus.h"
#include "runtime/log.h"

bool fuzz_verbose;

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz oracle: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

static int stub_ioeventfd(void *ctx, const struct hv_ioeventfd *io, bool assign)
{
	(void)ctx;
	(void)io;
	(void)assign;
	return 0;
}

static int stub_msi_route(void *ctx, int *gsi, uint64_t addr, uint32_t data,
			  uint32_t devid)
{
	/* Atomic: the racing targets route from several threads. */
	static atomic_int next_gsi = 24;

	(void)ctx;
	(void)addr;
	(void)data;
	(void)devid;
	if (*gsi < 0)
		*gsi = atomic_fetch_add(&next_gsi, 1);
	return 0;
}

static void stub_msi_route_free(void *ctx, int gsi)
{
	(void)ctx;
	(void)gsi;
}

static int stub_irqfd(void *ctx, int gsi, int fd, bool assign)
{
	(void)ctx;
	(void)gsi;
	(void)fd;
	(void)assign;
	return 0;
}

static void stub_set_irq(void *ctx, uint32_t gsi, int level)
{
	(void)ctx;
	(void)gsi;
	(void)level;
}

void fuzz_guest_init(struct fuzz_guest *g)
{
	memset(g, 0, sizeof(*g));
	/* Guest misbehaviour is the point here: keep the log quiet. */
	fuzz_verbose = getenv("KESTREL_FUZZ_VERBOSE") != NULL;
	log_threshold = fuzz_verbose ? LOG_DEBUG : LOG_ERROR;
	/* Page-aligned like real (mmap'd) guest RAM, so that guest buffer
	 * alignment is host buffer alignment (O_DIRECT decisions). */
	g->ram = aligned_alloc(4096, FUZZ_RAM_SIZE);
	g->ram2 = aligned_alloc(4096, FUZZ_RAM2_SIZE);
	if (!g->ram || !g->ram2 ||
	    gm_add_region(&g->mem, FUZZ_RAM_GPA, FUZZ_RAM_SIZE, g->ram) ||
	    gm_add_region(&g->mem, FUZZ_RAM2_GPA, FUZZ_RAM2_SIZE, g->ram2))
		fuzz_fail("cannot set up guest memory");
	if (evloop_init(&g->loop))
		fuzz_fail("cannot set up the event loop");
	g->hv = (struct hv){
		.mem = &g->mem,
		.loop = &g->loop,
		.ioeventfd = stub_ioeventfd,
		.msi_route = stub_msi_route,
		.msi_route_free = stub_msi_route_free,
		.irqfd = stub_irqfd,
		.set_irq = stub_set_irq,
	};
	fuzz_guest_load(g, NULL, 0);
}

void fuzz_guest_load(struct fuzz_guest *g, const uint8_t *data, size_t len)
{
	if (len > FUZZ_RAM_SIZE)
		len = FUZZ_RAM_SIZE;
	if (len)
		memcpy(g->ram, data, len);
	memset(g->ram + len, 0, FUZZ_RAM_SIZE - len);
	memset(g->ram2, 0, FUZZ_RAM2_SIZE);
}

void fuzz_sink_output(void *ctx, const uint8_t *buf, size_t len)
{
	struct fuzz_sink *s = ctx;
	struct iovec iov = { (void *)buf, len };

	fuzz_touch_iov(s->g, &iov, 1, 0, &s->budget);
}

void fuzz_ignore_rx_ready(void *ctx)
{
	(void)ctx;
}

static void op_access(const struct iobus *bus, uint64_t base, uint64_t span,
		      unsigned int size, const uint8_t *op)
{
	uint8_t buf[8];

	memcpy(buf, op + 6, sizeof(buf));
	iobus_access(bus, base + fuzz_le32(op + 2) % span, buf, size,
		     op[0] & 0x80);
}

void fuzz_op_mmio(const struct iobus *bus, uint64_t base, uint64_t span,
		  const uint8_t *op)
{
	op_access(bus, base, span, 1 + op[1] % 8, op);
}

void fuzz_op_pio(const struct iobus *bus, uint64_t base, uint64_t span,
		 const uint8_t *op)
{
	op_access(bus, base, span, 1U << (op[1] % 3), op);
}

void fuzz_op_store(struct fuzz_guest *g, uint64_t span, const uint8_t *op)
{
	gm_write(&g->mem, FUZZ_RAM_GPA + fuzz_le32(op + 2) % span, op + 6, 8);
}

static bool inside(const uint8_t *base, size_t size, const uint8_t *p,
		   size_t len)
{
	uintptr_t b = (uintptr_t)base, q = (uintptr_t)p;

	return q >= b && q - b <= size && len <= size - (q - b);
}

bool fuzz_guest_contains(const struct fuzz_guest *g, const void *p, size_t len)
{
	return inside(g->ram, FUZZ_RAM_SIZE, p, len) ||
	       inside(g->ram2, FUZZ_RAM2_SIZE, p, len);
}

void fuzz_touch_iov(const struct fuzz_guest *g, const struct iovec *iov,
		    unsigned int nr_out, unsigned int nr_in, size_t *budget)
{
	volatile uint8_t sink = 0;

	for (unsigned int i = 0; i < nr_out + nr_in; i++) {
		uint8_t *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;
		bool write = i >= nr_out;

		if (!fuzz_guest_contains(g, p, len))
			fuzz_fail("iov[%u] %p+%zu is not inside guest RAM", i,
				  (void *)p, len);
		if (!len)
			continue;
		if (len > *budget) {
			/* Over budget: the two ends are enough for ASan. */
			if (write) {
				p[0] ^= 0x5a;
				p[len - 1] ^= 0x5a;
			} else {
				sink = sink ^ p[0] ^ p[len - 1];
			}
			continue;
		}
		*budget -= len;
		if (write) {
			memset(p, 0xa5, len);
		} else {
			uint8_t x = 0;

			for (size_t j = 0; j < len; j++)
				x ^= p[j];
			sink = sink ^ x;
		}
	}
	(void)sink;
}

/*
 * Runs the handlers of the sources ready within timeout_ms; the wake-up fd
 * only ends a wait. Returns how many were ready.
 */
static int dispatch(struct fuzz_guest *g, int timeout_ms)
{
	struct epoll_event evs[8];
	int n = epoll_wait(g->loop.epfd, evs, 8, timeout_ms);
	uint64_t v;

	for (int i = 0; i < n; i++) {
		struct ev_source *src = evs[i].data.ptr;

		if (src)
			src->handler(src, evs[i].events);
		else if (read(g->loop.wakefd, &v, sizeof(v)) < 0)
			continue;
	}
	return n;
}

void fuzz_guest_run_ready(struct fuzz_guest *g)
{
	dispatch(g, 0);
}

bool fuzz_queue_yielded(const struct virtio_device *vdev)
{
	for (unsigned int q = 0; q < vdev->ops->nr_queues; q++)
		if (vdev->vq[q].ready && vdev->vq[q].yielded)
			return true;
	return false;
}

void fuzz_guest_run_until_idle(struct fuzz_guest *g, unsigned int max_rounds,
			       bool (*working)(void))
{
	for (unsigned int round = 0; round <= max_rounds; round++)
		if (dispatch(g, 0) <= 0)
			return;
	if (working && working())
		return;
	fuzz_fail("the device thread is still busy after %u rounds of "
		  "handlers: it would spin",
		  max_rounds);
}

static void null_interrupt_queue(struct virtio_device *vdev, unsigned int q)
{
	(void)vdev;
	(void)q;
}

static void null_interrupt_config(struct virtio_device *vdev)
{
	(void)vdev;
}

const struct virtio_transport_ops fuzz_null_transport = {
	.interrupt_queue = null_interrupt_queue,
	.interrupt_config = null_interrupt_config,
};

void fuzz_bring_up(struct virtio_device *v, unsigned int nr_queues,
		   uint16_t qsize, uint64_t features, uint64_t stride)
{
	fuzz_bring_up_some(v, nr_queues, ~0U, qsize, features, stride);
}

void fuzz_bring_up_some(struct virtio_device *v, unsigned int nr_queues,
			uint32_t enabled, uint16_t qsize, uint64_t features,
			uint64_t stride)
{
	const uint8_t up = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			   VIRTIO_STATUS_FEATURES_OK;

	virtio_set_status(v, 0);
	virtio_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	v->driver_features = features & virtio_offered_features(v);
	virtio_set_status(v, up);
	for (unsigned int q = 0; q < nr_queues; q++) {
		uint64_t base = FUZZ_RAM_GPA + q * stride;

		v->vq[q].size = qsize;
		v->vq[q].desc_gpa = base;
		v->vq[q].avail_gpa = base + 16ULL * qsize;
		v->vq[q].used_gpa =
			(v->vq[q].avail_gpa + 6 + 2ULL * qsize + 3) & ~3ULL;
		if (enabled & (1U << q))
			virtio_enable_queue(v, q);
	}
	virtio_set_status(v, up | VIRTIO_STATUS_DRIVER_OK);
}

void fuzz_move_avail(struct fuzz_guest *g, struct virtio_device *vdev,
		     unsigned int q, uint8_t step)
{
	uint64_t gpa = vdev->vq[q].avail_gpa + 2;
	uint8_t *p;
	uint16_t idx;

	if (!step || gpa < FUZZ_RAM_GPA ||
	    gpa + 2 > FUZZ_RAM_GPA + FUZZ_RAM_SIZE)
		return;
	p = g->ram + (gpa - FUZZ_RAM_GPA);
	idx = (uint16_t)(fuzz_le16(p) + step);
	memcpy(p, &idx, 2);
}

void fuzz_check_live_queues(const struct fuzz_guest *g,
			    const struct virtio_device *vdev)
{
	for (unsigned int q = 0; q < vdev->ops->nr_queues; q++) {
		const struct virtqueue *vq = &vdev->vq[q];
		uint64_t n = vq->size;
		uint8_t *desc, *avail, *used;

		if (!vq->ready)
			continue;
		desc = gm_ptr(&g->mem, vq->desc_gpa, 16 * n);
		avail = gm_ptr(&g->mem, vq->avail_gpa, 6 + 2 * n);
		used = gm_ptr(&g->mem, vq->used_gpa, 6 + 8 * n);
		if (!desc || !avail || !used || (uint8_t *)vq->desc != desc ||
		    (uint8_t *)vq->avail_idx != avail + 2 ||
		    (uint8_t *)vq->used_event != avail + 4 + 2 * n ||
		    (uint8_t *)vq->used_idx != used + 2 ||
		    (uint8_t *)vq->avail_event != used + 4 + 8 * n)
			fuzz_fail(
				"%s: live queue %u is not the one its registers "
				"describe (size %u, rings %#llx %#llx %#llx)",
				vdev->ops->name, q, vq->size,
				(unsigned long long)vq->desc_gpa,
				(unsigned long long)vq->avail_gpa,
				(unsigned long long)vq->used_gpa);
	}
}

struct race {
	struct fuzz_guest *g;
	const uint8_t *data;
	size_t nr_ops, op_size;
	void (*vcpu_op)(const uint8_t *op);
	void (*check)(void);
	atomic_uint passed[FUZZ_VCPUS]; /* sync points */
	atomic_bool done[FUZZ_VCPUS];
	atomic_uint running;
};

struct race_vcpu {
	struct race *r;
	unsigned int id;
};

static_assert(FUZZ_VCPUS == 2, "race_sync() pairs two vCPUs");

/* Waits until the other vCPU has passed as many sync points, or is done. */
static void race_sync(struct race *r, unsigned int id)
{
	unsigned int me = atomic_fetch_add(&r->passed[id], 1) + 1;
	unsigned int other = id ^ 1;

	while (atomic_load(&r->passed[other]) < me &&
	       !atomic_load(&r->done[other]))
		sched_yield();
}

static void *race_vcpu_thread(void *arg)
{
	struct race_vcpu *v = arg;
	struct race *r = v->r;

	for (size_t i = 0; i < r->nr_ops; i++) {
		const uint8_t *op = r->data + i * r->op_size;

		if (!!(op[0] & FUZZ_RACE_VCPU1) != v->id)
			continue;
		if ((op[0] & 7) != FUZZ_RACE_OWN) {
			r->vcpu_op(op);
		} else if (op[1] % 2 == 0) {
			race_sync(r, v->id);
		} else {
			for (unsigned int n = fuzz_le16(op + 2) % 4096; n; n--)
				atomic_signal_fence(memory_order_seq_cst);
		}
	}
	atomic_store(&r->done[v->id], true);
	if (atomic_fetch_sub(&r->running, 1) == 1)
		evloop_wake(&r->g->loop);
	return NULL;
}

static void *race_device_thread(void *arg)
{
	struct race *r = arg;
	bool last;

	do {
		last = atomic_load(&r->running) == 0;
		dispatch(r->g, last ? 0 : -1);
		if (r->check)
			r->check();
	} while (!last);
	return NULL;
}

void fuzz_race(struct fuzz_guest *g, const uint8_t *data, size_t size,
	       size_t op_size, size_t max_ops,
	       void (*vcpu_op)(const uint8_t *op), void (*check)(void))
{
	struct race r = {
		.g = g,
		.data = data,
		.nr_ops = size / op_size < max_ops ? size / op_size : max_ops,
		.op_size = op_size,
		.vcpu_op = vcpu_op,
		.check = check,
		.running = FUZZ_VCPUS,
	};
	struct race_vcpu v[FUZZ_VCPUS];
	pthread_t vcpu[FUZZ_VCPUS], device;

	if (pthread_create(&device, NULL, race_device_thread, &r))
		fuzz_fail("cannot start the device thread");
	for (unsigned int i = 0; i < FUZZ_VCPUS; i++) {
		v[i] = (struct race_vcpu){ &r, i };
		if (pthread_create(&vcpu[i], NULL, race_vcpu_thread, &v[i]))
			fuzz_fail("cannot start vCPU thread %u", i);
	}
	for (unsigned int i = 0; i < FUZZ_VCPUS; i++)
		pthread_join(vcpu[i], NULL);
	pthread_join(device, NULL);
	dispatch(g, 0);
	if (check)
		check();
}
