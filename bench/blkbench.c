// SPDX-License-Identifier: MIT
/*
 * In-guest block benchmark: O_DIRECT I/O on a block device from DEPTH
 * threads, so DEPTH requests are in flight, as fio's libaio engine would
 * keep them. Built static by bench/blk.sh so the guest needs no libraries
 * (Debian's fio drags in some 150 MiB of them).
 *
 * usage: blkbench DEVICE seqwrite|seqread|randread BLOCK SPAN SECONDS DEPTH
 * Prints one line: "BLKBENCH <mode> <MB/s> <IOPS>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum mode { SEQWRITE, SEQREAD, RANDREAD };

static int fd;
static enum mode mode;
static uint64_t block, span, blocks;
static double deadline;
static atomic_uint_fast64_t next_block, done_ios;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg)
{
	uint64_t seed = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
	void *buf;

	if (posix_memalign(&buf, 4096, block))
		exit(1);
	memset(buf, 0xa5, block);
	while (now() < deadline) {
		uint64_t b;
		ssize_t n;

		if (mode == RANDREAD) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			b = seed % blocks;
		} else {
			b = atomic_fetch_add(&next_block, 1) % blocks;
		}
		if (mode == SEQWRITE)
			n = pwrite(fd, buf, block, b * block);
		else
			n = pread(fd, buf, block, b * block);
		if (n != (ssize_t)block) {
			fprintf(stderr, "blkbench: I/O at %llu: %s\n",
				(unsigned long long)(b * block),
				n < 0 ? strerror(errno) : "short");
			exit(1);
		}
		atomic_fetch_add(&done_ios, 1);
	}
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "seqwrite", "seqread",
					     "randread" };
	pthread_t threads[256];
	double start, secs;
	unsigned int depth, i;

	if (argc != 7) {
		fprintf(stderr, "usage: blkbench DEVICE seqwrite|seqread|"
				"randread BLOCK SPAN SECONDS DEPTH\n");
		return 2;
	}
	for (mode = SEQWRITE; mode <= RANDREAD; mode++)
		if (!strcmp(argv[2], names[mode]))
			break;
	block = strtoull(argv[3], NULL, 0);
	span = strtoull(argv[4], NULL, 0);
	secs = strtod(argv[5], NULL);
	depth = strtoul(argv[6], NULL, 0);
	if (mode > RANDREAD || block == 0 || block % 512 || span < block ||
	    depth == 0 || depth > 256 || secs <= 0) {
		fprintf(stderr, "blkbench: bad arguments\n");
		return 2;
	}
	blocks = span / block;
	fd = open(argv[1], (mode == SEQWRITE ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "blkbench: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	start = now();
	deadline = start + secs;
	for (i = 0; i < depth; i++)
		pthread_create(&threads[i], NULL, worker,
			       (void *)(uintptr_t)(i + 1));
	for (i = 0; i < depth; i++)
		pthread_join(threads[i], NULL);
	if (mode == SEQWRITE && fdatasync(fd)) {
		fprintf(stderr, "blkbench: fdatasync: %s\n", strerror(errno));
		return 1;
	}
	secs = now() - start;
	printf("BLKBENCH %s %.1f %.0f\n", names[mode],
	       done_ios * (double)block / secs / 1e6, done_ios / secs);
	return 0;
}
