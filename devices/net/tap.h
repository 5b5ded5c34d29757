/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_NET_TAP_H
#define KESTREL_DEVICES_NET_TAP_H

#include <stddef.h>

#include "devices/net/backend.h"

/*
 * Opens the existing host TAP device ifname with a virtio-net header on
 * every frame, so checksum and segmentation offloads pass straight through.
 * Returns the back end, or NULL with one line in err (no such device, not
 * a TAP device, in use, no permission).
 */
struct net_backend *net_tap_open(const char *ifname, char *err, size_t errlen);

#endif
