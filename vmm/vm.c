// SPDX-License-Identifier: MIT
/* VM lifecycle: guest RAM, KVM objects, devices, run, stop, teardown. */
#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "devices/serial.h"
#include "vmm/board.h"
#include "vmm/exit_status.h"
#include "vmm/gdb_kvm.h"
#include "vmm/guest_init.h"
#include "vmm/host_kvm.h"
#include "vmm/kernel_file.h"
#include "runtime/log.h"
#include "vmm/sandbox.h"
#include "vmm/vm_control.h"

/* Guest RAM on the board's boundary (BOARD_RAM_ALIGN says why). */
#define RAM_ALIGN BOARD_RAM_ALIGN

static void *alloc_ram(uint64_t size)
{
	uint8_t *raw = mmap(NULL, size + RAM_ALIGN, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *p;
	size_t head;

	if (raw == MAP_FAILED)
		return NULL;
	p = (uint8_t *)(((uintptr_t)raw + RAM_ALIGN - 1) & ~(RAM_ALIGN - 1));
	head = (size_t)(p - raw);
	if (head)
		munmap(raw, head);
	munmap(p + size, RAM_ALIGN - head);
	/* Large pages cut EPT walks; guest RAM has no place in a core dump. */
	madvise(p, size, MADV_HUGEPAGE);
	madvise(p, size, MADV_DONTDUMP);
	return p;
}

static char *build_cmdline(const struct vm_config *cfg)
{
	/*
	 * A command's run keeps the console for warnings and worse: each
	 * byte on the UART costs an exit, and nobody sees it unless the run
	 * fails. --console-log asks for all of it.
	 */
	const char *quiet = cfg->command && !cfg->console_log ? " quiet" : "";
	const char *append = cfg->append;
	char *s;

	if (asprintf(&s, "%s%s%s%s", board_cmdline(cfg), quiet,
		     append ? " " : "", append ? append : "") < 0) {
		log_error("out of memory");
		return NULL;
	}
	return s;
}

/* Before the VM exists, like every other file the user names. */
static int open_console_log(struct vm *vm, const struct vm_config *cfg)
{
	if (!cfg->console_log)
		return 0;
	vm->console_log_fd =
		open(cfg->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		     0644);
	if (vm->console_log_fd < 0) {
		log_error("--console-log '%s': %s", cfg->console_log,
			  strerror(errno));
		return -1;
	}
	return 0;
}

/* The initramfs of a --rootfs run, built for this kernel. */
static int build_rootfs_initrd(const struct vm_config *cfg,
			       const struct file_buf *kernel, struct cpio *out)
{
	struct stat st;
	char err[512];

	if (stat(cfg->rootfs, &st) < 0) {
		log_error("--rootfs '%s': %s", cfg->rootfs, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_error("--rootfs '%s': not a directory", cfg->rootfs);
		return -1;
	}
	if (guest_init_build(cfg, kernel->data, kernel->len, out, err,
			     sizeof(err))) {
		log_error("%s: %s", kernel->path, err);
		return -1;
	}
	return 0;
}

int vm_load(struct vm *vm, const struct vm_config *cfg)
{
	struct board_ram ram[BOARD_MAX_RAM];
	struct board_images in = { 0 };
	struct file_buf kernel = { 0 }, initrd = { 0 };
	struct cpio rootfs_initrd = { 0 };
	char err[256];
	unsigned int n;
	int ret = -1;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = -1;
	vm->loop.epfd = vm->loop.wakefd = -1;
	vm->console.wake_src.fd = -1;
	vm->console.log_fd = vm->console_log_fd = -1;
	vm->signal_src.fd = vm->timeout_src.fd = vm->liveness_src.fd = -1;
	atomic_init(&vm->exit_status, -1);
	vm->rc.held_fd = -1;
	vm->panic_dump.dir_fd = vm->panic_dump.src.fd = -1;
	pthread_mutex_init(&vm->start_lock, NULL);
	pthread_cond_init(&vm->start_cond, NULL);
	vm->pio.name = "port I/O";
	vm->mmio.name = "MMIO";

	if (kernel_file_read(cfg->kernel, "kernel", &kernel) ||
	    (cfg->initrd && kernel_file_read(cfg->initrd, "initrd", &initrd)) ||
	    (cfg->rootfs &&
	     build_rootfs_initrd(cfg, &kernel, &rootfs_initrd)) ||
	    open_console_log(vm, cfg) || vm_panic_dump_open(vm) ||
	    platform_check_virtio(cfg) ||
	    platform_open_disks(&vm->platform, cfg) ||
	    platform_open_nets(&vm->platform, cfg) ||
	    platform_open_shares(&vm->platform, cfg))
		goto out;

	n = board_ram_regions(cfg->mem_size, ram);
	for (unsigned int i = 0; i < n; i++) {
		void *host = alloc_ram(ram[i].size);

		if (!host) {
			log_error("cannot allocate %llu MiB of guest RAM: %s",
				  (unsigned long long)(ram[i].size >> 20),
				  strerror(errno));
			goto out;
		}
		gm_add_region(&vm->mem, ram[i].gpa, ram[i].size, host);
	}

	in.kernel = kernel.data;
	in.kernel_len = kernel.len;
	in.initrd = cfg->rootfs ? rootfs_initrd.data : initrd.data;
	in.initrd_len = cfg->rootfs ? rootfs_initrd.len : initrd.len;
	in.cmdline = build_cmdline(cfg);
	if (!in.cmdline)
		goto out;
	snprintf(vm->kernel_path, sizeof(vm->kernel_path), "%s", kernel.path);
	if (board_load(vm, &in, err, sizeof(err))) {
		log_error("%s: %s", kernel.path, err);
		goto out;
	}
	ret = 0;
out:
	free((char *)in.cmdline);
	kernel_file_free(&kernel);
	kernel_file_free(&initrd);
	cpio_free(&rootfs_initrd);
	return ret;
}

static void on_guest_event(void *ctx, enum guest_event ev)
{
	struct vm *vm = ctx;

	switch (ev) {
	case GUEST_POWEROFF:
	case GUEST_RESET:
		if (atomic_load(&vm->panicked)) {
			vm_stop(vm, EXIT_GUEST_PANIC);
			break;
		}
		if (vm->platform.command) {
			/* The guest init powers off right after it reports. */
			guest_command_flush(vm->platform.command);
			if (vm->platform.command->status < 0 &&
			    atomic_load(&vm->exit_status) < 0) {
				log_error(
					"the guest %s before the command finished",
					ev == GUEST_RESET ? "rebooted" :
							    "powered off");
				vm_stop(vm, EXIT_KESTREL_FAILED);
			}
			break;
		}
		vm_stop(vm, EXIT_GUEST_OK);
		break;
	case GUEST_COMMAND_DONE:
		vm_stop(vm, vm->platform.command->status);
		break;
	case GUEST_PANIC:
		atomic_store(&vm->panicked, true);
		vm_panic_dump_request(vm);
		break;
	case GUEST_PANIC_END:
		vm_stop(vm, EXIT_GUEST_PANIC);
		break;
	case GUEST_CRASH:
		log_error("the guest crashed (triple fault)");
		vm_panic_dump_request(vm);
		vm_stop(vm, EXIT_GUEST_PANIC);
		break;
	}
}

static void on_quit(void *ctx)
{
	log_error("quit (Ctrl-A x)");
	vm_stop(ctx, EXIT_SIGNAL_BASE + SIGINT);
}

static void on_signal(struct ev_source *src, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(src->fd, &si, sizeof(si)) != sizeof(si))
		return;
	log_error("stopped by signal %d (%s)", (int)si.ssi_signo,
		  strsignal(si.ssi_signo));
	vm_stop(src->opaque, EXIT_SIGNAL_BASE + si.ssi_signo);
}

static void on_timeout(struct ev_source *src, uint32_t events)
{
	struct vm *vm = src->opaque;

	(void)events;
	log_error("timed out after %g seconds", vm->cfg->timeout_s);
	vm_stop(vm, EXIT_TIMEOUT);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void arm_timer_ns(int fd, uint64_t ns)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = ns / 1000000000ULL;
	its.it_value.tv_nsec = ns % 1000000000ULL;
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	timerfd_settime(fd, 0, &its, NULL);
}

/* Says a guest has not come out once, and where its vCPUs are. */
static void report_no_sign_of_life(double seconds, bool stopped)
{
	log_error(
		"no sign of life from the guest in %.0f s: it has written nothing to its console and touched no device but the UART%s",
		seconds,
		stopped ?
			"" :
			"; kestrel keeps it running until --timeout, Ctrl-A x or a signal");
	log_error(
		"this usually means the kernel cannot run on this host's KVM (see 'kestrel check') or is not an " BOARD_GUEST_ARCH
		" Linux kernel; where the vCPUs are:");
}

static void on_liveness(struct ev_source *src, uint32_t events)
{
	struct vm *vm = src->opaque;
	uint64_t expirations, now = monotonic_ns();

	(void)events;
	if (read(src->fd, &expirations, sizeof(expirations)) < 0)
		return;
	/* A guest held by gdb or a pause is not lifeless: start again. */
	if (vm_held(vm, HOLD_USER | HOLD_GDB | HOLD_DUMP) &&
	    !liveness_alive(&vm->liveness)) {
		liveness_start(&vm->liveness, now, LIVENESS_GRACE_NS);
		arm_timer_ns(src->fd, LIVENESS_GRACE_NS);
		return;
	}
	switch (liveness_check(&vm->liveness, now)) {
	case LIVENESS_WAIT:
		arm_timer_ns(src->fd, liveness_deadline(&vm->liveness) - now);
		return;
	case LIVENESS_SILENT:
		report_no_sign_of_life(vm->liveness.grace_ns / 1e9, false);
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			vcpu_ask_position(&vm->vcpus[i]);
		return;
	case LIVENESS_ALIVE:
	case LIVENESS_REPORTED:
		return;
	}
}

/*
 * A run stopped from outside (--timeout, a signal) leaves the user
 * something to read about the guest, whatever the console showed.
 */
static void explain_stopped_run(struct vm *vm)
{
	struct host_console *hc = &vm->console;

	if (!liveness_alive(&vm->liveness)) {
		if (!vm->liveness.reported)
			report_no_sign_of_life(
				(monotonic_ns() - vm->liveness.start_ns) / 1e9,
				true);
		else
			log_error(
				"the guest never showed a sign of life; where its vCPUs stopped:");
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			vcpu_log_position(&vm->vcpus[i]);
		return;
	}
	if (!host_console_wrote(hc)) {
		log_error(
			"the guest wrote nothing on its console (%s); is the kernel built with its driver?",
			vm->cfg->console == CONSOLE_VIRTIO ? "hvc0" : "ttyS0");
		return;
	}
	if (hc->captured) {
		/* The console was kept off stdout: show why the run failed. */
		log_error(
			"the command did not finish; the console's last lines:");
		host_console_print_tail(hc, STDERR_FILENO, 60);
	}
}

/* what: the step that failed; NULL when it has said why itself. */
static int kvm_fail(const char *what, int err)
{
	if (what)
		log_error("%s failed: %s", what, strerror(-err));
	return -1;
}

/*
 * Opens KVM only where it can run the guest: a PVM host, say, would take
 * the kernel and stall without a word.
 */
static int open_kvm(struct vm *vm)
{
	struct host_kvm h;
	char why[512];

	host_kvm_probe(host_kvm_root(), &host_kvm_real_ops, &h, &vm->kvm_fd);
	if (host_kvm_verdict(&h, vm->kernel_path, why, sizeof(why))) {
		log_error("%s", why);
		return -1;
	}
	if (vm->cfg->cpus > BOARD_MAX_CPUS) {
		log_error(
			"--cpus %u: kestrel's %s machine has room for at most %d vCPUs",
			vm->cfg->cpus, BOARD_GUEST_ARCH, BOARD_MAX_CPUS);
		return -1;
	}
	if (h.max_vcpus && vm->cfg->cpus > (unsigned int)h.max_vcpus) {
		log_error("--cpus %u: this host's KVM runs at most %d vCPUs",
			  vm->cfg->cpus, h.max_vcpus);
		return -1;
	}
	return 0;
}

static int create_vcpus(struct vm *vm)
{
	const char *what;
	int err;

	vm->vcpus = calloc(vm->cfg->cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return kvm_fail("allocating vCPUs", -ENOMEM);
	for (unsigned int i = 0; i < vm->cfg->cpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->id = i;
		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)i);
		if (v->fd < 0)
			return kvm_fail("KVM_CREATE_VCPU", -errno);
		vm->nr_vcpus = i + 1;
		v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
			      MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			return kvm_fail("mapping kvm_run", -errno);
		}
		err = board_vcpu_init(vm, v, &what);
		if (err)
			return kvm_fail(what, err);
	}
	return 0;
}

