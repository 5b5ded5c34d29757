// SPDX-License-Identifier: MIT
/* The sandbox: seccomp allow-lists per thread, capabilities, dumpability. */
#include "vmm/sandbox.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "vmm/exit_status.h"
#include "runtime/log.h"

/* Above every system call number of the architectures kestrel runs on. */
#define MAX_SYSCALL_NR 512

/*
 * What the SIGSYS handler needs, made before any filter: it may not
 * allocate, and libseccomp's resolver does.
 */
static const char *syscall_name[MAX_SYSCALL_NR];
static uint32_t native_arch;
static void (*violation_hook)(void);
static atomic_flag reporting = ATOMIC_FLAG_INIT;
static __thread const char *thread_kind;

unsigned int sandbox_needs_of(const struct vm_config *cfg)
{
	unsigned int needs = 0;

	if (cfg->nr_disks)
		needs |= SANDBOX_DISK;
	for (unsigned int i = 0; i < cfg->nr_nets; i++)
		needs |= cfg->net[i].kind == NET_TAP ? SANDBOX_NET_TAP :
						       SANDBOX_NET_USER;
	for (unsigned int i = 0; i < cfg->nr_shares; i++)
		needs |= SANDBOX_SHARE |
			 (cfg->share[i].readonly ? 0 : SANDBOX_RW_SHARE);
	if (cfg->control)
		needs |= SANDBOX_CONTROL;
	if (cfg->gdb)
		needs |= SANDBOX_GDB;
	if (cfg->control || cfg->dump_on_panic)
		needs |= SANDBOX_DUMP;
	if (cfg->dump_on_panic)
		needs |= SANDBOX_PANIC_DUMP;
	return needs;
}

#define CAP(c) (1ULL << (c))

uint64_t sandbox_caps_for(unsigned int needs)
{
	uint64_t caps = 0;

	/*
	 * Reading any file in a share, and reopening inodes from file
	 * handles (open_by_handle_at).
	 */
	if (needs & SANDBOX_SHARE)
		caps |= CAP(CAP_DAC_READ_SEARCH);
	/*
	 * Writing as root on the guest's behalf: into any directory, giving
	 * new files to the guest's user, changing modes and times of files
	 * root does not own, keeping set-group-ID where the guest asks for
	 * it. Not CAP_MKNOD: the server refuses device nodes.
	 */
	if (needs & SANDBOX_RW_SHARE)
		caps |= CAP(CAP_DAC_OVERRIDE) | CAP(CAP_CHOWN) |
			CAP(CAP_FOWNER) | CAP(CAP_FSETID);
	return caps;
}

bool sandbox_stay_dumpable(uint64_t core_limit)
{
	return core_limit != 0;
}

/* Appends s to buf[*len], within size; async-signal-safe. */
static void put_str(char *buf, size_t size, size_t *len, const char *s)
{
	while (*s && *len < size)
		buf[(*len)++] = *s++;
}

static void put_uint(char *buf, size_t size, size_t *len, unsigned int v)
{
	char digits[12];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && *len < size)
		buf[(*len)++] = digits[--n];
}

/* The first two arguments of the call SIGSYS stopped (fd and request). */
static void call_args(const void *uc, unsigned long long *a0,
		      unsigned long long *a1)
{
	const ucontext_t *u = uc;

#if defined(__x86_64__)
	*a0 = (unsigned long long)u->uc_mcontext.gregs[REG_RDI];
	*a1 = (unsigned long long)u->uc_mcontext.gregs[REG_RSI];
#elif defined(__aarch64__)
	*a0 = u->uc_mcontext.regs[0];
	*a1 = u->uc_mcontext.regs[1];
#endif
}

/*
 * Runs on the thread that made the call, which is stopped there: one line,
 * then the whole process goes. Only calls every list allows: write,
 * exit_group, and what the hook needs (the terminal's ioctl).
 */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	unsigned int nr = (unsigned int)si->si_syscall;
	const char *name = NULL;
	char line[256];
	size_t len = 0;

	(void)sig;
	if (atomic_flag_test_and_set(&reporting))
		for (;;)
			; /* another thread is reporting, and will exit */
	if (violation_hook)
		violation_hook();
	if (si->si_arch == native_arch && nr < MAX_SYSCALL_NR)
		name = syscall_name[nr];
	put_str(line, sizeof(line), &len, "kestrel: sandbox: ");
	put_str(line, sizeof(line), &len, thread_kind ? thread_kind : "a");
	put_str(line, sizeof(line), &len,
		" thread made a forbidden system call ");
	put_str(line, sizeof(line), &len,
		name			   ? name :
		si->si_arch == native_arch ? "(unknown)" :
					     "of another ABI");
	put_str(line, sizeof(line), &len, " (nr ");
	put_uint(line, sizeof(line), &len, nr);
	if (name && !strcmp(name, "ioctl")) {
		/* Which of an fd's many requests was refused. */
		unsigned long long fd, request;

		call_args(uc, &fd, &request);
		put_str(line, sizeof(line), &len, ", fd ");
		put_uint(line, sizeof(line), &len, (unsigned int)fd);
		put_str(line, sizeof(line), &len, ", request ");
		put_uint(line, sizeof(line), &len, (unsigned int)request);
	}
	put_str(line, sizeof(line), &len,
		"); rerun with --no-sandbox to debug\n");
	if (write(STDERR_FILENO, line, len) < 0) {
		/* Nowhere left to say it; the status still does. */
	}
	_exit(EXIT_KESTREL_FAILED);
}

