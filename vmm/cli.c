// SPDX-License-Identifier: MIT
/* Command-line parsing for "kestrel run". */
#include "vmm/cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/guest_init_protocol.h"

const char cli_usage[] =
	"usage: kestrel run [OPTIONS] [-- COMMAND [ARG...]]\n"
	"       kestrel check [-q|--quiet]\n"
	"       kestrel --help | --version\n"
	"\n"
	"Boot a Linux kernel in a KVM virtual machine.\n"
	"\n"
	"kestrel check says what this host's KVM offers and whether it can run a\n"
	"standard guest kernel (status 0) or not (125, with the reason); --quiet\n"
	"prints only that verdict.\n"
	"\n"
	"  -k, --kernel FILE    bzImage, or ELF vmlinux with a PVH entry point\n"
	"                       (default: the running kernel's /boot image, else\n"
	"                       the newest /boot/vmlinuz-*)\n"
	"  -i, --initrd FILE    initial ramdisk\n"
	"  -a, --append TEXT    added to the default kernel command line\n"
	"                       (console=ttyS0 earlyprintk=serial panic=-1,\n"
	"                       console=hvc0 with --console virtio); repeatable\n"
	"  -m, --memory SIZE    guest RAM, e.g. 512M or 4G; a bare number is MiB\n"
	"                       (default 512M)\n"
	"  -c, --cpus N         virtual CPUs, 1-254 (default 1)\n"
	"  -d, --disk FILE[,ro|,snapshot][,serial=ID]\n"
	"                       a raw disk image or block device as virtio-blk\n"
	"                       (/dev/vda, vdb ... in order); ro: read-only;\n"
	"                       snapshot: guest writes go to a throwaway copy in\n"
	"                       $TMPDIR, FILE is never written; serial: up to 20\n"
	"                       characters; repeatable\n"
	"      --net user[,hostfwd=tcp|udp:[HOSTADDR]:PORT-[GUESTADDR]:PORT]\n"
	"                [,restrict=on][,mac=MAC]\n"
	"                       a virtio-net NIC on user-mode networking: the guest\n"
	"                       gets 10.0.2.15 by DHCP, the host is 10.0.2.2, DNS\n"
	"                       10.0.2.3; hostfwd (repeatable) forwards a host port\n"
	"                       (on 127.0.0.1 unless HOSTADDR is given) into the\n"
	"                       guest; restrict=on allows nothing but forwards\n"
	"      --net tap=IFNAME[,mac=MAC]\n"
	"                       a virtio-net NIC on an existing host TAP device\n"
	"                       (ip tuntap add IFNAME mode tap user $USER);\n"
	"                       --net is repeatable: eth0, eth1 ... in order\n"
	"      --share DIR[,tag=TAG][,ro]\n"
	"                       host directory DIR for the guest over virtio-fs:\n"
	"                       mount -t virtiofs TAG /mnt (default tag share0,\n"
	"                       share1 ... in order); ro: read-only; repeatable\n"
	"      --console serial|virtio\n"
	"                       which console is stdin/stdout (default serial;\n"
	"                       virtio makes /dev/hvc0 the console)\n"
	"      --transport pci|mmio\n"
	"                       how virtio devices attach (default pci; mmio:\n"
	"                       virtio-mmio, found through ACPI, at most 10)\n"
	"      --rootfs DIR     boot with host directory DIR (e.g. /) as the\n"
	"                       guest's root, read-only, with throwaway writable\n"
	"                       layers on /etc /var /root /home /tmp, fresh /run;\n"
	"                       kestrel brings the initramfs and init\n"
	"      --console-log FILE\n"
	"                       also write everything the console shows to FILE\n"
	"      --timeout SECS   stop the guest after SECS seconds\n"
	"      --no-sandbox     run without the seccomp allow-lists, capability\n"
	"                       drop and other confinement (for debugging)\n"
	"  -h, --help           this text\n"
	"  -V, --version        kestrel's version\n"
	"\n"
	"The console is the guest's first serial port on stdin/stdout. When stdin\n"
	"is a terminal it is put in raw mode; type Ctrl-A x to quit, Ctrl-A Ctrl-A\n"
	"to send Ctrl-A.\n"
	"\n"
	"With --rootfs and a COMMAND, the guest runs COMMAND with kestrel's stdin,\n"
	"stdout and stderr, then powers off; the console is kept out of the way\n"
	"(see --console-log) and its last lines are shown if the run fails.\n"
	"\n"
	"Exit status:\n"
	"  N    with a COMMAND: the command's own exit status\n"
	"  0    the guest powered off or rebooted\n"
	"  124  --timeout expired\n"
	"  125  kestrel failed (bad arguments, unreadable kernel, KVM error, a\n"
	"       system call its sandbox forbids)\n"
	"  126  the guest kernel panicked\n"
	"  130  interrupted (SIGINT or Ctrl-A x), 143 terminated (SIGTERM)\n";

