// SPDX-License-Identifier: MIT
/* A FUSE server passing requests through to a host directory. */
#include "devices/fs/passthrough.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices/virtio/iov.h"
#include "vmm/host_limits.h"
#include "vmm/log.h"

#define ROOT_INDEX 1 /* node ID FUSE_ROOT_ID: index 1, generation 0 */
#define RO_TIMEOUT_S 3600 /* host files do not change under a test run */
#define RW_TIMEOUT_S 1
#define MAX_PAGES 256 /* 1 MiB reads and writes */
#define MAX_WRITE (MAX_PAGES * 4096)

#define IN_HDR sizeof(struct fuse_in_header)
#define OUT_HDR sizeof(struct fuse_out_header)

/* One request being handled: its arguments and where the reply goes. */
struct request {
	const struct fuse_in_header *h;
	const uint8_t *arg; /* copied arguments (not WRITE's data) */
	size_t arg_len; /* bytes of arg that are there */
	size_t len; /* the whole request, per the header */
	const struct iovec *req, *rep;
	unsigned int nr_req, nr_rep;
	size_t rep_room;
};

/* ---- inode table ---- */

static uint64_t node_id(const struct passthrough *pt, uint32_t i)
{
	return i | (uint64_t)pt->inode[i].gen << 32;
}

static uint32_t hash_of(dev_t dev, ino_t ino, uint32_t nr_buckets)
{
	uint64_t h = ((uint64_t)ino ^ ((uint64_t)dev << 32 | dev >> 32)) *
		     0x9e3779b97f4a7c15ULL;

	return (uint32_t)(h >> 32) & (nr_buckets - 1);
}

/* The inode for a guest node ID, or NULL if it is no live one. */
static struct pt_inode *inode_get(struct passthrough *pt, uint64_t nodeid)
{
	uint32_t i = (uint32_t)nodeid;

	if (i == 0 || i >= pt->nr_inodes || pt->inode[i].fd < 0 ||
	    pt->inode[i].gen != (uint32_t)(nodeid >> 32))
		return NULL;
	return &pt->inode[i];
}

static uint32_t inode_find(struct passthrough *pt, dev_t dev, ino_t ino)
{
	for (uint32_t i = pt->bucket[hash_of(dev, ino, pt->nr_buckets)]; i;
	     i = pt->inode[i].next)
		if (pt->inode[i].dev == dev && pt->inode[i].ino == ino)
			return i;
	return 0;
}

static int rehash(struct passthrough *pt, uint32_t nr_buckets)
{
	uint32_t *b = calloc(nr_buckets, sizeof(*b));

	if (!b)
		return -ENOMEM;
	free(pt->bucket);
	pt->bucket = b;
	pt->nr_buckets = nr_buckets;
	for (uint32_t i = ROOT_INDEX; i < pt->nr_inodes; i++) {
		struct pt_inode *n = &pt->inode[i];
		uint32_t h;

		if (n->fd < 0)
			continue;
		h = hash_of(n->dev, n->ino, nr_buckets);
		n->next = b[h];
		b[h] = i;
	}
	return 0;
}

/* Takes a free slot for a new inode (fd, st); returns its index or 0. */
static uint32_t inode_add(struct passthrough *pt, int fd, const struct stat *st,
			  bool sealed)
{
	struct pt_inode *n;
	uint32_t i, h;

	if (pt->free_inode) {
		i = pt->free_inode;
		pt->free_inode = pt->inode[i].next;
	} else {
		if (pt->nr_inodes == pt->inodes_cap) {
			uint32_t cap = pt->inodes_cap * 2;
			struct pt_inode *a;

			if (cap > UINT32_MAX / 2)
				return 0;
			a = realloc(pt->inode, cap * sizeof(*a));
			if (!a)
				return 0;
			pt->inode = a;
			pt->inodes_cap = cap;
		}
		i = pt->nr_inodes++;
		pt->inode[i].gen = 0;
	}
	n = &pt->inode[i];
	n->fd = fd;
	n->nlookup = 1;
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	n->type = st->st_mode & S_IFMT;
	n->sealed = sealed;
	h = hash_of(n->dev, n->ino, pt->nr_buckets);
	n->next = pt->bucket[h];
	pt->bucket[h] = i;
	/* Keep chains short: double the buckets with the inodes. */
	if (pt->nr_inodes > pt->nr_buckets * 2)
		rehash(pt, pt->nr_buckets * 2); /* failure: longer chains */
	return i;
}

static void inode_drop(struct passthrough *pt, uint32_t i)
{
	struct pt_inode *n = &pt->inode[i];
	uint32_t *link = &pt->bucket[hash_of(n->dev, n->ino, pt->nr_buckets)];

	while (*link && *link != i)
		link = &pt->inode[*link].next;
	if (*link)
		*link = n->next;
	close(n->fd);
	n->fd = -1;
	n->gen++;
	n->next = pt->free_inode;
	pt->free_inode = i;
}

static void forget(struct passthrough *pt, uint64_t nodeid, uint64_t nlookup)
{
	struct pt_inode *n = inode_get(pt, nodeid);

	if (!n || (uint32_t)nodeid == ROOT_INDEX)
		return;
	if (nlookup >= n->nlookup)
		inode_drop(pt, (uint32_t)nodeid);
	else
		n->nlookup -= nlookup;
}

/* ---- handles ---- */

