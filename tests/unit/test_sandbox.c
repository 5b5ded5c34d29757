// SPDX-License-Identifier: MIT
/* The sandbox's allow-lists as data, and as filters in child processes. */
#include "unit.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <linux/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <termios.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

#include "fake_control.h"
#include "vmm/sandbox.h"

/* Calls no thread of kestrel may make. */
static const char *const never[] = {
	"execve",
	"execveat",
	"fork",
	"vfork",
	"clone",
	"clone3",
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"mount",
	"umount2",
	"pivot_root",
	"chroot",
	"unshare",
	"setns",
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"kexec_load",
	"kexec_file_load",
	"init_module",
	"finit_module",
	"delete_module",
	"keyctl",
	"add_key",
	"request_key",
	"personality",
	"setuid",
	"setgid",
	"setresuid",
	"setresgid",
	"capset",
	"prctl",
	"seccomp",
	"io_uring_setup",
	"memfd_create",
	"socketpair",
	"kill",
	"rt_sigaction",
};

/* ... and those a vCPU thread has no business with either. */
static const char *const never_vcpu[] = {
	"open",	     "openat",	"openat2",    "creat",
	"socket",    "connect", "bind",	      "accept",
	"accept4",   "sendto",	"recvfrom",   "unlinkat",
	"renameat2", "read",	"epoll_wait", "io_submit",
};

/* Every table: what each kind has on top, then the kinds. */
static const struct sandbox_table *const tables[] = {
	&sandbox_common,
	&sandbox_tables[SANDBOX_VCPU],
	&sandbox_tables[SANDBOX_DEVICE],
};
#define NR_TABLES (sizeof(tables) / sizeof(tables[0]))

static bool in_table(const struct sandbox_table *t, const char *name)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(t->rule[i].name, name))
			return true;
	return false;
}

/* Whether kind's list, common rows included, has a row for name. */
static bool listed(enum sandbox_kind kind, const char *name)
{
	return in_table(&sandbox_common, name) ||
	       in_table(&sandbox_tables[kind], name);
}

static unsigned int nr_args(const struct sandbox_rule *r)
{
	unsigned int n = 0;

	while (n < SANDBOX_MAX_ARGS && r->arg[n].op)
		n++;
	return n;
}

static const struct scmp_arg_cmp *arg_on(const struct sandbox_rule *r,
					 unsigned int i)
{
	for (unsigned int k = 0; k < nr_args(r); k++)
		if (r->arg[k].arg == i)
			return &r->arg[k];
	return NULL;
}

static void test_every_rule_names_a_system_call(void **state)
{
	(void)state;
	for (size_t k = 0; k < NR_TABLES; k++) {
		const struct sandbox_table *t = tables[k];

		assert_non_null(t->kind);
		assert_true(t->nr > 0);
		for (size_t i = 0; i < t->nr; i++) {
			if (seccomp_syscall_resolve_name(t->rule[i].name) ==
			    __NR_SCMP_ERROR)
				fail_msg("%s list: no system call '%s'",
					 t->kind, t->rule[i].name);
		}
	}
}

static bool same_row(const struct sandbox_rule *a, const struct sandbox_rule *b)
{
	return !strcmp(a->name, b->name) &&
	       !memcmp(a->arg, b->arg, sizeof(a->arg));
}

/* A row twice, or a kind's row the common table has: one row is enough. */
static void test_no_row_twice(void **state)
{
	const struct sandbox_table *c = &sandbox_common;

	(void)state;
	for (size_t k = 0; k < NR_TABLES; k++) {
		const struct sandbox_table *t = tables[k];

		for (size_t i = 0; i < t->nr; i++) {
			for (size_t j = i + 1; j < t->nr; j++)
				if (same_row(&t->rule[i], &t->rule[j]))
					fail_msg("%s list: %s twice", t->kind,
						 t->rule[i].name);
			for (size_t j = 0; t != c && j < c->nr; j++)
				if (same_row(&t->rule[i], &c->rule[j]))
					fail_msg("%s list: %s is common",
						 t->kind, t->rule[i].name);
		}
	}
}

