// SPDX-License-Identifier: MIT
/*
 * The system calls each kind of kestrel thread may make: reviewed like
 * code. A row allows one call when its argument conditions hold; rows for
 * the same call add up. A row with .needs applies only to runs that use
 * that (disks, user networking, TAP, shares, the control socket).
 * Everything else traps
 * (vmm/sandbox.h). When a row is added, say who makes the call.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "vmm/sandbox.h"

#define ARG(i, how, v)                                  \
	{                                               \
		.arg = (i), .op = (how), .datum_a = (v) \
	}
#define MASKED(i, mask, v)                                               \
	{                                                                \
		.arg = (i), .op = SCMP_CMP_MASKED_EQ, .datum_a = (mask), \
		.datum_b = (v)                                           \
	}
/* The kernel reads an ioctl's request as 32 bits. */
#define IOCTL(req) MASKED(1, 0xffffffffu, (req))

#define ALLOW(sys, ...)                              \
	{                                            \
		.name = #sys, .arg = { __VA_ARGS__ } \
	}
#define ALLOW_IF(need, sys, ...)                                      \
	{                                                             \
		.name = #sys, .needs = (need), .arg = { __VA_ARGS__ } \
	}
/*
 * By request, on any descriptor: each request means something only to its
 * own kind of file (KVM's to a vCPU or VM, TUN's to a TAP device).
 */
#define ALLOW_IOCTL(req) ALLOW(ioctl, IOCTL(req))
#define ALLOW_IOCTL_IF(need, req) ALLOW_IF(need, ioctl, IOCTL(req))

#define ALLOW_TGKILL(sig)                                   \
	ALLOW(tgkill, ARG(0, SCMP_CMP_EQ, SANDBOX_OWN_PID), \
	      ARG(2, SCMP_CMP_EQ, (sig)))

/*
 * What every thread may do: locks and condition variables; memory for
 * malloc, free and thread exit, never executable (guest RAM and kvm_run
 * are mapped before any filter); the clock where the vDSO falls back to
 * the kernel; signal return; exits; and the terminal restored (stdin's
 * TCSETS, and the TCGETS with which glibc's tcsetattr may check what the
 * kernel took) by whichever thread ends kestrel.
 */
static const struct sandbox_rule common_rules[] = {
	ALLOW(futex),
	ALLOW(mmap, MASKED(2, PROT_EXEC, 0)),
	ALLOW(mprotect, MASKED(2, PROT_EXEC, 0)),
	ALLOW(munmap),
	ALLOW(madvise),
	ALLOW(brk),
	ALLOW(clock_gettime),
	ALLOW(gettimeofday),
	ALLOW(rt_sigreturn),
	ALLOW(rt_sigprocmask),
	ALLOW(restart_syscall),
	ALLOW(exit),
	ALLOW(exit_group),
	ALLOW(ioctl, ARG(0, SCMP_CMP_EQ, 0), IOCTL(TCSETS)),
	ALLOW(ioctl, ARG(0, SCMP_CMP_EQ, 0), IOCTL(TCGETS)),
	/*
	 * Signals only to kestrel's own threads: the vCPU kick (vcpu.c), and
	 * the fatal ones a crashing thread raises again to die of (main.c's
	 * crash handler, abort()).
	 */
	ALLOW(getpid),
	ALLOW(gettid),
	ALLOW_TGKILL(SIGUSR1),
	ALLOW_TGKILL(SIGSEGV),
	ALLOW_TGKILL(SIGBUS),
	ALLOW_TGKILL(SIGILL),
	ALLOW_TGKILL(SIGFPE),
	ALLOW_TGKILL(SIGABRT),
};

/*
 * A vCPU thread: KVM_RUN and the exits it handles. Port and MMIO writes
 * reach devices under their locks: the UART writes the console (stdout,
 * --console-log) and raises its interrupt, a virtio register write may
 * move ioeventfds and MSI routes, kick a queue's eventfd, or reset a
 * device (a disk waits for its I/O, a share closes what the guest held, a
 * TAP NIC changes offloads and stops reading).
 */
