// SPDX-License-Identifier: MIT
/* The host inodes a guest knows, by node ID. */
#include "devices/fs/inode_table.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices/fs/fd_budget.h"

#define FIRST_CAP 256
/*
 * Closable inode descriptors kept open at most: enough for the
 * directories a walk is in and the files it just looked up, while the
 * host's dentries and inodes of the rest may be reclaimed.
 */
#define INODE_FDS_OPEN 16384

static uint32_t hash_of(dev_t dev, ino_t ino, uint32_t nr_buckets)
{
	uint64_t h = ((uint64_t)ino ^ ((uint64_t)dev << 32 | dev >> 32)) *
		     0x9e3779b97f4a7c15ULL;

	return (uint32_t)(h >> 32) & (nr_buckets - 1);
}

static bool live(const struct pt_inode *n)
{
	return n->nlookup > 0;
}

/* open_by_handle_at() needs CAP_DAC_READ_SEARCH. */
static bool may_open_by_handle(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	return syscall(SYS_capget, &h, d) == 0 &&
	       (d[CAP_DAC_READ_SEARCH / 32].effective &
		(1u << (CAP_DAC_READ_SEARCH % 32)));
}

/* ---- closable descriptors, most recently used first ---- */

static void unlink_closable(struct inode_table *t, uint32_t i)
{
	struct pt_inode *n = &t->inode[i];

	if (n->newer)
		t->inode[n->newer].older = n->older;
	else
		t->newest = n->older;
	if (n->older)
		t->inode[n->older].newer = n->newer;
	else
		t->oldest = n->newer;
	n->newer = n->older = 0;
	t->nr_closable--;
}

static void push_closable(struct inode_table *t, uint32_t i)
{
	struct pt_inode *n = &t->inode[i];

	n->newer = 0;
	n->older = t->newest;
	if (t->newest)
		t->inode[t->newest].newer = i;
	else
		t->oldest = i;
	t->newest = i;
	t->nr_closable++;
}

/* n's descriptor is used by this request. */
static void touch(struct inode_table *t, uint32_t i)
{
	struct pt_inode *n = &t->inode[i];

	n->used = t->request;
	if (!n->pinned && t->newest != i) {
		unlink_closable(t, i);
		push_closable(t, i);
	}
}

/* n now holds descriptor fd, out of the budget. */
static void hold(struct inode_table *t, uint32_t i, int fd)
{
	struct pt_inode *n = &t->inode[i];

	fd_budget_take();
	n->fd = fd;
	n->used = t->request;
	if (!n->pinned)
		push_closable(t, i);
}

static struct fs_anchor *anchor_of(struct inode_table *t, dev_t dev)
{
	for (uint32_t k = 0; k < t->nr_anchors; k++)
		if (t->anchor[k].dev == dev)
			return &t->anchor[k];
	return NULL;
}

/*
 * A file handle for n, to reopen it from once its descriptor is closed,
 * if its file system gives one and has an anchor. false if not.
 */
static bool encode(struct inode_table *t, struct pt_inode *n)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[MAX_HANDLE_SZ];
	} h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	int mount_id;

	if (!anchor_of(t, n->dev) ||
	    name_to_handle_at(n->fd, "", &h.fh, &mount_id, AT_EMPTY_PATH) < 0)
		return false;
	n->handle = malloc(sizeof(h.fh) + h.fh.handle_bytes);
	if (!n->handle)
		return false;
	memcpy(n->handle, &h, sizeof(h.fh) + h.fh.handle_bytes);
	return true;
}

/*
 * Closes the least recently used closable descriptor that no request
 * but earlier ones used; one that turns out not to be closable is
 * pinned instead. false if there is none.
 */
static bool close_one(struct inode_table *t)
{
	while (t->oldest) {
		uint32_t i = t->oldest;
		struct pt_inode *n = &t->inode[i];

		if (n->used == t->request)
			return false; /* and so are all newer ones */
		unlink_closable(t, i);
		if (!n->handle && !encode(t, n)) {
			n->pinned = true;
			continue;
		}
		close(n->fd);
		n->fd = -1;
		fd_budget_give();
		return true;
	}
	return false;
}

bool inodes_make_room(struct inode_table *t)
{
	while (fd_budget_full())
		if (!close_one(t))
			return false;
	return true;
}

