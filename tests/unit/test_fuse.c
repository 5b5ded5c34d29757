// SPDX-License-Identifier: MIT
/*
 * The virtio-fs FUSE server (devices/fs/) over a temporary
 * directory, driven with requests as a guest kernel (or a hostile guest)
 * would write them; and the virtio-fs device's request loop on a ring.
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices/fs/passthrough.h"
#include "devices/virtio/fs.h"
#include "runtime/evloop.h"
#include "runtime/guest_mem.h"
#include "runtime/hv.h"
#include "runtime/log.h"

#define OUT_HDR sizeof(struct fuse_out_header)
#define IN_HDR sizeof(struct fuse_in_header)
#define FILE_TEXT "hello, virtio-fs\n"

struct fixture {
	char dir[64]; /* holds share/ and outside/ */
	char share[96];
	struct passthrough *pt;
	uint64_t unique;
	uint8_t out[128 * 1024];
	size_t out_len;
	int error; /* of the last reply */
};

static void path_of(struct fixture *fx, char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", fx->dir, rel);
}

static void write_file(struct fixture *fx, const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	path_of(fx, p, sizeof(p), rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_tree(struct fixture *fx)
{
	char p[256], q[256];

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/kestrel-fuse-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->share, sizeof(fx->share), "%s/share", fx->dir);
	path_of(fx, p, sizeof(p), "share");
	assert_int_equal(mkdir(p, 0755), 0);
	path_of(fx, p, sizeof(p), "outside");
	assert_int_equal(mkdir(p, 0755), 0);
	path_of(fx, p, sizeof(p), "share/dir");
	assert_int_equal(mkdir(p, 0755), 0);
	write_file(fx, "share/file", FILE_TEXT);
	write_file(fx, "outside/secret", "SECRET\n");
	for (int i = 0; i < 300; i++) {
		snprintf(q, sizeof(q), "share/dir/entry-%03d", i);
		write_file(fx, q, "x");
	}
	path_of(fx, p, sizeof(p), "share/abs");
	assert_int_equal(symlink("/etc/passwd", p), 0);
	path_of(fx, p, sizeof(p), "share/rel");
	assert_int_equal(symlink("../outside/secret", p), 0);
	path_of(fx, p, sizeof(p), "share/hardlink");
	path_of(fx, q, sizeof(q), "share/file");
	assert_int_equal(link(q, p), 0);
}

static int open_share(struct fixture *fx, bool readonly)
{
	char err[256];
	int fd = open(fx->share, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	fx->pt = calloc(1, sizeof(*fx->pt));
	if (!fx->pt)
		return -1;
	return passthrough_init(fx->pt, fd, readonly, err, sizeof(err));
}

static int setup_common(void **state, bool readonly)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	log_threshold = LOG_ERROR; /* guest misbehaviour is the point here */
	make_tree(fx);
	if (open_share(fx, readonly))
		return -1;
	*state = fx;
	return 0;
}

static int setup_rw(void **state)
{
	return setup_common(state, false);
}

static int setup_ro(void **state)
{
	return setup_common(state, true);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	passthrough_destroy(fx->pt);
	free(fx->pt);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

/* ---- requests ---- */

/*
 * Sends opcode for nodeid with args (a, alen) then (b, blen); the reply
 * lands in fx->out with room for `room` bytes. Returns the reply's error
 * (0 or -errno), or 1 when there is no reply. No assertions: a child
 * process of run_in_child() uses it too.
 */
static int request(struct fixture *fx, uint32_t opcode, uint64_t nodeid,
		   const void *a, size_t alen, const void *b, size_t blen,
		   size_t room)
{
	struct fuse_in_header h = {
		.len = (uint32_t)(IN_HDR + alen + blen),
		.opcode = opcode,
		.unique = ++fx->unique,
		.nodeid = nodeid,
		.uid = getuid(),
		.gid = getgid(),
	};
	struct iovec req[3] = { { &h, IN_HDR },
				{ (void *)a, alen },
				{ (void *)b, blen } };
	struct iovec rep = { fx->out, room };

	memset(fx->out, 0xa5, sizeof(fx->out));
	fx->out_len = passthrough_handle(fx->pt, req, 3, &rep, 1);
	fx->error = 1; /* no reply */
	if (fx->out_len >= OUT_HDR)
		fx->error = ((struct fuse_out_header *)fx->out)->error;
	return fx->error;
}

/* request(), checking that a reply has the right length and unique. */
static uint32_t send2(struct fixture *fx, uint32_t opcode, uint64_t nodeid,
		      const void *a, size_t alen, const void *b, size_t blen,
		      size_t room)
{
	request(fx, opcode, nodeid, a, alen, b, blen, room);
	if (fx->out_len >= OUT_HDR) {
		struct fuse_out_header *oh = (void *)fx->out;

		assert_int_equal(oh->len, fx->out_len);
		assert_int_equal(oh->unique, fx->unique);
	}
	return (uint32_t)fx->out_len;
}

static uint32_t send1(struct fixture *fx, uint32_t opcode, uint64_t nodeid,
		      const void *a, size_t alen)
{
	return send2(fx, opcode, nodeid, a, alen, NULL, 0, sizeof(fx->out));
}

static const void *body(struct fixture *fx)
{
	return fx->out + OUT_HDR;
}

static void do_init(struct fixture *fx)
{
	struct fuse_init_in in = { .major = 7,
				   .minor = 37,
				   .max_readahead = 128 * 1024,
				   .flags = 0xffffffff };
	const struct fuse_init_out *out;

	send1(fx, FUSE_INIT, 0, &in, sizeof(in));
	assert_int_equal(fx->error, 0);
	assert_int_equal(fx->out_len, OUT_HDR + sizeof(*out));
	out = body(fx);
	assert_int_equal(out->major, 7);
	assert_int_equal(out->max_write, 1024 * 1024);
	assert_int_equal(out->max_pages, 256);
	assert_true(out->flags & FUSE_DO_READDIRPLUS);
	assert_true(out->flags & FUSE_MAX_PAGES);
	assert_true(out->flags & FUSE_CACHE_SYMLINKS);
}

/* LOOKUP name in parent; returns the entry (nodeid 0 when not found). */
static struct fuse_entry_out lookup(struct fixture *fx, uint64_t parent,
				    const char *name)
{
	struct fuse_entry_out e = { 0 };

	send1(fx, FUSE_LOOKUP, parent, name, strlen(name) + 1);
	if (fx->error == 0)
		memcpy(&e, body(fx), sizeof(e));
	return e;
}

static uint64_t open_node(struct fixture *fx, uint64_t node, uint32_t opcode,
			  uint32_t flags)
{
	struct fuse_open_in in = { .flags = flags };

	send1(fx, opcode, node, &in, sizeof(in));
	if (fx->error)
		return 0;
	return ((const struct fuse_open_out *)body(fx))->fh;
}

/* ---- tests ---- */

static void test_init_negotiation(void **state)
{
	struct fixture *fx = *state;
	struct fuse_init_in in = { .major = 7, .minor = 31, .flags = 0 };
	struct fuse_entry_out e;

	/* Nothing before INIT. */
	e = lookup(fx, FUSE_ROOT_ID, "file");
	assert_int_equal(fx->error, -EIO);
	/* Only what the kernel offered comes back. */
	send1(fx, FUSE_INIT, 0, &in, sizeof(in));
	assert_int_equal(fx->error, 0);
	assert_int_equal(((const struct fuse_init_out *)body(fx))->flags, 0);
	/* A newer major: ours, so the kernel can retry. */
	in.major = 8;
	send1(fx, FUSE_INIT, 0, &in, sizeof(in));
	assert_int_equal(fx->error, 0);
	assert_int_equal(((const struct fuse_init_out *)body(fx))->major, 7);
	in.major = 6;
	send1(fx, FUSE_INIT, 0, &in, sizeof(in));
	assert_int_equal(fx->error, -EPROTO);
	/* Truncated INIT. */
	send1(fx, FUSE_INIT, 0, &in, 8);
	assert_int_equal(fx->error, -EINVAL);
	do_init(fx);
	e = lookup(fx, FUSE_ROOT_ID, "file");
	assert_int_equal(fx->error, 0);
	assert_int_not_equal(e.nodeid, 0);
}

static void test_lookup_getattr_read(void **state)
{
	struct fixture *fx = *state;
	struct fuse_entry_out e, h;
	struct fuse_getattr_in gi = { 0 };
	struct fuse_read_in ri = { 0 };
	struct stat st;
	char p[256];
	uint64_t fh;

	do_init(fx);
	e = lookup(fx, FUSE_ROOT_ID, "file");
	assert_int_equal(fx->error, 0);
	path_of(fx, p, sizeof(p), "share/file");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(e.attr.size, strlen(FILE_TEXT));
	assert_int_equal(e.attr.ino, st.st_ino);
	assert_int_equal(e.attr.mode, st.st_mode);
	assert_int_equal(e.attr.nlink, 2);
	/* A hard link and a second lookup share the node. */
	h = lookup(fx, FUSE_ROOT_ID, "hardlink");
	assert_int_equal(h.nodeid, e.nodeid);
	assert_int_equal(passthrough_nr_inodes(fx->pt), 2);

	send1(fx, FUSE_GETATTR, e.nodeid, &gi, sizeof(gi));
	assert_int_equal(fx->error, 0);
	assert_int_equal(((const struct fuse_attr_out *)body(fx))->attr.size,
			 strlen(FILE_TEXT));

	fh = open_node(fx, e.nodeid, FUSE_OPEN, O_RDONLY);
	assert_int_equal(fx->error, 0);
	ri.fh = fh;
	ri.offset = 7;
	ri.size = 4096;
	send1(fx, FUSE_READ, e.nodeid, &ri, sizeof(ri));
	assert_int_equal(fx->error, 0);
	assert_int_equal(fx->out_len - OUT_HDR, strlen(FILE_TEXT) - 7);
	assert_memory_equal(body(fx), &FILE_TEXT[7], strlen(FILE_TEXT) - 7);
	/* A read bigger than the reply buffers is cut to them. */
	ri.offset = 0;
	send2(fx, FUSE_READ, e.nodeid, &ri, sizeof(ri), NULL, 0, OUT_HDR + 5);
	assert_int_equal(fx->out_len, OUT_HDR + 5);
	/* A handle that is not one. */
	ri.fh = fh + 1;
	send1(fx, FUSE_READ, e.nodeid, &ri, sizeof(ri));
	assert_int_equal(fx->error, -EBADF);
	ri.fh = fh ^ (1ULL << 32);
	send1(fx, FUSE_READ, e.nodeid, &ri, sizeof(ri));
	assert_int_equal(fx->error, -EBADF);
	/* RELEASE, then the handle is dead. */
	{
		struct fuse_release_in rel = { .fh = fh };

		send1(fx, FUSE_RELEASE, e.nodeid, &rel, sizeof(rel));
		assert_int_equal(fx->error, 0);
		send1(fx, FUSE_RELEASE, e.nodeid, &rel, sizeof(rel));
		assert_int_equal(fx->error, -EBADF);
	}
	ri.fh = fh;
	send1(fx, FUSE_READ, e.nodeid, &ri, sizeof(ri));
	assert_int_equal(fx->error, -EBADF);
	/* Missing names; unknown nodes. */
	/* Read-only: a negative entry the guest may cache. */
	e = lookup(fx, FUSE_ROOT_ID, "no-such-file");
	assert_int_equal(fx->error, 0);
	assert_int_equal(e.nodeid, 0);
	assert_true(e.entry_valid > 0);
	lookup(fx, 12345, "file");
	assert_int_equal(fx->error, -ENOENT);
	lookup(fx, 0, "file");
	assert_int_equal(fx->error, -ENOENT);
}

/* Walks a READDIR(PLUS) reply; returns the entries, *last the last off. */
static unsigned int count_dirents(struct fixture *fx, bool plus, uint64_t *last,
				  unsigned int *with_node)
{
	size_t off = OUT_HDR;
	unsigned int n = 0;

	while (off < fx->out_len) {
		const struct fuse_dirent *d;
		size_t len;

		if (plus) {
			const struct fuse_direntplus *dp =
				(const void *)(fx->out + off);

			d = &dp->dirent;
			if (dp->entry_out.nodeid)
				(*with_node)++;
			len = FUSE_DIRENTPLUS_SIZE(dp);
		} else {
			d = (const void *)(fx->out + off);
			len = FUSE_DIRENT_SIZE(d);
		}
		assert_true(d->namelen > 0 && d->namelen <= 255);
		assert_true(off + len <= fx->out_len);
		*last = d->off;
		off += len;
		n++;
	}
	return n;
}

static void readdir_all(struct fixture *fx, bool plus)
{
	struct fuse_entry_out e;
	struct fuse_read_in ri = { .size = 4096 };
	unsigned int total = 0, with_node = 0, n;
	uint64_t last = 0;

	do_init(fx);
	e = lookup(fx, FUSE_ROOT_ID, "dir");
	assert_int_equal(fx->error, 0);
	ri.fh = open_node(fx, e.nodeid, FUSE_OPENDIR, O_RDONLY);
	assert_int_equal(fx->error, 0);
	/* A directory handle is not a file handle, and the reverse. */
	send1(fx, FUSE_READ, e.nodeid, &ri, sizeof(ri));
	assert_int_equal(fx->error, -EBADF);
	do {
		ri.offset = last;
		send1(fx, plus ? FUSE_READDIRPLUS : FUSE_READDIR, e.nodeid, &ri,
		      sizeof(ri));
		assert_int_equal(fx->error, 0);
		assert_true(fx->out_len <= OUT_HDR + 4096);
		n = count_dirents(fx, plus, &last, &with_node);
		total += n;
	} while (n);
	assert_int_equal(total, 302); /* 300 files, . and .. */
	if (plus) {
		assert_int_equal(with_node, 300);
		assert_int_equal(passthrough_nr_inodes(fx->pt), 302);
	}
}

static void test_readdir(void **state)
{
	readdir_all(*state, false);
}

static void test_readdirplus(void **state)
{
	readdir_all(*state, true);
}

static void test_escape_attempts(void **state)
{
	struct fixture *fx = *state;
	struct fuse_entry_out e;
	char buf[64];

	do_init(fx);
	lookup(fx, FUSE_ROOT_ID, "..");
	assert_int_equal(fx->error, -ENOENT);
	lookup(fx, FUSE_ROOT_ID, ".");
	assert_int_equal(fx->error, -ENOENT);
	lookup(fx, FUSE_ROOT_ID, "");
	assert_int_equal(fx->error, -EINVAL);
	lookup(fx, FUSE_ROOT_ID, "../outside/secret");
	assert_int_equal(fx->error, -EINVAL);
	lookup(fx, FUSE_ROOT_ID, "dir/entry-001");
	assert_int_equal(fx->error, -EINVAL);
	lookup(fx, FUSE_ROOT_ID, "/etc/passwd");
	assert_int_equal(fx->error, -EINVAL);
	/* A name without its NUL. */
	send1(fx, FUSE_LOOKUP, FUSE_ROOT_ID, "file", 4);
	assert_int_equal(fx->error, -EINVAL);

	/* Symlinks are nodes of their own: text, never followed. */
	e = lookup(fx, FUSE_ROOT_ID, "abs");
	assert_int_equal(fx->error, 0);
	assert_true(S_ISLNK(e.attr.mode));
	open_node(fx, e.nodeid, FUSE_OPEN, O_RDONLY);
	assert_int_equal(fx->error, -ELOOP);
	open_node(fx, e.nodeid, FUSE_OPENDIR, O_RDONLY);
	assert_int_equal(fx->error, -ENOTDIR);
	lookup(fx, e.nodeid, "x");
	assert_int_not_equal(fx->error, 0);
	send1(fx, FUSE_READLINK, e.nodeid, NULL, 0);
	assert_int_equal(fx->error, 0);
	assert_int_equal(fx->out_len - OUT_HDR, strlen("/etc/passwd"));
	assert_memory_equal(body(fx), "/etc/passwd", strlen("/etc/passwd"));

	e = lookup(fx, FUSE_ROOT_ID, "rel");
	assert_true(S_ISLNK(e.attr.mode));
	open_node(fx, e.nodeid, FUSE_OPEN, O_RDONLY);
	assert_int_equal(fx->error, -ELOOP);
	send1(fx, FUSE_READLINK, e.nodeid, NULL, 0);
	snprintf(buf, sizeof(buf), "%.*s", (int)(fx->out_len - OUT_HDR),
		 (const char *)body(fx));
	assert_string_equal(buf, "../outside/secret");
	/* READLINK of a file is no link. */
	e = lookup(fx, FUSE_ROOT_ID, "file");
	send1(fx, FUSE_READLINK, e.nodeid, NULL, 0);
	assert_int_equal(fx->error, -EINVAL);
}

static void test_ro_refuses_writes(void **state)
{
	struct fixture *fx = *state;
	struct fuse_entry_out e;
	struct fuse_write_in wi = { .size = 4 };
	struct fuse_create_in ci = { .flags = O_WRONLY, .mode = 0644 };
	struct fuse_mkdir_in mi = { .mode = 0755 };
	struct fuse_setattr_in si = { .valid = FATTR_SIZE, .size = 0 };
	struct stat st;
	char p[256];

	do_init(fx);
	e = lookup(fx, FUSE_ROOT_ID, "file");
	assert_int_equal(fx->error, 0);
	open_node(fx, e.nodeid, FUSE_OPEN, O_RDWR);
	assert_int_equal(fx->error, -EROFS);
	open_node(fx, e.nodeid, FUSE_OPEN, O_RDONLY | O_TRUNC);
	assert_int_equal(fx->error, -EROFS);
	wi.fh = open_node(fx, e.nodeid, FUSE_OPEN, O_RDONLY);
	assert_int_equal(fx->error, 0);
	send2(fx, FUSE_WRITE, e.nodeid, &wi, sizeof(wi), "evil", 4,
	      sizeof(fx->out));
	assert_int_equal(fx->error, -EROFS);
	send2(fx, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), "new", 4,
	      sizeof(fx->out));
	assert_int_equal(fx->error, -EROFS);
	send2(fx, FUSE_MKDIR, FUSE_ROOT_ID, &mi, sizeof(mi), "newdir", 7,
	      sizeof(fx->out));
	assert_int_equal(fx->error, -EROFS);
	send1(fx, FUSE_SETATTR, e.nodeid, &si, sizeof(si));
	assert_int_equal(fx->error, -EROFS);
	send1(fx, FUSE_UNLINK, FUSE_ROOT_ID, "file", 5);
	assert_int_equal(fx->error, -EROFS);
	send2(fx, FUSE_SYMLINK, FUSE_ROOT_ID, "l", 2, "file", 5,
	      sizeof(fx->out));
	assert_int_equal(fx->error, -EROFS);
	path_of(fx, p, sizeof(p), "share/file");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, strlen(FILE_TEXT));
	path_of(fx, p, sizeof(p), "share/new");
	assert_int_not_equal(access(p, F_OK), 0);
	path_of(fx, p, sizeof(p), "share/newdir");
	assert_int_not_equal(access(p, F_OK), 0);
}