static const struct sandbox_rule vcpu_rules[] = {
	ALLOW_IOCTL(KVM_RUN),
	/* where the vCPU is, for the no-sign-of-life report */
	ALLOW_IOCTL(KVM_GET_REGS),
	ALLOW_IOCTL(KVM_GET_SREGS),
	ALLOW_IOCTL(KVM_GET_ONE_REG),
	ALLOW_IOCTL(KVM_GET_MP_STATE),
	ALLOW_IOCTL(KVM_IRQ_LINE),
	ALLOW_IOCTL(KVM_IRQFD),
	ALLOW_IOCTL(KVM_IOEVENTFD),
	ALLOW_IOCTL(KVM_SET_GSI_ROUTING),
	ALLOW_IOCTL_IF(SANDBOX_NET_TAP, TUNSETOFFLOAD),
	ALLOW_IF(SANDBOX_NET_TAP, epoll_ctl),
	ALLOW_IF(SANDBOX_DISK, io_getevents),
	ALLOW_IF(SANDBOX_SHARE, close),
	/* eventfds, the console, log lines */
	ALLOW(write),
	/* a full non-blocking stdout (host_console.c) */
	ALLOW(poll),
#if defined(__aarch64__)
	ALLOW(ppoll), /* poll, where there is no poll */
#endif
	/* glibc's last words on a corrupted heap */
	ALLOW(writev, ARG(0, SCMP_CMP_EQ, 2)),
	/*
	 * gdb (run_control.c): an int3 or #DB that is the guest's own goes
	 * back to it, past the int3
	 */
	ALLOW_IOCTL_IF(SANDBOX_GDB, KVM_SET_GUEST_DEBUG),
	ALLOW_IOCTL_IF(SANDBOX_GDB, KVM_SET_REGS),
	/* kestrel ctl nmi: each vCPU injects its own (run_control.c) */
	ALLOW_IOCTL_IF(SANDBOX_CONTROL, KVM_NMI),
};

/*
 * The device thread, which is the main thread: the event loop, the
 * devices' work and back ends, and the teardown after the VM stops.
 */
