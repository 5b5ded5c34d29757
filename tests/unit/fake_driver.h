/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_FAKE_DRIVER_H
#define KESTREL_TESTS_FAKE_DRIVER_H

/*
 * A guest driver for unit tests of virtio devices: guest RAM, rings laid
 * out in it, and a transport that counts interrupts. Include after unit.h.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices/virtio/virtio.h"
#include "runtime/evloop.h"
#include "runtime/guest_mem.h"
#include "runtime/hv.h"
#include "runtime/iobus.h"

#define FD_RAM_GPA 0x10000ULL
#define FD_RAM_SIZE (4ULL << 20)
#define FD_RAM_END (FD_RAM_GPA + FD_RAM_SIZE)
#define FD_QSIZE 16
/* Rings per queue: descriptors, avail, used, 4 KiB apart. */
#define FD_RING_STRIDE 0x4000
#define FD_DATA_GPA (FD_RAM_GPA + VIRTIO_MAX_QUEUES * FD_RING_STRIDE)

struct fake_driver {
	struct evloop loop;
	struct guest_mem gm;
	uint8_t *ram;
	struct hv hv;
	struct virtio_device *vdev;
	unsigned int irqs[VIRTIO_MAX_QUEUES], config_irqs;
	uint16_t avail_idx[VIRTIO_MAX_QUEUES], next_desc[VIRTIO_MAX_QUEUES];
	uint16_t used_seen[VIRTIO_MAX_QUEUES];
	uint64_t next_data;
};

struct fd_seg {
	uint64_t gpa;
	uint32_t len;
	bool writable;
};

static inline uint64_t fd_desc(unsigned int q)
{
	return FD_RAM_GPA + q * FD_RING_STRIDE;
}

static inline uint64_t fd_avail(unsigned int q)
{
	return fd_desc(q) + 0x1000;
}

static inline uint64_t fd_used(unsigned int q)
{
	return fd_desc(q) + 0x2000;
}

static int fd_ioeventfd(void *ctx, const struct hv_ioeventfd *io, bool assign)
{
	(void)ctx, (void)io, (void)assign;
	return 0;
}

static int fd_msi_route(void *ctx, int *gsi, uint64_t addr, uint32_t data,
			uint32_t devid)
{
	(void)ctx, (void)gsi, (void)addr, (void)data;
	return 0;
}

static void fd_msi_route_free(void *ctx, int gsi)
{
	(void)ctx, (void)gsi;
}

static int fd_irqfd(void *ctx, int gsi, int fd, bool assign)
{
	(void)ctx, (void)gsi, (void)fd, (void)assign;
	return 0;
}

static void fd_set_irq(void *ctx, uint32_t gsi, int level)
{
	(void)ctx, (void)gsi, (void)level;
}

static void fd_count_irq(struct virtio_device *vdev, unsigned int q)
{
	struct fake_driver *fd = vdev->transport_priv;

	assert_true(q < VIRTIO_MAX_QUEUES);
	fd->irqs[q]++;
}

static void fd_count_config_irq(struct virtio_device *vdev)
{
	((struct fake_driver *)vdev->transport_priv)->config_irqs++;
}

static const struct virtio_transport_ops fd_transport = {
	.interrupt_queue = fd_count_irq,
	.interrupt_config = fd_count_config_irq,
};

/* RAM and the hv a device is created with; 0 or -1. */
static inline int fd_init(struct fake_driver *fd)
{
	memset(fd, 0, sizeof(*fd));
	if (posix_memalign((void **)&fd->ram, 4096, FD_RAM_SIZE))
		return -1;
	memset(fd->ram, 0, FD_RAM_SIZE);
	if (gm_add_region(&fd->gm, FD_RAM_GPA, FD_RAM_SIZE, fd->ram) ||
	    evloop_init(&fd->loop))
		return -1;
	fd->hv = (struct hv){
		.mem = &fd->gm,
		.loop = &fd->loop,
		.ioeventfd = fd_ioeventfd,
		.msi_route = fd_msi_route,
		.msi_route_free = fd_msi_route_free,
		.irqfd = fd_irqfd,
		.set_irq = fd_set_irq,
	};
	fd->next_data = FD_DATA_GPA;
	return 0;
}

static inline void fd_destroy(struct fake_driver *fd)
{
	evloop_destroy(&fd->loop);
	free(fd->ram);
}

