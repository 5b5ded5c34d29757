// SPDX-License-Identifier: MIT
/*
 * virtio-blk on a temporary raw image, driven by a test guest driver
 * through a fake transport: requests go on the ring, virtio_blk_kick()
 * takes them, and the AIO completions are collected by polling the disk's
 * eventfd, as the device thread would.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/virtio/blk.h"
#include "runtime/evloop.h"
#include "runtime/guest_mem.h"
#include "runtime/hv.h"
#include "runtime/log.h"

#define MiB (1ULL << 20)
#define IMAGE_SIZE MiB
#define SECTORS (IMAGE_SIZE / 512)
#define RAM_GPA 0x10000ULL
#define RAM_SIZE (2 * MiB)
#define RAM_END (RAM_GPA + RAM_SIZE)
#define DESC_GPA RAM_GPA /* rings of up to 256 entries */
#define AVAIL_GPA (RAM_GPA + 0x1000)
#define USED_GPA (RAM_GPA + 0x2000)
#define DATA_GPA (RAM_GPA + 0x4000)
#define QSIZE 64
#define SERIAL "kestrel-test-0001"

#define F(bit) (1ULL << (bit))
#define STATUS_UP                                           \
	(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | \
	 VIRTIO_STATUS_FEATURES_OK)
#define DEFAULT_FEATURES                                     \
	(F(VIRTIO_BLK_F_FLUSH) | F(VIRTIO_BLK_F_BLK_SIZE) |  \
	 F(VIRTIO_BLK_F_SEG_MAX) | F(VIRTIO_BLK_F_DISCARD) | \
	 F(VIRTIO_BLK_F_WRITE_ZEROES))

struct fixture {
	char path[64];
	int img_fd; /* the test's own view of the image */
	struct evloop loop;
	struct guest_mem gm;
	uint8_t *ram;
	struct hv hv;
	struct virtio_blk *blk; /* NULL until opened */
	char err[512];
	unsigned int queue_irqs, config_irqs;
	/* The test driver's ring state. */
	uint16_t qsize, avail_idx, next_desc;
	uint64_t next_data;
};

/* A request as posted: where its parts are in guest memory. */
struct req {
	uint16_t head;
	uint64_t hdr, data, status;
	uint32_t len;
};

/* ---- the fake hypervisor and transport ---- */

static int fake_ioeventfd(void *ctx, const struct hv_ioeventfd *io, bool assign)
{
	return 0;
}

static int fake_msi_route(void *ctx, int *gsi, uint64_t addr, uint32_t data,
			  uint32_t devid)
{
	return 0;
}

static void fake_msi_route_free(void *ctx, int gsi)
{
}

static int fake_irqfd(void *ctx, int gsi, int fd, bool assign)
{
	return 0;
}

static void fake_set_irq(void *ctx, uint32_t gsi, int level)
{
}

static struct fixture *fixture_of(struct virtio_device *vdev)
{
	return vdev->transport_priv;
}

static void count_queue_irq(struct virtio_device *vdev, unsigned int q)
{
	assert_int_equal(q, 0);
	fixture_of(vdev)->queue_irqs++;
}

static void count_config_irq(struct virtio_device *vdev)
{
	fixture_of(vdev)->config_irqs++;
}

static const struct virtio_transport_ops fake_transport = {
	.interrupt_queue = count_queue_irq,
	.interrupt_config = count_config_irq,
};

/* ---- the image ---- */

static uint8_t file_byte(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 9) * 13 + 1);
}

/* Makes a temporary image of size bytes holding the file_byte pattern. */
static void make_image(struct fixture *fx, uint64_t size)
{
	uint8_t *buf = malloc(size ? size : 1);

	assert_non_null(buf);
	snprintf(fx->path, sizeof(fx->path), "/tmp/kestrel-blk-XXXXXX");
	fx->img_fd = mkstemp(fx->path);
	assert_true(fx->img_fd >= 0);
	assert_int_equal(ftruncate(fx->img_fd, (off_t)size), 0);
	for (uint64_t i = 0; i < size; i++)
		buf[i] = file_byte(i);
	assert_int_equal(pwrite(fx->img_fd, buf, size, 0), (ssize_t)size);
	/* Allocated on disk, so that st_blocks counts every block. */
	assert_int_equal(fsync(fx->img_fd), 0);
	free(buf);
}

static void read_image(struct fixture *fx, uint64_t off, void *buf, size_t len)
{
	assert_int_equal(pread(fx->img_fd, buf, len, (off_t)off), (ssize_t)len);
}

/* Checks image bytes [off, off + len) still hold the original pattern. */
static void expect_pattern(struct fixture *fx, uint64_t off, size_t len)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	read_image(fx, off, buf, len);
	for (size_t i = 0; i < len; i++)
		if (buf[i] != file_byte(off + i))
			fail_msg("image byte %#llx is %#x, not %#x",
				 (unsigned long long)(off + i), buf[i],
				 file_byte(off + i));
	free(buf);
}

static void expect_zeroes(struct fixture *fx, uint64_t off, size_t len)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	read_image(fx, off, buf, len);
	for (size_t i = 0; i < len; i++)
		if (buf[i])
			fail_msg("image byte %#llx is %#x, not 0",
				 (unsigned long long)(off + i), buf[i]);
	free(buf);
}

static int64_t image_blocks(struct fixture *fx)
{
	struct stat st;

	assert_int_equal(fstat(fx->img_fd, &st), 0);
	return (int64_t)st.st_blocks;
}

/* ---- fixture ---- */

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->img_fd = -1;
	if (posix_memalign((void **)&fx->ram, 4096, RAM_SIZE)) {
		free(fx);
		return -1;
	}
	memset(fx->ram, 0, RAM_SIZE);
	if (gm_add_region(&fx->gm, RAM_GPA, RAM_SIZE, fx->ram) ||
	    evloop_init(&fx->loop)) {
		free(fx->ram);
		free(fx);
		return -1;
	}
	fx->hv = (struct hv){
		.mem = &fx->gm,
		.loop = &fx->loop,
		.ctx = NULL,
		.ioeventfd = fake_ioeventfd,
		.msi_route = fake_msi_route,
		.msi_route_free = fake_msi_route_free,
		.irqfd = fake_irqfd,
		.set_irq = fake_set_irq,
	};
	*state = fx;
	return 0;
}

static void close_blk(struct fixture *fx)
{
	if (fx->blk) {
		virtio_blk_destroy(fx->blk);
		free(fx->blk);
		fx->blk = NULL;
	}
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	close_blk(fx);
	if (fx->img_fd >= 0) {
		close(fx->img_fd);
		unlink(fx->path);
	}
	evloop_destroy(&fx->loop);
	free(fx->ram);
	free(fx);
	return 0;
}

static int try_open(struct fixture *fx, struct virtio_blk **out,
		    const char *path, bool readonly, const char *serial)
{
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	int ret;

	assert_non_null(blk);
	fx->err[0] = 0;
	ret = virtio_blk_init(blk, path,
			      readonly ? DISK_READONLY : DISK_WRITABLE, serial,
			      &fx->hv, fx->err, sizeof(fx->err));
	if (ret) {
		free(blk);
		blk = NULL;
	} else {
		blk->vdev.transport = &fake_transport;
		blk->vdev.transport_priv = fx;
	}
	*out = blk;
	return ret;
}

static void open_blk(struct fixture *fx, bool readonly, const char *serial)
{
	if (try_open(fx, &fx->blk, fx->path, readonly, serial))
		fail_msg("virtio_blk_init: %s", fx->err);
}

/* ---- the test driver ---- */

static uint8_t *hva(struct fixture *fx, uint64_t gpa, uint64_t len)
{
	assert_true(gpa >= RAM_GPA && gpa <= RAM_END && len <= RAM_END - gpa);
	return fx->ram + (gpa - RAM_GPA);
}

static void w16(struct fixture *fx, uint64_t gpa, uint16_t v)
{
	memcpy(hva(fx, gpa, 2), &v, 2);
}

static uint16_t r16(struct fixture *fx, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, hva(fx, gpa, 2), 2);
	return v;
}

static uint32_t r32(struct fixture *fx, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, hva(fx, gpa, 4), 4);
	return v;
}

static uint64_t alloc(struct fixture *fx, uint32_t len, uint32_t align)
{
	uint64_t gpa = (fx->next_data + align - 1) & ~(uint64_t)(align - 1);

	fx->next_data = gpa + len;
	assert_true(fx->next_data <= RAM_END);
	return gpa;
}

static void lock(struct fixture *fx)
{
	pthread_mutex_lock(&fx->blk->vdev.lock);
}

static void unlock(struct fixture *fx)
{
	pthread_mutex_unlock(&fx->blk->vdev.lock);
}

static void kick(struct fixture *fx);

