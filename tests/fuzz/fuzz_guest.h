/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_FUZZ_GUEST_H
#define KESTREL_TESTS_FUZZ_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "runtime/evloop.h"
#include "runtime/guest_mem.h"
#include "runtime/hv.h"

/*
 * The fake guest the fuzz targets share: RAM as two back-to-back regions
 * (contiguous in guest-physical space, separate heap blocks on the host,
 * each with ASan redzones around it), so a range that gm_ptr() wrongly let
 * straddle them, or run off either end, is caught.
 *
 *   FUZZ_RAM_GPA  .. +FUZZ_RAM_SIZE   region 0, loaded from the fuzz input
 *   FUZZ_RAM2_GPA .. +FUZZ_RAM2_SIZE  region 1, zero-filled
 */
#define FUZZ_RAM_GPA 0x1000ULL
#define FUZZ_RAM_SIZE 0x10000ULL
#define FUZZ_RAM2_GPA (FUZZ_RAM_GPA + FUZZ_RAM_SIZE)
#define FUZZ_RAM2_SIZE 0x1000ULL

struct fuzz_guest {
	struct guest_mem mem;
	uint8_t *ram, *ram2;
	struct evloop loop;
	struct hv hv;
};

struct virtio_device;

/* KESTREL_FUZZ_VERBOSE set: kestrel's log and the targets' traces on. */
extern bool fuzz_verbose;

/* Allocates the regions, an event loop and an hv whose KVM hooks are stubs. */
void fuzz_guest_init(struct fuzz_guest *g);
/* The device thread: runs the handlers of the sources ready now. */
void fuzz_guest_run_ready(struct fuzz_guest *g);
/*
 * The device thread until it has nothing left to do: rounds of the ready
 * handlers (the loop's wake-up fd is read when it is among them) until a
 * round finds none ready. Fails the input if that takes more than
 * max_rounds: a device thread that is never idle spins a host CPU --
 * unless working() (may be NULL) says the devices are doing the guest's
 * work, as with an endless ring (devices/virtio/virtqueue.h), which a
 * device serves a ring's worth at a time for as long as it lasts.
 */
void fuzz_guest_run_until_idle(struct fuzz_guest *g, unsigned int max_rounds,
			       bool (*working)(void));
/* For working(): has a queue of vdev used up a round's budget? vdev locked. */
bool fuzz_queue_yielded(const struct virtio_device *vdev);
/* Zeroes guest RAM, then copies data (up to FUZZ_RAM_SIZE) to FUZZ_RAM_GPA. */
void fuzz_guest_load(struct fuzz_guest *g, const uint8_t *data, size_t len);

/* Is the host range [p, p + len) wholly inside one guest RAM region? */
bool fuzz_guest_contains(const struct fuzz_guest *g, const void *p, size_t len);
/*
 * Checks that each buffer lies in one region (aborting with a message if
 * not), then reads each byte of the first `nr_out` and writes each byte of
 * the rest, so ASan sees every access; *budget caps the bytes touched per
 * input (the first and last byte of every buffer are always touched).
 */
void fuzz_touch_iov(const struct fuzz_guest *g, const struct iovec *iov,
		    unsigned int nr_out, unsigned int nr_in, size_t *budget);

/* What fuzz_touch_iov() may touch of each input's device output. */
#define FUZZ_TOUCH_BUDGET (256 * 1024)

/*
 * Where a device's output to the host goes (a console's, a port's): each
 * buffer must lie in guest RAM, and is touched as fuzz_touch_iov() does,
 * within the budget (which the target sets for each input).
 */
struct fuzz_sink {
	const struct fuzz_guest *g;
	size_t budget;
};

/* An output callback: ctx is the struct fuzz_sink. */
void fuzz_sink_output(void *ctx, const uint8_t *buf, size_t len);
/* An rx_ready callback for a host side that offers input when it likes. */
void fuzz_ignore_rx_ready(void *ctx);

