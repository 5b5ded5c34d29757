#!/bin/sh
# Times guest memory dumps (vmm/core_dump.c) on fake 1 GiB guests on this
# host, no VM involved: bench/dump_bench.c against build/libkestrel.a.
# usage: bench/dump.sh [RUNS [DIR]]   (default 5 runs, dumps into /tmp)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
make --no-print-directory build/libkestrel.a >/dev/null
mkdir -p build/bench
${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -I. \
	-o build/bench/dump_bench bench/dump_bench.c build/libkestrel.a
df -h "${2:-/tmp}" | tail -1
build/bench/dump_bench "${1:-5}" "${2:-/tmp}"
