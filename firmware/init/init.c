// SPDX-License-Identifier: MIT
/*
 * kestrel's guest init for --rootfs: PID 1 of the initramfs kestrel builds
 * for each run. It loads the modules kestrel picked for the guest kernel,
 * mounts the shared host directory read-only as the root with tmpfs
 * overlays where programs expect to write, switches into it, and runs the
 * command kestrel was given (its stdin, stdout and stderr on virtio-console
 * ports, its exit status sent back on another) or an interactive shell.
 *
 * A static program that needs nothing from the root it mounts; kestrel
 * embeds it and writes its settings to a file beside it (see
 * firmware/guest_init_protocol.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "firmware/guest_init_protocol.h"

#define NEWROOT "/newroot"
#define OVERLAYS "/overlays"
#define MAX_ITEMS 4096
/* finit_module flag: the file is compressed, the kernel decompresses it */
#define MODULE_INIT_COMPRESSED 4

static char *config;
static const char *root_tag, *hostname, *cwd = "/", *console = "ttyS0";
static unsigned short rows, cols;
static const char *mods[MAX_ITEMS], *envs[MAX_ITEMS], *args[MAX_ITEMS + 1];
static unsigned int nr_mods, nr_envs, nr_args;

static void vsay(const char *fmt, va_list ap)
{
	fputs("kestrel-init: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

/* Ends init, and so the run: the kernel panics and kestrel reports it. */
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(1);
}

static void read_config(void)
{
	int fd = open(GUEST_INIT_CONFIG, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *p, *end, *next;

	if (fd < 0 || fstat(fd, &st) < 0)
		die("cannot open " GUEST_INIT_CONFIG ": %s", strerror(errno));
	config = malloc(st.st_size + 1);
	if (!config || read(fd, config, st.st_size) != st.st_size)
		die("cannot read " GUEST_INIT_CONFIG);
	close(fd);
	config[st.st_size] = '\0';
	/* NUL-separated "key=value" records. */
	for (p = config, end = config + st.st_size; p < end; p = next) {
		char *v = strchr(p, '=');

		/* The record's end, before its '=' becomes a NUL. */
		next = p + strlen(p) + 1;

		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(p, "mod") && nr_mods < MAX_ITEMS)
			mods[nr_mods++] = v;
		else if (!strcmp(p, "env") && nr_envs < MAX_ITEMS)
			envs[nr_envs++] = v;
		else if (!strcmp(p, "arg") && nr_args < MAX_ITEMS)
			args[nr_args++] = v;
		else if (!strcmp(p, "root"))
			root_tag = v;
		else if (!strcmp(p, "hostname"))
			hostname = v;
		else if (!strcmp(p, "cwd"))
			cwd = v;
		else if (!strcmp(p, "console"))
			console = v;
		else if (!strcmp(p, "rows"))
			rows = (unsigned short)atoi(v);
		else if (!strcmp(p, "cols"))
			cols = (unsigned short)atoi(v);
	}
	if (!root_tag)
		die(GUEST_INIT_CONFIG " names no root");
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static void load_modules(void)
{
	for (unsigned int i = 0; i < nr_mods; i++) {
		int flags =
			ends_with(mods[i], ".ko") ? 0 : MODULE_INIT_COMPRESSED;
		int fd = open(mods[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			die("cannot open %s: %s", mods[i], strerror(errno));
		if (syscall(SYS_finit_module, fd, "", flags) < 0 &&
		    errno != EEXIST)
			die("cannot load %s: %s", mods[i], strerror(errno));
		close(fd);
	}
}

static void mount_or_die(const char *src, const char *dst, const char *type,
			 unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0)
		die("cannot mount %s on %s: %s", type, dst, strerror(errno));
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void mount_root(void)
{
	/* The device may still be probing when its module has loaded. */
	for (int tries = 0;; tries++) {
		if (mount(root_tag, NEWROOT, "virtiofs", MS_RDONLY, NULL) == 0)
			return;
		if (tries == 500)
			die("cannot mount the root (virtiofs '%s'): %s%s",
			    root_tag, strerror(errno),
			    errno == ENODEV ?
				    " (the kernel has no virtiofs support)" :
				    "");
		sleep_ms(10);
	}
}

/*
 * The root is read-only: what programs write goes to a tmpfs layered over
 * the directories they write to, and is gone when the guest powers off.
 * /tmp is layered too rather than fresh, so that a working directory
 * beneath it is still there; /run is the guest's own.
 */
static void mount_overlays(void)
{
	static const char *const layered[] = { "etc", "var", "root", "home",
					       "tmp" };
	char dir[256], upper[256], work[256], opts[1024];
	struct stat st;

	mount_or_die("tmpfs", OVERLAYS, "tmpfs", 0, "mode=0755");
	for (size_t i = 0; i < sizeof(layered) / sizeof(layered[0]); i++) {
		const char *d = layered[i];

		snprintf(dir, sizeof(dir), NEWROOT "/%s", d);
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(upper, sizeof(upper), OVERLAYS "/%s", d);
		mkdir(upper, 0755);
		snprintf(upper, sizeof(upper), OVERLAYS "/%s/upper", d);
		snprintf(work, sizeof(work), OVERLAYS "/%s/work", d);
		mkdir(upper, 0755);
		mkdir(work, 0755);
		/* The layered directory keeps its owner and mode (1777). */
		if (chown(upper, st.st_uid, st.st_gid) < 0 ||
		    chmod(upper, st.st_mode & 07777) < 0)
			say("cannot set the mode of %s: %s", dir,
			    strerror(errno));
		snprintf(opts, sizeof(opts),
			 "lowerdir=%s,upperdir=%s,workdir=%s", dir, upper,
			 work);
		mount_or_die("overlay", dir, "overlay", 0, opts);
	}
	if (is_dir(NEWROOT "/run"))
		mount_or_die("tmpfs", NEWROOT "/run", "tmpfs",
			     MS_NOSUID | MS_NODEV, "mode=0755");
}

static void mount_api_filesystems(void)
{
	mount_or_die("proc", NEWROOT "/proc", "proc",
		     MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_die("sysfs", NEWROOT "/sys", "sysfs",
		     MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount_or_die("devtmpfs", NEWROOT "/dev", "devtmpfs", MS_NOSUID,
		     "mode=0755");
	mkdir(NEWROOT "/dev/pts", 0755);
	mkdir(NEWROOT "/dev/shm", 01777);
	mount("devpts", NEWROOT "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	      "gid=5,mode=620,ptmxmode=666");
	mount("tmpfs", NEWROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
	      "mode=1777");
	mount("cgroup2", NEWROOT "/sys/fs/cgroup", "cgroup2",
	      MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

static void switch_root(void)
{
	if (chdir(NEWROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0)
		die("cannot switch to the new root: %s", strerror(errno));
}

/* Reads a sysfs attribute's first line into buf. */
static bool read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

/* Opens the virtio-console port kestrel named `name`, waiting for it. */
static int open_port(const char *name, int flags)
{
	char path[300], got[64];

	for (int tries = 0; tries < 1000; tries++) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *e;

		while (d && (e = readdir(d))) {
			int fd;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path),
				 "/sys/class/virtio-ports/%s/name", e->d_name);
			if (!read_line(path, got, sizeof(got)) ||
			    strcmp(got, name))
				continue;
			snprintf(path, sizeof(path), "/dev/%s", e->d_name);
			fd = open(path, flags | O_CLOEXEC);
			if (fd >= 0) {
				closedir(d);
				return fd;
			}
		}
		if (d)
			closedir(d);
		sleep_ms(10);
	}
	die("no virtio-console port '%s'", name);
	return -1;
}

static void set_environment(void)
{
	clearenv();
	for (unsigned int i = 0; i < nr_envs; i++)
		putenv((char *)envs[i]);
	if (hostname)
		sethostname(hostname, strlen(hostname));
	if (chdir(cwd) < 0 && chdir("/") < 0)
		die("cannot change to /: %s", strerror(errno));
}

/* The child's side: becomes `argv`, or says why not (status 127/126). */
static void exec_command(char *const argv[], int in, int out, int err)
{
	setsid();
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	dprintf(2, "kestrel: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT || errno == ENOTDIR ? 127 : 126);
}

/* PID 1 reaps every orphan; returns the status of `pid` as a shell would. */
static int wait_for(pid_t pid)
{
	int st;

	for (;;) {
		pid_t p = wait(&st);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			return 125;
		if (p != pid)
			continue;
		if (WIFEXITED(st))
			return WEXITSTATUS(st);
		return 128 + WTERMSIG(st);
	}
}

static int run_command(void)
{
	int in = open_port(GUEST_PORT_STDIN, O_RDONLY);
	int out = open_port(GUEST_PORT_STDOUT, O_WRONLY);
	int err = open_port(GUEST_PORT_STDERR, O_WRONLY);
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0)
		exec_command((char *const *)args, in, out, err);
	close(in);
	close(out);
	close(err);
	return wait_for(pid);
}

static int run_shell(void)
{
	static const char *const shells[] = { "/bin/bash", "/bin/sh" };
	const char *shell = shells[1];
	char tty[64];
	pid_t pid;

	for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
		if (access(shells[i], X_OK) == 0) {
			shell = shells[i];
			break;
		}
	}
	snprintf(tty, sizeof(tty), "/dev/%s", console);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd;

		setsid();
		fd = open(tty, O_RDWR);
		if (fd < 0) {
			say("cannot open %s: %s", tty, strerror(errno));
			_exit(126);
		}
		ioctl(fd, TIOCSCTTY, 0);
		if (rows && cols) {
			struct winsize ws = { .ws_row = rows, .ws_col = cols };

			ioctl(fd, TIOCSWINSZ, &ws);
		}
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
		signal(SIGPIPE, SIG_DFL);
		execl(shell, shell, (char *)NULL);
		say("cannot run %s: %s", shell, strerror(errno));
		_exit(127);
	}
	return wait_for(pid);
}

static void report_status(int status)
{
	int fd = open_port(GUEST_PORT_STATUS, O_WRONLY);
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d\n", status);

	if (write(fd, buf, n) != n)
		say("cannot report the exit status: %s", strerror(errno));
	close(fd);
}

int main(void)
{
	int status;

	if (getpid() != 1)
		die("must run as the guest's init");
	signal(SIGPIPE, SIG_IGN);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	read_config();
	load_modules();
	mkdir(NEWROOT, 0755);
	mkdir(OVERLAYS, 0755);
	mount_root();
	mount_overlays();
	mount_api_filesystems();
	switch_root();
	set_environment();

	status = nr_args ? run_command() : run_shell();
	/* What the command wrote to its disks is on them before we report. */
	sync();
	if (nr_args)
		report_status(status);
	reboot(RB_POWER_OFF);
	return status;
}