struct virtio_device;
struct virtio_transport_ops;
/* A transport for devices driven directly: interrupts go nowhere. */
extern const struct virtio_transport_ops fuzz_null_transport;

/*
 * Resets vdev and brings it up to DRIVER_OK with the given features and
 * nr_queues queues of qsize, queue q's rings packed (descriptors, avail,
 * used) from FUZZ_RAM_GPA + q * stride. vdev locked.
 */
void fuzz_bring_up(struct virtio_device *vdev, unsigned int nr_queues,
		   uint16_t qsize, uint64_t features, uint64_t stride);
/*
 * The same, but only the queues in the bit mask `enabled` are enabled; the
 * others have their layout set, for virtio_enable_queue() to make them
 * live later (after DRIVER_OK, as a driver may).
 */
void fuzz_bring_up_some(struct virtio_device *vdev, unsigned int nr_queues,
			uint32_t enabled, uint16_t qsize, uint64_t features,
			uint64_t stride);
/* The "driver" moves queue q's avail->idx on by step, if it is in RAM. */
void fuzz_move_avail(struct fuzz_guest *g, struct virtio_device *vdev,
		     unsigned int q, uint8_t step);

/*
 * vdev locked: every live queue uses the rings its registers describe,
 * mapped for the size they hold (the transport froze them when the queue
 * went live). Fails the input if not.
 */
void fuzz_check_live_queues(const struct fuzz_guest *g,
			    const struct virtio_device *vdev);

/*
 * Racing vCPUs, for the transports' register paths. FUZZ_VCPUS threads
 * each perform their share of an input's op_size-byte operations (op[0]
 * bit 6 says whose: FUZZ_RACE_VCPU1) by calling vcpu_op(op), while a
 * device thread runs the event loop's ready handlers (queue kicks), then
 * check(), until the vCPUs are done; then the harness joins them and runs
 * the ready handlers and check() once more. Operations with op[0] & 7 ==
 * FUZZ_RACE_OWN shape the interleaving instead: op[1] even is a sync
 * point (the vCPU waits until the other has passed as many, or has no
 * more), odd a spin of fuzz_le16(op + 2) % 4096 iterations. Runs the
 * first max_ops operations of data.
 */
#define FUZZ_VCPUS 2
#define FUZZ_RACE_VCPU1 0x40
#define FUZZ_RACE_OWN 7

void fuzz_race(struct fuzz_guest *g, const uint8_t *data, size_t size,
	       size_t op_size, size_t max_ops,
	       void (*vcpu_op)(const uint8_t *op), void (*check)(void));

/*
 * The operations of the targets that drive register windows, FUZZ_OP_SIZE
 * bytes each: [0] what (the target's to say; bit 7: a write), [1] size,
 * [2..5] off (32 bit), [6..13] value (64 bit).
 */
#define FUZZ_OP_SIZE 14

struct iobus;

/*
 * The operation's access at base + off % span on bus, 1 + [1] % 8 bytes
 * wide: a write of the value, or a read.
 */
void fuzz_op_mmio(const struct iobus *bus, uint64_t base, uint64_t span,
		  const uint8_t *op);
/* The same as port I/O, 1 << ([1] % 3) bytes wide. */
void fuzz_op_pio(const struct iobus *bus, uint64_t base, uint64_t span,
		 const uint8_t *op);
/* The "driver" stores the value in guest RAM at FUZZ_RAM_GPA + off % span. */
void fuzz_op_store(struct fuzz_guest *g, uint64_t span, const uint8_t *op);

/* Reports an oracle violation (with printf-style detail) and aborts. */
void fuzz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Little-endian readers for the fuzz input (no alignment needed). */
static inline uint16_t fuzz_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t fuzz_le32(const uint8_t *p)
{
	return fuzz_le16(p) | (uint32_t)fuzz_le16(p + 2) << 16;
}

static inline uint64_t fuzz_le64(const uint8_t *p)
{
	return fuzz_le32(p) | (uint64_t)fuzz_le32(p + 4) << 32;
}

#endif