static void test_rw_ops(void **state)
{
	struct fixture *fx = *state;
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} co;
	struct fuse_create_in ci = { .flags = O_RDWR, .mode = 0600 };
	struct fuse_write_in wi = { .size = 6, .offset = 2 };
	struct fuse_mkdir_in mi = { .mode = 0750 };
	struct fuse_rename_in rn;
	struct fuse_setattr_in si = { .valid = FATTR_SIZE, .size = 3 };
	struct fuse_entry_out d;
	char p[256], buf[32] = { 0 }, names[64];
	int fd;

	do_init(fx);
	send2(fx, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), "new", 4,
	      sizeof(fx->out));
	assert_int_equal(fx->error, 0);
	memcpy(&co, body(fx), sizeof(co));
	wi.fh = co.o.fh;
	send2(fx, FUSE_WRITE, co.e.nodeid, &wi, sizeof(wi), "abcdef", 6,
	      sizeof(fx->out));
	assert_int_equal(fx->error, 0);
	assert_int_equal(((const struct fuse_write_out *)body(fx))->size, 6);
	/* A WRITE whose size runs past the request. */
	wi.size = 100;
	send2(fx, FUSE_WRITE, co.e.nodeid, &wi, sizeof(wi), "abcdef", 6,
	      sizeof(fx->out));
	assert_int_equal(fx->error, -EINVAL);
	path_of(fx, p, sizeof(p), "share/new");
	fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 8);
	close(fd);
	assert_memory_equal(buf, "\0\0abcdef", 8);

	send2(fx, FUSE_MKDIR, FUSE_ROOT_ID, &mi, sizeof(mi), "sub", 4,
	      sizeof(fx->out));
	assert_int_equal(fx->error, 0);
	memcpy(&d, body(fx), sizeof(d));
	assert_true(S_ISDIR(d.attr.mode));
	rn = (struct fuse_rename_in){ .newdir = d.nodeid };
	memcpy(names, "new\0moved", 10);
	send2(fx, FUSE_RENAME, FUSE_ROOT_ID, &rn, sizeof(rn), names, 10,
	      sizeof(fx->out));
	assert_int_equal(fx->error, 0);
	path_of(fx, p, sizeof(p), "share/sub/moved");
	assert_int_equal(access(p, F_OK), 0);
	/* rename to ".." is refused */
	memcpy(names, "moved\0..", 9);
	send2(fx, FUSE_RENAME, d.nodeid, &rn, sizeof(rn), names, 9,
	      sizeof(fx->out));
	assert_int_equal(fx->error, -ENOENT);

	send1(fx, FUSE_SETATTR, co.e.nodeid, &si, sizeof(si));
	assert_int_equal(fx->error, 0);
	assert_int_equal(((const struct fuse_attr_out *)body(fx))->attr.size,
			 3);

	send2(fx, FUSE_SYMLINK, FUSE_ROOT_ID, "ln", 3, "/etc/passwd", 12,
	      sizeof(fx->out));
	assert_int_equal(fx->error, 0);
	path_of(fx, p, sizeof(p), "share/ln");
	assert_int_equal(readlink(p, buf, sizeof(buf)), 11);

	send1(fx, FUSE_UNLINK, d.nodeid, "moved", 6);
	assert_int_equal(fx->error, 0);
	send1(fx, FUSE_RMDIR, FUSE_ROOT_ID, "sub", 4);
	assert_int_equal(fx->error, 0);
	path_of(fx, p, sizeof(p), "share/sub");
	assert_int_not_equal(access(p, F_OK), 0);
	/* No device nodes on the host; FIFOs are fine. */
	{
		struct fuse_mknod_in mk = { .mode = S_IFBLK | 0666,
					    .rdev = 8 << 8 };

		send2(fx, FUSE_MKNOD, FUSE_ROOT_ID, &mk, sizeof(mk), "sda", 4,
		      sizeof(fx->out));
		assert_int_equal(fx->error, -EPERM);
		mk.mode = S_IFCHR | 0666;
		send2(fx, FUSE_MKNOD, FUSE_ROOT_ID, &mk, sizeof(mk), "mem", 4,
		      sizeof(fx->out));
		assert_int_equal(fx->error, -EPERM);
		mk.mode = S_IFIFO | 0644;
		send2(fx, FUSE_MKNOD, FUSE_ROOT_ID, &mk, sizeof(mk), "fifo", 5,
		      sizeof(fx->out));
		assert_int_equal(fx->error, 0);
		assert_true(S_ISFIFO(
			((const struct fuse_entry_out *)body(fx))->attr.mode));
		/* A FIFO is the guest's to open, never kestrel's. */
		open_node(fx, ((const struct fuse_entry_out *)body(fx))->nodeid,
			  FUSE_OPEN, O_RDONLY | O_NONBLOCK);
		assert_int_equal(fx->error, -EACCES);
	}
	/* Run as root, kestrel makes no set-user-ID files. */
	if (geteuid() == 0) {
		struct stat st;

		ci.mode = 04755;
		send2(fx, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), "suid", 5,
		      sizeof(fx->out));
		assert_int_equal(fx->error, 0);
		path_of(fx, p, sizeof(p), "share/suid");
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0755);
	}
	/* STATFS works; FSYNC of a live handle too */
	send1(fx, FUSE_STATFS, FUSE_ROOT_ID, NULL, 0);
	assert_int_equal(fx->error, 0);
	{
		struct fuse_fsync_in fi = { .fh = co.o.fh };

		send1(fx, FUSE_FSYNC, co.e.nodeid, &fi, sizeof(fi));
		assert_int_equal(fx->error, 0);
	}
}

