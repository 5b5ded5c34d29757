// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for virtio-fs (devices/virtio/fs.c) and its FUSE server
 * (devices/fs/) over a small real directory tree, with
 * fuzzer-chosen FUSE requests put on the queues the way a driver would.
 *
 * Input: a 1-byte header, then records until the input ends:
 *
 *   [0]      bit 0: use the read-only share (else the writable one);
 *            bit 1: do not send INIT first
 *   record   [0] flags: bit 0 the hiprio queue (else the request
 *            queue); bits 1-2 split the request over 1-3 descriptors;
 *            bits 3-4 split the reply buffer over 1-3 descriptors;
 *            bit 5: no reply buffer at all; bit 6: patch the header's
 *            len to the record's length; bit 7: patch unique
 *            [1..2] reply room (LE16, capped to the reply area)
 *            [3..4] request length n (LE16, capped to what is left)
 *            [5..]  n bytes: the FUSE request (in-header and arguments)
 *
 * Each share holds files, a directory, a FIFO, symlinks out of it, a
 * set-user-ID and a set-group-ID program, a character device (when run
 * as root) and, in a mount namespace of the fuzzer's own, a procfs
 * mounted at proc/; RLIMIT_FSIZE is 1 MiB, with libFuzzer's own SIGXFSZ
 * handler off (-handle_xfsz=0) so that kestrel's handling is what runs.
 *
 * Oracles besides ASan/UBSan: no reply longer than the room the driver
 * gave; the secret beside the shares never shows up in guest memory; the
 * directory holding the shares gains no entries and the secret does not
 * change (nothing outside a share is reached); no open file or directory
 * of the server is a FIFO, device or socket; no inode the server holds
 * lies beneath the procfs mount; after an input, every set-ID file in
 * the writable share still has the contents it was made with (a write
 * drops the bits first); fallocate() is kept small so a fuzzer cannot
 * fill the host's disk, and RLIMIT_FSIZE makes writes past it EFBIG, not
 * SIGXFSZ (which would end the fuzzer: a crash).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices/virtio/fs.h"
#include "tests/fuzz/fuzz_guest.h"
#include "tests/fuzz/fuzz_host.h"

#define QSIZE 64
#define DESC_GPA FUZZ_RAM_GPA
#define AVAIL_GPA (DESC_GPA + 16 * QSIZE)
#define USED_GPA (AVAIL_GPA + 0x100)
#define REQ_GPA (FUZZ_RAM_GPA + 0x1000)
#define REQ_SIZE 0x6000
#define REP_GPA (REQ_GPA + REQ_SIZE)
#define REP_SIZE (FUZZ_RAM_GPA + FUZZ_RAM_SIZE - REP_GPA)
#define MAX_RECORDS 24
#define SECRET "KESTREL-FUZZ-SECRET-7f3a9c"
#define SETID_TEXT "#!/bin/sh\necho set-id\n"
#define FSIZE_LIMIT (1 << 20)

static struct fuzz_guest guest;
static struct virtio_fs fs_rw, fs_ro;
static char top[4096], rw_dir[4200], ro_dir[4200], secret_path[4200];
static unsigned int top_entries;
/* A share an input used: its server (and the writable tree) is made
 * anew, so that each input starts from the same node IDs and handles. */
static bool rw_dirty = true, ro_dirty;
static bool own_mounts; /* a mount namespace to mount procfs in */
static dev_t rw_proc_dev, ro_proc_dev; /* each procfs mount has its own */

/*
 * Caps what a guest can make the host allocate: RLIMIT_FSIZE does not
 * limit FALLOC_FL_KEEP_SIZE (writes are at most a request's worth;
 * sparse sizes cost nothing).
 */
int fallocate(int fd, int mode, off_t off, off_t len)
{
	if (len > (1 << 20) || off > (1 << 24)) {
		errno = EFBIG;
		return -1;
	}
	return (int)syscall(SYS_fallocate, fd, mode, off, len);
}