/* Negotiates features and sets queue 0 up, as a driver does. */
static void bring_up(struct fixture *fx, uint64_t features, uint16_t qsize)
{
	struct virtio_device *v = &fx->blk->vdev;
	struct virtqueue *vq = &v->vq[0];

	memset(hva(fx, RAM_GPA, DATA_GPA - RAM_GPA), 0, DATA_GPA - RAM_GPA);
	fx->qsize = qsize;
	fx->avail_idx = fx->next_desc = 0;
	fx->next_data = DATA_GPA;
	lock(fx);
	virtio_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	v->driver_features =
		F(VIRTIO_F_VERSION_1) | (features & virtio_offered_features(v));
	virtio_set_status(v, STATUS_UP);
	assert_int_equal(v->status, STATUS_UP);
	assert_int_equal(vq->size, VIRTIO_BLK_QUEUE_SIZE);
	vq->size = qsize;
	vq->desc_gpa = DESC_GPA;
	vq->avail_gpa = AVAIL_GPA;
	vq->used_gpa = USED_GPA;
	assert_true(virtio_enable_queue(v, 0));
	virtio_set_status(v, STATUS_UP | VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(v->status, STATUS_UP | VIRTIO_STATUS_DRIVER_OK);
	unlock(fx);
	/* The device thread's answer to DRIVER_OK's notification. */
	kick(fx);
}

static void set_desc(struct fixture *fx, uint64_t table, unsigned int i,
		     uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = { addr, len, flags, next };

	memcpy(hva(fx, table + 16 * (uint64_t)i, 16), &d, 16);
}

static void publish(struct fixture *fx, uint16_t head)
{
	w16(fx, AVAIL_GPA + 4 + 2 * (fx->avail_idx & (fx->qsize - 1)), head);
	fx->avail_idx++;
	w16(fx, AVAIL_GPA + 2, fx->avail_idx);
}

/* One buffer of a chain. */
struct seg {
	uint64_t gpa;
	uint32_t len;
	bool writable;
};

/* Posts the buffers as one chain in the next free descriptors. */
static uint16_t post_chain(struct fixture *fx, const struct seg *s,
			   unsigned int n)
{
	uint16_t head = fx->next_desc;

	for (unsigned int i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((head + i) & (fx->qsize - 1));

		set_desc(fx, DESC_GPA, idx, s[i].gpa, s[i].len,
			 (s[i].writable ? VRING_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VRING_DESC_F_NEXT : 0),
			 (uint16_t)((idx + 1) & (fx->qsize - 1)));
	}
	fx->next_desc = (uint16_t)((head + n) & (fx->qsize - 1));
	publish(fx, head);
	return head;
}

static uint64_t put_header(struct fixture *fx, uint32_t type, uint64_t sector)
{
	uint64_t hdr = alloc(fx, 16, 16);

	memcpy(hva(fx, hdr, 4), &type, 4);
	memset(hva(fx, hdr + 4, 4), 0, 4);
	memcpy(hva(fx, hdr + 8, 8), &sector, 8);
	return hdr;
}

/*
 * Posts the usual three-part request: header, data (len bytes, writable
 * for reads, absent if len is 0), status byte (preset to 0xee).
 */
static struct req post_req(struct fixture *fx, uint32_t type, uint64_t sector,
			   uint32_t len)
{
	struct req r = { .len = len };
	struct seg s[3];
	unsigned int n = 0;

	r.hdr = put_header(fx, type, sector);
	s[n++] = (struct seg){ r.hdr, 16, false };
	if (len) {
		r.data = alloc(fx, len, 512);
		memset(hva(fx, r.data, len), 0xdd, len);
		s[n++] = (struct seg){ r.data, len, type != VIRTIO_BLK_T_OUT };
	}
	r.status = alloc(fx, 1, 1);
	*hva(fx, r.status, 1) = 0xee;
	s[n++] = (struct seg){ r.status, 1, true };
	r.head = post_chain(fx, s, n);
	return r;
}

static void kick(struct fixture *fx)
{
	lock(fx);
	vq_new_round(&fx->blk->vdev.vq[0]); /* as virtio_kick() does */
	virtio_blk_kick(&fx->blk->vdev, 0);
	unlock(fx);
}

static uint16_t used_idx(struct fixture *fx)
{
	return r16(fx, USED_GPA + 2);
}

/* Collects AIO completions until the used index reaches want. */
static void wait_used(struct fixture *fx, uint16_t want)
{
	for (unsigned int rounds = 0; used_idx(fx) != want; rounds++) {
		struct pollfd p = { fx->blk->disk.event_fd, POLLIN, 0 };
		uint64_t count;

		assert_true(rounds < 10000);
		assert_true((uint16_t)(want - used_idx(fx)) <= fx->qsize + 1u);
		if (poll(&p, 1, 5000) != 1)
			fail_msg(
				"no disk completion within 5 s (used %u, want %u)",
				used_idx(fx), want);
		if (read(p.fd, &count, sizeof(count)) < 0)
			assert_int_equal(errno, EAGAIN);
		lock(fx);
		virtio_blk_complete(fx->blk);
		unlock(fx);
	}
}

/* Kicks, then waits until everything posted is used. */
static void run(struct fixture *fx)
{
	kick(fx);
	wait_used(fx, fx->avail_idx);
}

static void expect_used(struct fixture *fx, uint16_t i, uint16_t head,
			uint32_t len)
{
	uint64_t e = USED_GPA + 4 + 8 * (uint64_t)(i & (fx->qsize - 1));

	assert_int_equal(r32(fx, e), head);
	assert_int_equal(r32(fx, e + 4), len);
}

/* The used length of chain `head`, found among the used entries. */
static uint32_t used_len_of(struct fixture *fx, uint16_t head)
{
	for (uint16_t i = 0; i != used_idx(fx); i++) {
		uint64_t e = USED_GPA + 4 + 8 * (uint64_t)(i & (fx->qsize - 1));

		if (r32(fx, e) == head)
			return r32(fx, e + 4);
	}
	fail_msg("chain %u was not used", head);
	return 0;
}

static uint8_t status_of(struct fixture *fx, const struct req *r)
{
	return *hva(fx, r->status, 1);
}

/* Posts, runs and checks one request's status and used length. */
static struct req do_req(struct fixture *fx, uint32_t type, uint64_t sector,
			 uint32_t len, uint8_t want_status)
{
	struct req r = post_req(fx, type, sector, len);
	uint32_t written = 0;

	run(fx);
	assert_int_equal(status_of(fx, &r), want_status);
	/* Used length: the bytes written, data and status. */
	if (want_status == VIRTIO_BLK_S_OK && type == VIRTIO_BLK_T_IN)
		written = len;
	if (want_status == VIRTIO_BLK_S_OK && type == VIRTIO_BLK_T_GET_ID)
		written = len < VIRTIO_BLK_ID_BYTES ? len : VIRTIO_BLK_ID_BYTES;
	expect_used(fx, (uint16_t)(fx->avail_idx - 1), r.head, written + 1);
	return r;
}

/* Checks guest buffer [gpa, gpa + len) holds image bytes from off. */
static void expect_guest_has_image(struct fixture *fx, uint64_t gpa,
				   uint64_t off, size_t len)
{
	const uint8_t *p = hva(fx, gpa, len);

	for (size_t i = 0; i < len; i++)
		if (p[i] != file_byte(off + i))
			fail_msg(
				"guest byte %zu is %#x, not image byte %#llx (%#x)",
				i, p[i], (unsigned long long)(off + i),
				file_byte(off + i));
}

/* Does this file system punch holes? Tried on a scratch file. */
static bool can_punch_holes(void)
{
	char path[] = "/tmp/kestrel-punch-XXXXXX";
	int fd = mkstemp(path);
	bool ok;

	if (fd < 0)
		return false;
	ok = ftruncate(fd, 65536) == 0 &&
	     fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
		       4096) == 0;
	close(fd);
	unlink(path);
	return ok;
}

/* An image, a device on it, and the driver up with default features. */
static void start(struct fixture *fx, bool readonly)
{
	make_image(fx, IMAGE_SIZE);
	open_blk(fx, readonly, SERIAL);
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
}

/* ---- init ---- */

static void test_init_missing_file(void **state)
{
	struct fixture *fx = *state;
	struct virtio_blk *blk;

	assert_int_equal(
		try_open(fx, &blk, "/nonexistent/kestrel.img", false, NULL),
		-1);
	assert_null(blk);
	assert_contains(fx->err, "/nonexistent/kestrel.img");
	assert_contains(fx->err, "No such file");
	assert_int_equal(
		try_open(fx, &blk, "/nonexistent/kestrel.img", true, NULL), -1);
	assert_contains(fx->err, "No such file");
	/* A directory is no disk either. */
	assert_int_equal(try_open(fx, &blk, "/tmp", true, NULL), -1);
	assert_contains(fx->err, "/tmp");
	/* One line. */
	assert_null(strchr(fx->err, '\n'));
}

static void test_init_size_not_sector_multiple(void **state)
{
	struct fixture *fx = *state;
	struct virtio_blk *blk;

	make_image(fx, 1000);
	assert_int_equal(try_open(fx, &blk, fx->path, false, NULL), -1);
	assert_contains(fx->err, "multiple of 512");
	assert_contains(fx->err, fx->path);
	assert_int_equal(try_open(fx, &blk, fx->path, true, NULL), -1);
	assert_contains(fx->err, "multiple of 512");
	/* Fixed up, it opens. */
	assert_int_equal(ftruncate(fx->img_fd, 1024), 0);
	assert_int_equal(try_open(fx, &blk, fx->path, false, NULL), 0);
	assert_int_equal(blk->config.capacity, 2);
	virtio_blk_destroy(blk);
	free(blk);
}

static void test_init_locked(void **state)
{
	struct fixture *fx = *state;
	struct virtio_blk *second, *ro1, *ro2;

	make_image(fx, IMAGE_SIZE);
	open_blk(fx, false, NULL);
	/* A second writer, or even a reader, would see a changing image. */
	assert_int_equal(try_open(fx, &second, fx->path, false, NULL), -1);
	assert_contains(fx->err, "in use");
	assert_contains(fx->err, fx->path);
	assert_int_equal(try_open(fx, &second, fx->path, true, NULL), -1);
	assert_contains(fx->err, "in use");
	/* Closed, the image is free again. */
	close_blk(fx);
	assert_int_equal(try_open(fx, &second, fx->path, false, NULL), 0);
	virtio_blk_destroy(second);
	free(second);
	/* Readers share. */
	assert_int_equal(try_open(fx, &ro1, fx->path, true, NULL), 0);
	assert_int_equal(try_open(fx, &ro2, fx->path, true, NULL), 0);
	assert_int_equal(try_open(fx, &second, fx->path, false, NULL), -1);
	assert_contains(fx->err, "in use");
	virtio_blk_destroy(ro1);
	virtio_blk_destroy(ro2);
	free(ro1);
	free(ro2);
}