static void test_malformed_requests(void **state)
{
	struct fixture *fx = *state;
	uint8_t junk[512];
	struct fuse_in_header h = { .len = 10, .opcode = FUSE_LOOKUP };
	struct iovec req = { &h, 10 }, rep = { fx->out, sizeof(fx->out) };
	uint32_t n;

	do_init(fx);
	/* Not even a header. */
	assert_int_equal(passthrough_handle(fx->pt, &req, 1, &rep, 1), 0);
	/* A header claiming more than the buffers hold. */
	h.len = 1000;
	req.iov_len = IN_HDR;
	n = passthrough_handle(fx->pt, &req, 1, &rep, 1);
	assert_int_equal(n, OUT_HDR);
	assert_int_equal(((struct fuse_out_header *)fx->out)->error, -EINVAL);
	/* A reply buffer too small for a header: nothing written. */
	h.len = IN_HDR;
	rep.iov_len = 8;
	assert_int_equal(passthrough_handle(fx->pt, &req, 1, &rep, 1), 0);
	/* A reply too big for the room: an error instead. */
	send2(fx, FUSE_LOOKUP, FUSE_ROOT_ID, "file", 5, NULL, 0, OUT_HDR + 8);
	assert_int_equal(fx->error, -EINVAL);
	/* Unknown opcodes, truncated arguments, garbage. */
	send1(fx, 9999, FUSE_ROOT_ID, NULL, 0);
	assert_int_equal(fx->error, -ENOSYS);
	send1(fx, FUSE_GETXATTR, FUSE_ROOT_ID, NULL, 0);
	assert_int_equal(fx->error, -ENOSYS);
	send1(fx, FUSE_IOCTL, FUSE_ROOT_ID, NULL, 0);
	assert_int_equal(fx->error, -ENOSYS);
	for (uint32_t op = 0; op < 64; op++) {
		if (op == FUSE_INIT || op == FUSE_DESTROY)
			continue;
		for (size_t len = 0; len < sizeof(junk); len += 37) {
			for (size_t i = 0; i < sizeof(junk); i++)
				junk[i] = (uint8_t)(i * 131 + op + len);
			send1(fx, op, FUSE_ROOT_ID, junk, len);
			send1(fx, op, 0x100000002ULL, junk, len);
		}
	}
	/* Still serving. */
	lookup(fx, FUSE_ROOT_ID, "file");
	assert_int_equal(fx->error, 0);
}

