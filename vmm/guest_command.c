// SPDX-License-Identifier: MIT
/* A guest command's stdio and exit status, over virtio-console ports. */
#include "vmm/guest_command.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/guest_init_protocol.h"
#include "runtime/log.h"

enum { PORT_IN, PORT_OUT, PORT_ERR, PORT_STATUS, NR_PORTS };

static void to_stdout(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	host_write_all(STDOUT_FILENO, buf, len);
}

static void to_stderr(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	host_write_all(STDERR_FILENO, buf, len);
}

/* "N\n", N from 0 to 255; anything else is the guest misbehaving. */
static void on_status(void *ctx, const uint8_t *buf, size_t len)
{
	struct guest_command *gc = ctx;

	for (size_t i = 0; i < len && gc->status < 0; i++) {
		if (buf[i] != '\n') {
			if (gc->line_len < sizeof(gc->line) - 1)
				gc->line[gc->line_len++] = (char)buf[i];
			continue;
		}
		gc->line[gc->line_len] = '\0';
		gc->line_len = 0;
		if (!gc->line[0] ||
		    strspn(gc->line, "0123456789") != strlen(gc->line) ||
		    atoi(gc->line) > 255) {
			log_guest("the guest reported a bad exit status");
			continue;
		}
		gc->status = atoi(gc->line);
		guest_event(&gc->events, GUEST_COMMAND_DONE);
	}
}

static size_t stdin_push(void *dev, const uint8_t *buf, size_t len)
{
	return virtio_ports_receive(dev, PORT_IN, buf, len);
}

static void stdin_eof(void *dev)
{
	virtio_ports_close_input(dev, PORT_IN);
}

int guest_command_init(struct guest_command *gc, const struct hv *hv,
		       struct host_console *console,
		       const struct guest_event_sink *events)
{
	const struct virtio_port ports[NR_PORTS] = {
		[PORT_IN] = { .name = GUEST_PORT_STDIN,
			      .rx_ready = host_console_rx_ready,
			      .ctx = console },
		[PORT_OUT] = { .name = GUEST_PORT_STDOUT, .output = to_stdout },
		[PORT_ERR] = { .name = GUEST_PORT_STDERR, .output = to_stderr },
		[PORT_STATUS] = { .name = GUEST_PORT_STATUS,
				  .output = on_status,
				  .ctx = gc },
	};
	int err;

	gc->events = *events;
	gc->status = -1;
	gc->line_len = 0;
	err = virtio_ports_init(&gc->ports, hv, ports, NR_PORTS);
	if (err)
		return err;
	host_console_capture(console);
	host_console_attach(console, stdin_push, &gc->ports);
	console->eof = stdin_eof;
	return 0;
}

void guest_command_destroy(struct guest_command *gc)
{
	virtio_ports_destroy(&gc->ports);
}

void guest_command_flush(struct guest_command *gc)
{
	struct virtio_device *vdev = &gc->ports.vdev;

	pthread_mutex_lock(&vdev->lock);
	if (vdev->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_kick(vdev, virtio_ports_tx_queue(PORT_STATUS));
	pthread_mutex_unlock(&vdev->lock);
}