static void test_config_and_features(void **state)
{
	struct fixture *fx = *state;
	struct virtio_blk_config cfg;
	uint64_t f;

	make_image(fx, IMAGE_SIZE);
	open_blk(fx, false, SERIAL);
	f = virtio_offered_features(&fx->blk->vdev);
	assert_true(f & F(VIRTIO_F_VERSION_1));
	assert_true(f & F(VIRTIO_BLK_F_FLUSH));
	assert_false(f & F(VIRTIO_BLK_F_RO));
	assert_int_equal(fx->blk->ops.device_id, VIRTIO_ID_BLOCK);
	fx->blk->ops.read_config(&fx->blk->vdev, 0, &cfg, sizeof(cfg));
	assert_int_equal(cfg.capacity, SECTORS);
	assert_true(cfg.blk_size >= 512);
	assert_int_equal(cfg.num_queues, 1);
	assert_true(cfg.seg_max >= 1 && cfg.seg_max <= VIRTIO_BLK_QUEUE_SIZE);
	/* Partial reads, as a driver does field by field. */
	{
		uint32_t seg_max = 0;

		fx->blk->ops.read_config(&fx->blk->vdev, 12, &seg_max, 4);
		assert_int_equal(seg_max, cfg.seg_max);
	}
	close_blk(fx);

	open_blk(fx, true, SERIAL);
	f = virtio_offered_features(&fx->blk->vdev);
	assert_true(f & F(VIRTIO_BLK_F_RO));
	/* Nothing to deallocate on a read-only disk. */
	assert_false(f & F(VIRTIO_BLK_F_DISCARD));
	assert_false(f & F(VIRTIO_BLK_F_WRITE_ZEROES));
}

/* FEATURES_OK sticks only for offered features with VERSION_1. */
static void test_feature_negotiation(void **state)
{
	struct fixture *fx = *state;
	struct virtio_device *v;

	make_image(fx, IMAGE_SIZE);
	open_blk(fx, true, NULL);
	v = &fx->blk->vdev;
	lock(fx);
	virtio_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	v->driver_features = F(VIRTIO_BLK_F_FLUSH); /* legacy driver */
	virtio_set_status(v, STATUS_UP);
	assert_int_equal(v->status & VIRTIO_STATUS_FEATURES_OK, 0);
	virtio_set_status(v, 0);
	virtio_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	/* Write zeroes is not offered on a read-only disk. */
	v->driver_features =
		F(VIRTIO_F_VERSION_1) | F(VIRTIO_BLK_F_WRITE_ZEROES);
	virtio_set_status(v, STATUS_UP);
	assert_int_equal(v->status & VIRTIO_STATUS_FEATURES_OK, 0);
	virtio_set_status(v, 0);
	virtio_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	v->driver_features = F(VIRTIO_F_VERSION_1) | F(VIRTIO_BLK_F_RO);
	virtio_set_status(v, STATUS_UP);
	assert_int_equal(v->status, STATUS_UP);
	unlock(fx);
}

/* ---- reads and writes ---- */

static void test_read(void **state)
{
	struct fixture *fx = *state;
	struct req r;

	start(fx, false);
	r = do_req(fx, VIRTIO_BLK_T_IN, 10, 4 * 512, VIRTIO_BLK_S_OK);
	expect_guest_has_image(fx, r.data, 10 * 512, 4 * 512);
	/* The first and the last sector. */
	r = do_req(fx, VIRTIO_BLK_T_IN, 0, 512, VIRTIO_BLK_S_OK);
	expect_guest_has_image(fx, r.data, 0, 512);
	r = do_req(fx, VIRTIO_BLK_T_IN, SECTORS - 1, 512, VIRTIO_BLK_S_OK);
	expect_guest_has_image(fx, r.data, IMAGE_SIZE - 512, 512);
	/* The whole disk at once. */
	r = do_req(fx, VIRTIO_BLK_T_IN, 0, IMAGE_SIZE, VIRTIO_BLK_S_OK);
	expect_guest_has_image(fx, r.data, 0, IMAGE_SIZE);
	assert_int_equal(fx->blk->inflight, 0);
}

/* Buffers O_DIRECT cannot take, scattered over several descriptors. */
static void test_read_scattered_unaligned(void **state)
{
	struct fixture *fx = *state;
	uint64_t hdr, a, b, c, st;
	struct seg s[5];
	uint16_t head;

	start(fx, false);
	hdr = put_header(fx, VIRTIO_BLK_T_IN, 33);
	a = alloc(fx, 100, 1) + 1; /* odd addresses, odd lengths */
	b = alloc(fx, 700, 1) + 3;
	c = alloc(fx, 1000, 1) + 5;
	st = alloc(fx, 1, 1);
	s[0] = (struct seg){ hdr, 16, false };
	s[1] = (struct seg){ a, 99, true };
	s[2] = (struct seg){ b, 613, true };
	s[3] = (struct seg){ c, 1024 - 99 - 613 + 512, true };
	s[4] = (struct seg){ st, 1, true };
	head = post_chain(fx, s, 5);
	run(fx);
	assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_OK);
	expect_used(fx, 0, head, 1536 + 1);
	expect_guest_has_image(fx, a, 33 * 512, 99);
	expect_guest_has_image(fx, b, 33 * 512 + 99, 613);
	expect_guest_has_image(fx, c, 33 * 512 + 99 + 613, 1536 - 99 - 613);
}

static void test_write(void **state)
{
	struct fixture *fx = *state;
	struct req r;
	uint8_t back[1024];

	start(fx, false);
	r = post_req(fx, VIRTIO_BLK_T_OUT, 100, 1024);
	for (unsigned int i = 0; i < 1024; i++)
		hva(fx, r.data, 1024)[i] = (uint8_t)(i * 3 + 0x40);
	run(fx);
	assert_int_equal(status_of(fx, &r), VIRTIO_BLK_S_OK);
	expect_used(fx, 0, r.head, 1);
	read_image(fx, 100 * 512, back, sizeof(back));
	assert_memory_equal(back, hva(fx, r.data, 1024), 1024);
	/* Only those two sectors changed. */
	expect_pattern(fx, 0, 100 * 512);
	expect_pattern(fx, 102 * 512, IMAGE_SIZE - 102 * 512);
	/* And the device reads back what it wrote. */
	r = do_req(fx, VIRTIO_BLK_T_IN, 100, 1024, VIRTIO_BLK_S_OK);
	assert_memory_equal(hva(fx, r.data, 1024), back, 1024);
	/* The last sector, from a buffer O_DIRECT cannot take. */
	{
		uint64_t hdr = put_header(fx, VIRTIO_BLK_T_OUT, SECTORS - 1);
		uint64_t data = alloc(fx, 513, 1) + 1, st = alloc(fx, 1, 1);
		struct seg s[3] = { { hdr, 16, false },
				    { data, 512, false },
				    { st, 1, true } };

		memset(hva(fx, data, 512), 0x77, 512);
		post_chain(fx, s, 3);
		run(fx);
		assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_OK);
		read_image(fx, IMAGE_SIZE - 512, back, 512);
		for (unsigned int i = 0; i < 512; i++)
			assert_int_equal(back[i], 0x77);
	}
}

#define FSIZE_LIMIT (IMAGE_SIZE / 2)

/*
 * In a child under an RLIMIT_FSIZE of half the image: a write below it
 * works, one above fails with an I/O error, and a snapshot overlay the
 * limit cannot hold is an error at open; before the fix the process died
 * of SIGXFSZ. 0 if all went so.
 */
static int beyond_fsize_limit(void *arg)
{
	struct fixture *fx = arg;
	struct rlimit rl = { FSIZE_LIMIT, FSIZE_LIMIT };
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	struct req low, high;
	int bad = 0;

	if (!blk || setrlimit(RLIMIT_FSIZE, &rl))
		return 100;
	if (virtio_blk_init(blk, fx->path, DISK_SNAPSHOT, NULL, &fx->hv,
			    fx->err, sizeof(fx->err)) == 0 ||
	    !strstr(fx->err, "File too large"))
		bad |= 1;
	if (try_open(fx, &fx->blk, fx->path, false, NULL))
		return 101;
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	low = post_req(fx, VIRTIO_BLK_T_OUT, 0, 512);
	high = post_req(fx, VIRTIO_BLK_T_OUT, FSIZE_LIMIT / 512 + 8, 512);
	run(fx);
	bad |= (status_of(fx, &low) != VIRTIO_BLK_S_OK) << 1;
	bad |= (status_of(fx, &high) != VIRTIO_BLK_S_IOERR) << 2;
	return bad;
}

static void test_write_past_fsize_limit_fails(void **state)
{
	struct fixture *fx = *state;

	make_image(fx, IMAGE_SIZE);
	assert_int_equal(run_in_child(beyond_fsize_limit, fx, 10), 0);
	expect_pattern(fx, FSIZE_LIMIT, IMAGE_SIZE - FSIZE_LIMIT);
}