static void test_dangerous_calls_are_never_allowed(void **state)
{
	(void)state;
	for (int k = 0; k < SANDBOX_NR_KINDS; k++)
		for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
			if (listed(k, never[i]))
				fail_msg("%s list allows %s",
					 sandbox_tables[k].kind, never[i]);
	for (size_t i = 0; i < sizeof(never_vcpu) / sizeof(never_vcpu[0]); i++)
		if (listed(SANDBOX_VCPU, never_vcpu[i]))
			fail_msg("vCPU list allows %s", never_vcpu[i]);
}

/* ioctls by request, sockets by family, memory never executable. */
static void test_argument_filters_where_they_matter(void **state)
{
	(void)state;
	for (size_t k = 0; k < NR_TABLES; k++) {
		const struct sandbox_table *t = tables[k];

		for (size_t i = 0; i < t->nr; i++) {
			const struct sandbox_rule *r = &t->rule[i];
			const struct scmp_arg_cmp *a;

			if (!strcmp(r->name, "ioctl")) {
				a = arg_on(r, 1);
				assert_non_null(a);
				assert_int_equal(a->op, SCMP_CMP_MASKED_EQ);
				assert_int_equal(a->datum_a, 0xffffffffu);
			} else if (!strcmp(r->name, "socket")) {
				a = arg_on(r, 0);
				assert_non_null(a);
				assert_int_equal(a->op, SCMP_CMP_EQ);
				assert_true(a->datum_a == AF_INET ||
					    a->datum_a == AF_INET6);
			} else if (!strcmp(r->name, "mmap") ||
				   !strcmp(r->name, "mprotect")) {
				a = arg_on(r, 2);
				assert_non_null(a);
				assert_int_equal(a->op, SCMP_CMP_MASKED_EQ);
				assert_int_equal(a->datum_a, PROT_EXEC);
				assert_int_equal(a->datum_b, 0);
			} else if (!strcmp(r->name, "tgkill")) {
				a = arg_on(r, 0);
				assert_non_null(a);
				assert_true(a->datum_a == SANDBOX_OWN_PID);
			}
		}
	}
}

static void test_needs_follow_the_configuration(void **state)
{
	struct vm_config cfg = { 0 };

	(void)state;
	assert_int_equal(sandbox_needs_of(&cfg), 0);
	cfg.nr_disks = 1;
	cfg.nr_nets = 2;
	cfg.net[0].kind = NET_USER;
	cfg.net[1].kind = NET_USER;
	cfg.nr_shares = 1;
	cfg.share[0].readonly = true;
	assert_int_equal(sandbox_needs_of(&cfg),
			 SANDBOX_DISK | SANDBOX_NET_USER | SANDBOX_SHARE);
	cfg.net[1].kind = NET_TAP;
	cfg.nr_shares = 2;
	assert_int_equal(sandbox_needs_of(&cfg),
			 SANDBOX_DISK | SANDBOX_NET_USER | SANDBOX_NET_TAP |
				 SANDBOX_SHARE | SANDBOX_RW_SHARE);
	memset(&cfg, 0, sizeof(cfg));
	cfg.control = "/run/user/1000/vm.sock";
	assert_int_equal(sandbox_needs_of(&cfg),
			 SANDBOX_CONTROL | SANDBOX_DUMP);
	memset(&cfg, 0, sizeof(cfg));
	cfg.gdb = true;
	assert_int_equal(sandbox_needs_of(&cfg), SANDBOX_GDB);
	cfg.dump_on_panic = "vm.core";
	assert_int_equal(sandbox_needs_of(&cfg),
			 SANDBOX_GDB | SANDBOX_DUMP | SANDBOX_PANIC_DUMP);
}

static void test_capabilities_only_for_shares(void **state)
{
	const uint64_t rw = 1ULL << CAP_DAC_READ_SEARCH |
			    1ULL << CAP_DAC_OVERRIDE | 1ULL << CAP_CHOWN |
			    1ULL << CAP_FOWNER | 1ULL << CAP_FSETID;

	(void)state;
	assert_int_equal(sandbox_caps_for(0), 0);
	assert_int_equal(sandbox_caps_for(SANDBOX_DISK | SANDBOX_NET_USER |
					  SANDBOX_NET_TAP),
			 0);
	assert_int_equal(sandbox_caps_for(SANDBOX_SHARE),
			 1ULL << CAP_DAC_READ_SEARCH);
	assert_int_equal(sandbox_caps_for(SANDBOX_SHARE | SANDBOX_RW_SHARE),
			 rw);
}