/* Room for one more inode descriptor, within INODE_FDS_OPEN if it can. */
static bool room_for_inode(struct inode_table *t)
{
	while (t->nr_closable >= INODE_FDS_OPEN && close_one(t))
		;
	return inodes_make_room(t);
}

/* Keeps an open directory on fs dev (fd, O_PATH, is on it), once. */
static void anchor(struct inode_table *t, int fd, dev_t dev)
{
	struct fs_anchor *a;
	int dir_fd;

	if (!t->can_reopen || anchor_of(t, dev) || !inodes_make_room(t))
		return;
	a = realloc(t->anchor, (t->nr_anchors + 1) * sizeof(*a));
	if (!a)
		return;
	t->anchor = a;
	/* open_by_handle_at() does not take an O_PATH descriptor. */
	dir_fd = openat(fd, ".",
			O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	if (dir_fd < 0)
		return;
	fd_budget_take();
	t->anchor[t->nr_anchors++] = (struct fs_anchor){ dev, dir_fd };
}

void inodes_request(struct inode_table *t)
{
	t->request++;
}

int inode_fd(struct inode_table *t, struct pt_inode *n)
{
	uint32_t i = inode_index(t, n);
	struct fs_anchor *a;
	struct stat st;
	int fd;

	if (n->fd >= 0) {
		touch(t, i);
		return n->fd;
	}
	a = anchor_of(t, n->dev);
	if (!room_for_inode(t)) {
		errno = ENFILE;
		return -1;
	}
	fd = open_by_handle_at(a->fd, n->handle, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_dev != n->dev || st.st_ino != n->ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	hold(t, i, fd);
	return fd;
}

uint64_t inode_node_id(const struct inode_table *t, uint32_t i)
{
	return i | (uint64_t)t->inode[i].gen << 32;
}

uint32_t inode_index(const struct inode_table *t, const struct pt_inode *n)
{
	return (uint32_t)(n - t->inode);
}

struct pt_inode *inode_get(struct inode_table *t, uint64_t nodeid)
{
	uint32_t i = (uint32_t)nodeid;

	if (i == 0 || i >= t->nr || !live(&t->inode[i]) ||
	    t->inode[i].gen != (uint32_t)(nodeid >> 32))
		return NULL;
	return &t->inode[i];
}

static uint32_t find(const struct inode_table *t, dev_t dev, ino_t ino)
{
	for (uint32_t i = t->bucket[hash_of(dev, ino, t->nr_buckets)]; i;
	     i = t->inode[i].next)
		if (t->inode[i].dev == dev && t->inode[i].ino == ino)
			return i;
	return 0;
}

static int rehash(struct inode_table *t, uint32_t nr_buckets)
{
	uint32_t *b = calloc(nr_buckets, sizeof(*b));

	if (!b)
		return -ENOMEM;
	free(t->bucket);
	t->bucket = b;
	t->nr_buckets = nr_buckets;
	for (uint32_t i = ROOT_INDEX; i < t->nr; i++) {
		struct pt_inode *n = &t->inode[i];
		uint32_t h;

		if (!live(n))
			continue;
		h = hash_of(n->dev, n->ino, nr_buckets);
		n->next = b[h];
		b[h] = i;
	}
	return 0;
}

/* Takes a free slot for a new inode (st); returns its index or 0. */
static uint32_t add(struct inode_table *t, const struct stat *st, bool sealed)
{
	struct pt_inode *n;
	uint32_t i, h;

	if (t->free) {
		i = t->free;
		t->free = t->inode[i].next;
	} else {
		if (t->nr == t->cap) {
			uint32_t cap = t->cap * 2;
			struct pt_inode *a;

			if (cap > UINT32_MAX / 2)
				return 0;
			a = realloc(t->inode, cap * sizeof(*a));
			if (!a)
				return 0;
			t->inode = a;
			t->cap = cap;
		}
		i = t->nr++;
		t->inode[i].gen = 0;
	}
	n = &t->inode[i];
	*n = (struct pt_inode){
		.fd = -1,
		.gen = n->gen,
		.nlookup = 1,
		.dev = st->st_dev,
		.ino = st->st_ino,
		.type = st->st_mode & S_IFMT,
		.sealed = sealed,
		.pinned = !t->can_reopen,
	};
	h = hash_of(n->dev, n->ino, t->nr_buckets);
	n->next = t->bucket[h];
	t->bucket[h] = i;
	/* Keep chains short: double the buckets with the inodes. */
	if (t->nr > t->nr_buckets * 2)
		rehash(t, t->nr_buckets * 2); /* failure: longer chains */
	return i;
}

static void drop(struct inode_table *t, uint32_t i)
{
	struct pt_inode *n = &t->inode[i];
	uint32_t *link = &t->bucket[hash_of(n->dev, n->ino, t->nr_buckets)];

	while (*link && *link != i)
		link = &t->inode[*link].next;
	if (*link)
		*link = n->next;
	if (n->fd >= 0) {
		if (!n->pinned)
			unlink_closable(t, i);
		close(n->fd);
		fd_budget_give();
	}
	free(n->handle);
	*n = (struct pt_inode){ .fd = -1, .gen = n->gen + 1, .next = t->free };
	t->free = i;
}

uint32_t inode_ref(struct inode_table *t, int fd, const struct stat *st,
		   bool sealed)
{
	uint32_t i = find(t, st->st_dev, st->st_ino);
	struct pt_inode *n;

	if (i) {
		n = &t->inode[i];
		n->nlookup++;
		if (n->fd >= 0) {
			close(fd);
			touch(t, i);
		} else if (room_for_inode(t)) {
			/* What the name holds now, even if an inode number
			 * was reused since the handle was made. */
			free(n->handle);
			n->handle = NULL;
			hold(t, i, fd);
		} else {
			close(fd);
		}
		return i;
	}
	if (!room_for_inode(t)) {
		close(fd);
		errno = ENFILE;
		return 0;
	}
	i = add(t, st, sealed);
	if (!i) {
		close(fd);
		errno = ENOMEM;
		return 0;
	}
	hold(t, i, fd);
	if (S_ISDIR(st->st_mode) && !sealed)
		anchor(t, fd, st->st_dev);
	return i;
}

void inode_forget(struct inode_table *t, uint64_t nodeid, uint64_t nlookup)
{
	struct pt_inode *n = inode_get(t, nodeid);

	if (!n || (uint32_t)nodeid == ROOT_INDEX)
		return;
	if (nlookup >= n->nlookup)
		drop(t, (uint32_t)nodeid);
	else
		n->nlookup -= nlookup;
}

int inodes_init(struct inode_table *t, int root_fd, const struct stat *st)
{
	memset(t, 0, sizeof(*t));
	t->can_reopen = may_open_by_handle();
	t->cap = FIRST_CAP;
	t->inode = calloc(t->cap, sizeof(*t->inode));
	if (!t->inode || rehash(t, FIRST_CAP) < 0) {
		close(root_fd);
		inodes_destroy(t);
		return -ENOMEM;
	}
	t->inode[0].fd = -1;
	t->nr = ROOT_INDEX;
	if (add(t, st, false) != ROOT_INDEX) {
		close(root_fd);
		inodes_destroy(t);
		return -ENOMEM;
	}
	t->inode[ROOT_INDEX].pinned = true;
	hold(t, ROOT_INDEX, root_fd);
	anchor(t, root_fd, st->st_dev);
	return 0;
}

void inodes_reset(struct inode_table *t)
{
	for (uint32_t i = ROOT_INDEX + 1; i < t->nr; i++)
		if (live(&t->inode[i]))
			drop(t, i);
	if (t->nr > ROOT_INDEX)
		t->inode[ROOT_INDEX].nlookup = 1;
}

void inodes_destroy(struct inode_table *t)
{
	if (t->inode) {
		inodes_reset(t);
		if (t->nr > ROOT_INDEX) {
			close(t->inode[ROOT_INDEX].fd);
			fd_budget_give();
		}
	}
	for (uint32_t k = 0; k < t->nr_anchors; k++) {
		close(t->anchor[k].fd);
		fd_budget_give();
	}
	free(t->anchor);
	free(t->inode);
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}

uint32_t inodes_live(const struct inode_table *t)
{
	uint32_t n = 0;

	for (uint32_t i = ROOT_INDEX; i < t->nr; i++)
		n += live(&t->inode[i]);
	return n;
}