static void put_link(const char *dir, const char *name, const char *target)
{
	char p[8192];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (symlink(target, p) < 0)
		fuzz_fail("cannot link %s: %s", p, strerror(errno));
}

static void put_mode(const char *dir, const char *name, const char *text,
		     mode_t mode)
{
	char p[8192];

	fuzz_put_file(dir, name, text);
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (chmod(p, mode) < 0)
		fuzz_fail("chmod %s: %s", p, strerror(errno));
}

/* The same small tree in each share; *proc_dev is its procfs's. */
static void make_tree(const char *dir, dev_t *proc_dev)
{
	char p[8192];
	struct stat st;

	if (mkdir(dir, 0755) < 0)
		fuzz_fail("mkdir %s: %s", dir, strerror(errno));
	fuzz_put_file(dir, "file", "0123456789abcdef\n");
	snprintf(p, sizeof(p), "%s/d", dir);
	mkdir(p, 0755);
	fuzz_put_file(p, "a", "a\n");
	fuzz_put_file(p, "b", "");
	put_link(dir, "abs", secret_path);
	put_link(dir, "rel", "../secret");
	put_link(dir, "loop", "loop");
	snprintf(p, sizeof(p), "%s/fifo", dir);
	mkfifo(p, 0644);
	put_mode(dir, "suid", SETID_TEXT, 04755);
	put_mode(dir, "sgid", SETID_TEXT, 02755);
	/* /dev/null's numbers: should it be opened, no harm done. */
	snprintf(p, sizeof(p), "%s/null", dir);
	if (geteuid() == 0)
		mknod(p, S_IFCHR | 0666, makedev(1, 3));
	snprintf(p, sizeof(p), "%s/proc", dir);
	mkdir(p, 0555);
	if (own_mounts) {
		if (mount("proc", p, "proc", MS_NOSUID | MS_NOEXEC, NULL) < 0 ||
		    stat(p, &st) < 0)
			fuzz_fail("mount proc on %s: %s", p, strerror(errno));
		*proc_dev = st.st_dev;
	}
}

static void unmount_proc(const char *dir)
{
	char p[8192];

	snprintf(p, sizeof(p), "%s/proc", dir);
	if (own_mounts)
		umount2(p, MNT_DETACH);
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p);
	/* Directories the fuzzer made unreadable or unsearchable. */
	if (flag == FTW_DNR) {
		chmod(p, 0700);
		return 0;
	}
	return unlink(p);
}

