// SPDX-License-Identifier: MIT
/* The --net option: user-mode networking or a host TAP device. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cli.h"

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 ||
	    strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	/* A multicast address cannot be a NIC's own. */
	return mac[0] & 1 ? -1 : 0;
}

int parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "ADDR:PORT" or ":PORT"; an empty address is `dflt`. */
static int parse_endpoint(const char *s, size_t len, uint32_t dflt,
			  uint32_t *addr, uint16_t *port)
{
	const char *colon = memchr(s, ':', len);
	char ip[INET_ADDRSTRLEN];
	struct in_addr a;
	size_t alen;

	if (!colon)
		return -1;
	alen = (size_t)(colon - s);
	if (parse_port(colon + 1, len - alen - 1, port))
		return -1;
	if (alen == 0) {
		*addr = dflt;
		return 0;
	}
	if (alen >= sizeof(ip))
		return -1;
	memcpy(ip, s, alen);
	ip[alen] = '\0';
	if (inet_pton(AF_INET, ip, &a) != 1)
		return -1;
	*addr = a.s_addr;
	return 0;
}

/* "tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT" (udp: likewise). */
static int parse_hostfwd(const char *s, size_t len, struct hostfwd *f)
{
	const char *dash;

	memset(f, 0, sizeof(*f));
	if (len > 4 && !strncmp(s, "tcp:", 4)) {
		f->udp = false;
	} else if (len > 4 && !strncmp(s, "udp:", 4)) {
		f->udp = true;
	} else {
		return -1;
	}
	s += 4;
	len -= 4;
	dash = memchr(s, '-', len);
	if (!dash)
		return -1;
	/* The host side listens on loopback unless told otherwise. */
	if (parse_endpoint(s, (size_t)(dash - s), htonl(INADDR_LOOPBACK),
			   &f->host_addr, &f->host_port) ||
	    parse_endpoint(dash + 1, len - (size_t)(dash - s) - 1, 0,
			   &f->guest_addr, &f->guest_port))
		return -1;
	return 0;
}

static bool is_opt(const char *s, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len >= n && !strncmp(s, name, n);
}

int parse_net(const char *arg, struct net_config *n, char *err, size_t errlen)
{
	const char *opt = strchr(arg, ',');
	size_t klen = opt ? (size_t)(opt - arg) : strlen(arg);

	memset(n, 0, sizeof(*n));
	if (klen == 4 && !strncmp(arg, "user", 4)) {
		n->kind = NET_USER;
	} else if (klen > 4 && !strncmp(arg, "tap=", 4)) {
		n->kind = NET_TAP;
		if (klen - 4 >= sizeof(n->ifname) ||
		    memchr(arg + 4, '/', klen - 4))
			return bad(
				err, errlen,
				"--net '%s': '%.*s' is not a network interface name",
				arg, (int)(klen - 4), arg + 4);
		memcpy(n->ifname, arg + 4, klen - 4);
	} else {
		return bad(err, errlen,
			   "--net '%s': must start with 'user' or 'tap=IFNAME'",
			   arg);
	}
	while (opt) {
		const char *s = opt + 1;
		const char *next = strchr(s, ',');
		size_t len = next ? (size_t)(next - s) : strlen(s);
		char val[32];

		if (is_opt(s, len, "mac=")) {
			if (len - 4 >= sizeof(val))
				return bad(err, errlen,
					   "--net '%s': bad MAC address", arg);
			memcpy(val, s + 4, len - 4);
			val[len - 4] = '\0';
			if (parse_mac(val, n->mac))
				return bad(
					err, errlen,
					"--net '%s': mac '%s' is not a unicast address like 52:54:00:12:34:56",
					arg, val);
			n->has_mac = true;
		} else if (n->kind == NET_USER && is_opt(s, len, "hostfwd=")) {
			if (n->nr_fwd == NET_MAX_HOSTFWD)
				return bad(
					err, errlen,
					"--net '%s': at most %d hostfwd rules",
					arg, NET_MAX_HOSTFWD);
			if (parse_hostfwd(s + 8, len - 8, &n->fwd[n->nr_fwd]))
				return bad(
					err, errlen,
					"--net '%s': hostfwd '%.*s' is not tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT",
					arg, (int)(len - 8), s + 8);
			n->nr_fwd++;
		} else if (n->kind == NET_USER && is_opt(s, len, "restrict=")) {
			if (len == 11 && !strncmp(s + 9, "on", 2))
				n->restricted = true;
			else if (len == 12 && !strncmp(s + 9, "off", 3))
				n->restricted = false;
			else
				return bad(
					err, errlen,
					"--net '%s': restrict must be on or off",
					arg);
		} else {
			return bad(
				err, errlen,
				"--net '%s': unknown option '%.*s' (known: %s)",
				arg, (int)len, s,
				n->kind == NET_USER ?
					"hostfwd=, restrict=, mac=" :
					"mac=");
		}
		opt = next;
	}
	return 0;
}