/* Has the event loop call handler when src's fd is readable. */
static int add_source(struct vm *vm, struct ev_source *src,
		      void (*handler)(struct ev_source *, uint32_t))
{
	int err;

	src->handler = handler;
	src->opaque = vm;
	err = evloop_add(&vm->loop, src, EPOLLIN);
	return err ? kvm_fail("epoll", err) : 0;
}

/* A timerfd source, disarmed until vm_run() sets it. */
static int add_timer(struct vm *vm, struct ev_source *src,
		     void (*handler)(struct ev_source *, uint32_t))
{
	src->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (src->fd < 0)
		return kvm_fail("timerfd", -errno);
	return add_source(vm, src, handler);
}

static int setup_signals_and_timeout(struct vm *vm)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	vm->signal_src.fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (vm->signal_src.fd < 0)
		return kvm_fail("signalfd", -errno);
	if (add_source(vm, &vm->signal_src, on_signal) ||
	    add_timer(vm, &vm->liveness_src, on_liveness))
		return -1;
	if (vm->cfg->timeout_s <= 0)
		return 0;
	return add_timer(vm, &vm->timeout_src, on_timeout);
}

/* --gdb: listening before the guest runs; --gdb-wait holds it for gdb. */
static int start_gdb(struct vm *vm)
{
	char err[256];

	if (!vm->cfg->gdb)
		return 0;
	vm->gdb = calloc(1, sizeof(*vm->gdb));
	if (!vm->gdb)
		return kvm_fail("allocating the gdb stub", -ENOMEM);
	if (gdb_server_init(vm->gdb, vm, &vm->cfg->gdb_listen, err,
			    sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	if (vm->cfg->gdb_wait) {
		vm->rc.hold |= HOLD_GDB;
		log_warn("gdb: waiting for a debugger on %s (--gdb-wait)",
			 vm->gdb->where);
	}
	return 0;
}

int vm_create(struct vm *vm)
{
	const char *what;
	int err, size;

	if (open_kvm(vm))
		return -1;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return kvm_fail("KVM_CREATE_VM", -errno);
	err = board_vm_init(vm, &what);
	if (err)
		return kvm_fail(what, err);
	for (unsigned int i = 0; i < vm->mem.nr_regions; i++) {
		const struct gm_region *r = &vm->mem.region[i];
		struct kvm_userspace_memory_region mr = {
			.slot = i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uintptr_t)r->host,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr) < 0)
			return kvm_fail("KVM_SET_USER_MEMORY_REGION", -errno);
	}
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return kvm_fail("KVM_GET_VCPU_MMAP_SIZE", -errno);
	vm->run_size = size;

	err = evloop_init(&vm->loop);
	if (err)
		return kvm_fail("creating the event loop", err);
	err = host_console_init(&vm->console, &vm->loop, STDIN_FILENO,
				STDOUT_FILENO);
	if (err)
		return kvm_fail("setting up the console", err);
	vm->console.log_fd = vm->console_log_fd;
	vm->console_log_fd = -1;
	vm->events = (struct guest_event_sink){ on_guest_event, vm };
	vm->console.watch.events = vm->events;
	vm->console.quit = on_quit;
	vm->console.quit_ctx = vm;
	liveness_init(&vm->liveness, SERIAL_COM1_PORT, SERIAL_NR_PORTS);
	vm->console.liveness = &vm->liveness;
	err = run_control_init(&vm->rc);
	if (err)
		return kvm_fail("setting up run control", err);
#ifdef KVM_GUESTDBG_BLOCKIRQ
	err = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2);
	vm->rc.step_blocks_irqs = err > 0 && (err & KVM_GUESTDBG_BLOCKIRQ);