static void test_dumpable_only_when_cores_are_asked_for(void **state)
{
	(void)state;
	assert_false(sandbox_stay_dumpable(0));
	assert_true(sandbox_stay_dumpable(RLIM_INFINITY));
	assert_true(sandbox_stay_dumpable(4096));
}

/* ---- filters installed in child processes ---- */

struct child {
	enum sandbox_kind kind;
	unsigned int needs;
	int (*body)(void);
	int err_fd;
	int (*before)(void); /* unconfined, first (or NULL) */
};

static void hook(void)
{
	static const char msg[] = "hook ran\n";

	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* the test sees the line missing */
	}
}

static int child_main(void *arg)
{
	struct child *c = arg;

	dup2(c->err_fd, STDERR_FILENO);
	if (c->before && c->before())
		return 98;
	if (sandbox_prepare(c->needs, hook) || sandbox_enter(c->kind, c->needs))
		return 99;
	return c->body();
}

/*
 * Runs before() unconfined, then body under kind's list; body's status,
 * and the child's stderr in err.
 */
static int run_sandboxed_after(enum sandbox_kind kind, unsigned int needs,
			       int (*before)(void), int (*body)(void),
			       char *err, size_t errlen)
{
	char path[] = "/tmp/kestrel-sandbox-test-XXXXXX";
	struct child c = { kind, needs, body, mkstemp(path), before };
	ssize_t n;
	int status;

	assert_true(c.err_fd >= 0);
	unlink(path);
	status = run_in_child(child_main, &c, 10);
	n = pread(c.err_fd, err, errlen - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(c.err_fd);
	return status;
}

static int run_sandboxed(enum sandbox_kind kind, unsigned int needs,
			 int (*body)(void), char *err, size_t errlen)
{
	return run_sandboxed_after(kind, needs, NULL, body, err, errlen);
}

static char expected[256];

static const char *violation(const char *kind, const char *name, long nr)
{
	snprintf(
		expected, sizeof(expected),
		"hook ran\nkestrel: sandbox: %s thread made a forbidden system call %s (nr %ld); rerun with --no-sandbox to debug\n",
		kind, name, nr);
	return expected;
}

static int vcpu_opens_a_file(void)
{
	open("/etc/hostname", O_RDONLY);
	return 0;
}

static void test_vcpu_open_is_reported_and_fatal(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(run_sandboxed(SANDBOX_VCPU, 0, vcpu_opens_a_file, err,
				       sizeof(err)),
			 125);
	assert_string_equal(err, violation("vCPU", "openat", __NR_openat));
}

/* What a vCPU does: memory, locks, clock, log lines, its ioctls. */
static int vcpu_does_its_work(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	struct timespec ts;
	void *big = malloc(4 << 20);

	if (!big)
		return 1;
	memset(big, 1, 4 << 20);
	free(big);
	pthread_mutex_lock(&m);
	pthread_mutex_unlock(&m);
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) < 0)
		return 2;
	if (write(STDERR_FILENO, "log\n", 4) != 4)
		return 3;
	/* An allowed request on a bad descriptor fails as usual. */
	if (ioctl(-1, KVM_RUN, 0) != -1 || errno != EBADF)
		return 4;
	return 0;
}

static void test_vcpu_work_is_allowed(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(run_sandboxed(SANDBOX_VCPU, 0, vcpu_does_its_work, err,
				       sizeof(err)),
			 0);
	assert_string_equal(err, "log\n");
}

static int vcpu_asks_for_the_terminal(void)
{
	struct winsize ws;

	ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
	return 0;
}

static void test_vcpu_ioctl_outside_its_requests_is_fatal(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(run_sandboxed(SANDBOX_VCPU, 0,
				       vcpu_asks_for_the_terminal, err,
				       sizeof(err)),
			 125);
	/* An ioctl's report names the fd and the request. */
	snprintf(
		expected, sizeof(expected),
		"hook ran\nkestrel: sandbox: vCPU thread made a forbidden system call ioctl (nr %d, fd 0, request %u); rerun with --no-sandbox to debug\n",
		__NR_ioctl, (unsigned int)TIOCGWINSZ);
	assert_string_equal(err, expected);
}

/* What pthread_create comes down to (invalid here, were it allowed). */
static int device_starts_a_thread(void)
{
	syscall(SYS_clone3, NULL, 0);
	return 0;
}