static void test_flush(void **state)
{
	struct fixture *fx = *state;

	start(fx, false);
	do_req(fx, VIRTIO_BLK_T_OUT, 5, 512, VIRTIO_BLK_S_OK);
	do_req(fx, VIRTIO_BLK_T_FLUSH, 0, 0, VIRTIO_BLK_S_OK);
	assert_int_equal(fx->blk->inflight, 0);
}

/* Several requests in one kick, completed in whatever order. */
static void test_batch(void **state)
{
	struct fixture *fx = *state;
	struct req r[QSIZE / 3];
	const unsigned int n = QSIZE / 3;

	start(fx, false);
	for (unsigned int i = 0; i < n; i++) {
		r[i] = post_req(fx, i & 1 ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
				200 + 8 * i, 4096);
		if (i & 1)
			memset(hva(fx, r[i].data, 4096), i, 4096);
	}
	run(fx);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(status_of(fx, &r[i]), VIRTIO_BLK_S_OK);
		assert_int_equal(used_len_of(fx, r[i].head), i & 1 ? 1 : 4097);
		if (i & 1) {
			uint8_t back[4096];

			read_image(fx, (200 + 8 * i) * 512ULL, back, 4096);
			for (unsigned int j = 0; j < 4096; j++)
				assert_int_equal(back[j], i);
		} else {
			expect_guest_has_image(fx, r[i].data,
					       (200 + 8 * i) * 512ULL, 4096);
		}
	}
	assert_int_equal(fx->blk->inflight, 0);
}

/* ---- GET_ID ---- */

/* Posts GET_ID with an id buffer of len bytes; returns it. */
static uint64_t get_id(struct fixture *fx, uint32_t len, uint32_t want_used)
{
	struct req r = post_req(fx, VIRTIO_BLK_T_GET_ID, 0, len);

	memset(hva(fx, r.data, len), 0xee, len);
	run(fx);
	assert_int_equal(status_of(fx, &r), VIRTIO_BLK_S_OK);
	expect_used(fx, (uint16_t)(fx->avail_idx - 1), r.head, want_used);
	return r.data;
}

static void test_get_id(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t zero[20];
	uint64_t id;

	start(fx, false);
	/* Shorter than 20: NUL-padded to 20. */
	id = get_id(fx, 20, 21);
	assert_memory_equal(hva(fx, id, 17), SERIAL, 17);
	assert_memory_equal(hva(fx, id + 17, 3), zero, 3);
	/* A bigger buffer gets 20 bytes, not more. */
	id = get_id(fx, 64, 21);
	assert_memory_equal(hva(fx, id, 17), SERIAL, 17);
	assert_int_equal(*hva(fx, id + 20, 1), 0xee);
	/* A smaller one gets what fits. */
	id = get_id(fx, 8, 9);
	assert_memory_equal(hva(fx, id, 8), SERIAL, 8);
	close_blk(fx);

	/* Exactly 20: no NUL. */
	open_blk(fx, false, "ABCDEFGHIJKLMNOPQRST");
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	id = get_id(fx, 32, 21);
	assert_memory_equal(hva(fx, id, 20), "ABCDEFGHIJKLMNOPQRST", 20);
	assert_int_equal(*hva(fx, id + 20, 1), 0xee);
	close_blk(fx);

	/* Longer: cut at 20. */
	open_blk(fx, false, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	id = get_id(fx, 32, 21);
	assert_memory_equal(hva(fx, id, 20), "ABCDEFGHIJKLMNOPQRST", 20);
	assert_int_equal(*hva(fx, id + 20, 1), 0xee);
	close_blk(fx);

	/* None: all NULs. */
	open_blk(fx, false, NULL);
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	id = get_id(fx, 20, 21);
	assert_memory_equal(hva(fx, id, 20), zero, 20);
}

/* ---- layouts a driver may choose ---- */

static void test_split_header(void **state)
{
	struct fixture *fx = *state;
	uint64_t hdr, data, st;
	uint16_t head;

	start(fx, false);
	/* Read: header as 3 + 13 bytes. */
	hdr = put_header(fx, VIRTIO_BLK_T_IN, 7);
	data = alloc(fx, 512, 512);
	st = alloc(fx, 1, 1);
	{
		struct seg s[4] = { { hdr, 3, false },
				    { hdr + 3, 13, false },
				    { data, 512, true },
				    { st, 1, true } };

		head = post_chain(fx, s, 4);
	}
	run(fx);
	assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_OK);
	expect_used(fx, 0, head, 513);
	expect_guest_has_image(fx, data, 7 * 512, 512);

	/* Write: header and data in one buffer, split inside the header. */
	hdr = alloc(fx, 16 + 512, 16);
	{
		uint32_t type = VIRTIO_BLK_T_OUT;
		uint64_t sector = 9;
		struct seg s[3] = { { hdr, 8, false },
				    { hdr + 8, 8 + 512, false },
				    { st, 1, true } };

		memcpy(hva(fx, hdr, 4), &type, 4);
		memset(hva(fx, hdr + 4, 4), 0, 4);
		memcpy(hva(fx, hdr + 8, 8), &sector, 8);
		memset(hva(fx, hdr + 16, 512), 0x3c, 512);
		head = post_chain(fx, s, 3);
	}
	run(fx);
	assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_OK);
	expect_used(fx, 1, head, 1);
	{
		uint8_t back[512];

		read_image(fx, 9 * 512, back, 512);
		for (unsigned int i = 0; i < 512; i++)
			assert_int_equal(back[i], 0x3c);
	}
	expect_pattern(fx, 8 * 512, 512);
	expect_pattern(fx, 10 * 512, 512);
}

/* The status is the last writable byte, wherever the buffers end. */
static void test_status_in_bigger_buffer(void **state)
{
	struct fixture *fx = *state;
	uint64_t hdr, buf;
	uint16_t head;

	start(fx, false);
	/* Read: data and status in one 513-byte buffer. */
	hdr = put_header(fx, VIRTIO_BLK_T_IN, 3);
	buf = alloc(fx, 513, 512);
	memset(hva(fx, buf, 513), 0xee, 513);
	{
		struct seg s[2] = { { hdr, 16, false }, { buf, 513, true } };

		head = post_chain(fx, s, 2);
	}
	run(fx);
	assert_int_equal(*hva(fx, buf + 512, 1), VIRTIO_BLK_S_OK);
	expect_used(fx, 0, head, 513);
	expect_guest_has_image(fx, buf, 3 * 512, 512);

	/* Flush: a 16-byte writable buffer, status in its last byte. */
	hdr = put_header(fx, VIRTIO_BLK_T_FLUSH, 0);
	buf = alloc(fx, 16, 16);
	memset(hva(fx, buf, 16), 0xee, 16);
	{
		struct seg s[2] = { { hdr, 16, false }, { buf, 16, true } };

		head = post_chain(fx, s, 2);
	}
	run(fx);
	assert_int_equal(*hva(fx, buf + 15, 1), VIRTIO_BLK_S_OK);
	for (unsigned int i = 0; i < 15; i++)
		assert_int_equal(*hva(fx, buf + i, 1), 0xee);
	expect_used(fx, 1, head, 1);

	/* Write: status after a zero-length writable buffer. */
	hdr = put_header(fx, VIRTIO_BLK_T_OUT, 4);
	buf = alloc(fx, 512 + 8, 512);
	memset(hva(fx, buf, 512), 0x11, 512);
	{
		struct seg s[4] = { { hdr, 16, false },
				    { buf, 512, false },
				    { buf + 512, 4, true },
				    { buf + 516, 0, true } };

		head = post_chain(fx, s, 4);
	}
	run(fx);
	assert_int_equal(*hva(fx, buf + 515, 1), VIRTIO_BLK_S_OK);
	expect_used(fx, 2, head, 1);
	{
		uint8_t back[512];

		read_image(fx, 4 * 512, back, 512);
		for (unsigned int i = 0; i < 512; i++)
			assert_int_equal(back[i], 0x11);
	}
}

/* Event idx and indirect descriptors, as Linux negotiates them. */
static void test_event_idx_and_indirect(void **state)
{
	struct fixture *fx = *state;
	uint64_t table, hdr, data, st;
	unsigned int irqs;

	make_image(fx, IMAGE_SIZE);
	open_blk(fx, false, SERIAL);
	bring_up(fx,
		 DEFAULT_FEATURES | F(VIRTIO_F_EVENT_IDX) |
			 F(VIRTIO_F_INDIRECT_DESC),
		 QSIZE);
	assert_true(fx->blk->vdev.vq[0].event_idx);
	assert_true(fx->blk->vdev.vq[0].indirect);

	table = alloc(fx, 3 * 16, 16);
	hdr = put_header(fx, VIRTIO_BLK_T_IN, 20);
	data = alloc(fx, 2048, 512);
	st = alloc(fx, 1, 1);
	set_desc(fx, table, 0, hdr, 16, VRING_DESC_F_NEXT, 1);
	set_desc(fx, table, 1, data, 2048,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	set_desc(fx, table, 2, st, 1, VRING_DESC_F_WRITE, 0);
	set_desc(fx, DESC_GPA, 0, table, 48, VRING_DESC_F_INDIRECT, 0);
	publish(fx, 0);
	/* used_event 0: interrupt me when entry 0 is used. */
	w16(fx, AVAIL_GPA + 4 + 2 * QSIZE, 0);
	irqs = fx->queue_irqs;
	kick(fx);
	/* Only submitted: nothing used, so no interrupt yet. */
	assert_int_equal(used_idx(fx), 0);
	assert_int_equal(fx->queue_irqs, irqs);
	/* Kicks re-enabled at the next entry. */
	assert_int_equal(r16(fx, USED_GPA + 4 + 8 * QSIZE), 1);
	wait_used(fx, 1);
	assert_int_equal(fx->queue_irqs, irqs + 1);
	assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_OK);
	expect_used(fx, 0, 0, 2049);
	expect_guest_has_image(fx, data, 20 * 512, 2048);

	/* The driver does not want to hear about entry 1 yet. */
	w16(fx, AVAIL_GPA + 4 + 2 * QSIZE, 5);
	fx->next_desc = 1;
	do_req(fx, VIRTIO_BLK_T_FLUSH, 0, 0, VIRTIO_BLK_S_OK);
	assert_int_equal(fx->queue_irqs, irqs + 1);
}

