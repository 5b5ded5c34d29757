// SPDX-License-Identifier: MIT
/* The host inodes a guest knows, by node ID. */
#include "devices/fs/inode_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIRST_CAP 256

static uint32_t hash_of(dev_t dev, ino_t ino, uint32_t nr_buckets)
{
	uint64_t h = ((uint64_t)ino ^ ((uint64_t)dev << 32 | dev >> 32)) *
		     0x9e3779b97f4a7c15ULL;

	return (uint32_t)(h >> 32) & (nr_buckets - 1);
}

static bool live(const struct pt_inode *n)
{
	return n->fd >= 0;
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

/* Takes a free slot for a new inode (fd, st); returns its index or 0. */
static uint32_t add(struct inode_table *t, int fd, const struct stat *st,
		    bool sealed)
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
	n->fd = fd;
	n->nlookup = 1;
	n->dev = st->st_dev;
	n->ino = st->st_ino;
	n->type = st->st_mode & S_IFMT;
	n->sealed = sealed;
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
	close(n->fd);
	n->fd = -1;
	n->gen++;
	n->next = t->free;
	t->free = i;
}

uint32_t inode_ref(struct inode_table *t, int fd, const struct stat *st,
		   bool sealed)
{
	uint32_t i = find(t, st->st_dev, st->st_ino);

	if (i) {
		close(fd);
		t->inode[i].nlookup++;
		return i;
	}
	i = add(t, fd, st, sealed);
	if (!i) {
		close(fd);
		errno = ENOMEM;
	}
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
	t->cap = FIRST_CAP;
	t->inode = calloc(t->cap, sizeof(*t->inode));
	if (!t->inode || rehash(t, FIRST_CAP) < 0) {
		close(root_fd);
		inodes_destroy(t);
		return -ENOMEM;
	}
	t->inode[0].fd = -1;
	t->nr = ROOT_INDEX;
	if (add(t, root_fd, st, false) != ROOT_INDEX) {
		close(root_fd);
		inodes_destroy(t);
		return -ENOMEM;
	}
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
		if (t->nr > ROOT_INDEX)
			close(t->inode[ROOT_INDEX].fd);
	}
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
