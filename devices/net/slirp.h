/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_NET_SLIRP_H
#define KESTREL_DEVICES_NET_SLIRP_H

#include <stddef.h>

#include "devices/net/backend.h"
#include "devices/net/net_config.h"

/*
 * User-mode networking through libslirp: guest 10.0.2.15 by DHCP, host and
 * gateway 10.0.2.2, DNS 10.0.2.3, the configured port forwards bound now.
 * Returns the back end, or NULL with one line in err (a port in use ...).
 */
struct net_backend *net_slirp_open(const struct net_config *cfg, char *err,
				   size_t errlen);

#endif
