// SPDX-License-Identifier: MIT
/* --gdb: the gdb stub on a socket, debugging the guest's vCPUs under KVM. */
#include "vmm/gdb_kvm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "arch/x86/cpu_state_kvm.h"
#include "arch/x86/paging.h"
#include "vmm/exit_status.h"
#include "runtime/log.h"
#include "vmm/unix_listen.h"
#include "vmm/vm.h"

static struct vcpu *vcpu_of(struct gdb_server *g, unsigned int cpu)
{
	return cpu < g->vm->nr_vcpus ? &g->vm->vcpus[cpu] : NULL;
}

static unsigned int target_nr_cpus(void *ctx)
{
	struct gdb_server *g = ctx;

	return g->vm->nr_vcpus;
}

static int target_get_regs(void *ctx, unsigned int cpu, struct x86_cpu_state *s)
{
	struct vcpu *v = vcpu_of(ctx, cpu);

	return v ? x86_cpu_state_get(v->fd, s) : -EINVAL;
}

static int target_set_regs(void *ctx, unsigned int cpu,
			   const struct x86_cpu_state *s)
{
	struct vcpu *v = vcpu_of(ctx, cpu);

	return v ? x86_cpu_state_set(v->fd, s) : -EINVAL;
}

static int paging_of(struct vcpu *v, struct x86_paging *p)
{
	struct kvm_sregs sregs;

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	*p = (struct x86_paging){ .cr0 = sregs.cr0,
				  .cr3 = sregs.cr3,
				  .cr4 = sregs.cr4,
				  .efer = sregs.efer };
	return 0;
}

/* Copies page by page through the vCPU's page tables; stops at a hole. */
static size_t access_mem(struct gdb_server *g, unsigned int cpu, uint64_t gva,
			 void *buf, size_t len, bool write)
{
	struct vcpu *v = vcpu_of(g, cpu);
	struct x86_paging p;
	size_t done = 0;

	if (!v || paging_of(v, &p))
		return 0;
	while (done < len) {
		uint64_t gpa, left;
		size_t n;
		bool ok;

		if (x86_translate(&g->vm->mem, &p, gva + done, &gpa, &left))
			break;
		n = len - done < left ? len - done : (size_t)left;
		ok = write ? gm_write(&g->vm->mem, gpa, (char *)buf + done, n) :
			     gm_read(&g->vm->mem, (char *)buf + done, gpa, n);
		if (!ok)
			break;
		done += n;
	}
	return done;
}

static size_t target_read_mem(void *ctx, unsigned int cpu, uint64_t gva,
			      void *buf, size_t len)
{
	return access_mem(ctx, cpu, gva, buf, len, false);
}

static size_t target_write_mem(void *ctx, unsigned int cpu, uint64_t gva,
			       const void *buf, size_t len)
{
	return access_mem(ctx, cpu, gva, (void *)buf, len, true);
}

static int target_set_debug(void *ctx, const struct gdb_debug_state *d)
{
	struct gdb_server *g = ctx;

	run_control_set_debug(g->vm, d);
	return 0;
}

static void target_resume(void *ctx, int step_cpu)
{
	struct gdb_server *g = ctx;

	run_control_gdb_resume(g->vm, step_cpu);
}

static void target_interrupt(void *ctx)
{
	struct gdb_server *g = ctx;

	run_control_gdb_interrupt(g->vm);
}

static void target_kill(void *ctx)
{
	struct gdb_server *g = ctx;

	log_error("gdb: killed the guest");
	vm_stop(g->vm, EXIT_SIGNAL_BASE + SIGKILL);
}

