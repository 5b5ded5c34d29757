// SPDX-License-Identifier: MIT
/*
 * gdb itself against the stub: a real gdb (skipped when there is none)
 * connects over TCP to the stub serving a fake machine, and must accept
 * the target description and register layout, read memory, step, stop
 * at each kind of breakpoint and watchpoint, list the vCPUs and detach.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "fake_gdb_target.h"
#include "vmm/gdb_stub.h"

#define TIMEOUT_MS 20000
#define STORE_AT 0x1030 /* the one instruction that is no nop */
#define STORE_TO 0x2000

static struct fake_gdb_target fake;
static struct gdb_stub stub;
static int conn = -1;
static unsigned int interrupts_seen;

static int send_tcp(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	return write(conn, buf, len) == (ssize_t)len ? 0 : -1;
}

/* Which enabled debug registers match addr for an access of kind rw. */
static uint64_t dr_hits(uint64_t addr, bool data)
{
	uint64_t dr6 = 0;

	for (unsigned int n = 0; n < 4; n++) {
		uint64_t rw = fake.debug.dr7 >> (16 + 4 * n) & 3;

		if ((fake.debug.dr7 >> (2 * n) & 1) &&
		    fake.debug.dr[n] == addr && (rw != 0) == data)
			dr6 |= 1ULL << n;
	}
	return dr6;
}

static bool gdb_int3_at(uint64_t addr)
{
	for (unsigned int i = 0; i < fake.debug.nr_sw_bp; i++)
		if (fake.debug.sw_bp[i] == addr &&
		    *fake_gdb_byte(&fake, addr) == GDB_INT3)
			return true;
	return false;
}

/*
 * One instruction of the fake machine: memory is nops, one byte each,
 * but the one at STORE_AT adds 1 to the byte at STORE_TO. Returns the
 * DR6 bits of the watchpoints it hits.
 */
static uint64_t execute(struct x86_cpu_state *r)
{
	if (r->rip++ != STORE_AT)
		return 0;
	(*fake_gdb_byte(&fake, STORE_TO))++;
	return dr_hits(STORE_TO, true);
}

/* The vCPUs run until something stops them, as KVM would. */
static void run_machine(void)
{
	struct x86_cpu_state *r;
	uint64_t dr6;

	if (!fake.running || !fake.stop_owed)
		return;
	if (fake.interrupts != interrupts_seen) {
		interrupts_seen = fake.interrupts;
		fake_gdb_stop(&fake, &stub, GDB_STOP_INTERRUPT, 0, 0);
		return;
	}
	if (fake.step_cpu >= 0) {
		r = &fake.regs[fake.step_cpu];
		dr6 = execute(r) | 1ULL << 14;
		fake_gdb_stop(&fake, &stub, GDB_STOP_DEBUG_TRAP,
			      (unsigned int)fake.step_cpu, dr6);
		return;
	}
	r = &fake.regs[0];
	for (int i = 0; i < 0x1000; i++) {
		/* An instruction breakpoint fires before, but not on resume. */
		if (i && (dr6 = dr_hits(r->rip, false))) {
			fake_gdb_stop(&fake, &stub, GDB_STOP_DEBUG_TRAP, 0,
				      dr6);
			return;
		}
		if (gdb_int3_at(r->rip)) {
			fake_gdb_stop(&fake, &stub, GDB_STOP_SW_BREAKPOINT, 0,
				      0);
			return;
		}
		if ((dr6 = execute(r))) {
			fake_gdb_stop(&fake, &stub, GDB_STOP_DEBUG_TRAP, 0,
				      dr6);
			return;
		}
	}
}

static const char *const gdb_commands[] = {
	"target remote 127.0.0.1:%u",
	"show architecture",
	"info registers",
	"x/4xb 0x1000",
	"stepi",
	"p/x $pc",
	"hbreak *0x1010",
	"continue",
	"break *0x1020",
	"continue",
	"x/2xb 0x1020",
	"info threads",
	"thread 2",
	"p/x $pc",
	"thread 1",
	"awatch *(char *)0x2000",
	"continue",
	"p/x $pc",
	"delete",
	"set $rax = 0x1234",
	"p/x $rax",
	"p $st0",
	"p $xmm0",
	"p/x $fs_base",
	"p/x $gs_base",
	"info registers efer",
	"detach",
};