static void test_forget(void **state)
{
	struct fixture *fx = *state;
	struct fuse_forget_in f = { .nlookup = 1 };
	struct {
		struct fuse_batch_forget_in b;
		struct fuse_forget_one one[3];
	} bf = { .b = { .count = 1000 } }; /* more than are there */
	struct fuse_entry_out e, e2;

	do_init(fx);
	/* Unknown nodes, the root, truncated: harmless, no reply. */
	assert_int_equal(send1(fx, FUSE_FORGET, 777, &f, sizeof(f)), 0);
	assert_int_equal(send1(fx, FUSE_FORGET, FUSE_ROOT_ID, &f, sizeof(f)),
			 0);
	assert_int_equal(send1(fx, FUSE_FORGET, FUSE_ROOT_ID, &f, 3), 0);
	lookup(fx, FUSE_ROOT_ID, "file");
	assert_int_equal(fx->error, 0);

	e = lookup(fx, FUSE_ROOT_ID, "file");
	e2 = lookup(fx, FUSE_ROOT_ID, "file");
	assert_int_equal(e.nodeid, e2.nodeid);
	/* Three lookups so far; two forgotten: still there. */
	f.nlookup = 2;
	send1(fx, FUSE_FORGET, e.nodeid, &f, sizeof(f));
	send1(fx, FUSE_GETATTR, e.nodeid, NULL, 0);
	assert_int_equal(fx->error, 0);
	bf.one[0] = (struct fuse_forget_one){ e.nodeid, 1 };
	bf.one[1] = (struct fuse_forget_one){ 4242, 1 };
	bf.one[2] = (struct fuse_forget_one){ e.nodeid, 1 };
	assert_int_equal(send1(fx, FUSE_BATCH_FORGET, 0, &bf, sizeof(bf)), 0);
	send1(fx, FUSE_GETATTR, e.nodeid, NULL, 0);
	assert_int_equal(fx->error, -ENOENT);
	assert_int_equal(passthrough_nr_inodes(fx->pt), 1);
	/* A fresh lookup gets a new generation, not the stale ID. */
	e2 = lookup(fx, FUSE_ROOT_ID, "file");
	assert_int_not_equal(e2.nodeid, e.nodeid);
	/* DESTROY drops everything but the root; INIT again works. */
	send1(fx, FUSE_DESTROY, 0, NULL, 0);
	assert_int_equal(passthrough_nr_inodes(fx->pt), 1);
	do_init(fx);
}

