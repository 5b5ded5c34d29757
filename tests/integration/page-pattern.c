// SPDX-License-Identifier: MIT
/*
 * Guest helper for the dump tests: fills one locked page with the
 * xorshift64 sequence of SEED, prints its guest-physical address (from
 * /proc/self/pagemap) as PHYS=0x..., and keeps the page until a line
 * arrives on stdin. The host regenerates the sequence and finds it at that
 * address in the dump.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t x, entry, *p;
	char line[64];
	int fd;

	if (argc != 2 || !(x = strtoull(argv[1], NULL, 0))) {
		fprintf(stderr, "usage: page-pattern SEED (not 0)\n");
		return 2;
	}
	p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED || mlock(p, page)) {
		perror("page-pattern: mmap/mlock");
		return 1;
	}
	for (long i = 0; i < page / 8; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &entry, 8, (uintptr_t)p / page * 8) != 8 ||
	    !(entry >> 63) || !(entry & ((1ULL << 55) - 1))) {
		perror("page-pattern: pagemap");
		return 1;
	}
	printf("PHYS=0x%llx\n",
	       (unsigned long long)((entry & ((1ULL << 55) - 1)) * page));
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	return p[0] ? 0 : 1;
}