#endif
	err = vm_panic_dump_init(vm);
	if (err)
		return kvm_fail("setting up --dump-on-panic", err);
	err = kvm_irq_init(&vm->irq, vm->vm_fd);
	if (err)
		return kvm_fail("setting up interrupt routing", err);
	vm->hv = (struct hv){
		.mem = &vm->mem,
		.loop = &vm->loop,
		.ctx = &vm->irq,
		.ioeventfd = kvm_ioeventfd,
		.msi_route = kvm_irq_msi_route,
		.msi_route_free = kvm_irq_msi_route_free,
		.irqfd = kvm_irq_irqfd,
		.set_irq = kvm_irq_set_line,
	};
	if (platform_init(&vm->platform, vm->cfg, &vm->pio, &vm->mmio, &vm->hv,
			  &vm->events, &vm->console))
		return -1;
	if (create_vcpus(vm))
		return -1;
	err = board_vm_finish(vm, &what);
	if (err)
		return kvm_fail(what, err);
	if (setup_signals_and_timeout(vm) || start_gdb(vm) ||
	    vm_control_init(vm))
		return -1;
	return 0;
}

void vm_stop(struct vm *vm, int status)
{
	int running = -1;

	if (!atomic_compare_exchange_strong(&vm->exit_status, &running, status))
		return;
	evloop_stop(&vm->loop);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	run_control_wake_all(vm);
}