/* Without event idx, the avail flag silences completions. */
static void test_no_interrupt_flag(void **state)
{
	struct fixture *fx = *state;
	unsigned int irqs;

	start(fx, false);
	irqs = fx->queue_irqs;
	do_req(fx, VIRTIO_BLK_T_IN, 0, 512, VIRTIO_BLK_S_OK);
	assert_true(fx->queue_irqs > irqs);
	w16(fx, AVAIL_GPA, VRING_AVAIL_F_NO_INTERRUPT);
	irqs = fx->queue_irqs;
	do_req(fx, VIRTIO_BLK_T_IN, 0, 512, VIRTIO_BLK_S_OK);
	do_req(fx, VIRTIO_BLK_T_GET_ID, 0, 20, VIRTIO_BLK_S_OK);
	assert_int_equal(fx->queue_irqs, irqs);
}

/* ---- bad requests ---- */

static void test_out_of_range(void **state)
{
	struct fixture *fx = *state;
	struct req r;

	start(fx, false);
	/* Starting at, or running past, the end. */
	r = do_req(fx, VIRTIO_BLK_T_IN, SECTORS, 512, VIRTIO_BLK_S_IOERR);
	assert_int_equal(*hva(fx, r.data, 1), 0xdd); /* nothing read */
	do_req(fx, VIRTIO_BLK_T_IN, SECTORS - 1, 1024, VIRTIO_BLK_S_IOERR);
	do_req(fx, VIRTIO_BLK_T_IN, SECTORS + 1000, 512, VIRTIO_BLK_S_IOERR);
	/* Sectors whose byte offset overflows 64 bits. */
	do_req(fx, VIRTIO_BLK_T_IN, UINT64_MAX, 512, VIRTIO_BLK_S_IOERR);
	do_req(fx, VIRTIO_BLK_T_IN, 1ULL << 55, 512, VIRTIO_BLK_S_IOERR);
	do_req(fx, VIRTIO_BLK_T_OUT, SECTORS, 512, VIRTIO_BLK_S_IOERR);
	do_req(fx, VIRTIO_BLK_T_OUT, SECTORS - 1, 1024, VIRTIO_BLK_S_IOERR);
	do_req(fx, VIRTIO_BLK_T_OUT, UINT64_MAX / 512 + 1, 512,
	       VIRTIO_BLK_S_IOERR);
	/* Not whole sectors. */
	r = do_req(fx, VIRTIO_BLK_T_IN, 0, 100, VIRTIO_BLK_S_IOERR);
	assert_int_equal(*hva(fx, r.data, 1), 0xdd);
	do_req(fx, VIRTIO_BLK_T_IN, 0, 513, VIRTIO_BLK_S_IOERR);
	do_req(fx, VIRTIO_BLK_T_OUT, 0, 511, VIRTIO_BLK_S_IOERR);
	do_req(fx, VIRTIO_BLK_T_OUT, 0, 1, VIRTIO_BLK_S_IOERR);
	expect_pattern(fx, 0, IMAGE_SIZE);
	/* No data at all is a successful no-op, even at the end. */
	do_req(fx, VIRTIO_BLK_T_IN, SECTORS, 0, VIRTIO_BLK_S_OK);
	do_req(fx, VIRTIO_BLK_T_OUT, 0, 0, VIRTIO_BLK_S_OK);
	assert_int_equal(fx->blk->inflight, 0);
	/* Still serving good requests. */
	r = do_req(fx, VIRTIO_BLK_T_IN, SECTORS - 2, 1024, VIRTIO_BLK_S_OK);
	expect_guest_has_image(fx, r.data, IMAGE_SIZE - 1024, 1024);
}

static void test_short_header(void **state)
{
	struct fixture *fx = *state;
	uint64_t hdr, st;
	uint16_t head;

	start(fx, false);
	hdr = put_header(fx, VIRTIO_BLK_T_IN, 0);
	st = alloc(fx, 512 + 1, 512);
	*hva(fx, st + 512, 1) = 0xee;
	for (uint32_t len = 0; len < 16; len += 5) {
		struct seg s[2] = { { hdr, len, false }, { st, 513, true } };

		head = post_chain(fx, s, 2);
		run(fx);
		assert_int_equal(*hva(fx, st + 512, 1), VIRTIO_BLK_S_IOERR);
		expect_used(fx, (uint16_t)(fx->avail_idx - 1), head, 1);
		*hva(fx, st + 512, 1) = 0xee;
	}
	/* A header that is all writable is no header either. */
	{
		struct seg s[2] = { { hdr, 16, true }, { st, 513, true } };

		head = post_chain(fx, s, 2);
		run(fx);
		assert_int_equal(*hva(fx, st + 512, 1), VIRTIO_BLK_S_IOERR);
		expect_used(fx, (uint16_t)(fx->avail_idx - 1), head, 1);
	}
}

static void test_no_status_byte(void **state)
{
	struct fixture *fx = *state;
	uint64_t hdr, data;
	uint16_t head;

	start(fx, false);
	/* All readable. */
	hdr = put_header(fx, VIRTIO_BLK_T_OUT, 0);
	data = alloc(fx, 512, 512);
	memset(hva(fx, data, 512), 0x99, 512);
	{
		struct seg s[2] = { { hdr, 16, false }, { data, 512, false } };

		head = post_chain(fx, s, 2);
	}
	run(fx);
	/* Returned unused, nothing written to the disk. */
	expect_used(fx, 0, head, 0);
	expect_pattern(fx, 0, 512);
	/* Only empty writable buffers. */
	hdr = put_header(fx, VIRTIO_BLK_T_IN, 0);
	{
		struct seg s[3] = { { hdr, 16, false },
				    { data, 0, true },
				    { data + 1, 0, true } };

		head = post_chain(fx, s, 3);
	}
	run(fx);
	expect_used(fx, 1, head, 0);
	assert_int_equal(*hva(fx, data, 1), 0x99);
	assert_int_equal(fx->blk->inflight, 0);
}

static void test_unknown_type(void **state)
{
	struct fixture *fx = *state;
	static const uint32_t types[] = { 2,  3,   5,	       7,
					  9,  10,  12,	       14,
					  16, 255, 0x80000000, 0xffffffff };

	start(fx, false);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		do_req(fx, types[i], 0, 512, VIRTIO_BLK_S_UNSUPP);
	expect_pattern(fx, 0, IMAGE_SIZE);
}

/* A malformed chain is returned unused; the queue goes on. */
static void test_bad_chain(void **state)
{
	struct fixture *fx = *state;
	uint64_t hdr;
	struct req r;

	start(fx, false);
	hdr = put_header(fx, VIRTIO_BLK_T_IN, 0);
	set_desc(fx, DESC_GPA, 0, hdr, 16, VRING_DESC_F_NEXT, 1);
	set_desc(fx, DESC_GPA, 1, RAM_END - 256, 512, VRING_DESC_F_WRITE, 0);
	publish(fx, 0);
	fx->next_desc = 2;
	r = post_req(fx, VIRTIO_BLK_T_IN, 1, 512);
	run(fx);
	expect_used(fx, 0, 0, 0);
	assert_int_equal(status_of(fx, &r), VIRTIO_BLK_S_OK);
	assert_int_equal(used_len_of(fx, r.head), 513);
	expect_guest_has_image(fx, r.data, 512, 512);
	assert_int_equal(fx->blk->vdev.status & VIRTIO_STATUS_NEEDS_RESET, 0);
}

/* A nonsensical ring: the device asks for a reset and stops. */
static void test_broken_ring(void **state)
{
	struct fixture *fx = *state;

	start(fx, false);
	w16(fx, AVAIL_GPA + 2, QSIZE + 1);
	kick(fx);
	assert_int_equal(fx->blk->vdev.status & VIRTIO_STATUS_NEEDS_RESET,
			 VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(fx->config_irqs, 1);
	assert_int_equal(used_idx(fx), 0);
	/* Kicks are ignored until the driver resets the device. */
	lock(fx);
	virtio_kick(&fx->blk->vdev, 0);
	unlock(fx);
	assert_int_equal(fx->config_irqs, 1);
	lock(fx);
	virtio_set_status(&fx->blk->vdev, 0);
	unlock(fx);
	assert_int_equal(fx->blk->vdev.status, 0);
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	do_req(fx, VIRTIO_BLK_T_IN, 0, 512, VIRTIO_BLK_S_OK);
}

/* ---- read-only ---- */

static void test_readonly(void **state)
{
	struct fixture *fx = *state;
	struct req r;

	start(fx, true);
	r = do_req(fx, VIRTIO_BLK_T_OUT, 0, 4096, VIRTIO_BLK_S_IOERR);
	do_req(fx, VIRTIO_BLK_T_OUT, 2000, 512, VIRTIO_BLK_S_IOERR);
	/* Even out of range or misshapen, a write is an I/O error. */
	do_req(fx, VIRTIO_BLK_T_OUT, SECTORS, 512, VIRTIO_BLK_S_IOERR);
	/* Deallocation is writing too. */
	{
		uint64_t range[2] = { 0, 8 };
		uint64_t hdr = put_header(fx, VIRTIO_BLK_T_DISCARD, 0);
		uint64_t rg = alloc(fx, 16, 16), st = alloc(fx, 1, 1);
		struct seg s[3] = { { hdr, 16, false },
				    { rg, 16, false },
				    { st, 1, true } };

		memcpy(hva(fx, rg, 16), range, 16);
		post_chain(fx, s, 3);
		run(fx);
		assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_IOERR);
		memcpy(hva(fx, hdr, 4),
		       &(uint32_t){ VIRTIO_BLK_T_WRITE_ZEROES }, 4);
		post_chain(fx, s, 3);
		run(fx);
		assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_IOERR);
	}
	/* Nothing changed, byte for byte. */
	expect_pattern(fx, 0, IMAGE_SIZE);
	/* Reads work; flush has nothing to do. */
	r = do_req(fx, VIRTIO_BLK_T_IN, 0, 4096, VIRTIO_BLK_S_OK);
	expect_guest_has_image(fx, r.data, 0, 4096);
	do_req(fx, VIRTIO_BLK_T_FLUSH, 0, 0, VIRTIO_BLK_S_OK);
}

