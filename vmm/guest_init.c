// SPDX-License-Identifier: MIT
/* The initramfs kestrel makes for --rootfs runs. */
#include "vmm/guest_init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/board.h"
#include "firmware/guest_init_protocol.h"
#include "vmm/kmod.h"

/* firmware/guest_init_blob.S */
extern const uint8_t kestrel_guest_init[], kestrel_guest_init_end[];

#define DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Appends one "key=value" record to the config. */
static int put(char **buf, size_t *len, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);
	char *p = realloc(*buf, *len + klen + vlen + 2);

	if (!p)
		return -1;
	memcpy(p + *len, key, klen);
	p[*len + klen] = '=';
	memcpy(p + *len + klen + 1, value, vlen + 1);
	*buf = p;
	*len += klen + vlen + 2;
	return 0;
}

static int put_env(char **buf, size_t *len, const char *name, const char *value)
{
	char *rec;
	int ret;

	if (asprintf(&rec, "%s=%s", name, value) < 0)
		return -1;
	ret = put(buf, len, "env", rec);
	free(rec);
	return ret;
}

void guest_init_cwd(const char *root, const char *cwd, char *buf, size_t len)
{
	size_t n = strlen(root);

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (n == 1 && root[0] == '/')
		snprintf(buf, len, "%s", cwd);
	else if (!strncmp(cwd, root, n) && cwd[n] == '/')
		snprintf(buf, len, "%s", cwd + n);
	else
		snprintf(buf, len, "/");
}

static int build_config(const struct vm_config *cfg, char **buf, size_t *len)
{
	char host[256] = "kestrel", cwd[PATH_MAX], root[PATH_MAX], in[PATH_MAX];
	const char *term = getenv("TERM"), *path = getenv("PATH"),
		   *home = getenv("HOME");
	char *full_path;
	struct winsize ws;
	int bad = 0;

	gethostname(host, sizeof(host) - 1);
	if (!realpath(cfg->rootfs, root))
		snprintf(root, sizeof(root), "%s", cfg->rootfs);
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	guest_init_cwd(root, cwd, in, sizeof(in));
	/* The guest runs as root: the sbin directories belong in its PATH. */
	if (asprintf(&full_path, "%s%s%s", path ? path : "", path ? ":" : "",
		     DEFAULT_PATH) < 0)
		return -1;

	bad |= put(buf, len, "root", GUEST_ROOT_TAG);
	bad |= put(buf, len, "hostname", host);
	bad |= put(buf, len, "cwd", in);
	bad |= put(buf, len, "console",
		   cfg->console == CONSOLE_VIRTIO ? "hvc0" : "ttyS0");
	if ((ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ||
	     ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) &&
	    ws.ws_row && ws.ws_col) {
		char n[16];

		snprintf(n, sizeof(n), "%u", ws.ws_row);
		bad |= put(buf, len, "rows", n);
		snprintf(n, sizeof(n), "%u", ws.ws_col);
		bad |= put(buf, len, "cols", n);
	}
	bad |= put_env(buf, len, "TERM", term ? term : "linux");
	bad |= put_env(buf, len, "PATH", full_path);
	free(full_path);
	bad |= put_env(buf, len, "HOME", home ? home : "/root");
	for (char **a = cfg->command; a && *a; a++)
		bad |= put(buf, len, "arg", *a);
	return bad ? -1 : 0;
}

/* The module files (and what they need) for the devices this VM has. */
static int find_modules(const struct vm_config *cfg, const char *release,
			struct kmod_list *mods, char *err, size_t errlen)
{
	const char *names[8];
	unsigned int n = 0;
	char dir[PATH_MAX];

	names[n++] =
		cfg->transport == TRANSPORT_MMIO ? "virtio_mmio" : "virtio_pci";
	names[n++] = "virtiofs";
	names[n++] = "overlay";
	names[n++] = "virtio_rng";
	if (cfg->command || cfg->console == CONSOLE_VIRTIO)
		names[n++] = "virtio_console";
	if (cfg->nr_disks)
		names[n++] = "virtio_blk";
	if (cfg->nr_nets)
		names[n++] = "virtio_net";
	/*
	 * The root's own modules first: a root built for another kernel or
	 * architecture (an arm64 tree on an arm64 lane) carries them; then
	 * this host's.
	 */
	snprintf(dir, sizeof(dir), "%s/lib/modules/%s", cfg->rootfs, release);
	if (access(dir, F_OK) != 0)
		snprintf(dir, sizeof(dir), "/lib/modules/%s", release);
	return kmod_resolve(dir, names, n, mods, err, errlen);
}

static int add_file(struct cpio *c, const char *name, const char *path,
		    char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *data;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	data = malloc(st.st_size ? st.st_size : 1);
	if (!data || read(fd, data, st.st_size) != st.st_size) {
		fail(err, errlen, "cannot read %s", path);
		free(data);
		close(fd);
		return -1;
	}
	close(fd);
	cpio_add(c, name, S_IFREG | 0644, 0, 0, data, st.st_size);
	free(data);
	return 0;
}

int guest_init_build(const struct vm_config *cfg, const uint8_t *kernel,
		     size_t kernel_len, struct cpio *out, char *err,
		     size_t errlen)
{
	struct kmod_list mods = { 0 };
	char release[256], name[PATH_MAX], *config = NULL;
	size_t config_len = 0;
	int ret = -1;

	*out = (struct cpio){ 0 };
	if (board_kernel_release(kernel, kernel_len, release,
				 sizeof(release))) {
		fail(err, errlen,
		     "cannot tell which Linux release the kernel is, to find its modules");
		return -1;
	}
	if (find_modules(cfg, release, &mods, err, errlen))
		return -1;
	cpio_add(out, "dev", S_IFDIR | 0755, 0, 0, NULL, 0);
	/* The kernel opens it for init's stdin, stdout and stderr. */
	cpio_add(out, "dev/console", S_IFCHR | 0600, 5, 1, NULL, 0);
	cpio_add(out, "kestrel", S_IFDIR | 0755, 0, 0, NULL, 0);
	cpio_add(out, &GUEST_INIT_MODULES[1], S_IFDIR | 0755, 0, 0, NULL, 0);
	cpio_add(out, "init", S_IFREG | 0755, 0, 0, kestrel_guest_init,
		 (size_t)(kestrel_guest_init_end - kestrel_guest_init));
	for (unsigned int i = 0; i < mods.n; i++) {
		const char *base = strrchr(mods.path[i], '/') + 1;

		snprintf(name, sizeof(name), GUEST_INIT_MODULES "/%s", base);
		if (add_file(out, name + 1, mods.path[i], err, errlen) ||
		    put(&config, &config_len, "mod", name))
			goto out;
	}
	if (build_config(cfg, &config, &config_len)) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	cpio_add(out, &GUEST_INIT_CONFIG[1], S_IFREG | 0644, 0, 0, config,
		 config_len);
	if (cpio_finish(out)) {
		fail(err, errlen, "out of memory building the initramfs");
		goto out;
	}
	ret = 0;
out:
	if (ret)
		cpio_free(out);
	free(config);
	kmod_list_free(&mods);
	return ret;
}