static const char *const expected[] = {
	"(currently \"i386:x86-64\")",
	"rip            0x1000              0x1000",
	"eflags         0x246               [ PF ZF IF ]",
	"cs             0x10                16",
	"gs_base        0xffff888000000000",
	"cr0            0x80050033          [ PE MP ET NE WP AM PG ]",
	"cr3            0x1000              4096",
	"0x1000:\t0x90\t0x90\t0x90\t0x90",
	"$1 = 0x1001",
	"Thread 1 hit Breakpoint 1, 0x0000000000001010 in ?? ()",
	"Thread 1 hit Breakpoint 2, 0x0000000000001020 in ?? ()",
	"0x1020:\t0x90\t0x90",
	"Thread 1 (CPU#0)",
	"Thread 2 (CPU#1)",
	"$2 = 0x4000",
	"Thread 1 hit Hardware access (read/write) watchpoint 3: *(char",
	"Old value = -112 '\\220'",
	"New value = -111 '\\221'",
	"$3 = 0x1031",
	"$4 = 0x1234",
	"$5 = <unavailable>",
	"$6 = <unavailable>",
	"$7 = 0x7f0000001000",
	"$8 = 0xffff888000000000",
	"efer           0xd01               [ SCE LME LMA NXE ]",
	"[Inferior 1 (Remote target) detached]",
};

/* Starts gdb -batch on port; its output goes to out_fd. */
static pid_t start_gdb(unsigned int port, int out_fd)
{
	char *argv[4 + 2 * sizeof(gdb_commands) / sizeof(gdb_commands[0])];
	char target[64];
	int argc = 0;
	pid_t pid;

	argv[argc++] = "gdb";
	argv[argc++] = "-nx";
	argv[argc++] = "-batch";
	for (size_t i = 0; i < sizeof(gdb_commands) / sizeof(gdb_commands[0]);
	     i++) {
		argv[argc++] = "-ex";
		argv[argc++] = (char *)gdb_commands[i];
	}
	snprintf(target, sizeof(target), gdb_commands[0], port);
	argv[4] = target;
	argv[argc] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(out_fd, 1);
		dup2(out_fd, 2);
		execvp("gdb", argv);
		_exit(127);
	}
	return pid;
}

static bool have_gdb(void)
{
	return system("gdb --version >/dev/null 2>&1") == 0;
}

static int listen_tcp(unsigned int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static bool wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, TIMEOUT_MS) == 1;
}

/* Serves gdb until it hangs up (true) or goes quiet for too long. */
static bool serve(int listen_fd)
{
	char buf[4096];
	ssize_t n = 0;

	if (!wait_readable(listen_fd))
		return false;
	conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	gdb_stub_connected(&stub);
	run_machine();
	while (wait_readable(conn) && (n = read(conn, buf, sizeof(buf))) > 0) {
		/* Byte by byte: the machine runs between any two of them. */
		for (ssize_t i = 0; i < n; i++) {
			gdb_stub_input(&stub, buf + i, 1);
			run_machine();
		}
	}
	gdb_stub_disconnected(&stub);
	close(conn);
	return n == 0;
}

static void test_gdb_accepts_stub(void **state)
{
	struct gdb_target_ops ops = fake_gdb_ops;
	char out_path[] = "/tmp/kestrel-gdb-XXXXXX";
	static char out[65536];
	unsigned int port;
	int listen_fd, out_fd, status;
	ssize_t len;
	pid_t pid;

	if (!have_gdb())
		skip();
	fake_gdb_init(&fake, 2);
	memset(fake.mem, 0x90, sizeof(fake.mem)); /* nop */
	fake.regs[0].rip = 0x1000;
	fake.regs[0].rflags = 0x246;
	fake.regs[0].seg[X86_CS].selector = 0x10;
	fake.regs[0].seg[X86_FS].base = 0x7f0000001000ULL;
	fake.regs[0].seg[X86_GS].base = 0xffff888000000000ULL;
	fake.regs[0].cr0 = 0x80050033;
	fake.regs[0].cr3 = 0x1000;
	fake.regs[0].efer = 0xd01;
	fake.regs[1].rip = 0x4000;
	ops.send = send_tcp;
	assert_int_equal(gdb_stub_init(&stub, &ops, &fake), 0);

	listen_fd = listen_tcp(&port);
	out_fd = mkstemp(out_path);
	assert_true(out_fd >= 0);
	unlink(out_path);
	pid = start_gdb(port, out_fd);
	assert_true(pid > 0);
	if (!serve(listen_fd))
		kill(pid, SIGKILL);
	close(listen_fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	len = pread(out_fd, out, sizeof(out) - 1, 0);
	close(out_fd);
	assert_true(len > 0);
	out[len] = '\0';
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		if (!strstr(out, expected[i])) {
			fprintf(stderr, "gdb printed:\n%s", out);
			fail_msg("gdb did not print \"%s\"", expected[i]);
		}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Detached: gdb's breakpoints gone, the vCPUs running. */
	assert_int_equal(fake.misuse, 0);
	assert_true(fake.running);
	assert_int_equal(fake.debug.nr_sw_bp, 0);
	assert_int_equal(fake.debug.dr7, 0);
	assert_int_equal(*fake_gdb_byte(&fake, 0x1020), 0x90);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gdb_accepts_stub),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