static void remove_tree(const char *dir)
{
	/* Twice: the first pass may only have fixed permissions. Never
	 * into a mount (procfs) that is still there. */
	for (int i = 0; i < 2; i++)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static unsigned int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	unsigned int n = 0;

	if (!d)
		fuzz_fail("cannot open %s: %s", dir, strerror(errno));
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void open_share(struct virtio_fs *fs, const char *dir, bool ro)
{
	char err[512];

	if (virtio_fs_open(fs, dir, ro ? "ro" : "rw", ro, err, sizeof(err)) ||
	    virtio_fs_setup(fs, &guest.hv))
		fuzz_fail("virtio-fs on %s: %s", dir, err);
	fs->vdev.transport = &fuzz_null_transport;
}

/* At exit: the trees go, so runs do not pile them up in /dev/shm. */
static void remove_all(void)
{
	unmount_proc(rw_dir);
	unmount_proc(ro_dir);
	remove_tree(top);
}

/*
 * libFuzzer's flags, plus -handle_xfsz=0: with its SIGXFSZ handler, a
 * write past RLIMIT_FSIZE would be a crash whatever kestrel does.
 */
static void no_xfsz_handler(int *argc, char ***argv)
{
	static char flag[] = "-handle_xfsz=0";
	static char *args[256];

	if (*argc + 2 > (int)(sizeof(args) / sizeof(args[0])))
		fuzz_fail("too many arguments");
	memcpy(args, *argv, (size_t)*argc * sizeof(*args));
	args[(*argc)++] = flag;
	args[*argc] = NULL;
	*argv = args;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *base = getenv("KESTREL_FUZZ_TMPDIR");
	struct rlimit fsize = { FSIZE_LIMIT, RLIM_INFINITY };

	no_xfsz_handler(argc, argv);
	if (setrlimit(RLIMIT_FSIZE, &fsize) < 0)
		fuzz_fail("RLIMIT_FSIZE: %s", strerror(errno));
	/* Mounts of the fuzzer's own, gone with it, where it may. */
	own_mounts = unshare(CLONE_NEWNS) == 0 &&
		     mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	if (!base)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(top, sizeof(top), "%s/kestrel-fuzz-fs-XXXXXX", base);
	if (!mkdtemp(top))
		fuzz_fail("mkdtemp: %s", strerror(errno));
	atexit(remove_all);
	snprintf(secret_path, sizeof(secret_path), "%s/secret", top);
	fuzz_put_file(top, "secret", SECRET "\n");
	snprintf(rw_dir, sizeof(rw_dir), "%s/rw", top);
	snprintf(ro_dir, sizeof(ro_dir), "%s/ro", top);
	make_tree(ro_dir, &ro_proc_dev);
	make_tree(rw_dir, &rw_proc_dev);
	top_entries = count_entries(top);
	fuzz_guest_init(&guest);
	open_share(&fs_ro, ro_dir, true);
	open_share(&fs_rw, rw_dir, false);
	return 0;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_desc(uint16_t i, uint64_t gpa, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	struct vring_desc d = { gpa, len, flags, next };

	memcpy(gm_ptr(&guest.mem, DESC_GPA + 16ULL * i, 16), &d, 16);
}

/* Splits [gpa, gpa + len) into `parts` descriptors from *next on. */
static void put_parts(uint16_t *next, uint64_t gpa, uint32_t len,
		      unsigned int parts, uint16_t flags)
{
	for (unsigned int p = 0; p < parts; p++) {
		uint32_t n = p + 1 == parts ? len : len / parts;

		put_desc(*next, gpa, n, flags | VRING_DESC_F_NEXT,
			 (uint16_t)(*next + 1));
		gpa += n;
		len -= n;
		(*next)++;
	}
}

static void start_device(struct virtio_fs *fs)
{
	struct virtio_device *vdev = &fs->vdev;

	pthread_mutex_lock(&vdev->lock);
	virtio_set_status(vdev,
			  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vdev->driver_features = 1ULL << VIRTIO_F_VERSION_1;
	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE |
					VIRTIO_STATUS_DRIVER |
					VIRTIO_STATUS_FEATURES_OK);
	for (unsigned int q = 0; q < 2; q++) {
		struct virtqueue *vq = &vdev->vq[q];

		vdev->queue_select = (uint16_t)q;
		vq->size = QSIZE;
		/* Both queues share the rings: one in use at a time. */
		vq->desc_gpa = DESC_GPA;
		vq->avail_gpa = AVAIL_GPA;
		vq->used_gpa = USED_GPA;
		if (!virtio_enable_queue(vdev, q))
			fuzz_fail("cannot enable queue %u", q);
	}
	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE |
					VIRTIO_STATUS_DRIVER |
					VIRTIO_STATUS_FEATURES_OK |
					VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&vdev->lock);
}

/* Posts one chain (request, reply) on queue q and kicks it. */
static void post(struct virtio_fs *fs, unsigned int q, const uint8_t *req,
		 uint32_t len, unsigned int req_parts, uint32_t room,
		 unsigned int rep_parts)
{
	struct virtqueue *vq = &fs->vdev.vq[q];
	uint16_t next = 0, idx;
	uint8_t *avail = gm_ptr(&guest.mem, AVAIL_GPA, 4 + 2 * QSIZE);
	uint8_t *used_idx = gm_ptr(&guest.mem, USED_GPA + 2, 2);
	uint16_t used_before = fuzz_le16(used_idx);
	const struct vring_used_elem *ue;

	if (!vq->ready)
		return;
	memcpy(gm_ptr(&guest.mem, REQ_GPA, REQ_SIZE), req, len);
	memset(gm_ptr(&guest.mem, REP_GPA, REP_SIZE), 0, REP_SIZE);
	if (len < req_parts)
		req_parts = len ? len : 1;
	if (room < rep_parts)
		rep_parts = room;
	put_parts(&next, REQ_GPA, len, req_parts, 0);
	if (rep_parts)
		put_parts(&next, REP_GPA, room, rep_parts, VRING_DESC_F_WRITE);
	/* End the chain at its last descriptor. */
	{
		struct vring_desc *d =
			gm_ptr(&guest.mem, DESC_GPA + 16ULL * (next - 1), 16);

		d->flags &= (uint16_t)~VRING_DESC_F_NEXT;
	}
	idx = fuzz_le16(avail + 2);
	put_le16(avail + 4 + 2 * (idx % QSIZE), 0);
	put_le16(avail + 2, (uint16_t)(idx + 1));

	pthread_mutex_lock(&fs->vdev.lock);
	virtio_kick(&fs->vdev, q);
	pthread_mutex_unlock(&fs->vdev.lock);

	if (!vq->ready || fuzz_le16(used_idx) == used_before)
		return;
	ue = gm_ptr(&guest.mem, USED_GPA + 4 + 8 * (used_before % QSIZE),
		    sizeof(*ue));
	if (ue->len > room)
		fuzz_fail("reply of %u bytes in %u bytes of room", ue->len,
			  room);
	if (fuzz_verbose && ue->len >= sizeof(struct fuse_out_header)) {
		const struct fuse_out_header *oh =
			gm_ptr(&guest.mem, REP_GPA, sizeof(*oh));

		fprintf(stderr, "opcode %u: error %d, %u bytes\n",
			len >= 8 ? fuzz_le32(req + 4) : 0, oh->error, ue->len);
	}
	if (memmem(gm_ptr(&guest.mem, REP_GPA, REP_SIZE), REP_SIZE, SECRET,
		   strlen(SECRET)))
		fuzz_fail("the secret outside the share reached the guest");
}

static void send_init(struct virtio_fs *fs)
{
	struct {
		struct fuse_in_header h;
		struct fuse_init_in in;
	} r = { { .len = sizeof(r), .opcode = FUSE_INIT, .unique = 1 },
		{ .major = 7, .minor = 38, .flags = 0xffffffff } };

	post(fs, VIRTIO_FS_REQUEST_QUEUE, (const uint8_t *)&r, sizeof(r), 1,
	     4096, 1);
}

static void check_outside(void)
{
	char buf[64] = { 0 };
	int fd = open(secret_path, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0 ||
	    strcmp(buf, SECRET "\n"))
		fuzz_fail("the secret outside the share changed: '%s'", buf);
	close(fd);
}

/*
 * The server opens regular files and directories only: a FIFO's open
 * would wait on the event-loop thread, a device's would run its driver.
 * No inode it holds is beneath the procfs mount either (the mount point
 * itself is a sealed, empty directory).
 */
static void check_held(const struct passthrough *pt, dev_t proc_dev)
{
	const struct handle_table *h = &pt->handles;
	const struct inode_table *t = &pt->inodes;
	struct stat st;

	for (uint32_t i = 1; i < h->cap; i++)
		if (h->handle[i].fd >= 0 &&
		    (fstat(h->handle[i].fd, &st) < 0 ||
		     !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))))
			fuzz_fail("an open handle is of type %o",
				  st.st_mode & S_IFMT);
	for (uint32_t i = ROOT_INDEX; own_mounts && i < t->nr; i++)
		if (t->inode[i].nlookup && t->inode[i].dev == proc_dev &&
		    !t->inode[i].sealed)
			fuzz_fail("inode %u is inside the procfs mount", i);
}

