// SPDX-License-Identifier: MIT
/* The options of "kestrel run": what each is called, says and stores. */
#include "vmm/cli_option.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A path the user must not leave empty; what names what it should be. */
static int set_path(const char **dst, const char *arg, const char *option,
		    const char *what, char *err, size_t errlen)
{
	if (!*arg)
		return cli_fail(err, errlen, "--%s needs a %s", option, what);
	*dst = arg;
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

static int opt_kernel(struct vm_config *cfg, const char *arg,
		      struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	return set_path(&cfg->kernel, arg, "kernel", "file name", err, errlen);
}

static int opt_initrd(struct vm_config *cfg, const char *arg,
		      struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	return set_path(&cfg->initrd, arg, "initrd", "file name", err, errlen);
}

/* Repeated --append options add up, separated by spaces. */
static int opt_append(struct vm_config *cfg, const char *arg,
		      struct cli_ctx *ctx, char *err, size_t errlen)
{
	size_t old = cfg->append ? strlen(cfg->append) + 1 : 0;
	char *s = realloc(cfg->append, old + strlen(arg) + 1);

	(void)ctx;
	if (!s)
		return cli_fail(err, errlen, "out of memory");
	if (old)
		s[old - 1] = ' ';
	strcpy(s + old, arg);
	cfg->append = s;
	return 0;
}

static int opt_memory(struct vm_config *cfg, const char *arg,
		      struct cli_ctx *ctx, char *err, size_t errlen)
{
	if (parse_size(arg, &cfg->mem_size))
		return cli_fail(err, errlen,
				"--memory '%s': not a size (try 512M or 2G)",
				arg);
	if (cfg->mem_size < CLI_MIN_MEM)
		return cli_fail(err, errlen,
				"--memory '%s': at least %llu MiB is needed",
				arg, CLI_MIN_MEM >> 20);
	if (cfg->mem_size & 0xfff)
		return cli_fail(err, errlen,
				"--memory '%s': not a multiple of 4 KiB", arg);
	if (ctx->host_mem && cfg->mem_size > ctx->host_mem)
		return cli_fail(
			err, errlen,
			"--memory '%s': %llu MiB is more than the host's %llu MiB of RAM",
			arg, (unsigned long long)(cfg->mem_size >> 20),
			(unsigned long long)(ctx->host_mem >> 20));
	return 0;
}

static int opt_cpus(struct vm_config *cfg, const char *arg, struct cli_ctx *ctx,
		    char *err, size_t errlen)
{
	unsigned long n;

	(void)ctx;
	if (parse_uint(arg, &n) || n < 1 || n > CLI_MAX_CPUS)
		return cli_fail(err, errlen,
				"--cpus '%s': must be a number from 1 to %d",
				arg, CLI_MAX_CPUS);
	cfg->cpus = n;
	return 0;
}

static int opt_timeout(struct vm_config *cfg, const char *arg,
		       struct cli_ctx *ctx, char *err, size_t errlen)
{
	char *end;

	(void)ctx;
	errno = 0;
	cfg->timeout_s = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(cfg->timeout_s) ||
	    cfg->timeout_s <= 0 || cfg->timeout_s > CLI_MAX_TIMEOUT_S)
		return cli_fail(
			err, errlen,
			"--timeout '%s': must be a positive number of seconds",
			arg);
	return 0;
}

static int opt_disk(struct vm_config *cfg, const char *arg, struct cli_ctx *ctx,
		    char *err, size_t errlen)
{
	(void)ctx;
	if (cfg->nr_disks == CLI_MAX_DISKS)
		return cli_fail(err, errlen, "at most %d --disk options",
				CLI_MAX_DISKS);
	if (parse_disk(arg, &cfg->disk[cfg->nr_disks], err, errlen))
		return -1;
	cfg->nr_disks++;
	return 0;
}

static int opt_net(struct vm_config *cfg, const char *arg, struct cli_ctx *ctx,
		   char *err, size_t errlen)
{
	(void)ctx;
	if (cfg->nr_nets == CLI_MAX_NICS)
		return cli_fail(err, errlen, "at most %d --net options",
				CLI_MAX_NICS);
	if (parse_net(arg, &cfg->net[cfg->nr_nets], err, errlen))
		return -1;
	cfg->nr_nets++;
	return 0;
}

static int opt_share(struct vm_config *cfg, const char *arg,
		     struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	return add_share(cfg, arg, err, errlen);
}

static int opt_console(struct vm_config *cfg, const char *arg,
		       struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	if (!strcmp(arg, "serial"))
		cfg->console = CONSOLE_SERIAL;
	else if (!strcmp(arg, "virtio"))
		cfg->console = CONSOLE_VIRTIO;
	else
		return cli_fail(err, errlen,
				"--console '%s': must be serial or virtio",
				arg);
	return 0;
}