static void test_no_thread_after_the_filter(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(run_sandboxed(SANDBOX_DEVICE, 0,
				       device_starts_a_thread, err,
				       sizeof(err)),
			 125);
	assert_string_equal(err, violation("device", "clone3", __NR_clone3));
}

static int device_reads_a_file(void)
{
	int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 1;
	close(fd);
	return 0;
}

static int device_writes_a_file(void)
{
	open("/tmp/kestrel-sandbox-test-never", O_WRONLY | O_CREAT, 0600);
	return 0;
}

static int device_opens_a_unix_socket(void)
{
	if (socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) < 0)
		return 1;
	if (socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0) < 0)
		return 2;
	socket(AF_UNIX, SOCK_STREAM, 0);
	return 0;
}

/* The device list opens nothing unless the run has shares or slirp. */
static void test_device_list_follows_the_configuration(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(run_sandboxed(SANDBOX_DEVICE, SANDBOX_DISK,
				       device_reads_a_file, err, sizeof(err)),
			 125);
	assert_string_equal(err, violation("device", "openat", __NR_openat));
	/* libslirp reads /etc/resolv.conf, never writes */
	assert_int_equal(run_sandboxed(SANDBOX_DEVICE, SANDBOX_NET_USER,
				       device_reads_a_file, err, sizeof(err)),
			 0);
	assert_int_equal(run_sandboxed(SANDBOX_DEVICE, SANDBOX_NET_USER,
				       device_writes_a_file, err, sizeof(err)),
			 125);
	assert_string_equal(err, violation("device", "openat", __NR_openat));
	assert_int_equal(run_sandboxed(SANDBOX_DEVICE, SANDBOX_NET_USER,
				       device_opens_a_unix_socket, err,
				       sizeof(err)),
			 125);
	assert_string_equal(err, violation("device", "socket", __NR_socket));
	assert_int_equal(run_sandboxed(SANDBOX_DEVICE, SANDBOX_NET_TAP,
				       device_opens_a_unix_socket, err,
				       sizeof(err)),
			 125);
	assert_string_equal(err, violation("device", "socket", __NR_socket));
	/* the FUSE server opens what the guest asks for */
	assert_int_equal(run_sandboxed(SANDBOX_DEVICE, SANDBOX_SHARE,
				       device_reads_a_file, err, sizeof(err)),
			 0);
}

/*
 * The control socket under the device list: made unconfined, then served
 * confined to a client in another process (forked before the filter)
 * that asks for everything, dump included, and ends with stop.
 */
static struct evloop ctl_loop;
static struct control ctl;
static struct fake_vm ctl_vm;
static char ctl_dir[] = "/tmp/kestrel-sandbox-ctl-XXXXXX"; /* the test's */
static char ctl_path[sizeof(ctl_dir) + 16];

static int stop_loop(void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	evloop_stop(&ctl_loop);
	return 0;
}

/* The client: requests in order, each reply read before the next. */
static void ctl_client_process(void)
{
	static const char *const requests[] = {
		"{\"cmd\":\"status\"}\n", "{\"cmd\":\"sysrq\",\"key\":\"s\"}\n",
		"{\"cmd\":\"dump\"}\n",	  "nonsense\n",
		"{\"cmd\":\"stop\"}\n",
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), fd;
	char file[sizeof(ctl_dir) + 16], c;

	/* gone with the test, even if the server is gone first */
	alarm(10);
	close(ctl.listen.fd);
	memcpy(sa.sun_path, ctl_path, sizeof(ctl_path));
	snprintf(file, sizeof(file), "%s/core", ctl_dir);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		_exit(1);
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} cmsg;
		struct iovec iov = { (void *)requests[i], strlen(requests[i]) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

		if (strstr(requests[i], "dump")) {
			struct cmsghdr *cm;

			msg.msg_control = cmsg.buf;
			msg.msg_controllen = sizeof(cmsg.buf);
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		}
		if (sendmsg(s, &msg, MSG_NOSIGNAL) < 0)
			_exit(1);
		while (recv(s, &c, 1, 0) == 1 && c != '\n')
			;
	}
	_exit(0);
}