static int flush_out(struct gdb_server *g)
{
	size_t off = 0;

	while (off < g->out_len) {
		ssize_t n = send(g->conn_src.fd, g->out + off, g->out_len - off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	memmove(g->out, g->out + off, g->out_len - off);
	g->out_len -= off;
	evloop_modify(&g->vm->loop, &g->conn_src,
		      EPOLLIN | (g->out_len ? EPOLLOUT : 0));
	return 0;
}

static int target_send(void *ctx, const void *buf, size_t len)
{
	struct gdb_server *g = ctx;

	if (g->conn_src.fd < 0 || g->dropping)
		return -1;
	if (len > sizeof(g->out) - g->out_len) {
		log_error(
			"gdb: the debugger does not read its replies; disconnecting");
		g->dropping = true;
		return -1;
	}
	memcpy(g->out + g->out_len, buf, len);
	g->out_len += len;
	if (flush_out(g)) {
		g->dropping = true;
		return -1;
	}
	return 0;
}

static const struct gdb_target_ops kvm_target = {
	.nr_cpus = target_nr_cpus,
	.get_regs = target_get_regs,
	.set_regs = target_set_regs,
	.read_mem = target_read_mem,
	.write_mem = target_write_mem,
	.set_debug = target_set_debug,
	.resume = target_resume,
	.interrupt = target_interrupt,
	.kill = target_kill,
	.send = target_send,
};

static void drop_connection(struct gdb_server *g)
{
	evloop_remove(&g->vm->loop, &g->conn_src);
	close(g->conn_src.fd);
	g->conn_src.fd = -1;
	g->out_len = 0;
	g->dropping = false;
	gdb_stub_disconnected(&g->stub);
	log_info("gdb: debugger detached");
}

static void on_conn(struct ev_source *src, uint32_t events)
{
	struct gdb_server *g = src->opaque;
	uint8_t buf[4096];
	ssize_t n;

	if ((events & EPOLLOUT) && flush_out(g))
		g->dropping = true;
	if (!g->dropping && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		n = recv(src->fd, buf, sizeof(buf), 0);
		if (n > 0)
			gdb_stub_input(&g->stub, buf, (size_t)n);
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			g->dropping = true;
	}
	if (g->dropping)
		drop_connection(g);
}

static void on_listen(struct ev_source *src, uint32_t events)
{
	struct gdb_server *g = src->opaque;
	int one = 1, fd;

	(void)events;
	fd = accept4(src->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (g->conn_src.fd >= 0) {
		/* One debugger at a time: the second hears why. */
		static const char busy[] = "$E.another gdb is attached#00";

		send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	g->conn_src =
		(struct ev_source){ .fd = fd, .handler = on_conn, .opaque = g };
	if (evloop_add(&g->vm->loop, &g->conn_src, EPOLLIN)) {
		close(fd);
		g->conn_src.fd = -1;
		return;
	}
	log_info("gdb: debugger attached on %s", g->where);
	gdb_stub_connected(&g->stub);
}

/* Every vCPU is held after a resume or an interrupt: tell gdb why. */
static void on_held(struct ev_source *src, uint32_t events)
{
	struct gdb_server *g = src->opaque;
	struct gdb_stop stop;
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) < 0)
		return;
	if (run_control_take_stop(g->vm, &stop))
		gdb_stub_stopped(&g->stub, &stop);
}

static int listen_tcp(const struct gdb_listen_config *cfg, char *where,
		      size_t wlen, char *err, size_t errlen)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(cfg->port),
				   .sin_addr.s_addr = cfg->addr };
	char addr[INET_ADDRSTRLEN];
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	inet_ntop(AF_INET, &sin.sin_addr, addr, sizeof(addr));
	snprintf(where, wlen, "%s:%u", addr, cfg->port);
	if (fd < 0) {
		snprintf(err, errlen, "--gdb %s: socket: %s", where,
			 strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 1) < 0) {
		snprintf(err, errlen, "--gdb %s: %s", where, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int gdb_server_init(struct gdb_server *g, struct vm *vm,
		    const struct gdb_listen_config *cfg, char *err,
		    size_t errlen)
{
	int fd;

	memset(g, 0, sizeof(*g));
	g->vm = vm;
	g->listen_src.fd = g->conn_src.fd = g->held_src.fd = -1;
	if (cfg->is_unix) {
		snprintf(g->where, sizeof(g->where), "%s", cfg->path);
		fd = unix_listen(cfg->path, "--gdb", 1, &g->made, err, errlen);
		g->unix_path = fd >= 0;
	} else {
		fd = listen_tcp(cfg, g->where, sizeof(g->where), err, errlen);
	}
	if (fd < 0)
		return -1;
	g->listen_src = (struct ev_source){ .fd = fd,
					    .handler = on_listen,
					    .opaque = g };
	g->held_src = (struct ev_source){ .fd = vm->rc.held_fd,
					  .handler = on_held,
					  .opaque = g };
	gdb_stub_init(&g->stub, &kvm_target, g);
	if (evloop_add(&vm->loop, &g->listen_src, EPOLLIN) ||
	    evloop_add(&vm->loop, &g->held_src, EPOLLIN)) {
		snprintf(err, errlen, "--gdb: cannot watch the socket");
		return -1;
	}
	return 0;
}

void gdb_server_destroy(struct gdb_server *g)
{
	if (g->conn_src.fd >= 0)
		close(g->conn_src.fd);
	if (g->listen_src.fd >= 0)
		close(g->listen_src.fd);
	if (g->unix_path)
		unix_unlink(g->where, &g->made);
	g->conn_src.fd = g->listen_src.fd = -1;
}