static int opt_transport(struct vm_config *cfg, const char *arg,
			 struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	if (!strcmp(arg, "pci"))
		cfg->transport = TRANSPORT_PCI;
	else if (!strcmp(arg, "mmio"))
		cfg->transport = TRANSPORT_MMIO;
	else
		return cli_fail(err, errlen,
				"--transport '%s': must be pci or mmio", arg);
	return 0;
}

static int opt_rootfs(struct vm_config *cfg, const char *arg,
		      struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	return set_path(&cfg->rootfs, arg, "rootfs", "directory", err, errlen);
}

static int opt_console_log(struct vm_config *cfg, const char *arg,
			   struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	return set_path(&cfg->console_log, arg, "console-log", "file name", err,
			errlen);
}

static int opt_control(struct vm_config *cfg, const char *arg,
		       struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	if (strlen(arg) > CLI_SOCKET_PATH_MAX)
		return cli_fail(
			err, errlen,
			"--control '%s': a Unix socket path is at most %d bytes",
			arg, CLI_SOCKET_PATH_MAX);
	return set_path(&cfg->control, arg, "control", "socket path", err,
			errlen);
}

static int opt_gdb(struct vm_config *cfg, const char *arg, struct cli_ctx *ctx,
		   char *err, size_t errlen)
{
	(void)ctx;
	if (parse_gdb_listen(arg, &cfg->gdb_listen, err, errlen))
		return -1;
	cfg->gdb = true;
	return 0;
}

static int opt_gdb_wait(struct vm_config *cfg, const char *arg,
			struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)arg, (void)ctx, (void)err, (void)errlen;
	cfg->gdb_wait = true;
	return 0;
}

static int opt_dump_on_panic(struct vm_config *cfg, const char *arg,
			     struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	return set_path(&cfg->dump_on_panic, arg, "dump-on-panic", "file name",
			err, errlen);
}

static int opt_no_sandbox(struct vm_config *cfg, const char *arg,
			  struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)arg, (void)ctx, (void)err, (void)errlen;
	cfg->no_sandbox = true;
	return 0;
}

static int opt_help(struct vm_config *cfg, const char *arg, struct cli_ctx *ctx,
		    char *err, size_t errlen)
{
	(void)cfg, (void)arg, (void)err, (void)errlen;
	ctx->action = CLI_HELP;
	return 0;
}

static int opt_version(struct vm_config *cfg, const char *arg,
		       struct cli_ctx *ctx, char *err, size_t errlen)
{
	(void)cfg, (void)arg, (void)err, (void)errlen;
	ctx->action = CLI_VERSION;
	return 0;
}