/* CREATE name in the root with open flags; returns the reply's error. */
static int create(struct fixture *fx, const char *name, uint32_t flags,
		  uint32_t mode)
{
	struct fuse_create_in ci = { .flags = flags, .mode = mode };

	return request(fx, FUSE_CREATE, FUSE_ROOT_ID, &ci, sizeof(ci), name,
		       strlen(name) + 1, sizeof(fx->out));
}

/*
 * In a child of run_in_child(): the server's /proc/self/fd, opened by the
 * parent, names the parent's descriptors; the child's own must be seen.
 */
static int in_child(struct fixture *fx)
{
	close(fx->pt->proc_fd);
	fx->pt->proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY);
	return fx->pt->proc_fd < 0;
}

/* In a child: CREATE of an existing FIFO, both ends; 0 if refused. */
static int create_on_fifo(void *arg)
{
	struct fixture *fx = arg;

	return in_child(fx) || create(fx, "fifo", O_WRONLY, 0644) != -EACCES ||
	       create(fx, "fifo", O_RDONLY, 0644) != -EACCES;
}

/*
 * CREATE of a name that exists opens it only if it is a regular file: a
 * FIFO's open would wait for a peer on the event-loop thread, a device's
 * would run its driver's open, which OPEN refuses too.
 */
static void test_create_opens_only_regular_files(void **state)
{
	struct fixture *fx = *state;
	char p[256];

	do_init(fx);
	path_of(fx, p, sizeof(p), "share/fifo");
	assert_int_equal(mkfifo(p, 0666), 0);
	assert_int_equal(run_in_child(create_on_fifo, fx, 5), 0);
	{
		struct fuse_entry_out e = lookup(fx, FUSE_ROOT_ID, "fifo");
		struct fuse_setattr_in si = { .valid = FATTR_SIZE };

		open_node(fx, e.nodeid, FUSE_OPEN, O_WRONLY);
		assert_int_equal(fx->error, -EACCES);
		open_node(fx, e.nodeid, FUSE_OPENDIR, O_RDONLY);
		assert_int_equal(fx->error, -ENOTDIR);
		send1(fx, FUSE_SETATTR, e.nodeid, &si, sizeof(si));
		assert_int_equal(fx->error, -EINVAL);
	}
	if (geteuid() == 0) {
		path_of(fx, p, sizeof(p), "share/null");
		assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
		assert_int_equal(create(fx, "null", O_WRONLY, 0644), -EACCES);
	}
	assert_int_equal(create(fx, "dir", O_WRONLY, 0644), -EISDIR);
	assert_int_equal(create(fx, "abs", O_WRONLY, 0644), -ELOOP);
	/* An existing file opens, unless the guest said O_EXCL. */
	assert_int_equal(create(fx, "file", O_RDONLY, 0644), 0);
	assert_int_equal(create(fx, "file", O_RDONLY | O_EXCL, 0644), -EEXIST);
}

/* Makes share/name with mode (chmod: no umask) and returns its node. */
static uint64_t setid_file(struct fixture *fx, const char *name, mode_t mode)
{
	char rel[64], p[256];
	struct fuse_entry_out e;

	snprintf(rel, sizeof(rel), "share/%s", name);
	write_file(fx, rel, "#!/bin/sh\n");
	path_of(fx, p, sizeof(p), rel);
	assert_int_equal(chmod(p, mode), 0);
	e = lookup(fx, FUSE_ROOT_ID, name);
	assert_int_equal(fx->error, 0);
	return e.nodeid;
}

static void expect_mode(struct fixture *fx, const char *name, mode_t mode)
{
	char rel[64], p[256];
	struct stat st;

	snprintf(rel, sizeof(rel), "share/%s", name);
	path_of(fx, p, sizeof(p), rel);
	assert_int_equal(stat(p, &st), 0);
	if ((st.st_mode & 07777) != mode)
		fail_msg("%s: mode %04o, not %04o", name, st.st_mode & 07777,
			 mode);
}

/*
 * Whatever changes a file's data or size drops its set-user-ID bit, and
 * set-group-ID with group execute, as the kernel does for a writer
 * without CAP_FSETID: kestrel run as root has it, and would otherwise let
 * a guest rewrite a host's set-ID program and keep it set-ID.
 */
static void test_writes_drop_setid(void **state)
{
	struct fixture *fx = *state;
	struct fuse_write_in wi = { .size = 2 };
	struct fuse_setattr_in si = { .valid = FATTR_SIZE, .size = 1 };
	struct fuse_fallocate_in fa = { .length = 4096 };
	struct fuse_read_in ri = { .size = 64 };
	uint64_t node;

	do_init(fx);
	node = setid_file(fx, "write", 04755);
	wi.fh = open_node(fx, node, FUSE_OPEN, O_WRONLY);
	assert_int_equal(fx->error, 0);
	expect_mode(fx, "write", 04755); /* opening changes nothing */
	send2(fx, FUSE_WRITE, node, &wi, sizeof(wi), "ab", 2, sizeof(fx->out));
	assert_int_equal(fx->error, 0);
	expect_mode(fx, "write", 0755);

	node = setid_file(fx, "sgid", 02755);
	wi.fh = open_node(fx, node, FUSE_OPEN, O_RDWR);
	send2(fx, FUSE_WRITE, node, &wi, sizeof(wi), "ab", 2, sizeof(fx->out));
	assert_int_equal(fx->error, 0);
	expect_mode(fx, "sgid", 0755);
	/* Without group execute, set-group-ID is no program's: it stays. */
	node = setid_file(fx, "sgid-noexec", 02745);
	wi.fh = open_node(fx, node, FUSE_OPEN, O_RDWR);
	send2(fx, FUSE_WRITE, node, &wi, sizeof(wi), "ab", 2, sizeof(fx->out));
	expect_mode(fx, "sgid-noexec", 02745);

	node = setid_file(fx, "truncate", 06755);
	send1(fx, FUSE_SETATTR, node, &si, sizeof(si));
	assert_int_equal(fx->error, 0);
	expect_mode(fx, "truncate", 0755);
	node = setid_file(fx, "ftruncate", 04755);
	si.fh = open_node(fx, node, FUSE_OPEN, O_WRONLY);
	si.valid |= FATTR_FH;
	send1(fx, FUSE_SETATTR, node, &si, sizeof(si));
	assert_int_equal(fx->error, 0);
	expect_mode(fx, "ftruncate", 0755);

	node = setid_file(fx, "fallocate", 04755);
	fa.fh = open_node(fx, node, FUSE_OPEN, O_WRONLY);
	send1(fx, FUSE_FALLOCATE, node, &fa, sizeof(fa));
	assert_int_equal(fx->error, 0);
	expect_mode(fx, "fallocate", 0755);

	node = setid_file(fx, "o-trunc", 04755);
	open_node(fx, node, FUSE_OPEN, O_WRONLY | O_TRUNC);
	assert_int_equal(fx->error, 0);
	expect_mode(fx, "o-trunc", 0755);
	setid_file(fx, "create-trunc", 04755);
	assert_int_equal(create(fx, "create-trunc", O_WRONLY | O_TRUNC, 0644),
			 0);
	expect_mode(fx, "create-trunc", 0755);

	/* Reading changes nothing. */
	node = setid_file(fx, "read", 04755);
	ri.fh = open_node(fx, node, FUSE_OPEN, O_RDONLY);
	send1(fx, FUSE_READ, node, &ri, sizeof(ri));
	assert_int_equal(fx->error, 0);
	expect_mode(fx, "read", 04755);
}