/* ---- discard and write zeroes ---- */

/* Posts a discard or write-zeroes request with n ranges. */
static uint64_t post_ranges(struct fixture *fx, uint32_t type,
			    const uint64_t (*ranges)[3], unsigned int n,
			    uint32_t bytes)
{
	uint64_t hdr = put_header(fx, type, 0);
	uint64_t rg = alloc(fx, n * 16 + 16, 16), st = alloc(fx, 1, 1);
	struct seg s[3] = { { hdr, 16, false },
			    { rg, bytes, false },
			    { st, 1, true } };

	for (unsigned int i = 0; i < n; i++) {
		uint64_t sector = ranges[i][0];
		uint32_t num = (uint32_t)ranges[i][1];
		uint32_t flags = (uint32_t)ranges[i][2];

		memcpy(hva(fx, rg + 16 * i, 8), &sector, 8);
		memcpy(hva(fx, rg + 16 * i + 8, 4), &num, 4);
		memcpy(hva(fx, rg + 16 * i + 12, 4), &flags, 4);
	}
	*hva(fx, st, 1) = 0xee;
	if (bytes)
		post_chain(fx, s, 3);
	else
		post_chain(fx, (struct seg[]){ s[0], s[2] }, 2);
	return st;
}

static uint8_t do_ranges(struct fixture *fx, uint32_t type,
			 const uint64_t (*ranges)[3], unsigned int n)
{
	uint64_t st = post_ranges(fx, type, ranges, n, n * 16);

	run(fx);
	return *hva(fx, st, 1);
}

static void test_discard(void **state)
{
	struct fixture *fx = *state;
	static const uint64_t one[][3] = { { 64, 64, 0 } };
	static const uint64_t two[][3] = { { 512, 16, 0 }, { 1024, 24, 0 } };
	int64_t before;

	start(fx, false);
	if (!fx->blk->disk.can_discard) {
		assert_false(can_punch_holes());
		print_message("no hole punching in /tmp: skipping discard\n");
		/* Not offered, not negotiated: unsupported. */
		assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, one, 1),
				 VIRTIO_BLK_S_UNSUPP);
		return;
	}
	assert_true(virtio_has_feature(&fx->blk->vdev, VIRTIO_BLK_F_DISCARD));
	before = image_blocks(fx);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, one, 1),
			 VIRTIO_BLK_S_OK);
	expect_zeroes(fx, 64 * 512, 64 * 512);
	expect_pattern(fx, 0, 64 * 512);
	expect_pattern(fx, 128 * 512, IMAGE_SIZE - 128 * 512);
	/* The blocks went back to the file system. */
	assert_true(image_blocks(fx) <= before - 64);
	assert_int_equal(fx->blk->disk.size, IMAGE_SIZE);

	/* Two ranges in one request. */
	before = image_blocks(fx);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, two, 2),
			 VIRTIO_BLK_S_OK);
	expect_zeroes(fx, 512 * 512, 16 * 512);
	expect_zeroes(fx, 1024 * 512, 24 * 512);
	expect_pattern(fx, 528 * 512, (1024 - 528) * 512);
	assert_true(image_blocks(fx) <= before - 40);
	{
		struct stat st;

		assert_int_equal(fstat(fx->img_fd, &st), 0);
		assert_int_equal(st.st_size, IMAGE_SIZE);
	}
}

static void test_discard_bad_ranges(void **state)
{
	struct fixture *fx = *state;
	static const uint64_t past_end[][3] = { { SECTORS - 8, 16, 0 } };
	static const uint64_t at_end[][3] = { { SECTORS, 8, 0 } };
	static const uint64_t huge_sector[][3] = { { UINT64_MAX - 7, 8, 0 } };
	static const uint64_t too_long[][3] = { { 0, 0x400001, 0 } };
	static const uint64_t unmap[][3] = { { 0, 8, 1 } };
	static const uint64_t flag2[][3] = { { 0, 8, 2 } };
	static const uint64_t good_then_bad[][3] = { { 0, 8, 0 },
						     { SECTORS, 8, 0 } };
	uint64_t many[33][3];
	uint64_t st;

	start(fx, false);
	if (!fx->blk->disk.can_discard) {
		print_message("no hole punching in /tmp: skipping\n");
		skip();
	}
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, past_end, 1),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, at_end, 1),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, huge_sector, 1),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, too_long, 1),
			 VIRTIO_BLK_S_IOERR);
	/* The unmap flag means nothing for discard: unsupported. */
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, unmap, 1),
			 VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, flag2, 1),
			 VIRTIO_BLK_S_UNSUPP);
	/* Up to 32 ranges per request. */
	for (unsigned int i = 0; i < 33; i++) {
		many[i][0] = 8 * i;
		many[i][1] = 8;
		many[i][2] = 0;
	}
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, many, 33),
			 VIRTIO_BLK_S_IOERR);
	/* Range bytes not a multiple of 16, or none. */
	st = post_ranges(fx, VIRTIO_BLK_T_DISCARD, many, 1, 15);
	run(fx);
	assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_IOERR);
	st = post_ranges(fx, VIRTIO_BLK_T_DISCARD, many, 2, 24);
	run(fx);
	assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_IOERR);
	st = post_ranges(fx, VIRTIO_BLK_T_DISCARD, many, 0, 0);
	run(fx);
	assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_IOERR);
	/* None of those touched the image. */
	expect_pattern(fx, 0, IMAGE_SIZE);
	/* A bad range fails the request (earlier ones may be done). */
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, good_then_bad, 2),
			 VIRTIO_BLK_S_IOERR);
	expect_pattern(fx, 8 * 512, IMAGE_SIZE - 8 * 512);
	/* 32 ranges are fine. */
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, many, 32),
			 VIRTIO_BLK_S_OK);
	expect_zeroes(fx, 0, 32 * 8 * 512);
	expect_pattern(fx, 32 * 8 * 512, IMAGE_SIZE - 32 * 8 * 512);
}

static void test_write_zeroes(void **state)
{
	struct fixture *fx = *state;
	static const uint64_t keep[][3] = { { 10, 3, 0 } };
	static const uint64_t unmap[][3] = { { 100, 50, 1 } };
	static const uint64_t flag2[][3] = { { 0, 8, 2 } };
	static const uint64_t past_end[][3] = { { SECTORS - 1, 2, 1 } };
	static const uint64_t too_long[][3] = { { 0, 0x400001, 0 } };

	start(fx, false);
	if (!fx->blk->disk.can_write_zeroes) {
		print_message("no zeroing fallocate in /tmp: skipping\n");
		skip();
	}
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_WRITE_ZEROES, keep, 1),
			 VIRTIO_BLK_S_OK);
	expect_pattern(fx, 0, 10 * 512);
	expect_zeroes(fx, 10 * 512, 3 * 512);
	expect_pattern(fx, 13 * 512, IMAGE_SIZE - 13 * 512);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_WRITE_ZEROES, unmap, 1),
			 VIRTIO_BLK_S_OK);
	expect_zeroes(fx, 100 * 512, 50 * 512);
	expect_pattern(fx, 150 * 512, IMAGE_SIZE - 150 * 512);
	/* The device reads back zeroes too. */
	{
		struct req r =
			do_req(fx, VIRTIO_BLK_T_IN, 100, 512, VIRTIO_BLK_S_OK);
		static const uint8_t zero[512];

		assert_memory_equal(hva(fx, r.data, 512), zero, 512);
	}
	/* Unknown flags, ranges outside the disk or too long. */
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_WRITE_ZEROES, flag2, 1),
			 VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_WRITE_ZEROES, past_end, 1),
			 VIRTIO_BLK_S_IOERR);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_WRITE_ZEROES, too_long, 1),
			 VIRTIO_BLK_S_IOERR);
	expect_pattern(fx, 0, 8 * 512);
	expect_pattern(fx, IMAGE_SIZE - 512, 512);
}

/* Deallocation the driver did not negotiate is unsupported. */
static void test_deallocate_not_negotiated(void **state)
{
	struct fixture *fx = *state;
	static const uint64_t range[][3] = { { 0, 8, 0 } };

	make_image(fx, IMAGE_SIZE);
	open_blk(fx, false, SERIAL);
	bring_up(fx, F(VIRTIO_BLK_F_FLUSH), QSIZE);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_DISCARD, range, 1),
			 VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(do_ranges(fx, VIRTIO_BLK_T_WRITE_ZEROES, range, 1),
			 VIRTIO_BLK_S_UNSUPP);
	expect_pattern(fx, 0, IMAGE_SIZE);
}

