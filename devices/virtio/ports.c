// SPDX-License-Identifier: MIT
/* virtio-console with named ports (multiport), none of them a console. */
#include "devices/virtio/ports.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

#include "devices/virtio/iov.h"
#include "runtime/log.h"

#define VIRTIO_CONSOLE_F_MULTIPORT 1
#define PORTS_QUEUE_SIZE 128
#define PCI_CLASS_COMMUNICATION_OTHER 0x078000

/* Queues: port 0 rx/tx, control rx/tx, then rx/tx of ports 1, 2 ... */
#define CTRL_RX 2
#define CTRL_TX 3
#define NR_QUEUES (2 + 2 * VIRTIO_PORTS_MAX)

/* Control events (virtio 1.x 5.3.6.2). */
enum {
	DEVICE_READY = 0,
	DEVICE_ADD = 1,
	PORT_READY = 3,
	PORT_OPEN = 6,
	PORT_NAME = 7,
};

struct ctrl_wire {
	uint32_t id;
	uint16_t event, value;
} __attribute__((packed));

static unsigned int rx_queue(unsigned int id)
{
	return id == 0 ? 0 : 2 + 2 * id;
}

unsigned int virtio_ports_tx_queue(unsigned int id)
{
	return rx_queue(id) + 1;
}

static bool live(const struct virtio_device *vdev, unsigned int q)
{
	return (vdev->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vdev->status & VIRTIO_STATUS_NEEDS_RESET) && vdev->vq[q].ready;
}

/* Sends what control messages the driver has buffers for. */
static void flush_control(struct virtio_ports *vp)
{
	struct virtio_device *vdev = &vp->vdev;
	struct virtqueue *vq = &vdev->vq[CTRL_RX];
	bool pushed = false;
	enum vq_pop_result r;

	if (!live(vdev, CTRL_RX))
		return;
	vq_new_round(vq);
	while (vp->pending_len && (r = vq_pop(vq, &vp->chain)) != VQ_EMPTY) {
		const struct virtio_port_ctrl *m =
			&vp->pending[vp->pending_head];
		struct ctrl_wire w = { htole32(m->id), htole16(m->event),
				       htole16(m->value) };
		const struct iovec *in = vp->chain.iov + vp->chain.nr_out;
		size_t n = 0;

		if (r == VQ_BROKEN) {
			virtio_needs_reset(vdev);
			return;
		}
		if (r == VQ_CHAIN && vp->chain.in_len >= sizeof(w)) {
			n = iov_from_buf(in, vp->chain.nr_in, 0, &w, sizeof(w));
			if (m->event == PORT_NAME) {
				const char *name = vp->port[m->id].name;

				n += iov_from_buf(in, vp->chain.nr_in, n, name,
						  strlen(name));
			}
		} else {
			log_guest("virtio-ports: control buffer too small");
		}
		vq_push(vq, vp->chain.head, (uint32_t)n);
		pushed = true;
		if (n) {
			vp->pending_head =
				(vp->pending_head + 1) % VIRTIO_PORTS_PENDING;
			vp->pending_len--;
		}
	}
	if (pushed)
		virtio_interrupt_queue(vdev, CTRL_RX);
}

static void send_control(struct virtio_ports *vp, uint32_t id, uint16_t event,
			 uint16_t value)
{
	unsigned int tail;

	if (vp->pending_len == VIRTIO_PORTS_PENDING) {
		/* Only a driver replaying DEVICE_READY gets here. */
		log_guest("virtio-ports: control queue full, message dropped");
		return;
	}
	tail = (vp->pending_head + vp->pending_len) % VIRTIO_PORTS_PENDING;
	vp->pending[tail] = (struct virtio_port_ctrl){ id, event, value };
	vp->pending_len++;
	flush_control(vp);
}

/* Tells the guest whether the host end of the port is open. */
static void send_host_state(struct virtio_ports *vp, unsigned int id)
{
	struct virtio_port *p = &vp->port[id];

	if (p->host_closed)
		send_control(vp, id, PORT_OPEN, 0);
	else if (!p->open_sent)
		send_control(vp, id, PORT_OPEN, 1);
	p->open_sent = true;
}

static void handle_control(struct virtio_ports *vp, const struct ctrl_wire *w)
{
	uint32_t id = le32toh(w->id);
	uint16_t event = le16toh(w->event), value = le16toh(w->value);
	struct virtio_port *p;

	if (event == DEVICE_READY) {
		if (value)
			for (unsigned int i = 0; i < vp->nr_ports; i++)
				send_control(vp, i, DEVICE_ADD, 1);
		return;
	}
	if (id >= vp->nr_ports) {
		log_guest("virtio-ports: control message for port %u", id);
		return;
	}
	p = &vp->port[id];
	switch (event) {
	case PORT_READY:
		if (!value || p->ready)
			break;
		p->ready = true;
		send_control(vp, id, PORT_NAME, 1);
		send_host_state(vp, id);
		break;
	case PORT_OPEN:
		p->guest_open = value != 0;
		if (p->guest_open && p->rx_ready)
			p->rx_ready(p->ctx);
		break;
	default:
		break;
	}
}

static void control_kick(struct virtio_ports *vp)
{
	struct virtio_device *vdev = &vp->vdev;
	struct virtqueue *vq = &vdev->vq[CTRL_TX];
	enum vq_pop_result r;

	do {
		vq_disable_kicks(vq);
		while ((r = vq_pop(vq, &vp->chain)) != VQ_EMPTY) {
			/* Answering may take receive chains into vp->chain. */
			uint16_t head = vp->chain.head;
			struct ctrl_wire w;

			if (r == VQ_BROKEN) {
				virtio_needs_reset(vdev);
				return;
			}
			if (r == VQ_CHAIN &&
			    iov_to_buf(vp->chain.iov, vp->chain.nr_out, 0, &w,
				       sizeof(w)) == sizeof(w))
				handle_control(vp, &w);
			else
				log_guest(
					"virtio-ports: short control message");
			vq_push(vq, head, 0);
		}
	} while (vq_enable_kicks(vq));
	virtio_interrupt_queue(vdev, CTRL_TX);
}