static int handle_add(struct passthrough *pt, int fd, bool dir, bool setid,
		      uint64_t *fh)
{
	uint32_t i;

	if (!pt->free_handle) {
		uint32_t cap = pt->handles_cap * 2;
		struct pt_handle *a;

		if (cap > UINT32_MAX / 2)
			return -EMFILE;
		a = realloc(pt->handle, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		pt->handle = a;
		/* Index 0 stays unused, so that 0 ends the free list. */
		for (uint32_t j = cap - 1; j >= pt->handles_cap && j > 0; j--) {
			a[j] = (struct pt_handle){ .fd = -1,
						   .next_free =
							   pt->free_handle };
			pt->free_handle = j;
		}
		pt->handles_cap = cap;
	}
	i = pt->free_handle;
	pt->free_handle = pt->handle[i].next_free;
	pt->handle[i].fd = fd;
	pt->handle[i].dir = dir;
	pt->handle[i].setid = setid;
	pt->handle[i].empty = false;
	*fh = i | (uint64_t)pt->handle[i].gen << 32;
	return 0;
}

static struct pt_handle *handle_get(struct passthrough *pt, uint64_t fh,
				    bool dir)
{
	uint32_t i = (uint32_t)fh;

	if (i == 0 || i >= pt->handles_cap || pt->handle[i].fd < 0 ||
	    pt->handle[i].gen != (uint32_t)(fh >> 32) ||
	    pt->handle[i].dir != dir)
		return NULL;
	return &pt->handle[i];
}

static void handle_close(struct passthrough *pt, struct pt_handle *h)
{
	uint32_t i = (uint32_t)(h - pt->handle);

	close(h->fd);
	h->fd = -1;
	h->gen++;
	h->next_free = pt->free_handle;
	pt->free_handle = i;
}

/* ---- pseudo file systems ---- */

/* Kernel interfaces that statfs() knows but <linux/magic.h> does not. */
#define CONFIGFS_MAGIC 0x62656570
#define FUSECTL_SUPER_MAGIC 0x65735543
#define MQUEUE_MAGIC 0x19800202
#define NFSD_MAGIC 0x6e667364
#define RPC_PIPEFS_MAGIC 0x67596969

/*
 * File systems that are kernel interfaces rather than files: /proc holds
 * kestrel's own memory and environment, /sys and its kin write to the
 * kernel, hugetlbfs and mqueue hold other processes' memory and
 * messages, and a lookup in autofs waits for the automounter. A share
 * never crosses into one: the guest sees an empty directory there. tmpfs
 * is not one, though devtmpfs (/dev) reports its magic too: its device
 * nodes are never opened (open_inode), and the rest are files.
 */
static const struct {
	long magic;
	const char *name;
} pseudo_fs[] = {
	{ PROC_SUPER_MAGIC, "proc" },
	{ SYSFS_MAGIC, "sysfs" },
	{ DEBUGFS_MAGIC, "debugfs" },
	{ TRACEFS_MAGIC, "tracefs" },
	{ SECURITYFS_MAGIC, "securityfs" },
	{ SELINUX_MAGIC, "selinuxfs" },
	{ SMACK_MAGIC, "smackfs" },
	{ AAFS_MAGIC, "apparmorfs" },
	{ CGROUP_SUPER_MAGIC, "cgroup" },
	{ CGROUP2_SUPER_MAGIC, "cgroup2" },
	{ RDTGROUP_SUPER_MAGIC, "resctrl" },
	{ BPF_FS_MAGIC, "bpf" },
	{ CONFIGFS_MAGIC, "configfs" },
	{ PSTOREFS_MAGIC, "pstore" },
	{ EFIVARFS_MAGIC, "efivarfs" },
	{ FUSECTL_SUPER_MAGIC, "fusectl" },
	{ HUGETLBFS_MAGIC, "hugetlbfs" },
	{ MQUEUE_MAGIC, "mqueue" },
	{ BINFMTFS_MAGIC, "binfmt_misc" },
	{ DEVPTS_SUPER_MAGIC, "devpts" },
	{ NSFS_MAGIC, "nsfs" },
	{ BINDERFS_SUPER_MAGIC, "binderfs" },
	{ USBDEVICE_SUPER_MAGIC, "usbfs" },
	{ XENFS_SUPER_MAGIC, "xenfs" },
	{ OPENPROM_SUPER_MAGIC, "openpromfs" },
	{ RPC_PIPEFS_MAGIC, "rpc_pipefs" },
	{ NFSD_MAGIC, "nfsd" },
	{ AUTOFS_SUPER_MAGIC, "autofs" },
};

/* The name of the pseudo file system fd is on, or NULL if it is none. */
static const char *pseudo_fs_of(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return "unknown"; /* what cannot be told is not entered */
	for (size_t i = 0; i < sizeof(pseudo_fs) / sizeof(pseudo_fs[0]); i++)
		if (sf.f_type == pseudo_fs[i].magic)
			return pseudo_fs[i].name;
	return NULL;
}

/* ---- set-up ---- */

/*
 * Every inode the guest holds keeps an O_PATH fd, and a walk of / holds
 * hundreds of thousands: the soft limit goes to the hard one, and with
 * CAP_SYS_RESOURCE both go to the kernel's ceiling (fs.nr_open; an init
 * started by the kernel has only 4096).
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
	pt->inodes_cap = 256;
	pt->inode = calloc(pt->inodes_cap, sizeof(*pt->inode));
	pt->handles_cap = 1; /* grows to 2 (index 0 unused) on first open */
	pt->handle = calloc(pt->handles_cap, sizeof(*pt->handle));
	if (!pt->inode || !pt->handle || rehash(pt, 256)) {
		snprintf(err, errlen, "out of memory");
		close(dir_fd);
		passthrough_destroy(pt);
		return -1;
	}
	pt->handle[0].fd = -1;
	pt->inode[0].fd = -1;
	pt->nr_inodes = ROOT_INDEX;
	pt->root_dev = st.st_dev;
	if (inode_add(pt, dir_fd, &st, false) != ROOT_INDEX) {
		snprintf(err, errlen, "out of memory");
		close(dir_fd);
		passthrough_destroy(pt);
		return -1;
	}
	return 0;
}

void passthrough_reset(struct passthrough *pt)
{
	for (uint32_t i = 1; i < pt->handles_cap; i++)
		if (pt->handle[i].fd >= 0)
			handle_close(pt, &pt->handle[i]);
	for (uint32_t i = ROOT_INDEX + 1; i < pt->nr_inodes; i++)
		if (pt->inode[i].fd >= 0)
			inode_drop(pt, i);
	if (pt->nr_inodes > ROOT_INDEX)
		pt->inode[ROOT_INDEX].nlookup = 1;
	pt->initialized = false;
}

void passthrough_destroy(struct passthrough *pt)
{
	if (pt->inode && pt->handle) {
		passthrough_reset(pt);
		if (pt->nr_inodes > ROOT_INDEX)
			close(pt->inode[ROOT_INDEX].fd);
	}
	free(pt->inode);
	free(pt->handle);
	free(pt->bucket);
	if (pt->proc_fd >= 0)
		close(pt->proc_fd);
	memset(pt, 0, sizeof(*pt));
	pt->proc_fd = -1;
}

uint32_t passthrough_nr_inodes(const struct passthrough *pt)
{
	uint32_t n = 0;

	for (uint32_t i = ROOT_INDEX; i < pt->nr_inodes; i++)
		n += pt->inode[i].fd >= 0;
	return n;
}

/* ---- replies ---- */

/* The reply header and len bytes of body, or an error if it won't fit. */
static uint32_t reply(struct request *r, int error, const void *body,
		      size_t len)
{
	struct fuse_out_header oh = { .unique = r->h->unique };

	if (r->rep_room < OUT_HDR) {
		log_guest("virtio-fs: opcode %u: no room for a reply",
			  r->h->opcode);
		return 0;
	}
	if (!error && len > r->rep_room - OUT_HDR) {
		log_guest("virtio-fs: opcode %u: reply of %zu bytes, room %zu",
			  r->h->opcode, len, r->rep_room - OUT_HDR);
		error = -EINVAL;
	}
	if (error) {
		len = 0;
		oh.error = error;
	}
	oh.len = (uint32_t)(OUT_HDR + len);
	iov_from_buf(r->rep, r->nr_rep, 0, &oh, OUT_HDR);
	if (len)
		iov_from_buf(r->rep, r->nr_rep, OUT_HDR, body, len);
	return oh.len;
}

static uint32_t reply_err(struct request *r, int err)
{
	return reply(r, -err, NULL, 0);
}

static uint32_t reply_errno(struct request *r)
{
	return reply_err(r, errno ? errno : EIO);
}

/* Guest-visible inode numbers: one file system, so mix in the device of
 * anything mounted beneath the root, or find(1) sees loops. */
static uint64_t guest_ino(const struct passthrough *pt, dev_t dev, ino_t ino)
{
	uint64_t mix;

	if (dev == pt->root_dev)
		return ino;
	mix = ((uint64_t)dev * 0x9e3779b97f4a7c15ULL) & 0xffff000000000000ULL;
	return (uint64_t)ino ^ mix;
}

