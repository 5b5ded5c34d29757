// SPDX-License-Identifier: MIT
/* A FUSE server passing requests through to a host directory: its life. */
#include "devices/fs/passthrough.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/fs/fd_budget.h"
#include "devices/fs/pseudo_fs.h"
#include "runtime/host_limits.h"

#define RO_TIMEOUT_S 3600 /* host files do not change under a test run */
#define RW_TIMEOUT_S 1

/*
 * Where inodes cannot be reopened from file handles (inode_table.h),
 * every one the guest holds keeps an O_PATH fd, and a walk of / holds
 * hundreds of thousands: the soft limit goes to the hard one, and with
 * CAP_SYS_RESOURCE both go to the kernel's ceiling (fs.nr_open; an init
 * started by the kernel has only 4096). fd_budget.h keeps a share of it
 * for the rest of kestrel.
 */
static void raise_nofile(void)
{
	struct rlimit rl;
	unsigned long nr_open = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");

	if (f) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (nr_open > rl.rlim_max) {
		struct rlimit want = { nr_open, nr_open };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int passthrough_init(struct passthrough *pt, int dir_fd, bool readonly,
		     char *err, size_t errlen)
{
	const char *kind;
	struct stat st;

	memset(pt, 0, sizeof(*pt));
	pt->proc_fd = -1;
	pt->readonly = readonly;
	pt->as_root = geteuid() == 0;
	pt->entry_timeout = readonly ? RO_TIMEOUT_S : RW_TIMEOUT_S;
	raise_nofile();
	fd_budget_set();
	host_limits_fsize_is_error();
	if (fstat(dir_fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "not a directory");
		close(dir_fd);
		return -1;
	}
	if ((kind = pseudo_fs_of(dir_fd))) {
		snprintf(
			err, errlen,
			"a %s file system is the kernel's, not files: not shared",
			kind);
		close(dir_fd);
		return -1;
	}
	pt->proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pt->proc_fd < 0) {
		snprintf(err, errlen, "cannot open /proc/self/fd: %s",
			 strerror(errno));
		close(dir_fd);
		return -1;
	}
	pt->root_dev = st.st_dev;
	if (inodes_init(&pt->inodes, dir_fd, &st) ||
	    handles_init(&pt->handles)) {
		snprintf(err, errlen, "out of memory");
		passthrough_destroy(pt);
		return -1;
	}
	return 0;
}

void passthrough_reset(struct passthrough *pt)
{
	handles_reset(&pt->handles);
	inodes_reset(&pt->inodes);
	pt->initialized = false;
}

void passthrough_destroy(struct passthrough *pt)
{
	handles_destroy(&pt->handles);
	inodes_destroy(&pt->inodes);
	if (pt->proc_fd >= 0)
		close(pt->proc_fd);
	memset(pt, 0, sizeof(*pt));
	pt->proc_fd = -1;
}

uint32_t passthrough_nr_inodes(const struct passthrough *pt)
{
	return inodes_live(&pt->inodes);
}