static inline uint8_t *fd_hva(struct fake_driver *fd, uint64_t gpa,
			      uint64_t len)
{
	assert_true(gpa >= FD_RAM_GPA && gpa <= FD_RAM_END &&
		    len <= FD_RAM_END - gpa);
	return fd->ram + (gpa - FD_RAM_GPA);
}

static inline void fd_w16(struct fake_driver *fd, uint64_t gpa, uint16_t v)
{
	memcpy(fd_hva(fd, gpa, 2), &v, 2);
}

static inline uint32_t fd_r32(struct fake_driver *fd, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, fd_hva(fd, gpa, 4), 4);
	return v;
}

static inline uint16_t fd_used_idx(struct fake_driver *fd, unsigned int q)
{
	uint16_t v;

	memcpy(&v, fd_hva(fd, fd_used(q) + 2, 2), 2);
	return v;
}

static inline uint64_t fd_alloc(struct fake_driver *fd, uint32_t len)
{
	uint64_t gpa = (fd->next_data + 15) & ~15ULL;

	fd->next_data = gpa + len;
	assert_true(fd->next_data <= FD_RAM_END);
	return gpa;
}

/*
 * The device thread's turn: runs the handlers of the event sources ready
 * now (queue kicks the transport or DRIVER_OK asked for). Returns how many
 * ran.
 */
static inline int fd_run_ready(struct fake_driver *fd)
{
	struct epoll_event evs[VIRTIO_MAX_QUEUES];
	int n = epoll_wait(fd->loop.epfd, evs, VIRTIO_MAX_QUEUES, 0), ran = 0;

	for (int i = 0; i < n; i++) {
		struct ev_source *src = evs[i].data.ptr;

		if (src) {
			src->handler(src, evs[i].events);
			ran++;
		}
	}
	return ran;
}

/*
 * Takes vdev through feature negotiation to DRIVER_OK with nr_queues, and
 * lets the device thread run the queues DRIVER_OK notified.
 */
