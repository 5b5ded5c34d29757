// SPDX-License-Identifier: MIT
/* Reading boot images, and finding the host's kernel when none is given. */
#include "vmm/kernel_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runtime/log.h"

#define MAX_IMAGE_SIZE (4ULL << 30)

int default_kernel_path(const char *boot_dir, const char *running_release,
			char *buf, size_t len)
{
	char best[NAME_MAX + 1] = "";
	struct dirent *d;
	DIR *dir;

	if (running_release) {
		snprintf(buf, len, "%s/vmlinuz-%s", boot_dir, running_release);
		if (access(buf, R_OK) == 0)
			return 0;
	}
	dir = opendir(boot_dir);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "vmlinuz-", 8) != 0)
			continue;
		snprintf(buf, len, "%s/%s", boot_dir, d->d_name);
		if (access(buf, R_OK) != 0)
			continue;
		if (!best[0] || strverscmp(d->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", d->d_name);
	}
	closedir(dir);
	if (!best[0])
		return -1;
	snprintf(buf, len, "%s/%s", boot_dir, best);
	return 0;
}

static int read_stream(int fd, struct file_buf *f)
{
	size_t cap = 1 << 20;

	f->data = malloc(cap);
	if (!f->data)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (f->len == cap) {
			uint8_t *p;

			if (cap >= MAX_IMAGE_SIZE)
				return -EFBIG;
			p = realloc(f->data, cap * 2);
			if (!p)
				return -ENOMEM;
			f->data = p;
			cap *= 2;
		}
		n = read(fd, f->data + f->len, cap - f->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		f->len += n;
	}
}

int kernel_file_read(const char *path, const char *what, struct file_buf *f)
{
	struct utsname uts;
	struct stat st;
	int fd, err = 0;

	memset(f, 0, sizeof(*f));
	if (!path) {
		if (uname(&uts) != 0 ||
		    default_kernel_path("/boot", uts.release, f->path,
					sizeof(f->path))) {
			log_error(
				"no --kernel given and no readable /boot/vmlinuz-* found");
			return -1;
		}
		log_info("booting %s", f->path);
	} else {
		snprintf(f->path, sizeof(f->path), "%s", path);
	}

	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error("cannot open %s '%s': %s", what, f->path,
			  strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
	} else if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
	} else if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > MAX_IMAGE_SIZE) {
			err = -EFBIG;
		} else if (st.st_size > 0) {
			void *p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE,
				       fd, 0);

			if (p == MAP_FAILED) {
				err = -errno;
			} else {
				f->data = p;
				f->len = st.st_size;
				f->mapped = true;
			}
		}
	} else {
		err = read_stream(fd, f);
	}
	close(fd);
	if (err) {
		log_error("cannot read %s '%s': %s", what, f->path,
			  strerror(-err));
		kernel_file_free(f);
		return -1;
	}
	if (f->len == 0) {
		log_error("%s '%s' is empty", what, f->path);
		return -1;
	}
	return 0;
}

void kernel_file_free(struct file_buf *f)
{
	if (f->mapped)
		munmap(f->data, f->len);
	else
		free(f->data);
	f->data = NULL;
	f->len = 0;
	f->mapped = false;
}
