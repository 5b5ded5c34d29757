/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_VIRTIO_VIRTIO_H
#define KESTREL_DEVICES_VIRTIO_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/virtqueue.h"
#include "runtime/hv.h"

/* Device-independent feature bits kestrel offers. */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

#define VIRTIO_MAX_QUEUES 16
#define VIRTIO_NO_VECTOR 0xffff

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

struct virtio_device;

/* What a device type (blk, console, rng ...) provides. */
struct virtio_device_ops {
	const char *name;
	uint32_t device_id;
	uint32_t pci_class; /* base << 16 | sub << 8 | prog-if */
	unsigned int nr_queues;
	uint16_t queue_size; /* the largest each queue may be */
	uint64_t features; /* device-specific bits offered */
	uint32_t config_size;
	/* Device config space access (off + len <= config_size), vdev locked. */
	void (*read_config)(struct virtio_device *vdev, uint32_t off, void *buf,
			    uint32_t len);
	void (*write_config)(struct virtio_device *vdev, uint32_t off,
			     const void *buf, uint32_t len);
	/*
	 * The driver set DRIVER_OK; the enabled queues are live (vCPU
	 * thread, vdev locked: set state, leave queue work to kick).
	 */
	void (*start)(struct virtio_device *vdev);
	/* The driver reset the device: drop everything in flight (vCPU
	 * thread, vdev locked). */
	void (*reset)(struct virtio_device *vdev);
	/* The driver kicked queue q (device thread, vdev locked). */
	void (*kick)(struct virtio_device *vdev, unsigned int q);
};

/* How the transport interrupts the guest. */
struct virtio_transport_ops {
	void (*interrupt_queue)(struct virtio_device *vdev, unsigned int q);
	void (*interrupt_config)(struct virtio_device *vdev);
};

struct virtio_device {
	const struct virtio_device_ops *ops;
	void *priv; /* the device type's state */
	const struct virtio_transport_ops *transport;
	void *transport_priv;
	const struct hv *hv;
	/*
	 * Held by the device thread while it works on the queues and by a
	 * vCPU thread while it accesses the device's registers; guards
	 * everything below, and the transport's state (interrupt status,
	 * vectors) too.
	 */
	pthread_mutex_t lock;

	uint8_t status;
	uint32_t device_feature_select, driver_feature_select;
	uint64_t driver_features;
	uint8_t config_generation;
	uint16_t queue_select;
	struct virtqueue vq[VIRTIO_MAX_QUEUES];
	bool queue_enabled[VIRTIO_MAX_QUEUES];
	struct ev_source kick[VIRTIO_MAX_QUEUES]; /* eventfds */
};

/* Sets up the device and its kick eventfds; 0 or -errno. */
int virtio_init(struct virtio_device *vdev, const struct virtio_device_ops *ops,
		void *priv, const struct hv *hv);
void virtio_destroy(struct virtio_device *vdev);

uint64_t virtio_offered_features(const struct virtio_device *vdev);
bool virtio_has_feature(const struct virtio_device *vdev, unsigned int bit);

/*
 * Register-level operations the transports share: vCPU threads, vdev
 * locked, each decision and the change it allows in one hold of the lock.
 * They change state and notify; the device's work (its kick handler)
 * happens on the device thread.
 */
void virtio_set_status(struct virtio_device *vdev, uint8_t status);
/*
 * Makes queue q live with the layout in vdev->vq[q] (then frozen until
 * reset); false if its rings are unusable.
 */
bool virtio_enable_queue(struct virtio_device *vdev, unsigned int q);
/* Asks the device thread to run queue q's kick handler; any thread. */
void virtio_notify(struct virtio_device *vdev, unsigned int q);
/*
 * Runs the device's kick handler for q now, vdev locked: on the device
 * thread, or where the work must be done before going on (a final flush).
 */
void virtio_kick(struct virtio_device *vdev, unsigned int q);

/* For device types: interrupts, when the driver asked for them. */
void virtio_interrupt_queue(struct virtio_device *vdev, unsigned int q);
/*
 * Host bytes for receive queue q (vdev locked, queue live): fills the
 * driver's buffers, chain after chain, with what fits; returns how much.
 * *again asks the caller to offer the rest soon: buffers arrived after
 * the ring ran dry, or the round's budget ran out. Otherwise the driver
 * has been asked to kick when it posts more.
 */
size_t virtio_receive(struct virtio_device *vdev, unsigned int q,
		      struct vq_chain *chain, const uint8_t *buf, size_t len,
		      bool *again);

/*
 * The most one transmit chain passes on to a byte stream (a console's
 * output). What Linux queues in one chain is at most a pipe's worth, 1 MiB
 * unless an administrator raised fs.pipe-max-size; a hostile chain can name
 * the same RAM VQ_MAX_CHAIN times over, and would otherwise make the host
 * write up to that many times guest RAM in one go.
 */
#define VIRTIO_TX_CHAIN_MAX (1U << 20)

/*
 * Hands the readable buffers of chain c to output, in order, up to
 * VIRTIO_TX_CHAIN_MAX bytes; drops (and reports) the rest. Returns how
 * much went. vdev locked.
 */
size_t virtio_transmit(const struct vq_chain *c,
		       void (*output)(void *ctx, const uint8_t *buf,
				      size_t len),
		       void *ctx);

/* The ring is broken: stop, and tell the driver to reset the device. */
void virtio_needs_reset(struct virtio_device *vdev);

/* Little-endian config helpers: copy [off, off+len) of a field struct. */
void virtio_config_copy(const void *config, uint32_t config_size, uint32_t off,
			void *buf, uint32_t len);

#endif
