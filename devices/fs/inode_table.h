/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_DEVICES_FS_INODE_TABLE_H
#define KESTREL_DEVICES_FS_INODE_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/*
 * The host inodes a guest knows. A node ID is index | generation << 32,
 * checked on every use and never a host descriptor; a (dev, ino) hash
 * makes hard links and repeated lookups one node. Event-loop thread only.
 */

/* The root's index: node ID FUSE_ROOT_ID (index 1, generation 0). */
#define ROOT_INDEX 1

struct pt_inode {
	int fd; /* O_PATH | O_NOFOLLOW; -1 while the slot is free */
	uint32_t gen;
	uint32_t next; /* hash chain, or free list */
	uint64_t nlookup;
	dev_t dev;
	ino_t ino;
	mode_t type; /* S_IFMT bits */
	bool sealed; /* a pseudo file system's directory: shown empty */
};

struct inode_table {
	struct pt_inode *inode;
	uint32_t nr, cap; /* slots used so far, allocated */
	uint32_t free; /* free list of slots, 0 when empty */
	uint32_t *bucket; /* (dev, ino) hash: first inode index, 0 = none */
	uint32_t nr_buckets;
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

/* The inode of a guest node ID, or NULL if it names no live one. */
struct pt_inode *inode_get(struct inode_table *t, uint64_t nodeid);
/* The node ID of the inode at index i. */
uint64_t inode_node_id(const struct inode_table *t, uint32_t i);
uint32_t inode_index(const struct inode_table *t, const struct pt_inode *n);
/*
 * Takes a reference on the inode of fd (O_PATH, taken over: closed if the
 * inode is known already, or on failure) whose stat is st; sealed is for
 * a new one. The index, or 0 with errno set. May move the table.
 */
uint32_t inode_ref(struct inode_table *t, int fd, const struct stat *st,
		   bool sealed);
/* Drops nlookup references (FUSE FORGET); the root stays. */
void inode_forget(struct inode_table *t, uint64_t nodeid, uint64_t nlookup);

#endif
