/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_INODE_TABLE_H
#define KESTREL_DEVICES_FS_INODE_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/*
 * The host inodes a guest knows. A node ID is index | generation << 32,
 * checked on every use and never a host descriptor; a (dev, ino) hash
 * makes hard links and repeated lookups one node.
 *
 * An inode is reached through an O_PATH descriptor. The guest decides how
 * many inodes it holds, so their descriptors are not all kept open: those
 * out of the last INODE_FDS_OPEN used are closed, and reopened from a
 * file handle (open_by_handle_at(), which needs CAP_DAC_READ_SEARCH) when
 * used again. An inode whose file system has no file handles, or when
 * kestrel may not use them, keeps its descriptor (pinned); once those
 * fill the descriptor budget (fd_budget.h), lookups of new inodes fail
 * with ENFILE. Event-loop thread only.
 */

/* The root's index: node ID FUSE_ROOT_ID (index 1, generation 0). */
#define ROOT_INDEX 1

struct file_handle;

struct pt_inode {
	int fd; /* O_PATH | O_NOFOLLOW, or -1 while closed */
	uint32_t gen;
	uint32_t next; /* hash chain, or free list */
	uint32_t newer, older; /* in the list of closable open ones */
	uint32_t used; /* the request that last used fd (inodes_request) */
	uint64_t nlookup; /* 0 while the slot is free */
	dev_t dev;
	ino_t ino;
	mode_t type; /* S_IFMT bits */
	bool sealed; /* a pseudo file system's directory: shown empty */
	bool pinned; /* fd stays open: it cannot be reopened */
	struct file_handle *handle; /* reopens it; NULL until needed */
};

/* An open directory on a file system, to decode its file handles. */
struct fs_anchor {
	dev_t dev;
	int fd;
};

struct inode_table {
	struct pt_inode *inode;
	uint32_t nr, cap; /* slots used so far, allocated */
	uint32_t free; /* free list of slots, 0 when empty */
	uint32_t *bucket; /* (dev, ino) hash: first inode index, 0 = none */
	uint32_t nr_buckets;
	/* Closable open descriptors, most recently used first; 0 ends. */
	uint32_t newest, oldest, nr_closable;
	uint32_t request; /* requests so far */
	bool can_reopen; /* open_by_handle_at() is allowed */
	struct fs_anchor *anchor;
	uint32_t nr_anchors;
};

/* Makes a table holding the root (root_fd, O_PATH, taken over even on
 * failure; st its stat). 0 or -ENOMEM. */
int inodes_init(struct inode_table *t, int root_fd, const struct stat *st);
/* Closes every inode, the root too, and frees the table. */
void inodes_destroy(struct inode_table *t);
/* Forgets every inode but the root. */
void inodes_reset(struct inode_table *t);
/* Live inodes, the root included. */
uint32_t inodes_live(const struct inode_table *t);

/*
 * A new request begins: descriptors inodes_fd() returns from now on stay
 * open until the next one.
 */
void inodes_request(struct inode_table *t);
/*
 * Makes room in the descriptor budget for one more, closing inode
 * descriptors that can be reopened if need be. false if there is none.
 */
bool inodes_make_room(struct inode_table *t);

/* The inode of a guest node ID, or NULL if it names no live one. */
struct pt_inode *inode_get(struct inode_table *t, uint64_t nodeid);
/*
 * n's O_PATH descriptor, reopened if it was closed; it stays open for the
 * rest of the request. -1 with errno (ESTALE: the file is gone; ENFILE:
 * no descriptor to be had) on failure.
 */
int inode_fd(struct inode_table *t, struct pt_inode *n);
/* The node ID of the inode at index i. */
uint64_t inode_node_id(const struct inode_table *t, uint32_t i);
uint32_t inode_index(const struct inode_table *t, const struct pt_inode *n);
/*
 * Takes a reference on the inode of fd (O_PATH, taken over: closed if the
 * inode is known already with its own open, or on failure) whose stat is
 * st; sealed is for a new one. The index, or 0 with errno set (ENFILE,
 * ENOMEM). May move the table.
 */
uint32_t inode_ref(struct inode_table *t, int fd, const struct stat *st,
		   bool sealed);
/* Drops nlookup references (FUSE FORGET); the root stays. */
void inode_forget(struct inode_table *t, uint64_t nodeid, uint64_t nlookup);

#endif