int vm_run(struct vm *vm)
{
	int err = host_console_start(&vm->console);
	int status;

	if (err) {
		kvm_fail("starting the console", err);
		return EXIT_KESTREL_FAILED;
	}
	if (vm->timeout_src.fd >= 0)
		arm_timer_ns(vm->timeout_src.fd,
			     (uint64_t)(vm->cfg->timeout_s * 1e9));
	liveness_start(&vm->liveness, monotonic_ns(), LIVENESS_GRACE_NS);
	arm_timer_ns(vm->liveness_src.fd, LIVENESS_GRACE_NS);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		pthread_mutex_lock(&vm->rc.lock);
		vm->rc.nr_active++;
		pthread_mutex_unlock(&vm->rc.lock);
		err = vcpu_start(&vm->vcpus[i]);
		if (err) {
			pthread_mutex_lock(&vm->rc.lock);
			vm->rc.nr_active--;
			pthread_mutex_unlock(&vm->rc.lock);
			log_error("cannot start vCPU thread %u: %s", i,
				  strerror(err));
			vm_stop(vm, EXIT_KESTREL_FAILED);
			break;
		}
	}
	if (!vm->cfg->no_sandbox &&
	    sandbox_enter(SANDBOX_DEVICE, sandbox_needs_of(vm->cfg)))
		vm_stop(vm, EXIT_KESTREL_FAILED);
	pthread_mutex_lock(&vm->start_lock);
	vm->started = true;
	pthread_cond_broadcast(&vm->start_cond);
	pthread_mutex_unlock(&vm->start_lock);
	/* A vCPU may have stopped the VM before its siblings were running. */
	if (atomic_load(&vm->exit_status) >= 0)
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			vcpu_kick(&vm->vcpus[i]);
	err = evloop_run(&vm->loop);
	if (err) {
		log_error("event loop failed: %s", strerror(-err));
		vm_stop(vm, EXIT_KESTREL_FAILED);
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (atomic_load(&vm->vcpus[i].running)) {
			pthread_join(vm->vcpus[i].thread, NULL);
			atomic_store(&vm->vcpus[i].running, false);
		}
	}
	vm_panic_dump_finish(vm);
	host_console_restore(&vm->console);
	status = atomic_load(&vm->exit_status);
	if (status == EXIT_TIMEOUT || status >= EXIT_SIGNAL_BASE)
		explain_stopped_run(vm);
	else if (vm->platform.command && vm->platform.command->status < 0 &&
		 status != EXIT_GUEST_OK) {
		/* The console was kept off stdout: show why the run failed. */
		log_error(
			"the command did not finish; the console's last lines:");
		host_console_print_tail(&vm->console, STDERR_FILENO, 60);
	}
	return status;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	free(vm->vcpus);
	board_destroy(vm);
	platform_destroy(&vm->platform);
	kvm_irq_destroy(&vm->irq);
	host_console_destroy(&vm->console);
	if (vm->signal_src.fd >= 0)
		close(vm->signal_src.fd);
	if (vm->timeout_src.fd >= 0)
		close(vm->timeout_src.fd);
	if (vm->liveness_src.fd >= 0)
		close(vm->liveness_src.fd);
	if (vm->console_log_fd >= 0)
		close(vm->console_log_fd);
	vm_panic_dump_close(vm);
	vm_control_destroy(vm);
	if (vm->gdb)
		gdb_server_destroy(vm->gdb);
	free(vm->gdb);
	evloop_destroy(&vm->loop);
	run_control_destroy(&vm->rc);
	for (unsigned int i = 0; i < vm->mem.nr_regions; i++)
		munmap(vm->mem.region[i].host, vm->mem.region[i].size);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
}