/* A set-ID file whose contents the guest changed keeps no set-ID bit. */
static int check_setid(const char *p, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	char buf[sizeof(SETID_TEXT) + 1] = { 0 };
	int fd;

	(void)ftw;
	if (flag != FTW_F || !S_ISREG(st->st_mode) ||
	    !((st->st_mode & S_ISUID) ||
	      (st->st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)))
		return 0;
	fd = open(p, O_RDONLY | O_NONBLOCK);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		fuzz_fail("cannot read %s: %s", p, strerror(errno));
	close(fd);
	if (strcmp(buf, SETID_TEXT))
		fuzz_fail("%s is set-ID (%o) with the guest's contents", p,
			  st->st_mode & 07777);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_fs *fs;
	size_t off = 1;
	uint8_t hdr = size ? data[0] : 0;
	static uint8_t req[REQ_SIZE];

	if (rw_dirty) {
		/* A fresh writable tree: nothing from the last input. */
		virtio_fs_destroy(&fs_rw);
		unmount_proc(rw_dir);
		remove_tree(rw_dir);
		make_tree(rw_dir, &rw_proc_dev);
		open_share(&fs_rw, rw_dir, false);
		rw_dirty = false;
	}
	if (ro_dirty) {
		virtio_fs_destroy(&fs_ro);
		open_share(&fs_ro, ro_dir, true);
		ro_dirty = false;
	}
	fs = hdr & 1 ? &fs_ro : &fs_rw;
	rw_dirty = fs == &fs_rw;
	ro_dirty = fs == &fs_ro;
	fuzz_guest_load(&guest, NULL, 0);
	start_device(fs);
	if (!(hdr & 2))
		send_init(fs);
	for (unsigned int n = 0; n < MAX_RECORDS && off + 5 <= size; n++) {
		const uint8_t *rec = data + off;
		uint8_t flags = rec[0];
		uint32_t room = fuzz_le16(rec + 1) % (REP_SIZE + 1);
		uint32_t len = fuzz_le16(rec + 3);

		off += 5;
		if (len > size - off)
			len = (uint32_t)(size - off);
		if (len > REQ_SIZE)
			len = REQ_SIZE;
		memcpy(req, data + off, len);
		off += len;
		if ((flags & 0x40) && len >= 4) {
			req[0] = (uint8_t)len;
			req[1] = (uint8_t)(len >> 8);
			req[2] = req[3] = 0;
		}
		if ((flags & 0x80) && len >= 16)
			memset(req + 8, 0x11, 8);
		post(fs,
		     flags & 1 ? VIRTIO_FS_HIPRIO_QUEUE :
				 VIRTIO_FS_REQUEST_QUEUE,
		     req, len, 1 + ((flags >> 1) & 3) % 3, room,
		     flags & 0x20 ? 0 : 1 + ((flags >> 3) & 3) % 3);
		check_held(&fs->pt, fs == &fs_rw ? rw_proc_dev : ro_proc_dev);
	}
	pthread_mutex_lock(&fs->vdev.lock);
	virtio_set_status(&fs->vdev, 0); /* a reset forgets everything */
	pthread_mutex_unlock(&fs->vdev.lock);
	if (passthrough_nr_inodes(&fs->pt) != 1)
		fuzz_fail("%u inodes after a reset",
			  passthrough_nr_inodes(&fs->pt));
	check_outside();
	if (fs == &fs_rw && geteuid() == 0)
		nftw(rw_dir, check_setid, 16, FTW_PHYS | FTW_MOUNT);
	if (count_entries(top) != top_entries)
		fuzz_fail("entries appeared beside the shares in %s", top);
	return 0;
}
