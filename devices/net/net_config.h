/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_NET_NET_CONFIG_H
#define KESTREL_DEVICES_NET_NET_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

/* A NIC's back end as the command line describes it (--net). */
#define NET_MAX_HOSTFWD 16

/* hostfwd=tcp:HOSTADDR:HOSTPORT-GUESTADDR:GUESTPORT; addresses in network
 * byte order, guest_addr 0 meaning the guest's DHCP address. */
struct hostfwd {
	bool udp;
	uint32_t host_addr;
	uint16_t host_port;
	uint32_t guest_addr;
	uint16_t guest_port;
};

enum net_kind { NET_USER, NET_TAP };

struct net_config {
	enum net_kind kind;
	char ifname[16]; /* tap= (IFNAMSIZ) */
	bool has_mac;
	uint8_t mac[6];
	bool restricted; /* user: restrict=on */
	struct hostfwd fwd[NET_MAX_HOSTFWD];
	unsigned int nr_fwd;
};

#endif