static int ctl_before(void)
{
	static struct control_ops ops;
	char err[CONTROL_ERR_MAX];

	ops = fake_ops;
	ops.stop = stop_loop;
	if (evloop_init(&ctl_loop))
		return 1;
	if (control_init(&ctl, ctl_path, &ctl_loop, &ops, &ctl_vm, err,
			 sizeof(err)))
		return 1;
	switch (fork()) {
	case -1:
		return 1;
	case 0:
		ctl_client_process();
	}
	return 0;
}

static int ctl_serves(void)
{
	struct stat st;

	if (evloop_run(&ctl_loop))
		return 1;
	control_destroy(&ctl);
	if (lstat(ctl_path, &st) == 0 || errno != ENOENT)
		return 2; /* the socket is left behind */
	if (atomic_load(&ctl_vm.key) != 's' || atomic_load(&ctl_vm.dumps) != 1)
		return 3;
	return 0;
}

/* Runs ctl_serves() with needs in a fresh directory; its status. */
static int serve_confined(unsigned int needs, char *err, size_t errlen)
{
	char file[sizeof(ctl_dir) + 16];
	int status;

	snprintf(ctl_dir, sizeof(ctl_dir), "/tmp/kestrel-sandbox-ctl-XXXXXX");
	assert_non_null(mkdtemp(ctl_dir));
	snprintf(ctl_path, sizeof(ctl_path), "%s/ctl.sock", ctl_dir);
	status = run_sandboxed_after(SANDBOX_DEVICE, needs, ctl_before,
				     ctl_serves, err, errlen);
	snprintf(file, sizeof(file), "%s/core", ctl_dir);
	unlink(file);
	unlink(ctl_path);
	rmdir(ctl_dir);
	return status;
}

static void test_control_socket_confined(void **state)
{
	char err[512];
	int status;

	(void)state;
	status = serve_confined(SANDBOX_CONTROL, err, sizeof(err));
	if (status)
		fail_msg("status %d: %s", status, err);
	assert_string_equal(err, "");
	/* without --control, a client is the end */
	assert_int_equal(serve_confined(0, err, sizeof(err)), 125);
	assert_string_equal(err, violation("device", "accept4", __NR_accept4));
}

static int int80_getpid(void)
{
	long ret = 20; /* getpid on i386 */

	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
	return 0;
}

static void test_other_abi_is_reported(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(run_sandboxed(SANDBOX_DEVICE, 0, int80_getpid, err,
				       sizeof(err)),
			 125);
	assert_string_equal(err, violation("device", "of another ABI", 20));
}

static int gives_up_privileges(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 1;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 2;
	if (syscall(SYS_capget, &h, d) < 0)
		return 3;
	if (d[0].effective != (uint32_t)(1u << CAP_DAC_READ_SEARCH) ||
	    d[1].effective || d[0].inheritable || d[1].inheritable)
		return 4;
	/* Root keeps nothing more in the bounding set either. */
	if (geteuid() == 0 &&
	    (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) != 0 ||
	     prctl(PR_CAPBSET_READ, CAP_DAC_READ_SEARCH) != 1))
		return 5;
	return 0;
}

static int prepare_then(void *arg)
{
	struct rlimit none = { 0, 0 };

	(void)arg;
	setrlimit(RLIMIT_CORE, &none);
	if (sandbox_prepare(SANDBOX_SHARE, NULL))
		return 99;
	return gives_up_privileges();
}

/* As root, a read-only share keeps CAP_DAC_READ_SEARCH and nothing else. */
static void test_privileges_are_given_up(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(run_in_child(prepare_then, NULL, 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_names_a_system_call),
		cmocka_unit_test(test_no_row_twice),
		cmocka_unit_test(test_dangerous_calls_are_never_allowed),
		cmocka_unit_test(test_argument_filters_where_they_matter),
		cmocka_unit_test(test_needs_follow_the_configuration),
		cmocka_unit_test(test_capabilities_only_for_shares),
		cmocka_unit_test(test_dumpable_only_when_cores_are_asked_for),
		cmocka_unit_test(test_vcpu_open_is_reported_and_fatal),
		cmocka_unit_test(test_vcpu_work_is_allowed),
		cmocka_unit_test(test_vcpu_ioctl_outside_its_requests_is_fatal),
		cmocka_unit_test(test_no_thread_after_the_filter),
		cmocka_unit_test(test_device_list_follows_the_configuration),
		cmocka_unit_test(test_control_socket_confined),
		cmocka_unit_test(test_other_abi_is_reported),
		cmocka_unit_test(test_privileges_are_given_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
