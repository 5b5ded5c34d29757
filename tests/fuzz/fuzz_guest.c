// SPDX-License-Identifier: MIT
/* The fake guest shared by the fuzz targets: RAM, event loop, KVM stubs. */
#include "tests/fuzz/fuzz_guest.h"

#include <sys/epoll.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio/virtio.h"
#include "vmm/log.h"

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

static int stub_msi_route(void *ctx, int *gsi, uint64_t addr, uint32_t data)
{
	static int next_gsi = 24;

	(void)ctx;
	(void)addr;
	(void)data;
	if (*gsi < 0)
		*gsi = next_gsi++;
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

void fuzz_guest_run_ready(struct fuzz_guest *g)
{
	struct epoll_event evs[8];
	int n = epoll_wait(g->loop.epfd, evs, 8, 0);

	for (int i = 0; i < n; i++) {
		struct ev_source *src = evs[i].data.ptr;

		if (src)
			src->handler(src, evs[i].events);
	}
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
