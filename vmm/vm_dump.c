// SPDX-License-Identifier: MIT
/* Dumps of a running guest: on request, and when it panics. */
#include "vmm/vm_dump.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86/cpu_state_kvm.h"
#include "vmm/core_dump.h"
#include "runtime/host_limits.h"
#include "runtime/log.h"
#include "vmm/vm.h"

/* Long enough for a vCPU to finish the exit it is in; a dump waits for it. */
#define DUMP_HOLD_TIMEOUT_MS 10000

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

int vm_dump(struct vm *vm, int fd, char *err, size_t errlen)
{
	struct x86_cpu_state *cpus = calloc(vm->nr_vcpus, sizeof(*cpus));
	int ret = -1;

	if (!cpus) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (vm_hold_wait(vm, HOLD_DUMP, DUMP_HOLD_TIMEOUT_MS)) {
		snprintf(err, errlen, "the vCPUs did not stop within %d s",
			 DUMP_HOLD_TIMEOUT_MS / 1000);
		goto out;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		int e = x86_cpu_state_get(vm->vcpus[i].fd, &cpus[i]);

		if (e) {
			snprintf(err, errlen,
				 "vCPU %u: cannot read its registers: %s", i,
				 strerror(-e));
			goto out;
		}
	}
	ret = core_dump_write(fd, &vm->mem, cpus, vm->nr_vcpus, err, errlen);
out:
	vm_release(vm, HOLD_DUMP);
	free(cpus);
	return ret;
}

/* The panic dump, once: from the event loop, or after it if it ended first. */
static void write_panic_dump(struct vm *vm)
{
	struct vm_panic_dump *pd = &vm->panic_dump;
	struct timespec t0;
	char err[256];
	int fd;

	if (pd->written)
		return;
	pd->written = true;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = openat(pd->dir_fd, pd->name,
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		log_error("--dump-on-panic '%s': %s", vm->cfg->dump_on_panic,
			  strerror(errno));
		return;
	}
	if (vm_dump(vm, fd, err, sizeof(err)))
		log_error("--dump-on-panic '%s': %s", vm->cfg->dump_on_panic,
			  err);
	else
		log_error("the guest panicked: its dump is in %s (%.1f s)",
			  vm->cfg->dump_on_panic, seconds_since(&t0));
	close(fd);
}

static void on_panic_dump(struct ev_source *src, uint32_t events)
{
	struct vm *vm = src->opaque;
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) < 0)
		return;
	write_panic_dump(vm);
}

int vm_panic_dump_open(struct vm *vm)
{
	struct vm_panic_dump *pd = &vm->panic_dump;
	const char *path = vm->cfg->dump_on_panic;
	char *copy_dir, *copy_base;
	struct stat st;
	int ret = -1;

	pd->dir_fd = pd->src.fd = -1;
	if (!path)
		return 0;
	host_limits_fsize_is_error(); /* a dump past it fails, not SIGXFSZ */
	copy_dir = strdup(path);
	copy_base = strdup(path);
	if (!copy_dir || !copy_base) {
		log_error("out of memory");
		goto out;
	}
	snprintf(pd->name, sizeof(pd->name), "%s", basename(copy_base));
	pd->dir_fd = open(dirname(copy_dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pd->dir_fd < 0 || faccessat(pd->dir_fd, ".", W_OK, AT_EACCESS)) {
		log_error(
			"--dump-on-panic '%s': cannot write in its directory: %s",
			path, strerror(errno));
		goto out;
	}
	if (fstatat(pd->dir_fd, pd->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode)) {
		log_error(
			"--dump-on-panic '%s': exists and is not a regular file",
			path);
		goto out;
	}
	ret = 0;
out:
	free(copy_dir);
	free(copy_base);
	return ret;
}

int vm_panic_dump_init(struct vm *vm)
{
	struct vm_panic_dump *pd = &vm->panic_dump;

	if (pd->dir_fd < 0)
		return 0;
	pd->src = (struct ev_source){
		.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
		.handler = on_panic_dump,
		.opaque = vm,
	};
	if (pd->src.fd < 0)
		return -errno;
	return evloop_add(&vm->loop, &pd->src, EPOLLIN);
}

void vm_panic_dump_request(struct vm *vm)
{
	struct vm_panic_dump *pd = &vm->panic_dump;
	uint64_t one = 1;

	if (pd->src.fd < 0 || atomic_exchange(&pd->requested, true))
		return;
	/* Stop the guest where it panicked, before it reboots. */
	vm_hold(vm, HOLD_DUMP);
	if (write(pd->src.fd, &one, sizeof(one)) < 0)
		log_error("--dump-on-panic: eventfd: %s", strerror(errno));
}

void vm_panic_dump_finish(struct vm *vm)
{
	if (atomic_load(&vm->panic_dump.requested))
		write_panic_dump(vm);
}

void vm_panic_dump_close(struct vm *vm)
{
	struct vm_panic_dump *pd = &vm->panic_dump;

	if (pd->src.fd >= 0)
		close(pd->src.fd);
	if (pd->dir_fd >= 0)
		close(pd->dir_fd);
	pd->src.fd = pd->dir_fd = -1;
}