static void fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 20; /* bare number: MiB */
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		switch (toupper((unsigned char)*end)) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		case 'T':
			shift = 40;
			break;
		default:
			return -1;
		}
		end++;
		if (!strcasecmp(end, "iB"))
			end += 2;
		else if (!strcasecmp(end, "B"))
			end += 1;
		if (*end)
			return -1;
	}
	if (v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static const struct option run_options[] = {
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "append", required_argument, NULL, 'a' },
	{ "memory", required_argument, NULL, 'm' },
	{ "cpus", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	{ "disk", required_argument, NULL, 'd' },
	{ "net", required_argument, NULL, 'n' },
	{ "console", required_argument, NULL, 'C' },
	{ "share", required_argument, NULL, 'S' },
	{ "transport", required_argument, NULL, 'T' },
	{ "rootfs", required_argument, NULL, 'R' },
	{ "console-log", required_argument, NULL, 'L' },
	{ "no-sandbox", no_argument, NULL, 'N' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The option getopt just rejected, as the user spelled it. getopt leaves
 * optopt 0 for an unknown long option and the option's letter otherwise;
 * a long option missing its argument is the last word it consumed. (A
 * short option inside a cluster is not, hence the letter.)
 */
static const char *bad_option(char **argv, bool missing_arg, char *buf,
			      size_t len)
{
	const char *arg = argv[optind - 1];

	if (!optopt || (missing_arg && !strncmp(arg, "--", 2)))
		snprintf(buf, len, "%.*s", (int)strcspn(arg, "="), arg);
	else
		snprintf(buf, len, "-%c", optopt);
	return buf;
}

/*
 * The length of "--NAME" when getopt rejected "--NAME=VALUE" for an option
 * that takes no value (it reports the option's letter then); 0 otherwise.
 */
static size_t valued_flag(char **argv)
{
	const char *arg = argv[optind - 1];
	size_t n = strcspn(arg, "=");

	if (strncmp(arg, "--", 2) || !arg[n])
		return 0;
	for (const struct option *o = run_options; o->name; o++)
		if (o->has_arg == no_argument && o->val == optopt &&
		    strlen(o->name) == n - 2 &&
		    !strncmp(arg + 2, o->name, n - 2))
			return n;
	return 0;
}

/* Repeated --append options add up, separated by spaces. */
static int append_arg(struct vm_config *cfg, const char *arg)
{
	size_t old = cfg->append ? strlen(cfg->append) + 1 : 0;
	char *s = realloc(cfg->append, old + strlen(arg) + 1);

	if (!s)
		return -1;
	if (old)
		s[old - 1] = ' ';
	strcpy(s + old, arg);
	cfg->append = s;
	return 0;
}

void cli_free(struct vm_config *cfg)
{
	free(cfg->append);
	cfg->append = NULL;
	for (unsigned int i = 0; i < cfg->nr_disks; i++) {
		free(cfg->disk[i].path);
		cfg->disk[i].path = NULL;
	}
	cfg->nr_disks = 0;
	for (unsigned int i = 0; i < cfg->nr_shares; i++) {
		free(cfg->share[i].path);
		cfg->share[i].path = NULL;
	}
	cfg->nr_shares = 0;
}

int parse_disk(const char *arg, struct disk_config *d, char *err, size_t errlen)
{
	const char *opt = strchr(arg, ',');
	size_t plen = opt ? (size_t)(opt - arg) : strlen(arg);

	memset(d, 0, sizeof(*d));
	if (plen == 0) {
		fail(err, errlen, "--disk '%s': no file name", arg);
		return -1;
	}
	while (opt) {
		const char *next = strchr(opt + 1, ',');
		size_t len = next ? (size_t)(next - opt - 1) : strlen(opt + 1);

		if (len == 2 && !strncmp(opt + 1, "ro", 2)) {
			d->readonly = true;
		} else if (len == 8 && !strncmp(opt + 1, "snapshot", 8)) {
			d->snapshot = true;
		} else if (len >= 7 && !strncmp(opt + 1, "serial=", 7)) {
			if (len - 7 > CLI_DISK_SERIAL_MAX) {
				fail(err, errlen,
				     "--disk '%s': serial is longer than %d characters",
				     arg, CLI_DISK_SERIAL_MAX);
				return -1;
			}
			memcpy(d->serial, opt + 8, len - 7);
			d->serial[len - 7] = '\0';
		} else {
			fail(err, errlen,
			     "--disk '%s': unknown option '%.*s' (known: ro, snapshot, serial=ID)",
			     arg, (int)len, opt + 1);
			return -1;
		}
		opt = next;
	}
	if (d->readonly && d->snapshot) {
		fail(err, errlen,
		     "--disk '%s': ro and snapshot exclude each other (snapshot: the guest writes to a throwaway copy)",
		     arg);
		return -1;
	}
	d->path = strndup(arg, plen);
	if (!d->path) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static bool empty(const char *s)
{
	return !s || !*s;
}

/* The root of a --rootfs guest is a read-only share like any other. */
static int add_root_share(struct vm_config *cfg, char *err, size_t errlen)
{
	struct share_config *s = &cfg->share[cfg->nr_shares];

	if (cfg->nr_shares == CLI_MAX_SHARES) {
		fail(err, errlen, "--rootfs needs one of the %d shares",
		     CLI_MAX_SHARES);
		return -1;
	}
	for (unsigned int i = 0; i < cfg->nr_shares; i++) {
		if (!strcmp(cfg->share[i].tag, GUEST_ROOT_TAG)) {
			fail(err, errlen,
			     "--share: tag '%s' is the root's with --rootfs",
			     GUEST_ROOT_TAG);
			return -1;
		}
	}
	*s = (struct share_config){ .path = strdup(cfg->rootfs),
				    .readonly = true };
	snprintf(s->tag, sizeof(s->tag), "%s", GUEST_ROOT_TAG);
	if (!s->path) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	cfg->nr_shares++;
	return 0;
}

static enum cli_action parse_run(int argc, char **argv, uint64_t host_mem,
				 struct vm_config *cfg, char *err,
				 size_t errlen)
{
	char opt[64];
	unsigned long n;
	int c, idx, last_optarg = -1;

	optind = 0; /* re-initialise getopt: the parser is called repeatedly */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:k:i:a:m:c:d:hV", run_options,
				&idx)) != -1) {
		/* Remember which word was an option's argument, so that an
		 * argument "--" is not taken for the end of the options. */
		if (optarg && optind >= 1 && optarg == argv[optind - 1])
			last_optarg = optind - 1;
		switch (c) {
		case 'k':
		case 'i':
			if (empty(optarg)) {
				fail(err, errlen, "--%s needs a file name",
				     c == 'k' ? "kernel" : "initrd");
				return CLI_ERROR;
			}
			*(c == 'k' ? &cfg->kernel : &cfg->initrd) = optarg;
			break;
		case 'a':
			if (append_arg(cfg, optarg)) {
				fail(err, errlen, "out of memory");
				return CLI_ERROR;
			}
			break;
		case 'm':
			if (parse_size(optarg, &cfg->mem_size)) {
				fail(err, errlen,
				     "--memory '%s': not a size (try 512M or 2G)",
				     optarg);
				return CLI_ERROR;
			}
			if (cfg->mem_size < CLI_MIN_MEM) {
				fail(err, errlen,
				     "--memory '%s': at least %llu MiB is needed",
				     optarg, CLI_MIN_MEM >> 20);
				return CLI_ERROR;
			}
			if (cfg->mem_size & 0xfff) {
				fail(err, errlen,
				     "--memory '%s': not a multiple of 4 KiB",
				     optarg);
				return CLI_ERROR;
			}
			if (host_mem && cfg->mem_size > host_mem) {
				fail(err, errlen,
				     "--memory '%s': %llu MiB is more than the host's %llu MiB of RAM",
				     optarg,
				     (unsigned long long)(cfg->mem_size >> 20),
				     (unsigned long long)(host_mem >> 20));
				return CLI_ERROR;
			}
			break;
		case 'c':
			if (parse_uint(optarg, &n) || n < 1 ||
			    n > CLI_MAX_CPUS) {
				fail(err, errlen,
				     "--cpus '%s': must be a number from 1 to %d",
				     optarg, CLI_MAX_CPUS);
				return CLI_ERROR;
			}
			cfg->cpus = n;
			break;
		case 't': {
			char *end;

			errno = 0;
			cfg->timeout_s = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !isfinite(cfg->timeout_s) || cfg->timeout_s <= 0 ||
			    cfg->timeout_s > CLI_MAX_TIMEOUT_S) {
				fail(err, errlen,
				     "--timeout '%s': must be a positive number of seconds",
				     optarg);
				return CLI_ERROR;
			}
			break;
		}
		case 'd':
			if (cfg->nr_disks == CLI_MAX_DISKS) {
				fail(err, errlen, "at most %d --disk options",
				     CLI_MAX_DISKS);
				return CLI_ERROR;
			}
			if (parse_disk(optarg, &cfg->disk[cfg->nr_disks], err,
				       errlen))
				return CLI_ERROR;
			cfg->nr_disks++;
			break;
		case 'n':
			if (cfg->nr_nets == CLI_MAX_NICS) {
				fail(err, errlen, "at most %d --net options",
				     CLI_MAX_NICS);
				return CLI_ERROR;
			}
			if (parse_net(optarg, &cfg->net[cfg->nr_nets], err,
				      errlen))
				return CLI_ERROR;
			cfg->nr_nets++;
			break;
		case 'S':
			if (add_share(cfg, optarg, err, errlen))
				return CLI_ERROR;
			break;
		case 'C':
			if (!strcmp(optarg, "serial")) {
				cfg->console = CONSOLE_SERIAL;
			} else if (!strcmp(optarg, "virtio")) {
				cfg->console = CONSOLE_VIRTIO;
			} else {
				fail(err, errlen,
				     "--console '%s': must be serial or virtio",
				     optarg);
				return CLI_ERROR;
			}
			break;
		case 'T':
			if (!strcmp(optarg, "pci")) {
				cfg->transport = TRANSPORT_PCI;
			} else if (!strcmp(optarg, "mmio")) {
				cfg->transport = TRANSPORT_MMIO;
			} else {
				fail(err, errlen,
				     "--transport '%s': must be pci or mmio",
				     optarg);
				return CLI_ERROR;
			}
			break;
		case 'R':
		case 'L':
			if (empty(optarg)) {
				fail(err, errlen, "--%s needs a %s",
				     c == 'R' ? "rootfs" : "console-log",
				     c == 'R' ? "directory" : "file name");
				return CLI_ERROR;
			}
			*(c == 'R' ? &cfg->rootfs : &cfg->console_log) = optarg;
			break;
		case 'N':
			cfg->no_sandbox = true;
			break;
		case 'h':
			return CLI_HELP;
		case 'V':
			return CLI_VERSION;
		case ':':
			fail(err, errlen, "option '%s' needs an argument",
			     bad_option(argv, true, opt, sizeof(opt)));
			return CLI_ERROR;
		default:
			if (valued_flag(argv)) {
				fail(err, errlen,
				     "option '%.*s' takes no value",
				     (int)valued_flag(argv), argv[optind - 1]);
				return CLI_ERROR;
			}
			fail(err, errlen,
			     "unknown option '%s' (try 'kestrel --help')",
			     bad_option(argv, false, opt, sizeof(opt)));
			return CLI_ERROR;
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0 ||
		    last_optarg == optind - 1) {
			fail(err, errlen,
			     "unexpected argument '%s' (a guest command goes after '--')",
			     argv[optind]);
			return CLI_ERROR;
		}
		cfg->command = &argv[optind];
	}
	if (cfg->command && !cfg->rootfs) {
		fail(err, errlen,
		     "a COMMAND runs in the guest's root file system: give --rootfs DIR (e.g. --rootfs /)");
		return CLI_ERROR;
	}
	if (cfg->rootfs && cfg->initrd) {
		fail(err, errlen,
		     "--rootfs brings its own initramfs: leave out --initrd");
		return CLI_ERROR;
	}
	if (cfg->rootfs && add_root_share(cfg, err, errlen))
		return CLI_ERROR;
	return CLI_RUN;
}

static enum cli_action parse_check(int argc, char **argv, struct vm_config *cfg,
				   char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			cfg->quiet = true;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			return CLI_HELP;
		} else {
			fail(err, errlen,
			     "check: unexpected argument '%s' (try 'kestrel --help')",
			     argv[i]);
			return CLI_ERROR;
		}
	}
	return CLI_CHECK;
}

enum cli_action cli_parse(int argc, char **argv, uint64_t host_mem,
			  struct vm_config *cfg, char *err, size_t errlen)
{
	*cfg = (struct vm_config){ .mem_size = CLI_DEFAULT_MEM, .cpus = 1 };
	err[0] = '\0';
	if (argc < 2) {
		fail(err, errlen, "no command given (try 'kestrel --help')");
		return CLI_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return CLI_HELP;
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return CLI_VERSION;
	if (!strcmp(argv[1], "check"))
		return parse_check(argc - 1, argv + 1, cfg, err, errlen);
	if (strcmp(argv[1], "run") != 0) {
		fail(err, errlen, "unknown command '%s' (try 'kestrel --help')",
		     argv[1]);
		return CLI_ERROR;
	}
	return parse_run(argc - 1, argv + 1, host_mem, cfg, err, errlen);
}
