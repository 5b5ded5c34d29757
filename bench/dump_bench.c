// SPDX-License-Identifier: MIT
/*
 * Times core_dump_write() on a fake 1 GiB guest, as kestrel maps guest RAM
 * (anonymous, MAP_NORESERVE, MADV_HUGEPAGE): one idle guest with a few MiB
 * touched and one whose every page holds data. Reports the medians of
 * RUNS dumps into DIR, the file's size on disk, what the dump added to the
 * process's RSS and page tables, and for reference one plain write() of
 * the whole RAM and an fsync of the dump. usage: dump_bench RUNS DIR
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vmm/core_dump.h"

#define GIB (1ULL << 30)
#define PAGE 4096u
#define MAX_RUNS 32

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long status_kib(const char *field)
{
	char line[128];
	long kib = -1;
	size_t n = strlen(field);
	FILE *s = fopen("/proc/self/status", "r");

	if (!s)
		return -1;
	while (fgets(line, sizeof(line), s))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			kib = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(s);
	return kib;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint8_t *guest_ram(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(p, size, MADV_HUGEPAGE);
	return p;
}

/*
 * What an idle guest has touched: 2 MiB of kernel image and 512 pages
 * scattered over the first 64 MiB (scattered over all of RAM, each would
 * fault in a 2 MiB huge page, and the "idle" guest would be resident).
 */
static uint64_t touch_few(uint8_t *ram)
{
	uint64_t touched = 0, x = 88172645463325252ULL;

	memset(ram + 16 * (1 << 20), 0x5a, 2 << 20);
	touched += 2 << 20;
	for (int i = 0; i < 512; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memset(ram + (x % (64 * (1 << 20) / PAGE)) * PAGE, i | 1, PAGE);
		touched += PAGE;
	}
	return touched;
}

static void touch_all(uint8_t *ram)
{
	uint64_t *w = (uint64_t *)ram, x = 0x9e3779b97f4a7c15ULL;

	for (uint64_t i = 0; i < GIB / 8; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		w[i] = x;
	}
}

static void bench(const char *name, uint8_t *ram, int runs, const char *dir)
{
	struct x86_cpu_state cpu = { .rip = 0xffffffff81000000ULL };
	struct guest_mem gm = { 0 };
	double t[MAX_RUNS], plain[MAX_RUNS], sync_t = 0;
	long rss0, rss1, pte0, pte1;
	char path[256], err[256];
	struct stat st;
	int fd;

	gm_add_region(&gm, 0, GIB, ram);
	snprintf(path, sizeof(path), "%s/dump-bench.core", dir);
	rss0 = status_kib("VmRSS");
	pte0 = status_kib("VmPTE");
	for (int i = 0; i < runs; i++) {
		double t0;

		unlink(path);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0) {
			perror(path);
			exit(1);
		}
		t0 = now();
		if (core_dump_write(fd, &gm, &cpu, 1, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
		t[i] = now() - t0;
		if (i == runs - 1) {
			t0 = now();
			fsync(fd);
			sync_t = now() - t0;
			fstat(fd, &st);
		}
		close(fd);
	}
	rss1 = status_kib("VmRSS");
	pte1 = status_kib("VmPTE");
	for (int i = 0; i < runs; i++) {
		double t0;

		unlink(path);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		t0 = now();
		for (uint64_t off = 0; off < GIB;) {
			ssize_t n = write(fd, ram + off, GIB - off);

			if (n <= 0) {
				perror("write");
				exit(1);
			}
			off += (uint64_t)n;
		}
		plain[i] = now() - t0;
		close(fd);
	}
	unlink(path);
	printf("%-28s dump %.3f s (median of %d), then fsync %.3f s, "
	       "file %.1f MiB, on disk %.1f MiB, RSS +%ld KiB, page tables "
	       "+%ld KiB; plain write() of all RAM %.3f s\n",
	       name, median(t, runs), runs, sync_t,
	       (double)st.st_size / (1 << 20),
	       (double)st.st_blocks * 512 / (1 << 20), rss1 - rss0, pte1 - pte0,
	       median(plain, runs));
	printf("%-28s dumps, sorted (s):", "");
	for (int i = 0; i < runs; i++)
		printf(" %.3f", t[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	uint8_t *ram;
	uint64_t touched;

	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: dump_bench [RUNS (1-%d)] [DIR]\n",
			MAX_RUNS);
		return 2;
	}
	ram = guest_ram(GIB);
	touched = touch_few(ram);
	printf("1 GiB guest, %.1f MiB written; RSS %ld KiB\n",
	       (double)touched / (1 << 20), status_kib("VmRSS"));
	bench("idle 1 GiB guest", ram, runs, dir);
	munmap(ram, GIB);

	ram = guest_ram(GIB);
	touch_all(ram);
	printf("1 GiB guest, all written; RSS %ld KiB\n", status_kib("VmRSS"));
	bench("fully touched 1 GiB guest", ram, runs, dir);
	munmap(ram, GIB);
	return 0;
}