/* Passes on what the guest wrote to port id; false if the ring broke. */
static bool drain_output(struct virtio_ports *vp, unsigned int id)
{
	struct virtio_device *vdev = &vp->vdev;
	struct virtio_port *p = &vp->port[id];
	unsigned int q = virtio_ports_tx_queue(id);
	struct virtqueue *vq = &vdev->vq[q];
	bool pushed = false;
	enum vq_pop_result r;

	if (!vq->ready)
		return true;
	vq_new_round(vq);
	do {
		vq_disable_kicks(vq);
		while ((r = vq_pop(vq, &vp->chain)) != VQ_EMPTY) {
			if (r == VQ_BROKEN) {
				virtio_needs_reset(vdev);
				return false;
			}
			if (r == VQ_CHAIN && p->output)
				virtio_transmit(&vp->chain, p->output, p->ctx);
			vq_push(vq, vp->chain.head, 0);
			pushed = true;
		}
	} while (vq_enable_kicks(vq));
	if (pushed)
		virtio_interrupt_queue(vdev, q);
	return true;
}

static void ports_kick(struct virtio_device *vdev, unsigned int q)
{
	struct virtio_ports *vp = vdev->priv;

	if (q == CTRL_TX) {
		control_kick(vp);
		return;
	}
	if (q == CTRL_RX) {
		flush_control(vp);
		return;
	}
	if (q % 2 == 0) {
		unsigned int id = q == 0 ? 0 : (q - 2) / 2;

		if (id < vp->nr_ports && vp->port[id].rx_ready)
			vp->port[id].rx_ready(vp->port[id].ctx);
		return;
	}
	/*
	 * Output from every port, in port order: what a program wrote to one
	 * port before it wrote to a later one (a command's output before its
	 * exit status) reaches the host first.
	 */
	for (unsigned int id = 0; id < vp->nr_ports; id++)
		if (!drain_output(vp, id))
			return;
}

size_t virtio_ports_receive(struct virtio_ports *vp, unsigned int id,
			    const uint8_t *buf, size_t len)
{
	struct virtio_device *vdev = &vp->vdev;
	unsigned int q = rx_queue(id);
	size_t done;
	bool again;

	pthread_mutex_lock(&vdev->lock);
	/* Linux drops what reaches a port no program has open. */
	if (id >= vp->nr_ports || !live(vdev, q) || !vp->port[id].guest_open) {
		pthread_mutex_unlock(&vdev->lock);
		return 0;
	}
	done = virtio_receive(vdev, q, &vp->chain, buf, len, &again);
	if (again && vp->port[id].rx_ready)
		vp->port[id].rx_ready(vp->port[id].ctx);
	pthread_mutex_unlock(&vdev->lock);
	return done;
}

void virtio_ports_close_input(struct virtio_ports *vp, unsigned int id)
{
	struct virtio_device *vdev = &vp->vdev;

	pthread_mutex_lock(&vdev->lock);
	if (id < vp->nr_ports && !vp->port[id].host_closed) {
		/*
		 * Data already handed over sits in the used ring, which the
		 * driver reads before it believes the port closed.
		 */
		vp->port[id].host_closed = true;
		if (vp->port[id].ready)
			send_control(vp, id, PORT_OPEN, 0);
	}
	pthread_mutex_unlock(&vdev->lock);
}

static void ports_read_config(struct virtio_device *vdev, uint32_t off,
			      void *buf, uint32_t len)
{
	(void)vdev;
	struct {
		uint16_t cols, rows;
		uint32_t max_nr_ports, emerg_wr;
	} __attribute__((packed)) cfg = {
		.max_nr_ports = htole32(VIRTIO_PORTS_MAX),
	};

	virtio_config_copy(&cfg, sizeof(cfg), off, buf, len);
}

static void ports_reset(struct virtio_device *vdev)
{
	struct virtio_ports *vp = vdev->priv;

	for (unsigned int i = 0; i < vp->nr_ports; i++) {
		vp->port[i].ready = false;
		vp->port[i].guest_open = false;
		vp->port[i].open_sent = false;
	}
	vp->pending_head = vp->pending_len = 0;
}

static const struct virtio_device_ops ports_ops = {
	.name = "virtio-console (ports)",
	.device_id = VIRTIO_ID_CONSOLE,
	.pci_class = PCI_CLASS_COMMUNICATION_OTHER,
	.nr_queues = NR_QUEUES,
	.queue_size = PORTS_QUEUE_SIZE,
	.features = 1ULL << VIRTIO_CONSOLE_F_MULTIPORT,
	.config_size = 12,
	.read_config = ports_read_config,
	.kick = ports_kick,
	.reset = ports_reset,
};

int virtio_ports_init(struct virtio_ports *vp, const struct hv *hv,
		      const struct virtio_port *ports, unsigned int n)
{
	if (n > VIRTIO_PORTS_MAX)
		return -EINVAL;
	memcpy(vp->port, ports, n * sizeof(*ports));
	vp->nr_ports = n;
	return virtio_init(&vp->vdev, &ports_ops, vp, hv);
}

void virtio_ports_destroy(struct virtio_ports *vp)
{
	virtio_destroy(&vp->vdev);
}