const struct cli_option cli_options[] = {
	{
		.name = "kernel",
		.letter = 'k',
		.arg = "FILE",
		.help = "bzImage, or ELF vmlinux with a PVH entry point "
			"(default: the running kernel's /boot image, else the "
			"newest /boot/vmlinuz-*)",
		.doc = "a bzImage, or an uncompressed ELF `vmlinux` with a PVH "
		       "entry point (`CONFIG_PVH=y`). Default: "
		       "`/boot/vmlinuz-$(uname -r)` if readable, else the "
		       "newest `/boot/vmlinuz-*`.",
		.complete = CLI_COMPLETE_FILE,
		.parse = opt_kernel,
	},
	{
		.name = "initrd",
		.letter = 'i',
		.arg = "FILE",
		.help = "initial ramdisk",
		.doc = "initial ramdisk (initramfs)",
		.complete = CLI_COMPLETE_FILE,
		.parse = opt_initrd,
	},
	{
		.name = "append",
		.letter = 'a',
		.arg = "TEXT",
		.help = "added to the default kernel command line "
			"(console=ttyS0 earlyprintk=serial panic=-1, "
			"console=hvc0 with --console virtio); repeatable",
		.doc = "added to the default kernel command line `console=ttyS0 "
		       "earlyprintk=serial panic=-1`; repeatable",
		.parse = opt_append,
	},
	{
		.name = "memory",
		.letter = 'm',
		.arg = "SIZE",
		.help = "guest RAM, e.g. 512M or 4G; a bare number is MiB "
			"(default 512M)",
		.doc = "guest RAM: `512M`, `4G`, `1048576K`; a bare number is "
		       "MiB, as in QEMU. Default 512M; at least 32M, at most "
		       "the host's RAM.",
		.parse = opt_memory,
	},
	{
		.name = "cpus",
		.letter = 'c',
		.arg = "N",
		.help = "virtual CPUs, 1-254 (default 1)",
		.doc = "virtual CPUs, 1 to 254 (default 1)",
		.parse = opt_cpus,
	},
	{
		.name = "disk",
		.letter = 'd',
		.arg = "FILE[,ro|,snapshot][,serial=ID]",
		.help = "a raw disk image or block device as virtio-blk "
			"(/dev/vda, vdb ... in order); ro: read-only; "
			"snapshot: guest writes go to a throwaway copy in "
			"$TMPDIR, FILE is never written; serial: up to 20 "
			"characters; repeatable",
		.doc = "a virtio-blk disk: a raw image file or a block device "
		       "(`/dev/...`); the first is `/dev/vda`, the next "
		       "`/dev/vdb`... (repeatable, up to 16). `ro` opens the "
		       "file read-only and the guest sees a read-only disk; "
		       "`snapshot` opens the file read-only too, but the guest "
		       "sees a writable disk whose writes go to a throwaway "
		       "copy (see [Disposable disks](#disposable-disks)); "
		       "`serial=` sets what the guest reads in "
		       "`/sys/block/vdX/serial` (up to 20 characters).",
		.complete = CLI_COMPLETE_FILE,
		.parse = opt_disk,
	},
	{
		.name = "net",
		.arg = "user[,hostfwd=RULE][,restrict=on][,mac=MAC]",
		.help = "a virtio-net NIC on user-mode networking: the guest "
			"gets 10.0.2.15 by DHCP, the host is 10.0.2.2, DNS "
			"10.0.2.3; hostfwd (repeatable) forwards a host port "
			"(on 127.0.0.1 unless HOSTADDR is given) into the "
			"guest, RULE being "
			"tcp|udp:[HOSTADDR]:PORT-[GUESTADDR]:PORT; "
			"restrict=on allows nothing but forwards",
		.doc = "a virtio-net NIC on user-mode networking (libslirp; no "
		       "root, no host set-up): the guest gets 10.0.2.15/24 by "
		       "DHCP, the gateway and host are 10.0.2.2, DNS 10.0.2.3 "
		       "(forwarded to the host's resolver). "
		       "`hostfwd=tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT` "
		       "(or `udp:`, repeatable) forwards a host port into the "
		       "guest, listening on 127.0.0.1 unless HOSTADDR is given. "
		       "`restrict=on` cuts the guest off from everything but "
		       "its forwards.",
		.parse = opt_net,
	},
	{
		.name = "net",
		.arg = "tap=IFNAME[,mac=MAC]",
		.help = "a virtio-net NIC on an existing host TAP device (ip "
			"tuntap add IFNAME mode tap user $USER); --net is "
			"repeatable: eth0, eth1 ... in order",
		.doc = "a virtio-net NIC on an existing host TAP device (`ip "
		       "tuntap add IFNAME mode tap user $USER`), with checksum "
		       "and TCP segmentation offloads passed through. `--net` "
		       "is repeatable (up to 8): `eth0`, `eth1` ... in order. "
		       "Without `mac=`, NICs get 52:54:00:12:34:56, :57 ... "
		       "(user) or a MAC derived from the TAP device's name.",
	},
	{
		.name = "share",
		.arg = "DIR[,tag=TAG][,ro]",
		.help = "host directory DIR for the guest over virtio-fs: mount "
			"-t virtiofs TAG /mnt (default tag share0, share1 ... "
			"in order); ro: read-only; repeatable",
		.doc = "the host directory DIR for the guest over virtio-fs, "
		       "served by kestrel itself (no virtiofsd, no root): "
		       "`mount -t virtiofs TAG /mnt` in the guest. Without "
		       "`tag=`, shares are `share0`, `share1` ... in order "
		       "(repeatable, up to 8; a tag is 1 to 36 characters). "
		       "`ro` refuses every change with `EROFS`. See [Sharing a "
		       "host directory](#sharing-a-host-directory).",
		.complete = CLI_COMPLETE_DIR,
		.parse = opt_share,
	},
	{
		.name = "console",
		.arg = "serial|virtio",
		.help = "which console is stdin/stdout (default serial; virtio "
			"makes /dev/hvc0 the console)",
		.doc = "where the kernel console and stdin/stdout go: the UART "
		       "(`ttyS0`, default) or a virtio console (`hvc0`; the "
		       "UART still shows the earliest boot messages)",
		.complete = CLI_COMPLETE_CHOICES,
		.choices = "serial virtio",
		.parse = opt_console,
	},
	{
		.name = "transport",
		.arg = "pci|mmio",
		.help = "how virtio devices attach (default pci; mmio: "
			"virtio-mmio, found through ACPI, at most 10)",
		.doc = "how virtio devices attach: PCI (default; what every "
		       "distribution kernel expects) or virtio-mmio (announced "
		       "in ACPI, for kernels built without PCI)",
		.complete = CLI_COMPLETE_CHOICES,
		.choices = "pci mmio",
		.parse = opt_transport,
	},
	{
		.name = "rootfs",
		.arg = "DIR",
		.help = "boot with host directory DIR (e.g. /) as the guest's "
			"root, read-only, with throwaway writable layers on "
			"/etc /var /root /home /tmp, fresh /run; kestrel brings "
			"the initramfs and init",
		.doc = "boot with the host directory DIR (usually `/`) as the "
		       "guest's root, read-only, with throwaway writable "
		       "layers; kestrel brings the initramfs and init. See "
		       "[Kernel testing](#kernel-testing-a-command-in-a-fresh-"
		       "kernel). Not with `--initrd`.",
		.complete = CLI_COMPLETE_DIR,
		.parse = opt_rootfs,
	},
	{
		.name = "console-log",
		.arg = "FILE",
		.help = "also write everything the console shows to FILE",
		.doc = "also write everything the console shows to FILE "
		       "(created or truncated), from the kernel's first line, "
		       "in every mode",
		.complete = CLI_COMPLETE_FILE,
		.parse = opt_console_log,
	},
	{
		.name = "timeout",
		.arg = "SECS",
		.help = "stop the guest after SECS seconds",
		.doc = "stop the guest after SECS seconds (decimals allowed)",
		.parse = opt_timeout,
	},
	{
		.name = "control",
		.arg = "PATH",
		.help = "take commands from kestrel ctl PATH (status, pause, "
			"resume, stop, sysrq, nmi, dump) on the Unix socket "
			"PATH",
		.doc = "take commands from `kestrel ctl PATH COMMAND` on the "
		       "Unix socket PATH (at most 107 bytes): `status`, "
		       "`pause`, `resume`, `stop`, `sysrq KEY`, `nmi`, "
		       "`dump FILE`",
		.complete = CLI_COMPLETE_FILE,
		.parse = opt_control,
	},
	{
		.name = "gdb",
		.arg = "[HOST:]PORT",
		.help = "a gdb remote stub on TCP HOST:PORT (HOST: an IPv4 "
			"address or localhost; default 127.0.0.1): target "
			"remote :PORT in gdb",
		.doc = "a gdb remote stub (GDB's remote serial protocol) "
		       "listening on TCP HOST:PORT, HOST an IPv4 address or "
		       "`localhost` (default 127.0.0.1): `target remote :PORT` "
		       "in gdb, with the guest kernel's `vmlinux` for symbols",
		.parse = opt_gdb,
	},
	{
		.name = "gdb",
		.arg = "unix:PATH",
		.help = "the gdb stub on the Unix socket PATH instead",
		.doc = "the gdb stub on the Unix socket PATH (at most 107 "
		       "bytes) instead: `target remote PATH` in gdb",
	},
	{
		.name = "gdb-wait",
		.help = "hold the guest's CPUs until gdb attaches and continues "
			"(needs --gdb)",
		.doc = "hold the guest's CPUs until gdb attaches and "
		       "continues them (needs `--gdb`)",
		.parse = opt_gdb_wait,
	},
	{
		.name = "dump-on-panic",
		.arg = "FILE",
		.help = "when the guest kernel panics, write an ELF core of the "
			"guest to FILE",
		.doc = "when the guest kernel panics, write an ELF core of the "
		       "guest to FILE, as QEMU's `dump-guest-memory` writes "
		       "them, for `crash`, `gdb` or `drgn`",
		.complete = CLI_COMPLETE_FILE,
		.parse = opt_dump_on_panic,
	},
	{
		.name = "no-sandbox",
		.help = "run without the seccomp allow-lists, capability drop "
			"and other confinement (for debugging)",
		.doc = "run without the sandbox (seccomp allow-lists, dropped "
		       "capabilities, no new privileges, not dumpable), to "
		       "debug kestrel with `strace` or `gdb`, or a call the "
		       "sandbox forbade. See [The sandbox](#the-sandbox).",
		.parse = opt_no_sandbox,
	},
	{
		.name = "help",
		.letter = 'h',
		.help = "this text",
		.doc = "a summary of the options and exit statuses",
		.parse = opt_help,
	},
	{
		.name = "version",
		.letter = 'V',
		.help = "kestrel's version",
		.parse = opt_version,
	},
};

const size_t cli_nr_options = sizeof(cli_options) / sizeof(cli_options[0]);

_Static_assert(sizeof(cli_options) / sizeof(cli_options[0]) <= CLI_MAX_OPTIONS,
	       "raise CLI_MAX_OPTIONS");