/* ---- reset and teardown with I/O in flight ---- */

/* Request slots on the device's free list. */
static unsigned int free_slots(struct fixture *fx)
{
	unsigned int n = 0;

	for (const struct blk_request *r = fx->blk->free; r; r = r->next_free)
		assert_true(++n <= VIRTIO_BLK_QUEUE_SIZE);
	return n;
}

/* Posts n reads of 32 KiB and submits them; returns how many are out. */
static unsigned int start_reads(struct fixture *fx, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		post_req(fx, VIRTIO_BLK_T_IN, 64 * i, 32768);
	kick(fx);
	return fx->blk->inflight;
}

static void test_reset_in_flight(void **state)
{
	struct fixture *fx = *state;
	unsigned int out;

	start(fx, false);
	out = start_reads(fx, 12);
	assert_int_equal(out, 12);
	assert_int_equal(used_idx(fx), 0);
	/* The driver resets the device: everything in flight is drained. */
	lock(fx);
	virtio_set_status(&fx->blk->vdev, 0);
	unlock(fx);
	assert_int_equal(fx->blk->inflight, 0);
	assert_int_equal(free_slots(fx), VIRTIO_BLK_QUEUE_SIZE);
	assert_int_equal(fx->blk->vdev.status, 0);
	assert_false(fx->blk->vdev.vq[0].ready);
	/* Nothing landed in the rings the driver has given up. */
	assert_int_equal(used_idx(fx), 0);
	/* The completion eventfd may still fire: nothing happens. */
	lock(fx);
	virtio_blk_complete(fx->blk);
	unlock(fx);
	assert_int_equal(fx->blk->inflight, 0);
	assert_int_equal(used_idx(fx), 0);

	/* The device works again after a new bring-up. */
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	{
		struct req r =
			do_req(fx, VIRTIO_BLK_T_IN, 5, 512, VIRTIO_BLK_S_OK);

		expect_guest_has_image(fx, r.data, 5 * 512, 512);
	}
	start_reads(fx, QSIZE / 3);
	wait_used(fx, fx->avail_idx);
	assert_int_equal(fx->blk->inflight, 0);
	assert_int_equal(free_slots(fx), VIRTIO_BLK_QUEUE_SIZE);
}

static void test_destroy_in_flight(void **state)
{
	struct fixture *fx = *state;

	start(fx, false);
	start_reads(fx, 12);
	close_blk(fx);
}

/*
 * A driver that reuses a head still in flight can have more requests out
 * than the ring has slots: the extra ones fail, nothing overflows.
 */
static void test_more_in_flight_than_slots(void **state)
{
	struct fixture *fx = *state;
	const uint16_t n = VIRTIO_BLK_QUEUE_SIZE;
	struct req r;

	make_image(fx, IMAGE_SIZE);
	open_blk(fx, false, SERIAL);
	bring_up(fx, DEFAULT_FEATURES, n);
	r = post_req(fx, VIRTIO_BLK_T_IN, 0, 512);
	for (unsigned int i = 1; i < n; i++)
		publish(fx, r.head);
	kick(fx);
	/* Completions are collected only below: all n are still out. */
	assert_int_equal(used_idx(fx), 0);
	assert_int_equal(fx->blk->inflight, n);
	for (unsigned int i = 0; i < 8; i++)
		publish(fx, r.head);
	kick(fx);
	/* No request slot left for those: they fail at once. */
	assert_int_equal(fx->blk->inflight, n);
	assert_int_equal(free_slots(fx), 0);
	assert_int_equal(used_idx(fx), 8);
	for (uint16_t i = 0; i < 8; i++)
		expect_used(fx, i, r.head, 1);
	assert_int_equal(status_of(fx, &r), VIRTIO_BLK_S_IOERR);
	/* The others complete normally. */
	wait_used(fx, (uint16_t)(n + 8));
	assert_int_equal(fx->blk->inflight, 0);
	assert_int_equal(free_slots(fx), VIRTIO_BLK_QUEUE_SIZE);
	for (uint16_t i = 8; i < n + 8; i++)
		expect_used(fx, i, r.head, 513);
	assert_int_equal(status_of(fx, &r), VIRTIO_BLK_S_OK);
	expect_guest_has_image(fx, r.data, 0, 512);
}

/* ---- snapshot: writes go to a throwaway overlay ---- */

/* What the snapshot guest should read: the image, then its writes. */
static uint8_t *model_new(void)
{
	uint8_t *m = malloc(IMAGE_SIZE);

	assert_non_null(m);
	for (uint64_t i = 0; i < IMAGE_SIZE; i++)
		m[i] = file_byte(i);
	return m;
}

static struct virtio_blk *open_snapshot(struct fixture *fx)
{
	struct virtio_blk *blk = calloc(1, sizeof(*blk));

	assert_non_null(blk);
	if (virtio_blk_init(blk, fx->path, DISK_SNAPSHOT, NULL, &fx->hv,
			    fx->err, sizeof(fx->err)))
		fail_msg("snapshot: %s", fx->err);
	blk->vdev.transport = &fake_transport;
	blk->vdev.transport_priv = fx;
	return blk;
}

/* Writes `sectors` sectors of value v at sector, through the ring. */
static void snap_write(struct fixture *fx, uint8_t *model, uint64_t sector,
		       uint32_t sectors, uint8_t v)
{
	struct req r = post_req(fx, VIRTIO_BLK_T_OUT, sector, sectors * 512);

	memset(hva(fx, r.data, r.len), v, r.len);
	run(fx);
	assert_int_equal(status_of(fx, &r), VIRTIO_BLK_S_OK);
	memset(model + sector * 512, v, r.len);
}

/* Checks guest bytes [gpa, gpa + len) against the model from off. */
static void expect_model(struct fixture *fx, const uint8_t *model, uint64_t gpa,
			 uint64_t off, size_t len)
{
	const uint8_t *p = hva(fx, gpa, len);

	for (size_t i = 0; i < len; i++)
		if (p[i] != model[off + i])
			fail_msg(
				"guest byte %zu (disk byte %#llx) is %#x, not %#x",
				i, (unsigned long long)(off + i), p[i],
				model[off + i]);
}

/* Reads [sector, sector + sectors) in one request and checks it. */
static void snap_check(struct fixture *fx, const uint8_t *model,
		       uint64_t sector, uint32_t sectors)
{
	struct req r = do_req(fx, VIRTIO_BLK_T_IN, sector, sectors * 512,
			      VIRTIO_BLK_S_OK);

	expect_model(fx, model, r.data, sector * 512, sectors * 512);
}

/* The image is still the original file, byte for byte, and unwritten. */
static void expect_image_untouched(struct fixture *fx, int64_t blocks)
{
	expect_pattern(fx, 0, IMAGE_SIZE);
	assert_int_equal(image_blocks(fx), blocks);
}

static void test_snapshot_opens_image_readonly(void **state)
{
	struct fixture *fx = *state;
	uint64_t f;

	make_image(fx, IMAGE_SIZE);
	fx->blk = open_snapshot(fx);
	/* The image is never opened for writing, so a read-only file works. */
	assert_int_equal(fcntl(fx->blk->disk.buffered_fd, F_GETFL) & O_ACCMODE,
			 O_RDONLY);
	assert_int_equal(fcntl(fx->blk->disk.fd, F_GETFL) & O_ACCMODE,
			 O_RDONLY);
	/* The guest sees a writable disk of the image's size. */
	f = virtio_offered_features(&fx->blk->vdev);
	assert_false(f & F(VIRTIO_BLK_F_RO));
	assert_true(f & F(VIRTIO_BLK_F_FLUSH));
	assert_int_equal(fx->blk->config.capacity, SECTORS);
	/* The overlay is an unlinked file as big as the image. */
	{
		struct stat st;

		assert_int_equal(fstat(fx->blk->disk.overlay.buffered_fd, &st),
				 0);
		assert_int_equal(st.st_nlink, 0);
		assert_int_equal(st.st_size, IMAGE_SIZE);
	}
}

