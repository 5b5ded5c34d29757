// SPDX-License-Identifier: MIT
/*
 * A main for fuzz targets built without libFuzzer (`make fuzz-tsan`:
 * libFuzzer's coverage counters are shared by all threads, unlocked, and
 * would drown ThreadSanitizer's reports): runs each input file RUNS times.
 *
 *   TARGET RUNS FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	int runs = argc > 1 ? atoi(argv[1]) : 0;

	if (argc < 3 || runs < 1) {
		fprintf(stderr, "usage: %s RUNS FILE...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 2; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		for (int r = 0; r < runs; r++)
			LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}
