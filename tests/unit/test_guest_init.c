// SPDX-License-Identifier: MIT
/* The pieces of a --rootfs initramfs: modules, cpio, release, cwd. */
#include "unit.h"

#include <asm/bootparam.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86/boot.h"
#include "vmm/cpio.h"
#include "vmm/guest_init.h"
#include "vmm/kmod.h"

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char moddir[] = "/tmp/kestrel-kmod-XXXXXX";

static int make_moddir(void **state)
{
	(void)state;
	if (!mkdtemp(moddir))
		return -1;
	write_file(moddir, "modules.dep",
		   "kernel/fs/fuse/fuse.ko:\n"
		   "kernel/fs/fuse/virtiofs.ko: kernel/fs/fuse/fuse.ko\n"
		   "kernel/drivers/virtio/virtio_pci_modern_dev.ko:\n"
		   "kernel/drivers/virtio/virtio-pci.ko.xz: "
		   "kernel/drivers/virtio/virtio_pci_modern_dev.ko\n"
		   "kernel/fs/overlayfs/overlay.ko:\n");
	write_file(moddir, "modules.builtin",
		   "kernel/drivers/virtio/virtio.ko\n"
		   "kernel/drivers/char/virtio_console.ko\n");
	return 0;
}

static int remove_moddir(void **state)
{
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/modules.dep", moddir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/modules.builtin", moddir);
	unlink(path);
	rmdir(moddir);
	return 0;
}

static const char *tail(const char *path)
{
	return path + strlen(moddir) + 1;
}