/* Reads split into runs: overlay, image, overlay ... */
static void test_snapshot_read_after_write(void **state)
{
	struct fixture *fx = *state;
	uint8_t *model = model_new();
	int64_t blocks;
	struct req r;

	make_image(fx, IMAGE_SIZE);
	blocks = image_blocks(fx);
	fx->blk = open_snapshot(fx);
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	/* Unwritten: all from the image (one asynchronous read). */
	snap_check(fx, model, 0, 64);
	/* Runs that end inside, and at the edges of, the bitmap's words. */
	snap_write(fx, model, 10, 4, 0xa1);
	snap_write(fx, model, 20, 1, 0xa2);
	snap_write(fx, model, 60, 8, 0xa3); /* across bits 63/64 */
	snap_write(fx, model, 128, 64, 0xa4); /* exactly one word */
	snap_write(fx, model, 300, 200, 0xa5); /* several words */
	/* Each write alone: from the overlay. */
	snap_check(fx, model, 10, 4);
	snap_check(fx, model, 128, 64);
	snap_check(fx, model, 301, 3);
	/* Starting in a write and ending past it, and the reverse. */
	snap_check(fx, model, 12, 6);
	snap_check(fx, model, 5, 7);
	/* Many runs in one request. */
	snap_check(fx, model, 0, 600);
	snap_check(fx, model, 9, 13);
	snap_check(fx, model, 63, 2);
	snap_check(fx, model, 127, 66);
	/* The last sector, then a read that ends there. */
	snap_write(fx, model, SECTORS - 1, 1, 0xa6);
	snap_check(fx, model, SECTORS - 8, 8);
	/* Overwriting part of an earlier write. */
	snap_write(fx, model, 11, 2, 0xb1);
	snap_check(fx, model, 8, 8);

	/* Scattered buffers whose edges fall inside the runs. */
	{
		uint64_t hdr = put_header(fx, VIRTIO_BLK_T_IN, 8);
		uint64_t a = alloc(fx, 800, 1) + 1, b = alloc(fx, 3000, 1) + 3;
		uint64_t c = alloc(fx, 9000, 1) + 5, st = alloc(fx, 1, 1);
		struct seg sg[5] = { { hdr, 16, false },
				     { a, 700, true },
				     { b, 2900, true },
				     { c, 16 * 512 - 3600, true },
				     { st, 1, true } };
		uint16_t head = post_chain(fx, sg, 5);

		run(fx);
		assert_int_equal(*hva(fx, st, 1), VIRTIO_BLK_S_OK);
		expect_used(fx, (uint16_t)(fx->avail_idx - 1), head,
			    16 * 512 + 1);
		expect_model(fx, model, a, 8 * 512, 700);
		expect_model(fx, model, b, 8 * 512 + 700, 2900);
		expect_model(fx, model, c, 8 * 512 + 3600, 16 * 512 - 3600);
	}
	/* Writes in a batch, then reads in a batch. */
	{
		struct req w[4], rd[4];

		for (unsigned int i = 0; i < 4; i++) {
			w[i] = post_req(fx, VIRTIO_BLK_T_OUT, 700 + 16 * i,
					4096);
			memset(hva(fx, w[i].data, 4096), 0xc0 + i, 4096);
			memset(model + (700 + 16 * i) * 512, 0xc0 + i, 4096);
		}
		run(fx);
		for (unsigned int i = 0; i < 4; i++) {
			assert_int_equal(status_of(fx, &w[i]), VIRTIO_BLK_S_OK);
			rd[i] = post_req(fx, VIRTIO_BLK_T_IN, 696 + 16 * i,
					 16 * 512);
		}
		run(fx);
		for (unsigned int i = 0; i < 4; i++) {
			assert_int_equal(status_of(fx, &rd[i]),
					 VIRTIO_BLK_S_OK);
			assert_int_equal(used_len_of(fx, rd[i].head),
					 16 * 512 + 1);
			expect_model(fx, model, rd[i].data,
				     (696 + 16 * i) * 512ULL, 16 * 512);
		}
	}
	/* Flush completes at once: nothing to sync. */
	r = post_req(fx, VIRTIO_BLK_T_FLUSH, 0, 0);
	kick(fx);
	assert_int_equal(status_of(fx, &r), VIRTIO_BLK_S_OK);
	assert_int_equal(fx->blk->inflight, 0);

	expect_image_untouched(fx, blocks);
	/* A reset of the device is no reset of the disk. */
	lock(fx);
	virtio_set_status(&fx->blk->vdev, 0);
	unlock(fx);
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	snap_check(fx, model, 0, 1024);
	close_blk(fx);
	expect_image_untouched(fx, blocks);
	/* Closed, the writes are gone: a new snapshot sees the image. */
	fx->blk = open_snapshot(fx);
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	r = do_req(fx, VIRTIO_BLK_T_IN, 0, 1024 * 512, VIRTIO_BLK_S_OK);
	expect_guest_has_image(fx, r.data, 0, 1024 * 512);
	free(model);
}

static void test_snapshot_discard_and_write_zeroes(void **state)
{
	struct fixture *fx = *state;
	static const uint64_t zero_mixed[][3] = { { 30, 20, 0 },
						  { 100, 8, 1 } };
	static const uint64_t discard[][3] = { { 200, 16, 0 } };
	uint8_t *model = model_new();
	int64_t blocks;

	make_image(fx, IMAGE_SIZE);
	blocks = image_blocks(fx);
	fx->blk = open_snapshot(fx);
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	if (!fx->blk->disk.can_write_zeroes) {
		print_message("no zeroing in $TMPDIR: skipping\n");
		free(model);
		return;
	}
	snap_write(fx, model, 40, 20, 0xe1); /* half inside the zeroes */
	assert_int_equal(
		do_ranges(fx, VIRTIO_BLK_T_WRITE_ZEROES, zero_mixed, 2),
		VIRTIO_BLK_S_OK);
	memset(model + 30 * 512, 0, 20 * 512);
	memset(model + 100 * 512, 0, 8 * 512);
	snap_check(fx, model, 0, 256);
	if (fx->blk->disk.can_discard) {
		/* Discarded sectors read as zeroes, not as the image. */
		assert_int_equal(
			do_ranges(fx, VIRTIO_BLK_T_DISCARD, discard, 1),
			VIRTIO_BLK_S_OK);
		memset(model + 200 * 512, 0, 16 * 512);
		snap_check(fx, model, 190, 40);
	}
	/* Writing over zeroes. */
	snap_write(fx, model, 32, 2, 0xe2);
	snap_check(fx, model, 28, 40);
	expect_image_untouched(fx, blocks);
	free(model);
}

/* Snapshots share the image with each other and with readers, not writers. */
static void test_snapshot_two_independent(void **state)
{
	struct fixture *fx = *state;
	uint8_t *ma = model_new(), *mb = model_new();
	struct virtio_blk *a, *b, *other;
	uint8_t buf[8192];
	struct iovec iov = { buf, sizeof(buf) }, scratch[2];
	int64_t blocks;

	make_image(fx, IMAGE_SIZE);
	blocks = image_blocks(fx);
	a = open_snapshot(fx);
	b = open_snapshot(fx);
	/* A writer is refused while snapshots run; a reader is not. */
	assert_int_equal(try_open(fx, &other, fx->path, false, NULL), -1);
	assert_contains(fx->err, "in use");
	assert_int_equal(try_open(fx, &other, fx->path, true, NULL), 0);

	fx->blk = a;
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	snap_write(fx, ma, 16, 8, 0x1a);
	snap_write(fx, ma, 40, 4, 0x2a);
	fx->blk = b;
	bring_up(fx, DEFAULT_FEATURES, QSIZE);
	snap_write(fx, mb, 20, 8, 0x1b);
	snap_check(fx, mb, 0, 64);
	fx->blk = NULL;
	/* Each reads its own writes, straight from its disk. */
	assert_int_equal(disk_read_sync(&a->disk, &iov, 1, 0, scratch, 2), 0);
	assert_memory_equal(buf, ma, sizeof(buf));
	assert_int_equal(disk_read_sync(&b->disk, &iov, 1, 0, scratch, 2), 0);
	assert_memory_equal(buf, mb, sizeof(buf));
	/* And the reader sees neither. */
	assert_int_equal(disk_read_sync(&other->disk, &iov, 1, 0, scratch, 2),
			 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], file_byte(i));
	virtio_blk_destroy(other);
	free(other);
	virtio_blk_destroy(a);
	free(a);
	virtio_blk_destroy(b);
	free(b);
	expect_image_untouched(fx, blocks);
	/* With every snapshot gone, a writer may have the image. */
	assert_int_equal(try_open(fx, &other, fx->path, false, NULL), 0);
	virtio_blk_destroy(other);
	free(other);
	free(ma);
	free(mb);
}

static void test_snapshot_tmpdir_unusable(void **state)
{
	struct fixture *fx = *state;
	const char *old = getenv("TMPDIR");
	char *saved = old ? strdup(old) : NULL;
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	int ret;

	assert_non_null(blk);
	make_image(fx, IMAGE_SIZE);
	setenv("TMPDIR", "/nonexistent/kestrel-tmp", 1);
	ret = virtio_blk_init(blk, fx->path, DISK_SNAPSHOT, NULL, &fx->hv,
			      fx->err, sizeof(fx->err));
	if (saved)
		setenv("TMPDIR", saved, 1);
	else
		unsetenv("TMPDIR");
	free(saved);
	free(blk);
	assert_int_equal(ret, -1);
	assert_contains(fx->err, fx->path);
	assert_contains(fx->err, "snapshot overlay");
	assert_contains(fx->err, "/nonexistent/kestrel-tmp");
	assert_null(strchr(fx->err, '\n'));
	/* Nothing was left open: a writer can have the image. */
	open_blk(fx, false, NULL);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_init_missing_file),
		T(test_init_size_not_sector_multiple),
		T(test_init_locked),
		T(test_config_and_features),
		T(test_feature_negotiation),
		T(test_read),
		T(test_read_scattered_unaligned),
		T(test_write),
		T(test_write_past_fsize_limit_fails),
		T(test_flush),
		T(test_batch),
		T(test_get_id),
		T(test_split_header),
		T(test_status_in_bigger_buffer),
		T(test_event_idx_and_indirect),
		T(test_no_interrupt_flag),
		T(test_out_of_range),
		T(test_short_header),
		T(test_no_status_byte),
		T(test_unknown_type),
		T(test_bad_chain),
		T(test_broken_ring),
		T(test_readonly),
		T(test_discard),
		T(test_discard_bad_ranges),
		T(test_write_zeroes),
		T(test_deallocate_not_negotiated),
		T(test_reset_in_flight),
		T(test_destroy_in_flight),
		T(test_more_in_flight_than_slots),
		T(test_snapshot_opens_image_readonly),
		T(test_snapshot_read_after_write),
		T(test_snapshot_discard_and_write_zeroes),
		T(test_snapshot_two_independent),
		T(test_snapshot_tmpdir_unusable),
	};
#undef T

	/* The guest warnings the bad requests provoke are expected. */
	log_threshold = LOG_ERROR;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
