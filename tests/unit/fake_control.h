/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_TESTS_FAKE_CONTROL_H
#define KESTREL_TESTS_FAKE_CONTROL_H

/*
 * A control socket served by its own device thread, with a fake VM
 * behind it, for tests of the server and of `kestrel ctl`. Include after
 * unit.h.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vmm/control.h"
#include "runtime/evloop.h"

struct fake_vm {
	atomic_bool paused;
	atomic_int stops, nmis, dumps, sysrqs;
	atomic_char key;
	/*
	 * Set by the test thread, read by the device thread: the socket
	 * orders them, but not in a way ThreadSanitizer can see.
	 */
	/* set: each op fails with it ("" fails with no message) */
	const char *_Atomic fail;
	/* gated: pause holds the device thread until the gate opens */
	atomic_bool gated;
	int entered[2], gate[2];
};

static inline int fake_fail(struct fake_vm *vm, char *err, size_t errlen)
{
	const char *fail = atomic_load(&vm->fail);

	if (!fail)
		return 0;
	snprintf(err, errlen, "%s", fail);
	return -1;
}

static inline int fake_status(void *ctx, struct json_writer *w, char *err,
			      size_t errlen)
{
	struct fake_vm *vm = ctx;

	if (fake_fail(vm, err, errlen))
		return -1;
	json_add_str(w, "state",
		     atomic_load(&vm->paused) ? "paused" : "running");
	json_add_uint(w, "vcpus", 2);
	json_add_uint(w, "memory", 512ULL << 20);
	json_add_uint(w, "uptime_ms", 3723400);
	json_add_str(w, "devices", "serial, virtio-blk vda, virtio-net eth0");
	return 0;
}

static inline int fake_pause(void *ctx, char *err, size_t errlen)
{
	struct fake_vm *vm = ctx;
	char c = 0;

	if (atomic_load(&vm->gated)) {
		if (write(vm->entered[1], "!", 1) != 1 ||
		    read(vm->gate[0], &c, 1) != 1)
			return -1;
	}
	if (fake_fail(vm, err, errlen))
		return -1;
	if (atomic_exchange(&vm->paused, true)) {
		snprintf(err, errlen, "already paused");
		return -1;
	}
	return 0;
}

static inline int fake_resume(void *ctx, char *err, size_t errlen)
{
	struct fake_vm *vm = ctx;

	if (fake_fail(vm, err, errlen))
		return -1;
	if (!atomic_exchange(&vm->paused, false)) {
		snprintf(err, errlen, "not paused");
		return -1;
	}
	return 0;
}

static inline int fake_stop(void *ctx, char *err, size_t errlen)
{
	struct fake_vm *vm = ctx;

	atomic_fetch_add(&vm->stops, 1);
	return fake_fail(vm, err, errlen);
}

static inline int fake_sysrq(void *ctx, char key, char *err, size_t errlen)
{
	struct fake_vm *vm = ctx;

	atomic_store(&vm->key, key);
	atomic_fetch_add(&vm->sysrqs, 1);
	return fake_fail(vm, err, errlen);
}

static inline int fake_nmi(void *ctx, char *err, size_t errlen)
{
	struct fake_vm *vm = ctx;

	atomic_fetch_add(&vm->nmis, 1);
	return fake_fail(vm, err, errlen);
}

/* The dump is one line, written where the client's file descriptor says. */
#define FAKE_DUMP "ELF core of a fake guest\n"

static inline int fake_dump(void *ctx, int fd, char *err, size_t errlen)
{
	struct fake_vm *vm = ctx;

	atomic_fetch_add(&vm->dumps, 1);
	if (fake_fail(vm, err, errlen))
		return -1;
	if (write(fd, FAKE_DUMP, sizeof(FAKE_DUMP) - 1) !=
	    sizeof(FAKE_DUMP) - 1) {
		snprintf(err, errlen, "write: %m");
		return -1;
	}
	return 0;
}

static const struct control_ops fake_ops = {
	.status = fake_status,
	.pause = fake_pause,
	.resume = fake_resume,
	.stop = fake_stop,
	.sysrq = fake_sysrq,
	.nmi = fake_nmi,
	.dump = fake_dump,
};

struct fake_control {
	char dir[64];
	char path[128];
	struct evloop loop;
	struct control ctl;
	struct fake_vm vm;
	pthread_t thread;
};

static inline void *fake_device_thread(void *arg)
{
	struct fake_control *fc = arg;

	evloop_run(&fc->loop);
	return NULL;
}

/* The server at fc->path, in a fresh directory, on its own thread. */
static inline int fake_control_start(struct fake_control *fc,
				     const struct control_ops *ops)
{
	char err[CONTROL_ERR_MAX];

	memset(fc, 0, sizeof(*fc));
	snprintf(fc->dir, sizeof(fc->dir), "/tmp/kestrel-ctl-test-XXXXXX");
	if (!mkdtemp(fc->dir) || pipe(fc->vm.entered) || pipe(fc->vm.gate))
		return -1;
	snprintf(fc->path, sizeof(fc->path), "%s/ctl.sock", fc->dir);
	if (evloop_init(&fc->loop))
		return -1;
	if (control_init(&fc->ctl, fc->path, &fc->loop, ops, &fc->vm, err,
			 sizeof(err))) {
		fprintf(stderr, "control_init: %s\n", err);
		return -1;
	}
	return pthread_create(&fc->thread, NULL, fake_device_thread, fc) ? -1 :
									   0;
}

/* Stops the thread, tears the server down, removes what is left. */
static inline void fake_control_stop(struct fake_control *fc)
{
	char cmd[160];

	evloop_stop(&fc->loop);
	pthread_join(fc->thread, NULL);
	control_destroy(&fc->ctl);
	evloop_destroy(&fc->loop);
	for (int i = 0; i < 2; i++) {
		close(fc->vm.entered[i]);
		close(fc->vm.gate[i]);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fc->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fc->dir);
}

/* How many descriptors this process has open. */
static inline int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", "..", and d's own */
}

/*
 * Waits (up to 5 s) until the process has n descriptors open: the device
 * thread closes a client's socket some time after the client leaves.
 */
static inline bool fds_settle_at(int n)
{
	for (int i = 0; i < 500; i++) {
		if (open_fds() == n)
			return true;
		usleep(10000);
	}
	return false;
}

#endif