static void fill_attr(const struct passthrough *pt, const struct stat *st,
		      struct fuse_attr *a)
{
	*a = (struct fuse_attr){
		.ino = guest_ino(pt, st->st_dev, st->st_ino),
		.size = (uint64_t)st->st_size,
		.blocks = (uint64_t)st->st_blocks,
		.atime = (uint64_t)st->st_atim.tv_sec,
		.mtime = (uint64_t)st->st_mtim.tv_sec,
		.ctime = (uint64_t)st->st_ctim.tv_sec,
		.atimensec = (uint32_t)st->st_atim.tv_nsec,
		.mtimensec = (uint32_t)st->st_mtim.tv_nsec,
		.ctimensec = (uint32_t)st->st_ctim.tv_nsec,
		.mode = st->st_mode,
		.nlink = (uint32_t)st->st_nlink,
		.uid = st->st_uid,
		.gid = st->st_gid,
		/* glibc's dev_t layout is the kernel's new_encode_dev() */
		.rdev = (uint32_t)st->st_rdev,
		.blksize = (uint32_t)st->st_blksize,
	};
}

static int stat_fd(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

static void fill_entry(const struct passthrough *pt, uint64_t nodeid,
		       const struct stat *st, struct fuse_entry_out *e)
{
	*e = (struct fuse_entry_out){
		.nodeid = nodeid,
		.entry_valid = pt->entry_timeout,
		.attr_valid = pt->entry_timeout,
	};
	fill_attr(pt, st, &e->attr);
}

/* ---- arguments ---- */

/* The fixed argument struct of size len at offset off, or NULL. */
static const void *arg_at(const struct request *r, size_t off, size_t len)
{
	if (off > r->arg_len || len > r->arg_len - off)
		return NULL;
	return r->arg + off;
}

/*
 * The NUL-terminated name at *off, advanced past it: one path component,
 * never "", "." or "..", never with a '/'. NULL (with *err) if not.
 */
static const char *name_at(const struct request *r, size_t *off, int *err)
{
	const char *s;
	size_t n;

	*err = EINVAL;
	if (*off >= r->arg_len)
		return NULL;
	s = (const char *)r->arg + *off;
	n = strnlen(s, r->arg_len - *off);
	if (n == r->arg_len - *off)
		return NULL; /* no terminator */
	*off += n + 1;
	if (n == 0 || n > NAME_MAX || memchr(s, '/', n))
		return NULL;
	if (!strcmp(s, ".") || !strcmp(s, "..")) {
		*err = ENOENT;
		return NULL;
	}
	return s;
}

/* ---- lookups ---- */

/*
 * Takes a reference on the inode of fd (O_PATH, taken over), whose stat is
 * st (sealed: see struct pt_inode): the index, or 0 with errno set.
 */
static uint32_t inode_ref(struct passthrough *pt, int fd, const struct stat *st,
			  bool sealed)
{
	uint32_t i = inode_find(pt, st->st_dev, st->st_ino);

	if (i) {
		close(fd);
		pt->inode[i].nlookup++;
		return i;
	}
	i = inode_add(pt, fd, st, sealed);
	if (!i) {
		close(fd);
		errno = ENOMEM;
	}
	return i;
}

/*
 * Looks name up beneath dir and takes a reference on its inode: *st, the
 * index. 0 with errno set on failure. O_PATH opens nothing: whatever the
 * name is, no driver's open runs and no FIFO waits.
 */
static uint32_t do_lookup(struct passthrough *pt, struct pt_inode *dir,
			  const char *name, struct stat *st)
{
	int fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	bool sealed = false;

	if (fd < 0)
		return 0;
	if (stat_fd(fd, st) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return 0;
	}
	/* Only a mount point starts another file system. */
	if (st->st_dev != dir->dev && pseudo_fs_of(fd)) {
		if (!S_ISDIR(st->st_mode)) {
			close(fd);
			errno = ENOENT;
			return 0;
		}
		sealed = true;
	}
	return inode_ref(pt, fd, st, sealed);
}

static uint32_t reply_entry(struct request *r, struct passthrough *pt,
			    struct pt_inode *dir, const char *name)
{
	struct fuse_entry_out e;
	struct stat st;
	uint32_t i = do_lookup(pt, dir, name, &st);

	if (!i) {
		/* Read-only: the guest may remember that it is not there. */
		if (errno == ENOENT && pt->readonly) {
			e = (struct fuse_entry_out){
				.entry_valid = pt->entry_timeout
			};
			return reply(r, 0, &e, sizeof(e));
		}
		return reply_errno(r);
	}
	fill_entry(pt, node_id(pt, i), &st, &e);
	return reply(r, 0, &e, sizeof(e));
}

/* A node the guest created: give it to its caller when we are root. */
static void set_owner(struct passthrough *pt, const struct request *r,
		      int dir_fd, const char *name)
{
	if (pt->as_root &&
	    fchownat(dir_fd, name, r->h->uid, r->h->gid, AT_SYMLINK_NOFOLLOW))
		log_warn("virtio-fs: cannot chown '%s': %s", name,
			 strerror(errno));
}

/*
 * What every descriptor opened for the guest's I/O gets. The event-loop
 * thread must never wait in open(): a FIFO's would wait for a peer. With
 * O_NONBLOCK an open never waits (not for a lease break either), and
 * read and write on regular files and directories ignore it.
 */
#define IO_OPEN_FLAGS (O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/* The error for opening a node of type `type` as a `want` (S_IFMT bits). */
static int wrong_type(mode_t type, mode_t want)
{
	if (want == S_IFDIR)
		return ENOTDIR;
	if (type == S_IFDIR)
		return EISDIR;
	if (type == S_IFLNK)
		return ELOOP;
	/* Device nodes, FIFOs and sockets are the guest's to open, never
	 * kestrel's: a device's open runs its driver on the host. */
	return EACCES;
}

/*
 * Opens inode n for I/O with flags, if it is a `want` (S_IFREG or
 * S_IFDIR); its stat in *st. Through /proc/self/fd, so the open reaches
 * the very inode the O_PATH descriptor holds, whatever its name is now.
 * -1 with errno on failure.
 */
static int open_inode(struct passthrough *pt, const struct pt_inode *n,
		      int flags, mode_t want, struct stat *st)
{
	char path[16];
	int fd, e;

	if (n->type != want) {
		errno = wrong_type(n->type, want);
		return -1;
	}
	snprintf(path, sizeof(path), "%d", n->fd);
	fd = openat(pt->proc_fd, path,
		    flags | IO_OPEN_FLAGS |
			    (want == S_IFDIR ? O_DIRECTORY : 0));
	if (fd < 0)
		return -1;
	if (fstat(fd, st) == 0 && (st->st_mode & S_IFMT) == want)
		return fd;
	e = errno;
	close(fd);
	errno = (st->st_mode & S_IFMT) != want ?
			wrong_type(st->st_mode & S_IFMT, want) :
			e;
	return -1;
}

/*
 * The open(2) flags a guest may ask for: access mode and a few harmless
 * ones; never O_CREAT, O_PATH, O_DIRECTORY, O_NOFOLLOW games or O_DIRECT
 * (the host file system may not have it).
 */
static int open_flags(uint32_t guest)
{
	return (int)(guest & (O_ACCMODE | O_APPEND | O_TRUNC | O_NONBLOCK |
			      O_SYNC | O_DSYNC | O_LARGEFILE));
}

static bool writes(int flags)
{
	return (flags & O_ACCMODE) != O_RDONLY ||
	       (flags & (O_TRUNC | O_APPEND));
}

/*
 * The mode of something the guest makes or chmods. Run as root, kestrel
 * would otherwise let a guest leave set-user-ID programs owned by anyone
 * on the host; the guest's own set-ID bits on files are dropped then.
 */
static mode_t safe_mode(const struct passthrough *pt, uint32_t mode)
{
	if (pt->as_root && !S_ISDIR(mode))
		mode &= ~(uint32_t)(S_ISUID | S_ISGID);
	return (mode_t)mode;
}

/*
 * The set-ID bits that changing the data of a file of this mode drops:
 * what the kernel drops for a writer without CAP_FSETID (set-group-ID
 * without group execute marks no program, and stays).
 */
static mode_t setid_bits(mode_t mode)
{
	if (!S_ISREG(mode))
		return 0;
	return (mode & S_ISUID) |
	       ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) ? S_ISGID :
								      0);
}

