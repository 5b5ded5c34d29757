/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_VMM_CLI_H
#define KESTREL_VMM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/net/net_config.h"

#define KESTREL_VERSION "0.1.0"

#define CLI_DEFAULT_MEM (512ULL << 20)
#define CLI_MIN_MEM (32ULL << 20)
/* xAPIC IDs in the MADT are 8 bits and 0xff is the broadcast ID. */
#define CLI_MAX_CPUS 254
#define CLI_MAX_TIMEOUT_S (100.0 * 365 * 24 * 3600)
#define CLI_MAX_DISKS 16
#define CLI_DISK_SERIAL_MAX 20 /* virtio-blk's GET_ID size */

#define CLI_MAX_NICS 8
struct disk_config {
	char *path;
	bool readonly;
	bool snapshot; /* writes go to a throwaway overlay */
	char serial[CLI_DISK_SERIAL_MAX + 1];
};

#define CLI_MAX_SHARES 8
#define CLI_SHARE_TAG_MAX 36 /* virtio-fs config space */

struct share_config {
	char *path;
	char tag[CLI_SHARE_TAG_MAX + 1];
	bool readonly;
};

/* The longest path a Unix socket address holds (sun_path, less its NUL). */
#define CLI_SOCKET_PATH_MAX 107

/* --gdb [HOST:]PORT or --gdb unix:PATH */
struct gdb_listen_config {
	bool is_unix;
	char path[CLI_SOCKET_PATH_MAX + 1]; /* sun_path */
	uint32_t addr; /* IPv4, network byte order; default 127.0.0.1 */
	uint16_t port; /* host byte order */
};

enum console_kind { CONSOLE_SERIAL, CONSOLE_VIRTIO };
enum virtio_transport_kind { TRANSPORT_PCI, TRANSPORT_MMIO };

struct vm_config {
	const char *kernel; /* NULL: pick the host's default kernel */
	const char *initrd;
	char *append; /* all --append texts, space-separated; NULL if none */
	uint64_t mem_size;
	unsigned int cpus;
	double timeout_s; /* 0: no timeout */
	struct disk_config disk[CLI_MAX_DISKS];
	unsigned int nr_disks;
	struct net_config net[CLI_MAX_NICS];
	unsigned int nr_nets;
	struct share_config share[CLI_MAX_SHARES];
	unsigned int nr_shares;
	enum console_kind console;
	enum virtio_transport_kind transport;
	const char *rootfs; /* --rootfs DIR */
	const char *console_log; /* --console-log FILE */
	char **command; /* NULL-terminated, after "--"; NULL if none */
	bool no_sandbox; /* --no-sandbox */
	const char *control; /* --control PATH */
	bool gdb; /* --gdb given */
	struct gdb_listen_config gdb_listen;
	bool gdb_wait; /* --gdb-wait: hold vCPUs until gdb continues */
	const char *dump_on_panic; /* --dump-on-panic FILE */
	bool quiet; /* kestrel check --quiet */
	/* kestrel ctl SOCKET COMMAND [ARG...]: argv from SOCKET on */
	int ctl_argc;
	char **ctl_argv;
};

enum cli_action {
	CLI_RUN,
	CLI_CHECK,
	CLI_CTL,
	CLI_HELP,
	CLI_VERSION,
	CLI_ERROR
};

/*
 * Parses "kestrel [--help|--version]", "kestrel check [--quiet]",
 * "kestrel ctl SOCKET COMMAND [ARG...]" and "kestrel run [OPTIONS] [-- CMD]".
 * On CLI_ERROR, err holds one line (without the "kestrel: " prefix).
 * Validates syntax and ranges only; files are checked when loaded.
 * host_mem is the host's RAM in bytes (0: unknown), the ceiling for -m.
 */
enum cli_action cli_parse(int argc, char **argv, uint64_t host_mem,
			  struct vm_config *cfg, char *err, size_t errlen);

/*
 * "FILE[,ro|,snapshot][,serial=ID]" into d (path allocated). Returns 0,
 * or -1 with one line in err.
 */
int parse_disk(const char *arg, struct disk_config *d, char *err,
	       size_t errlen);

/*
 * "user[,hostfwd=...][,restrict=on|off][,mac=MAC]" or "tap=IFNAME[,mac=MAC]"
 * into n. Returns 0, or -1 with one line in err.
 */
int parse_net(const char *arg, struct net_config *n, char *err, size_t errlen);

/*
 * "DIR[,tag=TAG][,ro]" into s, the index-th share (default tag "shareN").
 * Returns 0, or -1 with one line in err.
 */
int parse_share(const char *arg, unsigned int index, struct share_config *s,
		char *err, size_t errlen);
/* parse_share() into the next of cfg->share, refusing a tag in use. */
int add_share(struct vm_config *cfg, const char *arg, char *err, size_t errlen);

/*
 * "[HOST:]PORT" (HOST an IPv4 address or "localhost", default 127.0.0.1)
 * or "unix:PATH" into g. Returns 0, or -1 with one line in err.
 */
int parse_gdb_listen(const char *arg, struct gdb_listen_config *g, char *err,
		     size_t errlen);

/* len decimal digits making a port, 1 to 65535. Returns 0 or -1. */
int parse_port(const char *s, size_t len, uint16_t *port);

/*
 * "512M", "4G", "1048576K", "64" (MiB, as QEMU reads a bare number).
 * Suffixes K, M, G, T, optionally followed by "iB" or "B", any case.
 * Returns 0, or -1 if malformed or out of 64-bit range.
 */
int parse_size(const char *s, uint64_t *out);

/* Frees what cli_parse() allocated in cfg (also after CLI_ERROR). */
void cli_free(struct vm_config *cfg);

/* The text of "kestrel --help", made from the option table once. */
const char *cli_usage_text(void);
#define cli_usage (cli_usage_text())

#endif