static const struct sandbox_rule device_rules[] = {
	/* the event loop (evloop.c) and its timers */
	ALLOW(epoll_wait),
	ALLOW(epoll_ctl),
	ALLOW(poll),
#if defined(__aarch64__)
	/* epoll_wait and poll, where there are none */
	ALLOW(epoll_pwait),
	ALLOW(ppoll),
#endif
	ALLOW(timerfd_settime),
	ALLOW(read),
	ALLOW(readv),
	ALLOW(write),
	ALLOW(writev),
	ALLOW(close),
	/* virtio-rng */
	ALLOW(getrandom),
	/*
	 * interrupt lines: the UART, virtio-mmio, PCI INTx; and where the
	 * vCPUs stopped, for a run that ends without a sign of life
	 */
	ALLOW_IOCTL(KVM_IRQ_LINE),
	ALLOW_IOCTL(KVM_GET_REGS),
	ALLOW_IOCTL(KVM_GET_SREGS),
	ALLOW_IOCTL(KVM_GET_ONE_REG),
	ALLOW_IOCTL(KVM_GET_MP_STATE),
	/* realloc of large tables (the FUSE server's inodes) */
	ALLOW(mremap),

	/* disks: Linux AIO, discard and zeroes, a snapshot's mixed reads */
	ALLOW_IF(SANDBOX_DISK, io_submit),
	ALLOW_IF(SANDBOX_DISK, io_getevents),
	ALLOW_IF(SANDBOX_DISK, io_destroy),
	ALLOW_IF(SANDBOX_DISK | SANDBOX_SHARE, preadv),
	ALLOW_IF(SANDBOX_DISK | SANDBOX_RW_SHARE, fallocate),
	ALLOW_IOCTL_IF(SANDBOX_DISK, BLKDISCARD),
	ALLOW_IOCTL_IF(SANDBOX_DISK, BLKZEROOUT),

	/* TAP: frames are read and writev; offloads follow the guest */
	ALLOW_IOCTL_IF(SANDBOX_NET_TAP, TUNSETOFFLOAD),

	/* libslirp: IPv4 and IPv6 sockets on the guest's behalf */
	ALLOW_IF(SANDBOX_NET_USER, socket, ARG(0, SCMP_CMP_EQ, AF_INET)),
	ALLOW_IF(SANDBOX_NET_USER, socket, ARG(0, SCMP_CMP_EQ, AF_INET6)),
	ALLOW_IF(SANDBOX_NET_USER, connect),
	ALLOW_IF(SANDBOX_NET_USER, bind),
	ALLOW_IF(SANDBOX_NET_USER, listen),
	ALLOW_IF(SANDBOX_NET_USER, accept),
	ALLOW_IF(SANDBOX_NET_USER, accept4),
	ALLOW_IF(SANDBOX_NET_USER, getsockname),
	ALLOW_IF(SANDBOX_NET_USER, getpeername),
	ALLOW_IF(SANDBOX_NET_USER, setsockopt),
	ALLOW_IF(SANDBOX_NET_USER, getsockopt),
	ALLOW_IF(SANDBOX_NET_USER, sendto),
	ALLOW_IF(SANDBOX_NET_USER, recvfrom),
	ALLOW_IF(SANDBOX_NET_USER, sendmsg),
	ALLOW_IF(SANDBOX_NET_USER, recvmsg),
	ALLOW_IF(SANDBOX_NET_USER, shutdown),
	/* how big the next UDP datagram is */
	ALLOW_IOCTL_IF(SANDBOX_NET_USER, FIONREAD),
	ALLOW_IF(SANDBOX_NET_USER | SANDBOX_SHARE, fcntl),
	/*
	 * libslirp rereads /etc/resolv.conf when it changes; GLib's random
	 * numbers read /dev/urandom: read-only opens.
	 */
	ALLOW_IF(SANDBOX_NET_USER, openat,
		 MASKED(2, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY)),
	/* and the control socket's, the gdb stub's and the dumps' stat of their files, below */
	ALLOW_IF(SANDBOX_NET_USER | SANDBOX_SHARE | SANDBOX_CONTROL |
			 SANDBOX_GDB | SANDBOX_DUMP,
		 newfstatat),
	ALLOW_IF(SANDBOX_NET_USER | SANDBOX_SHARE | SANDBOX_CONTROL, fstat),

	/*
	 * The FUSE server (devices/fs/): every operation on the shared
	 * trees, by descriptor and name beneath it. Read-only shares refuse
	 * changes before they reach the host, so the same calls serve both.
	 */
	ALLOW_IF(SANDBOX_SHARE, openat),
	ALLOW_IF(SANDBOX_SHARE, open_by_handle_at),
	ALLOW_IF(SANDBOX_SHARE, name_to_handle_at),
	ALLOW_IF(SANDBOX_SHARE, fstatfs),
	ALLOW_IF(SANDBOX_SHARE, statfs),
	ALLOW_IF(SANDBOX_SHARE, getdents64),
	ALLOW_IF(SANDBOX_SHARE, lseek),
	ALLOW_IF(SANDBOX_SHARE, readlinkat),
	ALLOW_IF(SANDBOX_SHARE, faccessat),
	ALLOW_IF(SANDBOX_SHARE, faccessat2),
	ALLOW_IF(SANDBOX_SHARE, fsync),
	ALLOW_IF(SANDBOX_SHARE, fdatasync),
	ALLOW_IF(SANDBOX_SHARE, syncfs),
	ALLOW_IF(SANDBOX_SHARE, sync),
	ALLOW_IF(SANDBOX_RW_SHARE, pwritev),
	ALLOW_IF(SANDBOX_RW_SHARE, mkdirat),
	ALLOW_IF(SANDBOX_RW_SHARE, mknodat),
	ALLOW_IF(SANDBOX_RW_SHARE, symlinkat),
	ALLOW_IF(SANDBOX_RW_SHARE, linkat),
	ALLOW_IF(SANDBOX_RW_SHARE, unlinkat),
	ALLOW_IF(SANDBOX_RW_SHARE, renameat2),
	ALLOW_IF(SANDBOX_RW_SHARE, fchownat),
	ALLOW_IF(SANDBOX_RW_SHARE, fchown),
	ALLOW_IF(SANDBOX_RW_SHARE, fchmod),
	ALLOW_IF(SANDBOX_RW_SHARE, fchmodat),
	ALLOW_IF(SANDBOX_RW_SHARE, utimensat),
	/* and a dump's file, sized before it is written (below) */
	ALLOW_IF(SANDBOX_RW_SHARE | SANDBOX_DUMP, ftruncate),

	/*
	 * The control socket (vmm/control.c), bound before confinement:
	 * clients accepted, requests read with the descriptors they carry,
	 * replies sent, each with the flags it always uses; a dump's
	 * descriptor checked (fstat above, and its open flags); and at
	 * teardown the socket file, once stat says it is still kestrel's,
	 * removed (never a directory).
	 */
	ALLOW_IF(SANDBOX_CONTROL | SANDBOX_GDB, accept4,
		 ARG(3, SCMP_CMP_EQ, SOCK_NONBLOCK | SOCK_CLOEXEC)),
	ALLOW_IF(SANDBOX_CONTROL, recvmsg,
		 ARG(2, SCMP_CMP_EQ, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)),
	ALLOW_IF(SANDBOX_CONTROL, sendmsg,
		 ARG(2, SCMP_CMP_EQ, MSG_DONTWAIT | MSG_NOSIGNAL)),
	ALLOW_IF(SANDBOX_CONTROL, fcntl, ARG(1, SCMP_CMP_EQ, F_GETFL)),
	ALLOW_IF(SANDBOX_CONTROL | SANDBOX_GDB, unlinkat,
		 ARG(2, SCMP_CMP_EQ, 0)),

	/*
	 * The gdb stub (gdb_kvm.c), listening before confinement: one
	 * debugger accepted, its bytes received and replies sent, TCP_NODELAY
	 * for its small packets; the held vCPUs' registers and guest debug
	 * state (accept4 and unlinkat as the control socket's).
	 */
	ALLOW_IF(SANDBOX_GDB, recvfrom, ARG(3, SCMP_CMP_EQ, 0)),
	ALLOW_IF(SANDBOX_GDB, sendto, ARG(3, SCMP_CMP_EQ, MSG_NOSIGNAL)),
	ALLOW_IF(SANDBOX_GDB, setsockopt, ARG(1, SCMP_CMP_EQ, IPPROTO_TCP),
		 ARG(2, SCMP_CMP_EQ, TCP_NODELAY)),
	ALLOW_IOCTL_IF(SANDBOX_GDB, KVM_SET_GUEST_DEBUG),
	ALLOW_IOCTL_IF(SANDBOX_GDB, KVM_SET_REGS),
	ALLOW_IOCTL_IF(SANDBOX_GDB, KVM_SET_SREGS),

/*
	 * Dumps (vm_dump.c, core_dump.c) into a file a client sent or
	 * --dump-on-panic's, created in the directory opened at start: the
	 * held vCPUs' KERNEL_GS_BASE, the file sized and written sparsely.
	 */
#if defined(__x86_64__)
	ALLOW_IOCTL_IF(SANDBOX_GDB | SANDBOX_DUMP, KVM_GET_MSRS),
#endif
	ALLOW_IF(SANDBOX_DUMP, pwrite64),
	ALLOW_IF(SANDBOX_PANIC_DUMP, openat,
		 MASKED(2, O_ACCMODE | O_CREAT | O_TRUNC | O_NOFOLLOW,
			O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW)),
};

#define TABLE(k, rules)                                    \
	{                                                  \
		k, rules, sizeof(rules) / sizeof(rules[0]) \
	}

const struct sandbox_table sandbox_common = TABLE("every", common_rules);
const struct sandbox_table sandbox_tables[SANDBOX_NR_KINDS] = {
	[SANDBOX_VCPU] = TABLE("vCPU", vcpu_rules),
	[SANDBOX_DEVICE] = TABLE("device", device_rules),
};