/* Is path the root of a mounted file system of type magic? */
static bool mounted(const char *path, long magic)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == magic;
}

/* READDIR(PLUS) of directory node from offset 0: the entries it gives. */
static unsigned int list_dir(struct fixture *fx, uint64_t node, bool plus)
{
	struct fuse_read_in ri = { .size = 4096 };
	struct fuse_release_in rel;
	unsigned int with_node = 0, n;
	uint64_t last;

	ri.fh = open_node(fx, node, FUSE_OPENDIR, O_RDONLY);
	assert_int_equal(fx->error, 0);
	send1(fx, plus ? FUSE_READDIRPLUS : FUSE_READDIR, node, &ri,
	      sizeof(ri));
	assert_int_equal(fx->error, 0);
	n = count_dirents(fx, plus, &last, &with_node);
	rel = (struct fuse_release_in){ .fh = ri.fh };
	send1(fx, FUSE_RELEASEDIR, node, &rel, sizeof(rel));
	return n;
}

/*
 * A share of / does not reach into the host's /proc (kestrel's own memory
 * and environment), /sys and the like: the guest finds an empty directory
 * there, whatever it is called.
 */
static void test_pseudo_fs_look_empty(void **state)
{
	struct fixture *fx = *state;
	struct passthrough other;
	struct fuse_entry_out proc, sys, dev, e;
	struct fuse_mkdir_in mi = { .mode = 0755 };
	char err[256], pid[16];

	assert_true(mounted("/proc", PROC_SUPER_MAGIC));
	/* The fixture's server, now over / (teardown destroys it). */
	passthrough_destroy(fx->pt);
	assert_int_equal(passthrough_init(fx->pt,
					  open("/", O_PATH | O_DIRECTORY), true,
					  err, sizeof(err)),
			 0);
	do_init(fx);
	proc = lookup(fx, FUSE_ROOT_ID, "proc");
	assert_int_equal(fx->error, 0);
	assert_true(S_ISDIR(proc.attr.mode));
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	lookup(fx, proc.nodeid, pid);
	assert_int_equal(fx->error, -ENOENT);
	lookup(fx, proc.nodeid, "self");
	assert_int_equal(fx->error, -ENOENT);
	lookup(fx, proc.nodeid, "kcore");
	assert_int_equal(fx->error, -ENOENT);
	assert_int_equal(list_dir(fx, proc.nodeid, false), 0);
	assert_int_equal(list_dir(fx, proc.nodeid, true), 0);
	send2(fx, FUSE_MKDIR, proc.nodeid, &mi, sizeof(mi), "x", 2,
	      sizeof(fx->out));
	assert_int_not_equal(fx->error, 0);
	send1(fx, FUSE_GETATTR, proc.nodeid, NULL, 0);
	assert_int_equal(fx->error, 0);
	if (mounted("/sys", SYSFS_MAGIC)) {
		sys = lookup(fx, FUSE_ROOT_ID, "sys");
		assert_int_equal(fx->error, 0);
		lookup(fx, sys.nodeid, "kernel");
		assert_int_equal(fx->error, -ENOENT);
		assert_int_equal(list_dir(fx, sys.nodeid, true), 0);
	}
	/* /dev (devtmpfs is tmpfs to statfs) is seen, its nodes not opened. */
	dev = lookup(fx, FUSE_ROOT_ID, "dev");
	assert_int_equal(fx->error, 0);
	e = lookup(fx, dev.nodeid, "null");
	assert_int_equal(fx->error, 0);
	assert_true(S_ISCHR(e.attr.mode));
	open_node(fx, e.nodeid, FUSE_OPEN, O_RDONLY);
	assert_int_equal(fx->error, -EACCES);

	/* Nor is a pseudo file system shared itself. */
	assert_int_equal(passthrough_init(&other,
					  open("/proc", O_PATH | O_DIRECTORY),
					  true, err, sizeof(err)),
			 -1);
	assert_contains(err, "proc");
}

/*
 * What the server asked the host kernel to make durable: the file
 * systems given to syncfs() and the files given to fsync() and
 * fdatasync(), seen by the definitions below, which take the libc ones'
 * place in this program.
 */
static struct {
	dev_t syncfs_dev[8];
	unsigned int syncfs, fsync, fdatasync;
	ino_t fsync_ino, fdatasync_ino;
} durable;

int syncfs(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && durable.syncfs < 8)
		durable.syncfs_dev[durable.syncfs++] = st.st_dev;
	return (int)syscall(SYS_syncfs, fd);
}

int fsync(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0)
		durable.fsync_ino = st.st_ino;
	durable.fsync++;
	return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0)
		durable.fdatasync_ino = st.st_ino;
	durable.fdatasync++;
	return (int)syscall(SYS_fdatasync, fd);
}

/*
 * The guest's sync(2) is SYNCFS: the host file systems it wrote to are
 * synced (before, ENOSYS made the guest stop asking, and data it had
 * synced could be lost with the host). FSYNC and FSYNCDIR reach fsync()
 * or, with FUSE_FSYNC_FDATASYNC, fdatasync() of that very file.
 */
static void test_sync_reaches_the_host(void **state)
{
	struct fixture *fx = *state;
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} co;
	struct fuse_syncfs_in sfi = { 0 };
	struct fuse_write_in wi = { .size = 4 };
	struct fuse_fsync_in fi = { .fsync_flags = FUSE_FSYNC_FDATASYNC };
	struct fuse_entry_out d;
	struct stat share, file, dir;
	char p[256];

	do_init(fx);
	assert_int_equal(stat(fx->share, &share), 0);
	assert_int_equal(create(fx, "synced", O_WRONLY, 0644), 0);
	memcpy(&co, body(fx), sizeof(co));
	wi.fh = fi.fh = co.o.fh;
	send2(fx, FUSE_WRITE, co.e.nodeid, &wi, sizeof(wi), "data", 4,
	      sizeof(fx->out));
	assert_int_equal(fx->error, 0);
	memset(&durable, 0, sizeof(durable));
	send1(fx, FUSE_SYNCFS, FUSE_ROOT_ID, &sfi, sizeof(sfi));
	assert_int_equal(fx->error, 0);
	assert_int_equal(durable.syncfs, 1);
	assert_int_equal(durable.syncfs_dev[0], share.st_dev);

	path_of(fx, p, sizeof(p), "share/synced");
	assert_int_equal(stat(p, &file), 0);
	send1(fx, FUSE_FSYNC, co.e.nodeid, &fi, sizeof(fi));
	assert_int_equal(fx->error, 0);
	assert_int_equal(durable.fdatasync, 1);
	assert_int_equal(durable.fdatasync_ino, file.st_ino);
	fi.fsync_flags = 0;
	send1(fx, FUSE_FSYNC, co.e.nodeid, &fi, sizeof(fi));
	assert_int_equal(durable.fsync, 1);
	assert_int_equal(durable.fsync_ino, file.st_ino);
	d = lookup(fx, FUSE_ROOT_ID, "dir");
	fi.fh = open_node(fx, d.nodeid, FUSE_OPENDIR, O_RDONLY);
	send1(fx, FUSE_FSYNCDIR, d.nodeid, &fi, sizeof(fi));
	assert_int_equal(fx->error, 0);
	path_of(fx, p, sizeof(p), "share/dir");
	assert_int_equal(stat(p, &dir), 0);
	assert_int_equal(durable.fsync, 2);
	assert_int_equal(durable.fsync_ino, dir.st_ino);
}