static void kmod_orders_dependencies_first(void **state)
{
	const char *want[] = { "virtio_pci", "virtiofs", "virtio",
			       "virtio_console", "fuse" };
	struct kmod_list l;
	char err[256];

	(void)state;
	assert_int_equal(kmod_resolve(moddir, want, 5, &l, err, sizeof(err)),
			 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(tail(l.path[0]),
			    "kernel/drivers/virtio/virtio_pci_modern_dev.ko");
	assert_string_equal(tail(l.path[1]),
			    "kernel/drivers/virtio/virtio-pci.ko.xz");
	assert_string_equal(tail(l.path[2]), "kernel/fs/fuse/fuse.ko");
	assert_string_equal(tail(l.path[3]), "kernel/fs/fuse/virtiofs.ko");
	kmod_list_free(&l);
}

static void kmod_missing_module_is_an_error(void **state)
{
	const char *want[] = { "overlay", "virtio_blk" };
	struct kmod_list l;
	char err[256];

	(void)state;
	assert_int_equal(kmod_resolve(moddir, want, 2, &l, err, sizeof(err)),
			 -1);
	assert_contains(err, "virtio_blk");
	assert_int_equal(l.n, 0);
}

static void kmod_no_module_directory_means_built_in(void **state)
{
	const char *want[] = { "virtiofs" };
	struct kmod_list l;
	char err[256];

	(void)state;
	assert_int_equal(kmod_resolve("/nonexistent/lib/modules/x", want, 1, &l,
				      err, sizeof(err)),
			 0);
	assert_true(l.no_moddir);
	assert_int_equal(l.n, 0);
}

/* Walks a newc archive, checking each header; returns the entry count. */
static unsigned int check_cpio(const struct cpio *c, const char *want_name,
			       const char *want_data)
{
	size_t off = 0;
	unsigned int n = 0;
	bool found = !want_name;

	for (;;) {
		char field[9] = { 0 };
		unsigned long size, namesize;
		const char *name;

		assert_true(off + 110 <= c->len);
		assert_memory_equal(c->data + off, "070701", 6);
		memcpy(field, c->data + off + 6 + 6 * 8, 8);
		size = strtoul(field, NULL, 16);
		memcpy(field, c->data + off + 6 + 11 * 8, 8);
		namesize = strtoul(field, NULL, 16);
		name = (const char *)c->data + off + 110;
		assert_int_equal(name[namesize - 1], '\0');
		off = (off + 110 + namesize + 3) & ~3UL;
		if (want_name && !strcmp(name, want_name)) {
			assert_int_equal(size, strlen(want_data));
			assert_memory_equal(c->data + off, want_data, size);
			found = true;
		}
		off = (off + size + 3) & ~3UL;
		n++;
		if (!strcmp(name, "TRAILER!!!"))
			break;
	}
	assert_int_equal(off, c->len);
	assert_true(found);
	return n;
}

static void cpio_is_newc(void **state)
{
	struct cpio c = { 0 };

	(void)state;
	cpio_add(&c, "dir", S_IFDIR | 0755, 0, 0, NULL, 0);
	cpio_add(&c, "dir/file", S_IFREG | 0644, 0, 0, "hello", 5);
	cpio_add(&c, "dev/console", S_IFCHR | 0600, 5, 1, NULL, 0);
	assert_int_equal(cpio_finish(&c), 0);
	assert_int_equal(check_cpio(&c, "dir/file", "hello"), 4);
	cpio_free(&c);
}

static void release_from_bzimage_header(void **state)
{
	static uint8_t img[0x4000];
	struct setup_header hdr = { 0 };
	char rel[64];

	(void)state;
	hdr.boot_flag = 0xaa55;
	hdr.header = 0x53726448;
	hdr.kernel_version = 0x1000;
	memcpy(img + offsetof(struct boot_params, hdr), &hdr, sizeof(hdr));
	strcpy((char *)img + 0x1200,
	       "6.1.0-27-amd64 (debian-kernel@lists.debian.org) #1 SMP");
	assert_int_equal(x86_kernel_release(img, sizeof(img), rel, sizeof(rel)),
			 0);
	assert_string_equal(rel, "6.1.0-27-amd64");

	/* A pointer past the end of the file says nothing. */
	hdr.kernel_version = 0x7000;
	memcpy(img + offsetof(struct boot_params, hdr), &hdr, sizeof(hdr));
	assert_int_equal(x86_kernel_release(img, sizeof(img), rel, sizeof(rel)),
			 -1);
}

static void release_from_vmlinux_banner(void **state)
{
	const char img[] = "\x7f"
			   "ELF junk Linux version 6.12.0-rc1+ (me@host) #3";
	char rel[64];

	(void)state;
	assert_int_equal(x86_kernel_release((const uint8_t *)img,
					    sizeof(img) - 1, rel, sizeof(rel)),
			 0);
	assert_string_equal(rel, "6.12.0-rc1+");
	assert_int_equal(x86_kernel_release((const uint8_t *)"nothing", 7, rel,
					    sizeof(rel)),
			 -1);
}

static void cwd_inside_the_root(void **state)
{
	char buf[256];

	(void)state;
	guest_init_cwd("/", "/home/me/linux", buf, sizeof(buf));
	assert_string_equal(buf, "/home/me/linux");
	guest_init_cwd("/srv/root", "/srv/root/src", buf, sizeof(buf));
	assert_string_equal(buf, "/src");
	guest_init_cwd("/srv/root/", "/srv/root/src", buf, sizeof(buf));
	assert_string_equal(buf, "/src");
	guest_init_cwd("/srv/root", "/srv/rootless", buf, sizeof(buf));
	assert_string_equal(buf, "/");
	guest_init_cwd("/srv/root", "/home", buf, sizeof(buf));
	assert_string_equal(buf, "/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kmod_orders_dependencies_first),
		cmocka_unit_test(kmod_missing_module_is_an_error),
		cmocka_unit_test(kmod_no_module_directory_means_built_in),
		cmocka_unit_test(cpio_is_newc),
		cmocka_unit_test(release_from_bzimage_header),
		cmocka_unit_test(release_from_vmlinux_banner),
		cmocka_unit_test(cwd_inside_the_root),
	};

	return cmocka_run_group_tests(tests, make_moddir, remove_moddir);
}
