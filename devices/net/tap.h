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

/*
 * The back end over fd, a TAP device queue already set up as
 * net_tap_open() does (non-blocking, virtio-net headers), which it then
 * owns; the offloads it offers are what the device accepts. Tests and
 * fuzzing pass a SOCK_SEQPACKET socket instead, which keeps frame
 * boundaries as a TAP device does. NULL when out of memory.
 */
struct net_backend *net_tap_adopt(int fd, const char *ifname);

#endif