#define NOFILE_LIMIT 1200
#define MANY_FILES 3000
#define FDS_FOR_OTHERS 200

/* Makes share/many/f-0 ... f-(MANY_FILES - 1). */
static void make_many(struct fixture *fx)
{
	char p[256];

	path_of(fx, p, sizeof(p), "share/many");
	assert_int_equal(mkdir(p, 0755), 0);
	for (int i = 0; i < MANY_FILES; i++) {
		int fd;

		path_of(fx, p, sizeof(p), "share/many");
		snprintf(p + strlen(p), sizeof(p) - strlen(p), "/f-%d", i);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
}

/* Descriptors this process has open. */
static unsigned int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the DIR's own */
}

/* Drops capabilities (a mask of 1 << CAP_*) from this process. */
static int drop_caps(uint64_t caps)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	for (int i = 0; i < 2; i++) {
		d[i].effective &= ~(uint32_t)(caps >> (32 * i));
		d[i].permitted &= ~(uint32_t)(caps >> (32 * i));
	}
	return (int)syscall(SYS_capset, &h, d);
}

/*
 * In a child whose RLIMIT_NOFILE kestrel cannot raise (no
 * CAP_SYS_RESOURCE): a fresh server over the share, and a LOOKUP of each
 * of MANY_FILES names. Then the process must still have descriptors for
 * its other devices. *failed counts the lookups that failed, all with
 * ENFILE. Returns 0 if so, else what went wrong.
 */
static uint64_t flooded[MANY_FILES]; /* their node IDs, 0 if failed */

static int flood(struct fixture *fx, unsigned int *failed)
{
	struct rlimit rl = { NOFILE_LIMIT, NOFILE_LIMIT };
	uint64_t many;
	char err[256];
	int fds[FDS_FOR_OTHERS];

	passthrough_destroy(fx->pt);
	if (setrlimit(RLIMIT_NOFILE, &rl) ||
	    passthrough_init(fx->pt, open(fx->share, O_PATH | O_DIRECTORY),
			     false, err, sizeof(err)))
		return 100;
	if (request(fx, FUSE_INIT, 0,
		    &(struct fuse_init_in){ .major = 7, .minor = 38 },
		    sizeof(struct fuse_init_in), NULL, 0, sizeof(fx->out)) ||
	    request(fx, FUSE_LOOKUP, FUSE_ROOT_ID, "many", 5, NULL, 0,
		    sizeof(fx->out)))
		return 101;
	many = ((const struct fuse_entry_out *)body(fx))->nodeid;
	*failed = 0;
	for (int i = 0; i < MANY_FILES; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f-%d", i);
		request(fx, FUSE_LOOKUP, many, name, strlen(name) + 1, NULL, 0,
			sizeof(fx->out));
		if (fx->error && fx->error != -ENFILE)
			return 102;
		*failed += fx->error != 0;
		flooded[i] = fx->error ?
				     0 :
				     ((const struct fuse_entry_out *)body(fx))
					     ->nodeid;
	}
	if (open_fds() > NOFILE_LIMIT - FDS_FOR_OTHERS)
		return 103;
	for (int i = 0; i < FDS_FOR_OTHERS; i++)
		if ((fds[i] = eventfd(0, 0)) < 0)
			return 104;
	for (int i = 0; i < FDS_FOR_OTHERS; i++)
		close(fds[i]);
	return 0;
}

/* Without CAP_DAC_READ_SEARCH each inode keeps its descriptor: ENFILE. */
static int flood_pinned(void *arg)
{
	unsigned int failed;
	int ret;

	if (drop_caps(1ULL << CAP_SYS_RESOURCE | 1ULL << CAP_DAC_READ_SEARCH))
		return 99;
	ret = flood(arg, &failed);
	return ret ? ret : failed == 0 ? 105 : 0;
}

/*
 * With it, inodes beyond what the descriptors allow are reopened from a
 * file handle when used: every lookup works, and every node still does.
 */
static int flood_handles(void *arg)
{
	struct fixture *fx = arg;
	struct fuse_read_in ri = { .size = 16 };
	unsigned int failed;
	int ret;

	if (drop_caps(1ULL << CAP_SYS_RESOURCE))
		return 99;
	ret = flood(fx, &failed);
	if (ret || failed)
		return ret ? ret : 106;
	for (int i = 0; i < MANY_FILES; i += 97) {
		uint64_t node = flooded[i];

		if (request(fx, FUSE_GETATTR, node, NULL, 0, NULL, 0,
			    sizeof(fx->out)) ||
		    request(fx, FUSE_OPEN, node,
			    &(struct fuse_open_in){ .flags = O_RDONLY },
			    sizeof(struct fuse_open_in), NULL, 0,
			    sizeof(fx->out)))
			return 107;
		ri.fh = ((const struct fuse_open_out *)body(fx))->fh;
		if (request(fx, FUSE_READ, node, &ri, sizeof(ri), NULL, 0,
			    sizeof(fx->out)) ||
		    request(fx, FUSE_RELEASE, node,
			    &(struct fuse_release_in){ .fh = ri.fh },
			    sizeof(struct fuse_release_in), NULL, 0,
			    sizeof(fx->out)))
			return 108;
	}
	if (open_fds() > NOFILE_LIMIT - FDS_FOR_OTHERS)
		return 109;
	return 0;
}

/*
 * Each inode the guest looks up used to keep an O_PATH descriptor open
 * until it was forgotten, and kestrel raises RLIMIT_NOFILE to fs.nr_open:
 * a guest could hold about a million of the host's open files and leave
 * none for kestrel's other devices.
 */
static void test_lookups_leave_fds_for_others(void **state)
{
	struct fixture *fx = *state;

	make_many(fx);
	assert_int_equal(run_in_child(flood_pinned, fx, 60), 0);
	if (geteuid() == 0)
		assert_int_equal(run_in_child(flood_handles, fx, 60), 0);
}

#define FSIZE_LIMIT (64 * 1024)

/*
 * In a child under a 64 KiB RLIMIT_FSIZE: a write, a truncate and an
 * allocation past it fail with EFBIG (a write across it is cut short);
 * before the fix the process died of SIGXFSZ. 0 if all went so.
 */
static int beyond_fsize_limit(void *arg)
{
	struct fixture *fx = arg;
	struct rlimit rl = { FSIZE_LIMIT, FSIZE_LIMIT };
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} co;
	struct fuse_write_in wi = { .size = 4, .offset = 1 << 20 };
	struct fuse_setattr_in si = { .valid = FATTR_SIZE, .size = 1 << 20 };
	struct fuse_fallocate_in fa = { .length = 1 << 20 };
	int bad = 0;

	if (in_child(fx) || setrlimit(RLIMIT_FSIZE, &rl) ||
	    create(fx, "big", O_RDWR, 0644))
		return 100;
	memcpy(&co, fx->out + OUT_HDR, sizeof(co));
	wi.fh = fa.fh = co.o.fh;
	bad |= request(fx, FUSE_WRITE, co.e.nodeid, &wi, sizeof(wi), "abcd", 4,
		       sizeof(fx->out)) != -EFBIG;
	wi.offset = FSIZE_LIMIT - 2;
	bad |= (request(fx, FUSE_WRITE, co.e.nodeid, &wi, sizeof(wi), "abcd", 4,
			sizeof(fx->out)) ||
		((const struct fuse_write_out *)(fx->out + OUT_HDR))->size != 2)
	       << 1;
	bad |= (request(fx, FUSE_SETATTR, co.e.nodeid, &si, sizeof(si), NULL, 0,
			sizeof(fx->out)) != -EFBIG)
	       << 2;
	si.valid |= FATTR_FH;
	si.fh = co.o.fh;
	bad |= (request(fx, FUSE_SETATTR, co.e.nodeid, &si, sizeof(si), NULL, 0,
			sizeof(fx->out)) != -EFBIG)
	       << 3;
	bad |= (request(fx, FUSE_FALLOCATE, co.e.nodeid, &fa, sizeof(fa), NULL,
			0, sizeof(fx->out)) != -EFBIG)
	       << 4;
	return bad;
}