/*
 * Before the guest changes the data or size of the file open as fd.
 * kestrel run as root has CAP_FSETID, so the kernel would keep the
 * set-ID bits of a file whose contents the guest replaces: a set-ID
 * program of the guest's making for every host user. They go first, as
 * for any unprivileged writer; if they cannot, the change is refused.
 * The guest has no say: FUSE lets a request keep the bits (no
 * FUSE_WRITE_KILL_SUIDGID, FATTR_KILL_SUIDGID) only under
 * FUSE_HANDLE_KILLPRIV_V2, which kestrel does not offer, since the guest's
 * CAP_FSETID is not the host's. Returns 0 or -errno.
 */
static int drop_setid(int fd)
{
	struct stat st;
	mode_t bits;

	if (fstat(fd, &st) < 0)
		return -errno;
	bits = setid_bits(st.st_mode);
	if (bits && fchmod(fd, st.st_mode & 07777 & ~bits) < 0)
		return -errno;
	return 0;
}

/* drop_setid() for a handle, once: its flag says whether it may be due. */
static int handle_drop_setid(struct pt_handle *h)
{
	if (!h->setid)
		return 0;
	h->setid = false;
	return drop_setid(h->fd);
}

/*
 * Makes fd (just opened with flags; st its stat) a file handle in *fh. An
 * O_TRUNC open changed the data already: the set-ID bits go now; a handle
 * that may write drops them before its first change. -errno on failure
 * (fd is the caller's to close then).
 */
static int file_handle_add(struct passthrough *pt, int fd, int flags,
			   const struct stat *st, uint64_t *fh)
{
	bool setid = setid_bits(st->st_mode) && writes(flags);

	if ((flags & O_TRUNC) && setid) {
		int err = drop_setid(fd);

		if (err)
			return err;
		setid = false;
	}
	return handle_add(pt, fd, false, setid, fh);
}

/* ---- operations ---- */

static uint32_t op_init(struct request *r, struct passthrough *pt)
{
	const struct fuse_init_in *in = arg_at(r, 0, 16); /* up to flags */
	struct fuse_init_out out = { 0 };
	uint32_t want = FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC |
			FUSE_BIG_WRITES | FUSE_DO_READDIRPLUS |
			FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES |
			FUSE_CACHE_SYMLINKS;
	size_t len = sizeof(out);

	if (!in)
		return reply_err(r, EINVAL);
	if (in->major != KESTREL_FUSE_MAJOR) {
		log_guest("virtio-fs: FUSE protocol %u.%u, not 7.x", in->major,
			  in->minor);
		if (in->major > KESTREL_FUSE_MAJOR) {
			/* Tell it ours; it comes back with 7.x. */
			out.major = KESTREL_FUSE_MAJOR;
			out.minor = KESTREL_FUSE_MINOR;
			return reply(r, 0, &out, 8);
		}
		return reply_err(r, EPROTO);
	}
	if (!pt->readonly)
		want |= FUSE_AUTO_INVAL_DATA;
	passthrough_reset(pt); /* a new session: nothing is remembered */
	out.major = KESTREL_FUSE_MAJOR;
	out.minor = KESTREL_FUSE_MINOR;
	out.max_readahead = in->max_readahead;
	out.flags = in->flags & want;
	out.max_background = 64;
	out.congestion_threshold = 48;
	out.max_write = MAX_WRITE;
	out.time_gran = 1;
	out.max_pages = MAX_PAGES;
	/* Older kernels know shorter replies (fuse_kernel.h history). */
	if (in->minor < 5)
		len = 8;
	else if (in->minor < 23)
		len = 24;
	pt->initialized = true;
	return reply(r, 0, &out, len);
}

static uint32_t op_lookup(struct request *r, struct passthrough *pt,
			  struct pt_inode *dir)
{
	size_t off = 0;
	int err;
	const char *name = name_at(r, &off, &err);

	if (!name)
		return reply_err(r, err);
	if (dir->type != S_IFDIR)
		return reply_err(r, ENOTDIR);
	return reply_entry(r, pt, dir, name);
}

static uint32_t op_getattr(struct request *r, struct passthrough *pt,
			   struct pt_inode *n)
{
	const struct fuse_getattr_in *in = arg_at(r, 0, sizeof(*in));
	struct fuse_attr_out out = { .attr_valid = pt->entry_timeout };
	struct stat st;
	int ret;

	if (in && (in->getattr_flags & FUSE_GETATTR_FH)) {
		struct pt_handle *h = handle_get(pt, in->fh, false);

		ret = h ? fstat(h->fd, &st) : stat_fd(n->fd, &st);
	} else {
		ret = stat_fd(n->fd, &st);
	}
	if (ret < 0)
		return reply_errno(r);
	fill_attr(pt, &st, &out.attr);
	return reply(r, 0, &out, sizeof(out));
}