/* Keeps only the capabilities in keep (of those kestrel has). */
static int drop_capabilities(uint64_t keep)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t permitted, effective;

	if (syscall(SYS_capget, &h, d) < 0) {
		log_error("sandbox: capget: %s", strerror(errno));
		return -1;
	}
	permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
	effective = d[0].effective | (uint64_t)d[1].effective << 32;
	keep &= permitted;
	/* The bounding set caps what any later program could regain. */
	if (effective & CAP(CAP_SETPCAP)) {
		for (int cap = 0; prctl(PR_CAPBSET_READ, cap) >= 0; cap++) {
			if (keep & CAP(cap))
				continue;
			if (prctl(PR_CAPBSET_DROP, cap) < 0) {
				log_error("sandbox: dropping capability %d: %s",
					  cap, strerror(errno));
				return -1;
			}
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL) {
		log_error("sandbox: clearing ambient capabilities: %s",
			  strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		d[i].effective = d[i].permitted = (uint32_t)(keep >> (32 * i));
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d) < 0) {
		log_error("sandbox: capset: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int sandbox_prepare(unsigned int needs, void (*on_violation)(void))
{
	struct sigaction sa = { .sa_sigaction = on_sigsys,
				.sa_flags = SA_SIGINFO };
	struct rlimit core;

	/*
	 * glibc reads the host's time zone file on the process's first time
	 * conversion, even gmtime_r's (the RTC's, on a vCPU thread): now,
	 * while files may still be opened.
	 */
	tzset();
	native_arch = seccomp_arch_native();
	for (int nr = 0; nr < MAX_SYSCALL_NR; nr++)
		if (!syscall_name[nr])
			syscall_name[nr] = seccomp_syscall_resolve_num_arch(
				SCMP_ARCH_NATIVE, nr);
	violation_hook = on_violation;
	/* Nothing may interrupt the report: a kick would lose the line. */
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		log_error("sandbox: SIGSYS handler: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_error("sandbox: no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (drop_capabilities(sandbox_caps_for(needs)))
		return -1;
	/*
	 * Not dumpable: no other process of this user may ptrace kestrel or
	 * read its memory through /proc, and no core shows guest data. But
	 * a user who raised the core limit asked for cores (the integration
	 * suite does, to see where a hung kestrel was).
	 */
	if (getrlimit(RLIMIT_CORE, &core) == 0 &&
	    !sandbox_stay_dumpable(core.rlim_cur) &&
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		log_error("sandbox: not dumpable: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Adds t's rows that apply to needs; 0 or -errno, logged. */
static int add_rules(scmp_filter_ctx ctx, const struct sandbox_table *t,
		     const char *kind, unsigned int needs)
{
	scmp_datum_t pid = (scmp_datum_t)getpid();

	for (size_t i = 0; i < t->nr; i++) {
		const struct sandbox_rule *r = &t->rule[i];
		struct scmp_arg_cmp arg[SANDBOX_MAX_ARGS];
		unsigned int n = 0;
		int nr, err;

		if (r->needs && !(r->needs & needs))
			continue;
		nr = seccomp_syscall_resolve_name(r->name);
		if (nr == __NR_SCMP_ERROR) {
			log_error("sandbox: %s list: no system call '%s'", kind,
				  r->name);
			return -EINVAL;
		}
		/*
		 * A negative number names a call this architecture does not
		 * have (poll, epoll_wait on arm64): libc uses another there,
		 * which has its own row.
		 */
		if (nr < 0)
			continue;
		for (; n < SANDBOX_MAX_ARGS && r->arg[n].op; n++) {
			arg[n] = r->arg[n];
			if (arg[n].datum_a == SANDBOX_OWN_PID)
				arg[n].datum_a = pid;
		}
		err = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, nr, n,
						   arg);
		if (err) {
			log_error("sandbox: %s list: rule for %s: %s", kind,
				  r->name, strerror(-err));
			return err;
		}
	}
	return 0;
}

int sandbox_enter(enum sandbox_kind kind, unsigned int needs)
{
	const char *name = sandbox_tables[kind].kind;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	int err;

	if (!ctx) {
		log_error("sandbox: %s list: out of memory", name);
		return -1;
	}
	/* A call through another ABI (int 0x80) is as forbidden. */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRAP);
	if (err)
		log_error("sandbox: %s list: %s", name, strerror(-err));
	if (!err)
		err = add_rules(ctx, &sandbox_common, name, needs);
	if (!err)
		err = add_rules(ctx, &sandbox_tables[kind], name, needs);
	if (!err) {
		thread_kind = name;
		err = seccomp_load(ctx);
		if (err) {
			thread_kind = NULL;
			log_error("sandbox: installing the %s list: %s", name,
				  strerror(-err));
		}
	}
	seccomp_release(ctx);
	return err ? -1 : 0;
}