static void test_fsize_limit_is_efbig(void **state)
{
	struct fixture *fx = *state;
	struct stat st;
	char p[256];

	do_init(fx);
	assert_int_equal(run_in_child(beyond_fsize_limit, fx, 10), 0);
	path_of(fx, p, sizeof(p), "share/big");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, FSIZE_LIMIT);
}

/* ---- the virtio device on a ring ---- */

#define RAM_GPA 0x10000ULL
#define RAM_SIZE (1ULL << 20)
#define QSIZE 16

static int fake_ioeventfd(void *ctx, const struct hv_ioeventfd *io, bool assign)
{
	return 0;
}

static void fake_interrupt(struct virtio_device *vdev, unsigned int q)
{
	(*(unsigned int *)vdev->transport_priv)++;
}

static void fake_config(struct virtio_device *vdev)
{
}

static const struct virtio_transport_ops fake_transport = {
	.interrupt_queue = fake_interrupt,
	.interrupt_config = fake_config,
};

static void test_virtio_queue(void **state)
{
	struct fixture *fx = *state;
	struct evloop loop;
	struct guest_mem gm = { 0 };
	struct hv hv = { 0 };
	struct virtio_fs *fs = calloc(1, sizeof(*fs));
	uint8_t *ram = NULL;
	struct vring_desc *desc;
	uint16_t *avail;
	struct vring_used_elem *used;
	struct fuse_in_header h = { .opcode = FUSE_INIT, .unique = 9 };
	struct fuse_init_in in = { .major = 7, .minor = 38 };
	struct fuse_out_header *oh;
	char err[256], tag[40];
	unsigned int irqs = 0;
	struct virtqueue *vq;

	assert_non_null(fs);
	assert_int_equal(posix_memalign((void **)&ram, 4096, RAM_SIZE), 0);
	memset(ram, 0, RAM_SIZE);
	assert_int_equal(gm_add_region(&gm, RAM_GPA, RAM_SIZE, ram), 0);
	assert_int_equal(evloop_init(&loop), 0);
	hv.loop = &loop;
	hv.mem = &gm;
	hv.ioeventfd = fake_ioeventfd;

	/* Bad tags are refused; a good one shows in config space. */
	assert_int_equal(
		virtio_fs_open(fs, fx->share, "", false, err, sizeof(err)), -1);
	assert_int_equal(virtio_fs_open(fs, "/nonexistent-kestrel", "t", false,
					err, sizeof(err)),
			 -1);
	assert_contains(err, "No such file");
	assert_int_equal(
		virtio_fs_open(fs, fx->share, "mytag", true, err, sizeof(err)),
		0);
	assert_int_equal(virtio_fs_setup(fs, &hv), 0);
	fs->vdev.transport = &fake_transport;
	fs->vdev.transport_priv = &irqs;
	memset(tag, 0, sizeof(tag));
	fs->vdev.ops->read_config(&fs->vdev, 0, tag, 36);
	assert_string_equal(tag, "mytag");
	assert_int_equal(fs->vdev.ops->device_id, 26);

	/* Bring the request queue up by hand. */
	vq = &fs->vdev.vq[VIRTIO_FS_REQUEST_QUEUE];
	vq->size = QSIZE;
	vq->desc_gpa = RAM_GPA;
	vq->avail_gpa = RAM_GPA + 0x1000;
	vq->used_gpa = RAM_GPA + 0x2000;
	assert_int_equal(vq_start(vq, &gm), 0);
	fs->vdev.status = VIRTIO_STATUS_DRIVER_OK;
	desc = (void *)ram;
	avail = (void *)(ram + 0x1000);
	used = (void *)(ram + 0x2000 + 4);

	/* INIT: header + args readable, reply writable. */
	h.len = IN_HDR + sizeof(in);
	memcpy(ram + 0x4000, &h, IN_HDR);
	memcpy(ram + 0x4000 + IN_HDR, &in, sizeof(in));
	desc[0] = (struct vring_desc){ RAM_GPA + 0x4000, IN_HDR + sizeof(in),
				       VRING_DESC_F_NEXT, 1 };
	desc[1] = (struct vring_desc){ RAM_GPA + 0x5000, 4096,
				       VRING_DESC_F_WRITE, 0 };
	/* A chain with only 4 readable bytes: returned with 0. */
	desc[2] = (struct vring_desc){ RAM_GPA + 0x4000, 4, 0, 0 };
	/* A chain pointing outside RAM: returned unused. */
	desc[3] = (struct vring_desc){ 0xffff0000ULL, 64, 0, 0 };
	avail[2] = 0;
	avail[3] = 2;
	avail[4] = 3;
	avail[1] = 3;
	pthread_mutex_lock(&fs->vdev.lock);
	virtio_kick(&fs->vdev, VIRTIO_FS_REQUEST_QUEUE);
	pthread_mutex_unlock(&fs->vdev.lock);
	assert_int_equal(*(uint16_t *)(ram + 0x2002), 3);
	assert_int_equal(used[0].id, 0);
	assert_int_equal(used[0].len, OUT_HDR + sizeof(struct fuse_init_out));
	oh = (void *)(ram + 0x5000);
	assert_int_equal(oh->error, 0);
	assert_int_equal(oh->unique, 9);
	assert_int_equal(used[1].len, 0);
	assert_int_equal(used[2].len, 0);
	assert_true(irqs > 0);

	virtio_fs_destroy(fs);
	free(fs);
	evloop_destroy(&loop);
	free(ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_negotiation, setup_ro,
						teardown),
		cmocka_unit_test_setup_teardown(test_lookup_getattr_read,
						setup_ro, teardown),
		cmocka_unit_test_setup_teardown(test_readdir, setup_ro,
						teardown),
		cmocka_unit_test_setup_teardown(test_readdirplus, setup_ro,
						teardown),
		cmocka_unit_test_setup_teardown(test_escape_attempts, setup_rw,
						teardown),
		cmocka_unit_test_setup_teardown(test_ro_refuses_writes,
						setup_ro, teardown),
		cmocka_unit_test_setup_teardown(test_rw_ops, setup_rw,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_create_opens_only_regular_files, setup_rw,
			teardown),
		cmocka_unit_test_setup_teardown(test_pseudo_fs_look_empty,
						setup_ro, teardown),
		cmocka_unit_test_setup_teardown(test_writes_drop_setid,
						setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_sync_reaches_the_host,
						setup_rw, teardown),
		cmocka_unit_test_setup_teardown(
			test_lookups_leave_fds_for_others, setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_fsize_limit_is_efbig,
						setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_requests,
						setup_rw, teardown),
		cmocka_unit_test_setup_teardown(test_forget, setup_ro,
						teardown),
		cmocka_unit_test_setup_teardown(test_virtio_queue, setup_ro,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