static int set_times(struct passthrough *pt, struct pt_inode *n,
		     const struct fuse_setattr_in *in)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT },
				  { .tv_nsec = UTIME_OMIT } };
	char path[16];

	if (in->valid & FATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (in->valid & FATTR_ATIME)
		ts[0] = (struct timespec){ (time_t)in->atime, in->atimensec };
	if (in->valid & FATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (in->valid & FATTR_MTIME)
		ts[1] = (struct timespec){ (time_t)in->mtime, in->mtimensec };
	if (n->type == S_IFLNK)
		return utimensat(n->fd, "", ts,
				 AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	snprintf(path, sizeof(path), "%d", n->fd);
	return utimensat(pt->proc_fd, path, ts, 0);
}

/*
 * SETATTR's new size, through the guest's handle h if it named one, else
 * through a descriptor opened for it. 0 or -errno.
 */
static int set_size(struct passthrough *pt, const struct pt_inode *n,
		    struct pt_handle *h, uint64_t size)
{
	struct stat st;
	int fd, err;

	if (h) {
		err = handle_drop_setid(h);
		if (!err && ftruncate(h->fd, (off_t)size) < 0)
			err = -errno;
		return err;
	}
	if (n->type != S_IFREG)
		return n->type == S_IFDIR ? -EISDIR : -EINVAL;
	fd = open_inode(pt, n, O_WRONLY, S_IFREG, &st);
	if (fd < 0)
		return -errno;
	err = drop_setid(fd);
	if (!err && ftruncate(fd, (off_t)size) < 0)
		err = -errno;
	close(fd);
	return err;
}

static uint32_t op_setattr(struct request *r, struct passthrough *pt,
			   struct pt_inode *n)
{
	const struct fuse_setattr_in *in = arg_at(r, 0, sizeof(*in));
	struct pt_handle *h = NULL;
	char path[16];

	if (!in)
		return reply_err(r, EINVAL);
	if (pt->readonly)
		return reply_err(r, EROFS);
	if (in->valid & FATTR_FH)
		h = handle_get(pt, in->fh, false);
	snprintf(path, sizeof(path), "%d", n->fd);
	if (in->valid & FATTR_MODE) {
		if (n->type == S_IFLNK) {
			errno = EOPNOTSUPP;
			return reply_errno(r);
		}
		mode_t mode =
			safe_mode(pt, n->type | (in->mode & 07777)) & 07777;

		if ((h ? fchmod(h->fd, mode) :
			 fchmodat(pt->proc_fd, path, mode, 0)) < 0)
			return reply_errno(r);
	}
	if (in->valid & (FATTR_UID | FATTR_GID)) {
		uid_t uid = in->valid & FATTR_UID ? in->uid : (uid_t)-1;
		gid_t gid = in->valid & FATTR_GID ? in->gid : (gid_t)-1;

		if (fchownat(n->fd, "", uid, gid,
			     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return reply_errno(r);
	}
	if (in->valid & FATTR_SIZE) {
		int err = set_size(pt, n, h, in->size);

		if (err)
			return reply_err(r, -err);
	}
	if ((in->valid &
	     (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)) &&
	    set_times(pt, n, in) < 0)
		return reply_errno(r);
	return op_getattr(r, pt, n);
}

static uint32_t op_readlink(struct request *r, struct passthrough *pt,
			    struct pt_inode *n)
{
	char *buf = (char *)pt->reply;
	ssize_t len;

	if (n->type != S_IFLNK)
		return reply_err(r, EINVAL);
	len = readlinkat(n->fd, "", buf, PATH_MAX);
	if (len < 0)
		return reply_errno(r);
	return reply(r, 0, buf, (size_t)len);
}

/* After a node was made beneath dir as name: its entry. */
static uint32_t made(struct request *r, struct passthrough *pt,
		     struct pt_inode *dir, const char *name)
{
	set_owner(pt, r, dir->fd, name);
	return reply_entry(r, pt, dir, name);
}

static uint32_t op_mknod(struct request *r, struct passthrough *pt,
			 struct pt_inode *dir)
{
	const struct fuse_mknod_in *in = arg_at(r, 0, sizeof(*in));
	size_t off = sizeof(*in);
	int err;
	const char *name = in ? name_at(r, &off, &err) : NULL;

	if (!in)
		return reply_err(r, EINVAL);
	if (!name)
		return reply_err(r, err);
	if (pt->readonly)
		return reply_err(r, EROFS);
	/* A device node on the host would be a door to the host's devices
	 * for every host user who can reach the share. */
	if (S_ISCHR(in->mode) || S_ISBLK(in->mode))
		return reply_err(r, EPERM);
	if (mknodat(dir->fd, name, safe_mode(pt, in->mode), 0) < 0)
		return reply_errno(r);
	return made(r, pt, dir, name);
}

static uint32_t op_mkdir(struct request *r, struct passthrough *pt,
			 struct pt_inode *dir)
{
	const struct fuse_mkdir_in *in = arg_at(r, 0, sizeof(*in));
	size_t off = sizeof(*in);
	int err;
	const char *name = in ? name_at(r, &off, &err) : NULL;

	if (!in)
		return reply_err(r, EINVAL);
	if (!name)
		return reply_err(r, err);
	if (pt->readonly)
		return reply_err(r, EROFS);
	if (mkdirat(dir->fd, name, in->mode & 07777) < 0)
		return reply_errno(r);
	return made(r, pt, dir, name);
}

static uint32_t op_symlink(struct request *r, struct passthrough *pt,
			   struct pt_inode *dir)
{
	size_t off = 0;
	int err;
	const char *name = name_at(r, &off, &err);
	const char *target = (const char *)r->arg + off;

	if (!name)
		return reply_err(r, err);
	if (off >= r->arg_len ||
	    strnlen(target, r->arg_len - off) == r->arg_len - off || !*target)
		return reply_err(r, EINVAL);
	if (pt->readonly)
		return reply_err(r, EROFS);
	/* Only text: the guest resolves it, never kestrel. */
	if (symlinkat(target, dir->fd, name) < 0)
		return reply_errno(r);
	return made(r, pt, dir, name);
}

static uint32_t op_unlink(struct request *r, struct passthrough *pt,
			  struct pt_inode *dir, int flags)
{
	size_t off = 0;
	int err;
	const char *name = name_at(r, &off, &err);

	if (!name)
		return reply_err(r, err);
	if (pt->readonly)
		return reply_err(r, EROFS);
	if (unlinkat(dir->fd, name, flags) < 0)
		return reply_errno(r);
	return reply(r, 0, NULL, 0);
}

static uint32_t op_rename(struct request *r, struct passthrough *pt,
			  struct pt_inode *dir, bool two)
{
	size_t off = two ? sizeof(struct fuse_rename2_in) :
			   sizeof(struct fuse_rename_in);
	const struct fuse_rename2_in *in = arg_at(r, 0, off);
	struct pt_inode *newdir;
	const char *oldname, *newname;
	unsigned int flags;
	int err;

	if (!in)
		return reply_err(r, EINVAL);
	flags = two ? in->flags : 0;
	oldname = name_at(r, &off, &err);
	if (!oldname)
		return reply_err(r, err);
	newname = name_at(r, &off, &err);
	if (!newname)
		return reply_err(r, err);
	newdir = inode_get(pt, in->newdir);
	if (!newdir)
		return reply_err(r, ENOENT);
	if (newdir->sealed)
		return reply_err(r, EACCES);
	if (pt->readonly)
		return reply_err(r, EROFS);
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return reply_err(r, EINVAL);
	if (syscall(SYS_renameat2, dir->fd, oldname, newdir->fd, newname,
		    flags) < 0)
		return reply_errno(r);
	return reply(r, 0, NULL, 0);
}

static uint32_t op_link(struct request *r, struct passthrough *pt,
			struct pt_inode *newdir)
{
	const struct fuse_link_in *in = arg_at(r, 0, sizeof(*in));
	size_t off = sizeof(*in);
	struct pt_inode *n;
	char path[32];
	int err;
	const char *name = in ? name_at(r, &off, &err) : NULL;

	if (!in)
		return reply_err(r, EINVAL);
	if (!name)
		return reply_err(r, err);
	n = inode_get(pt, in->oldnodeid);
	if (!n)
		return reply_err(r, ENOENT);
	if (pt->readonly)
		return reply_err(r, EROFS);
	if (n->type == S_IFDIR)
		return reply_err(r, EPERM);
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the magic link does not. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", n->fd);
	if (linkat(AT_FDCWD, path, newdir->fd, name, AT_SYMLINK_FOLLOW) < 0)
		return reply_errno(r);
	return reply_entry(r, pt, newdir, name);
}

static uint32_t op_open(struct request *r, struct passthrough *pt,
			struct pt_inode *n, bool dir)
{
	const struct fuse_open_in *in = arg_at(r, 0, sizeof(*in));
	struct fuse_open_out out = { 0 };
	struct stat st;
	int flags = O_RDONLY, fd, err;

	if (!in)
		return reply_err(r, EINVAL);
	if (!dir) {
		flags = open_flags(in->flags);
		if (pt->readonly && writes(flags))
			return reply_err(r, EROFS);
	}
	fd = open_inode(pt, n, flags, dir ? S_IFDIR : S_IFREG, &st);
	if (fd < 0)
		return reply_errno(r);
	err = dir ? handle_add(pt, fd, true, false, &out.fh) :
		    file_handle_add(pt, fd, flags, &st, &out.fh);
	if (err) {
		close(fd);
		return reply_err(r, -err);
	}
	if (dir)
		pt->handle[(uint32_t)out.fh].empty = n->sealed;
	/* FLUSH does nothing here: spare the guest the round trip. */
	if (!dir)
		out.open_flags = FOPEN_NOFLUSH;
	if (pt->readonly)
		out.open_flags |=
			FOPEN_KEEP_CACHE | (dir ? FOPEN_CACHE_DIR : 0);
	return reply(r, 0, &out, sizeof(out));
}

/*
 * Opens name beneath dir for CREATE: a new regular file, made here, or
 * (without the guest's O_EXCL) the regular file already there, opened as
 * OPEN would. Never opens what a name holds before knowing its type.
 * Returns the descriptor and takes a reference on its inode (*i, *st);
 * -1 with errno on failure.
 */
static int create_open(struct passthrough *pt, const struct request *r,
		       struct pt_inode *dir, const char *name,
		       const struct fuse_create_in *in, uint32_t *i,
		       struct stat *st)
{
	int flags = open_flags(in->flags);
	int fd, path_fd, e;
	char path[16];

	/* A name another host process keeps making and removing
	 * between the two attempts is tried a few times, not forever. */
	for (int tries = 0; tries < 4; tries++) {
		fd = openat(dir->fd, name,
			    flags | O_CREAT | O_EXCL | O_NOFOLLOW |
				    IO_OPEN_FLAGS,
			    safe_mode(pt, in->mode & 07777));
		if (fd >= 0)
			break;
		if (errno != EEXIST || (in->flags & O_EXCL))
			return -1;
		/* A lookup adds no inode when it fails: dir stays valid. */
		*i = do_lookup(pt, dir, name, st);
		if (!*i && errno == ENOENT)
			continue;
		if (!*i)
			return -1;
		fd = open_inode(pt, &pt->inode[*i], flags, S_IFREG, st);
		if (fd < 0) {
			e = errno;
			forget(pt, node_id(pt, *i), 1);
			errno = e;
		}
		return fd;
	}
	if (fd < 0)
		return -1;
	if (pt->as_root && fchown(fd, r->h->uid, r->h->gid))
		log_warn("virtio-fs: cannot chown '%s': %s", name,
			 strerror(errno));
	/* The inode is the one just made, not whatever the name is now. */
	snprintf(path, sizeof(path), "%d", fd);
	if (fstat(fd, st) == 0) {
		path_fd = openat(pt->proc_fd, path, O_PATH | O_CLOEXEC);
		if (path_fd >= 0 && (*i = inode_ref(pt, path_fd, st, false)))
			return fd;
	}
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static uint32_t op_create(struct request *r, struct passthrough *pt,
			  struct pt_inode *dir)
{
	const struct fuse_create_in *in = arg_at(r, 0, sizeof(*in));
	size_t off = sizeof(*in);
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} out = { 0 };
	struct stat st;
	uint32_t i;
	int fd, err;
	const char *name = in ? name_at(r, &off, &err) : NULL;

	if (!in)
		return reply_err(r, EINVAL);
	if (!name)
		return reply_err(r, err);
	if (pt->readonly)
		return reply_err(r, EROFS);
	if (dir->type != S_IFDIR)
		return reply_err(r, ENOTDIR);
	fd = create_open(pt, r, dir, name, in, &i, &st);
	if (fd < 0)
		return reply_errno(r);
	err = file_handle_add(pt, fd, open_flags(in->flags), &st, &out.o.fh);
	if (err) {
		close(fd);
		forget(pt, node_id(pt, i), 1);
		return reply_err(r, -err);
	}
	out.o.open_flags = FOPEN_NOFLUSH;
	fill_entry(pt, node_id(pt, i), &st, &out.e);
	return reply(r, 0, &out, sizeof(out));
}

static uint32_t op_read(struct request *r, struct passthrough *pt)
{
	const struct fuse_read_in *in = arg_at(r, 0, sizeof(*in));
	struct pt_handle *h = in ? handle_get(pt, in->fh, false) : NULL;
	struct fuse_out_header oh = { .unique = r->h->unique };
	size_t size;
	ssize_t n;
	int nr;

	if (!in)
		return reply_err(r, EINVAL);
	if (!h)
		return reply_err(r, EBADF);
	if (r->rep_room < OUT_HDR)
		return reply_err(r, EINVAL);
	size = in->size;
	if (size > MAX_WRITE)
		size = MAX_WRITE;
	if (size > r->rep_room - OUT_HDR)
		size = r->rep_room - OUT_HDR;
	if (in->offset > INT64_MAX)
		return reply_err(r, EINVAL);
	n = 0;
	if (size) {
		/* Straight into the guest's buffers. */
		nr = iov_slice(r->rep, r->nr_rep, OUT_HDR, size, pt->io,
			       PT_MAX_IOV);
		if (nr < 0)
			return reply_err(r, EINVAL);
		n = preadv(h->fd, pt->io, nr, (off_t)in->offset);
		if (n < 0)
			return reply_errno(r);
	}
	oh.len = (uint32_t)(OUT_HDR + (size_t)n);
	iov_from_buf(r->rep, r->nr_rep, 0, &oh, OUT_HDR);
	return oh.len;
}

static uint32_t op_write(struct request *r, struct passthrough *pt)
{
	const struct fuse_write_in *in = arg_at(r, 0, sizeof(*in));
	struct pt_handle *h = in ? handle_get(pt, in->fh, false) : NULL;
	struct fuse_write_out out = { 0 };
	size_t off = IN_HDR + sizeof(*in);
	ssize_t n = 0;
	int nr;

	if (!in)
		return reply_err(r, EINVAL);
	if (pt->readonly)
		return reply_err(r, EROFS);
	if (!h)
		return reply_err(r, EBADF);
	if (in->size > r->len - off || in->offset > INT64_MAX)
		return reply_err(r, EINVAL);
	if (in->size) {
		int err = handle_drop_setid(h);

		if (err)
			return reply_err(r, -err);
		/* Straight out of the guest's buffers. */
		nr = iov_slice(r->req, r->nr_req, off, in->size, pt->io,
			       PT_MAX_IOV);
		if (nr < 0)
			return reply_err(r, EINVAL);
		n = pwritev(h->fd, pt->io, nr, (off_t)in->offset);
		if (n < 0)
			return reply_errno(r);
	}
	out.size = (uint32_t)n;
	return reply(r, 0, &out, sizeof(out));
}

static uint32_t op_release(struct request *r, struct passthrough *pt, bool dir)
{
	const struct fuse_release_in *in = arg_at(r, 0, sizeof(*in));
	struct pt_handle *h = in ? handle_get(pt, in->fh, dir) : NULL;

	if (!h)
		return reply_err(r, EBADF);
	handle_close(pt, h);
	return reply(r, 0, NULL, 0);
}

static uint32_t op_fsync(struct request *r, struct passthrough *pt, bool dir)
{
	const struct fuse_fsync_in *in = arg_at(r, 0, sizeof(*in));
	struct pt_handle *h = in ? handle_get(pt, in->fh, dir) : NULL;

	if (!h)
		return reply_err(r, EBADF);
	if ((in->fsync_flags & 1 ? fdatasync(h->fd) : fsync(h->fd)) < 0)
		return reply_errno(r);
	return reply(r, 0, NULL, 0);
}

/*
 * The guest's sync(2): every host file system the guest holds a directory
 * on (the share's, and any mounted beneath it that it went into), so that
 * what it wrote there survives the host; a read-only share wrote nothing.
 * syncfs() needs an open directory, not an O_PATH descriptor.
 */
static uint32_t op_syncfs(struct request *r, struct passthrough *pt)
{
	dev_t done[64];
	unsigned int nr_done = 0;

	if (pt->readonly)
		return reply(r, 0, NULL, 0);
	for (uint32_t i = ROOT_INDEX; i < pt->nr_inodes; i++) {
		const struct pt_inode *n = &pt->inode[i];
		unsigned int k = 0;
		struct stat st;
		int fd, err;

		if (n->fd < 0 || n->type != S_IFDIR || n->sealed)
			continue;
		while (k < nr_done && done[k] != n->dev)
			k++;
		if (k < nr_done)
			continue;
		if (nr_done == sizeof(done) / sizeof(done[0])) {
			sync(); /* so many file systems: all of them */
			break;
		}
		done[nr_done++] = n->dev;
		fd = open_inode(pt, n, O_RDONLY, S_IFDIR, &st);
		if (fd < 0)
			return reply_errno(r);
		/* It reports the file system's write-back errors too. */
		err = syncfs(fd) < 0 ? errno : 0;
		close(fd);
		if (err)
			return reply_err(r, err);
	}
	return reply(r, 0, NULL, 0);
}

static uint32_t op_statfs(struct request *r, struct pt_inode *n)
{
	struct fuse_statfs_out out = { 0 };
	struct statfs s;

	if (fstatfs(n->fd, &s) < 0)
		return reply_errno(r);
	out.st = (struct fuse_kstatfs){
		.blocks = s.f_blocks,
		.bfree = s.f_bfree,
		.bavail = s.f_bavail,
		.files = s.f_files,
		.ffree = s.f_ffree,
		.bsize = (uint32_t)s.f_bsize,
		.namelen = (uint32_t)s.f_namelen,
		.frsize = (uint32_t)s.f_frsize,
	};
	return reply(r, 0, &out, sizeof(out));
}

static uint32_t op_access(struct request *r, struct passthrough *pt,
			  struct pt_inode *n)
{
	const struct fuse_access_in *in = arg_at(r, 0, sizeof(*in));
	char path[16];

	if (!in)
		return reply_err(r, EINVAL);
	if (pt->readonly && (in->mask & W_OK))
		return reply_err(r, EROFS);
	if (n->type == S_IFLNK)
		return reply(r, 0, NULL, 0);
	snprintf(path, sizeof(path), "%d", n->fd);
	if (faccessat(pt->proc_fd, path, (int)(in->mask & 7), 0) < 0)
		return reply_errno(r);
	return reply(r, 0, NULL, 0);
}

static uint32_t op_lseek(struct request *r, struct passthrough *pt)
{
	const struct fuse_lseek_in *in = arg_at(r, 0, sizeof(*in));
	struct pt_handle *h = in ? handle_get(pt, in->fh, false) : NULL;
	struct fuse_lseek_out out;
	off_t o;

	if (!h)
		return reply_err(r, EBADF);
	if (in->whence != SEEK_SET && in->whence != SEEK_CUR &&
	    in->whence != SEEK_END && in->whence != SEEK_DATA &&
	    in->whence != SEEK_HOLE)
		return reply_err(r, EINVAL);
	o = lseek(h->fd, (off_t)in->offset, (int)in->whence);
	if (o < 0)
		return reply_errno(r);
	out.offset = (uint64_t)o;
	return reply(r, 0, &out, sizeof(out));
}

static uint32_t op_fallocate(struct request *r, struct passthrough *pt)
{
	const struct fuse_fallocate_in *in = arg_at(r, 0, sizeof(*in));
	struct pt_handle *h = in ? handle_get(pt, in->fh, false) : NULL;
	int err;

	if (!in)
		return reply_err(r, EINVAL);
	if (pt->readonly)
		return reply_err(r, EROFS);
	if (!h)
		return reply_err(r, EBADF);
	if (in->offset > INT64_MAX || in->length > INT64_MAX)
		return reply_err(r, EINVAL);
	err = handle_drop_setid(h);
	if (err)
		return reply_err(r, -err);
	if (fallocate(h->fd, (int)in->mode, (off_t)in->offset,
		      (off_t)in->length) < 0)
		return reply_errno(r);
	return reply(r, 0, NULL, 0);
}

/* ---- directories ---- */

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static bool dot_or_dotdot(const char *s)
{
	return s[0] == '.' && (!s[1] || (s[1] == '.' && !s[2]));
}

static uint32_t op_readdir(struct request *r, struct passthrough *pt,
			   struct pt_inode *dir, bool plus)
{
	const struct fuse_read_in *in = arg_at(r, 0, sizeof(*in));
	struct pt_handle *h = in ? handle_get(pt, in->fh, true) : NULL;
	/* Lookups may grow (move) the inode table: hold an index. */
	uint32_t di = (uint32_t)(dir - pt->inode);
	uint8_t *out = pt->reply;
	size_t size, gsize, used = 0;
	long got;

	if (!in)
		return reply_err(r, EINVAL);
	if (!h)
		return reply_err(r, EBADF);
	if (h->empty)
		return reply(r, 0, NULL, 0);
	size = in->size;
	if (size > PT_REPLY_MAX)
		size = PT_REPLY_MAX;
	if (r->rep_room < OUT_HDR)
		return reply_err(r, EINVAL);
	if (size > r->rep_room - OUT_HDR)
		size = r->rep_room - OUT_HDR;
	if (in->offset > INT64_MAX ||
	    lseek(h->fd, (off_t)in->offset, SEEK_SET) < 0)
		return reply_errno(r);
	/* A host dirent is never larger than the guest's: read no more
	 * than the reply can take (each call seeks back anyway). */
	gsize = size < 1024 ? 1024 : size;
	for (;;) {
		got = syscall(SYS_getdents64, h->fd, pt->dirbuf, gsize);
		if (got < 0) {
			if (used)
				break;
			return reply_errno(r);
		}
		if (got == 0)
			break;
		for (long p = 0; p < got;) {
			const struct linux_dirent64 *d =
				(const void *)(pt->dirbuf + p);
			size_t namelen = strlen(d->d_name);
			size_t entlen =
				FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
			size_t pluslen = FUSE_DIRENT_ALIGN(
				FUSE_NAME_OFFSET_DIRENTPLUS + namelen);
			struct fuse_dirent *fd;
			struct stat st;
			uint64_t ino;

			dir = &pt->inode[di];
			ino = guest_ino(pt, dir->dev, d->d_ino);

			p += d->d_reclen;
			if ((plus ? pluslen : entlen) > size - used)
				goto full;
			if (plus) {
				struct fuse_direntplus *dp =
					(void *)(out + used);
				uint32_t i = 0;

				memset(dp, 0, sizeof(*dp));
				if (!dot_or_dotdot(d->d_name))
					i = do_lookup(pt, dir, d->d_name, &st);
				if (i) {
					fill_entry(pt, node_id(pt, i), &st,
						   &dp->entry_out);
					ino = dp->entry_out.attr.ino;
				}
				fd = &dp->dirent;
				used += pluslen;
			} else {
				fd = (void *)(out + used);
				used += entlen;
			}
			fd->ino = ino;
			fd->off = (uint64_t)d->d_off;
			fd->namelen = (uint32_t)namelen;
			fd->type = d->d_type;
			memcpy(fd->name, d->d_name, namelen);
			memset(fd->name + namelen, 0,
			       (plus ? pluslen - FUSE_NAME_OFFSET_DIRENTPLUS :
				       entlen - FUSE_NAME_OFFSET) -
				       namelen);
		}
	}
full:
	return reply(r, 0, out, used);
}

/* ---- dispatch ---- */

static bool modifies(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_SETATTR:
	case FUSE_SYMLINK:
	case FUSE_MKNOD:
	case FUSE_MKDIR:
	case FUSE_UNLINK:
	case FUSE_RMDIR:
	case FUSE_RENAME:
	case FUSE_RENAME2:
	case FUSE_LINK:
	case FUSE_WRITE:
	case FUSE_CREATE:
	case FUSE_FALLOCATE:
	case FUSE_SETXATTR:
	case FUSE_REMOVEXATTR:
		return true;
	default:
		return false;
	}
}

static uint32_t dispatch(struct request *r, struct passthrough *pt)
{
	uint32_t op = r->h->opcode;
	struct pt_inode *n;

	if (op == FUSE_INIT)
		return op_init(r, pt);
	if (!pt->initialized) {
		log_guest("virtio-fs: opcode %u before INIT", op);
		return reply_err(r, EIO);
	}
	switch (op) {
	case FUSE_FORGET: {
		const struct fuse_forget_in *in = arg_at(r, 0, sizeof(*in));

		if (in)
			forget(pt, r->h->nodeid, in->nlookup);
		return 0;
	}
	case FUSE_BATCH_FORGET: {
		const struct fuse_batch_forget_in *in =
			arg_at(r, 0, sizeof(*in));
		const struct fuse_forget_one *one;

		for (uint32_t i = 0; in && i < in->count; i++) {
			one = arg_at(r, sizeof(*in) + i * sizeof(*one),
				     sizeof(*one));
			if (!one)
				break;
			forget(pt, one->nodeid, one->nlookup);
		}
		return 0;
	}
	case FUSE_DESTROY:
		passthrough_reset(pt);
		return reply(r, 0, NULL, 0);
	case FUSE_READ:
		return op_read(r, pt);
	case FUSE_WRITE:
		return op_write(r, pt);
	case FUSE_RELEASE:
		return op_release(r, pt, false);
	case FUSE_RELEASEDIR:
		return op_release(r, pt, true);
	case FUSE_FSYNC:
		return op_fsync(r, pt, false);
	case FUSE_FSYNCDIR:
		return op_fsync(r, pt, true);
	case FUSE_FLUSH:
		return reply(r, 0, NULL, 0);
	case FUSE_SYNCFS:
		return op_syncfs(r, pt);
	case FUSE_LSEEK:
		return op_lseek(r, pt);
	case FUSE_FALLOCATE:
		return op_fallocate(r, pt);
	case FUSE_GETXATTR:
	case FUSE_LISTXATTR:
	case FUSE_SETXATTR:
	case FUSE_REMOVEXATTR:
		return reply_err(r, ENOSYS); /* the guest stops asking */
	case FUSE_GETLK:
	case FUSE_SETLK:
	case FUSE_SETLKW:
	case FUSE_IOCTL:
	case FUSE_POLL:
	case FUSE_BMAP:
	case FUSE_INTERRUPT:
	case FUSE_NOTIFY_REPLY:
	case FUSE_COPY_FILE_RANGE:
	case FUSE_SETUPMAPPING:
	case FUSE_REMOVEMAPPING:
	case FUSE_TMPFILE:
		return reply_err(r, ENOSYS);
	default:
		break;
	}

	n = inode_get(pt, r->h->nodeid);
	switch (op) {
	case FUSE_LOOKUP:
	case FUSE_GETATTR:
	case FUSE_SETATTR:
	case FUSE_READLINK:
	case FUSE_SYMLINK:
	case FUSE_MKNOD:
	case FUSE_MKDIR:
	case FUSE_UNLINK:
	case FUSE_RMDIR:
	case FUSE_RENAME:
	case FUSE_RENAME2:
	case FUSE_LINK:
	case FUSE_OPEN:
	case FUSE_OPENDIR:
	case FUSE_STATFS:
	case FUSE_ACCESS:
	case FUSE_CREATE:
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
		if (!n)
			return reply_err(r, ENOENT);
		break;
	default:
		log_guest("virtio-fs: unknown opcode %u", op);
		return reply_err(r, ENOSYS);
	}
	/* A sealed directory is empty, and stays so. */
	if (n->sealed) {
		switch (op) {
		case FUSE_GETATTR:
		case FUSE_OPENDIR:
		case FUSE_READDIR:
		case FUSE_READDIRPLUS:
		case FUSE_STATFS:
		case FUSE_ACCESS:
			break;
		case FUSE_LOOKUP:
			return reply_err(r, ENOENT);
		default:
			return reply_err(r, EACCES);
		}
	}
	switch (op) {
	case FUSE_LOOKUP:
		return op_lookup(r, pt, n);
	case FUSE_GETATTR:
		return op_getattr(r, pt, n);
	case FUSE_SETATTR:
		return op_setattr(r, pt, n);
	case FUSE_READLINK:
		return op_readlink(r, pt, n);
	case FUSE_SYMLINK:
		return op_symlink(r, pt, n);
	case FUSE_MKNOD:
		return op_mknod(r, pt, n);
	case FUSE_MKDIR:
		return op_mkdir(r, pt, n);
	case FUSE_UNLINK:
		return op_unlink(r, pt, n, 0);
	case FUSE_RMDIR:
		return op_unlink(r, pt, n, AT_REMOVEDIR);
	case FUSE_RENAME:
		return op_rename(r, pt, n, false);
	case FUSE_RENAME2:
		return op_rename(r, pt, n, true);
	case FUSE_LINK:
		return op_link(r, pt, n);
	case FUSE_OPEN:
		return op_open(r, pt, n, false);
	case FUSE_OPENDIR:
		return op_open(r, pt, n, true);
	case FUSE_STATFS:
		return op_statfs(r, n);
	case FUSE_ACCESS:
		return op_access(r, pt, n);
	case FUSE_CREATE:
		return op_create(r, pt, n);
	case FUSE_READDIR:
		return op_readdir(r, pt, n, false);
	default: /* FUSE_READDIRPLUS */
		return op_readdir(r, pt, n, true);
	}
}

uint32_t passthrough_handle(struct passthrough *pt, const struct iovec *req,
			    unsigned int nr_req, const struct iovec *rep,
			    unsigned int nr_rep)
{
	struct fuse_in_header h;
	size_t have = iov_size(req, nr_req), copy;
	struct request r = {
		.h = &h,
		.arg = pt->req + IN_HDR,
		.req = req,
		.rep = rep,
		.nr_req = nr_req,
		.nr_rep = nr_rep,
		.rep_room = iov_size(rep, nr_rep),
	};

	if (iov_to_buf(req, nr_req, 0, &h, IN_HDR) < IN_HDR) {
		log_guest("virtio-fs: request of %zu bytes, no header", have);
		return 0;
	}
	if (h.len < IN_HDR || h.len > have) {
		log_guest("virtio-fs: opcode %u: length %u, buffers hold %zu",
			  h.opcode, h.len, have);
		return reply_err(&r, EINVAL);
	}
	r.len = h.len;
	/* WRITE's data stays in guest memory; everything else is copied. */
	copy = r.len - IN_HDR;
	if (h.opcode == FUSE_WRITE && copy > sizeof(struct fuse_write_in))
		copy = sizeof(struct fuse_write_in);
	if (copy > FUSE_REQ_ARGS_MAX)
		copy = FUSE_REQ_ARGS_MAX;
	r.arg_len = iov_to_buf(req, nr_req, IN_HDR, pt->req + IN_HDR, copy);
	pt->req[IN_HDR + r.arg_len] = '\0';
	if (pt->readonly && pt->initialized && modifies(h.opcode))
		return reply_err(&r, EROFS);
	return dispatch(&r, pt);
}
