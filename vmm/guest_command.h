/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_GUEST_COMMAND_H
#define KESTREL_VMM_GUEST_COMMAND_H

#include <stdbool.h>

#include "devices/virtio/ports.h"
#include "runtime/guest_event.h"
#include "vmm/host_console.h"
#include "runtime/hv.h"

/*
 * The host end of `kestrel run --rootfs DIR -- COMMAND`: virtio-console
 * ports joining the guest command's stdin, stdout and stderr to kestrel's,
 * and one on which the guest init reports the command's exit status
 * (GUEST_COMMAND_DONE; then `status` holds it).
 */
struct guest_command {
	struct virtio_ports ports;
	struct guest_event_sink events;
	int status; /* -1 until reported */
	char line[8];
	unsigned int line_len;
};

/* Creates the device and takes the console's stdin. 0 or -errno. */
int guest_command_init(struct guest_command *gc, const struct hv *hv,
		       struct host_console *console,
		       const struct guest_event_sink *events);
void guest_command_destroy(struct guest_command *gc);

/*
 * Takes in what the guest has queued on the ports now (a vCPU thread
 * powering the guest off, whose init may have just written the status).
 */
void guest_command_flush(struct guest_command *gc);

#endif