static inline void fd_bring_up(struct fake_driver *fd,
			       struct virtio_device *vdev, uint64_t features,
			       unsigned int nr_queues)
{
	const uint8_t up = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			   VIRTIO_STATUS_FEATURES_OK;

	fd->vdev = vdev;
	vdev->transport = &fd_transport;
	vdev->transport_priv = fd;
	pthread_mutex_lock(&vdev->lock);
	virtio_set_status(vdev,
			  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vdev->driver_features = (1ULL << VIRTIO_F_VERSION_1) |
				(features & virtio_offered_features(vdev));
	virtio_set_status(vdev, up);
	for (unsigned int q = 0; q < nr_queues; q++) {
		vdev->vq[q].size = FD_QSIZE;
		vdev->vq[q].desc_gpa = fd_desc(q);
		vdev->vq[q].avail_gpa = fd_avail(q);
		vdev->vq[q].used_gpa = fd_used(q);
		assert_true(virtio_enable_queue(vdev, q));
	}
	virtio_set_status(vdev, up | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(vdev->status, up | VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&vdev->lock);
	fd_run_ready(fd);
	memset(fd->irqs, 0, sizeof(fd->irqs));
}

static inline void fd_kick(struct fake_driver *fd, unsigned int q)
{
	pthread_mutex_lock(&fd->vdev->lock);
	virtio_kick(fd->vdev, q);
	pthread_mutex_unlock(&fd->vdev->lock);
}

/* Makes a chain of segments available on queue q; returns its head. */
static inline uint16_t fd_post(struct fake_driver *fd, unsigned int q,
			       const struct fd_seg *s, unsigned int n)
{
	uint16_t head = fd->next_desc[q];

	for (unsigned int i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((head + i) % FD_QSIZE);
		struct vring_desc d = {
			s[i].gpa, s[i].len,
			(uint16_t)((s[i].writable ? VRING_DESC_F_WRITE : 0) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
			(uint16_t)((idx + 1) % FD_QSIZE)
		};

		memcpy(fd_hva(fd, fd_desc(q) + 16 * idx, 16), &d, 16);
	}
	fd->next_desc[q] = (uint16_t)((head + n) % FD_QSIZE);
	fd_w16(fd, fd_avail(q) + 4 + 2 * (fd->avail_idx[q] % FD_QSIZE), head);
	fd->avail_idx[q]++;
	fd_w16(fd, fd_avail(q) + 2, fd->avail_idx[q]);
	return head;
}

/*
 * Makes a chain of segments available on queue q through an indirect
 * table in guest RAM (VIRTIO_F_INDIRECT_DESC); returns its head.
 */
static inline uint16_t fd_post_indirect(struct fake_driver *fd, unsigned int q,
					const struct fd_seg *s, unsigned int n)
{
	uint64_t table = fd_alloc(fd, 16 * n);
	struct fd_seg ind = { table, 16 * n, false };
	uint16_t head;

	for (unsigned int i = 0; i < n; i++) {
		struct vring_desc d = {
			s[i].gpa, s[i].len,
			(uint16_t)((s[i].writable ? VRING_DESC_F_WRITE : 0) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
			(uint16_t)(i + 1)
		};

		memcpy(fd_hva(fd, table + 16 * i, 16), &d, 16);
	}
	head = fd_post(fd, q, &ind, 1);
	fd_w16(fd, fd_desc(q) + 16 * head + 12, VRING_DESC_F_INDIRECT);
	return head;
}

/*
 * Posts on queue q, and kicks, the longest chain a guest can make with
 * every descriptor naming the same len bytes at gpa: FD_QSIZE descriptors,
 * or VQ_MAX_CHAIN through an indirect table. Returns its head.
 */
static inline uint16_t fd_post_one_buffer_many_times(struct fake_driver *fd,
						     unsigned int q,
						     uint64_t gpa, uint32_t len,
						     bool indirect)
{
	struct fd_seg s[VQ_MAX_CHAIN];
	uint16_t head;

	for (unsigned int i = 0; i < VQ_MAX_CHAIN; i++)
		s[i] = (struct fd_seg){ gpa, len, false };
	head = indirect ? fd_post_indirect(fd, q, s, VQ_MAX_CHAIN) :
			  fd_post(fd, q, s, FD_QSIZE);
	fd_kick(fd, q);
	return head;
}

/* The next used element of queue q, if there is one. */
static inline bool fd_next_used(struct fake_driver *fd, unsigned int q,
				uint16_t *id, uint32_t *len)
{
	uint64_t e = fd_used(q) + 4 + 8 * (fd->used_seen[q] % FD_QSIZE);

	if (fd_used_idx(fd, q) == fd->used_seen[q])
		return false;
	fd->used_seen[q]++;
	*id = (uint16_t)fd_r32(fd, e);
	*len = fd_r32(fd, e + 4);
	return true;
}

/*
 * A second vCPU, for tests that race two: a thread that makes one register
 * access through a transport's io_ops, as a vCPU's exit handler does.
 */
struct fd_vcpu {
	pthread_t thread;
	atomic_int tid;
	const struct io_ops *ops;
	void *opaque;
	uint64_t off, value;
	unsigned int size;
	bool write;
};

static inline void *fd_vcpu_run(void *arg)
{
	struct fd_vcpu *v = arg;

	atomic_store(&v->tid, (int)syscall(SYS_gettid));
	if (v->write)
		v->ops->write(v->opaque, v->off, v->size, v->value);
	else
		v->value = v->ops->read(v->opaque, v->off, v->size);
	return NULL;
}

static inline void fd_vcpu_start(struct fd_vcpu *v, const struct io_ops *ops,
				 void *opaque, uint64_t off, unsigned int size,
				 uint64_t value, bool write)
{
	*v = (struct fd_vcpu){ .ops = ops,
			       .opaque = opaque,
			       .off = off,
			       .value = value,
			       .size = size,
			       .write = write };
	assert_int_equal(pthread_create(&v->thread, NULL, fd_vcpu_run, v), 0);
}

/*
 * Waits until the vCPU sleeps: blocked on a lock the test holds, since its
 * access does nothing else that sleeps. Linux's /proc/<tid>/stat says.
 */
static inline void fd_vcpu_wait_blocked(struct fd_vcpu *v)
{
	for (unsigned int tries = 0;; tries++) {
		char path[64], buf[512], *p = NULL;
		int tid = atomic_load(&v->tid);
		FILE *f;

		assert_true(tries < 1000000); /* a minute or so */
		if (tid) {
			snprintf(path, sizeof(path), "/proc/self/task/%d/stat",
				 tid);
			f = fopen(path, "r");
			assert_non_null(f);
			if (fgets(buf, sizeof(buf), f))
				p = strrchr(buf, ')');
			fclose(f);
			if (p && p[1] == ' ' && p[2] == 'S')
				return;
		}
		sched_yield();
	}
}

/* Waits for the vCPU's access to end; returns what a read read. */
static inline uint64_t fd_vcpu_join(struct fd_vcpu *v)
{
	assert_int_equal(pthread_join(v->thread, NULL), 0);
	return v->value;
}

#endif
