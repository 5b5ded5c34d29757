#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs each libFuzzer target for SECONDS (default 60), one after another,
# from its seed corpus tests/fuzz/corpus/<target>/. New inputs go to
# $BUILD/fuzz/corpus/<target>/ (the committed seeds stay as they are),
# logs to $BUILD/fuzz/logs/<target>.log, crash reproducers to
# $BUILD/fuzz/crashes/<target>/. Build first: make fuzz.
#
#   tests/fuzz/run.sh [SECONDS [TARGET...]]
#
# Exits 1 if any target found a crash (or failed to run).
set -u

secs=${1:-60}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
cd "$root" || exit 1
targets=${*:-fuzz_virtqueue fuzz_virtio_blk fuzz_pci_config fuzz_virtio_mmio fuzz_virtio_net fuzz_virtio_fs fuzz_virtio_ports fuzz_virtio_mmio_race fuzz_virtio_pci_race}

# Largest input worth mutating: header + guest RAM in use, or the ops.
max_len() {
	case $1 in
	fuzz_virtqueue) echo 32768 ;;
	fuzz_virtio_blk | fuzz_virtio_net | fuzz_virtio_ports) echo 16384 ;;
	fuzz_virtio_fs) echo 8192 ;;
	fuzz_pci_config | fuzz_virtio_mmio | fuzz_virtio_mmio_race | \
		fuzz_virtio_pci_race) echo 7168 ;; # 512 ops of 14 bytes
	*) echo 4096 ;;
	esac
}

failed=
mkdir -p "$build/fuzz/logs"
for t in $targets; do
	bin=$build/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is missing; run make fuzz" >&2
		failed="$failed $t"
		continue
	fi
	work=$build/fuzz/corpus/$t
	crashes=$build/fuzz/crashes/$t
	log=$build/fuzz/logs/$t.log
	mkdir -p "$work" "$crashes"
	echo "fuzz: $t for ${secs}s (log: $log)"
	"$bin" -max_total_time="$secs" -max_len="$(max_len "$t")" \
		-timeout=10 -print_final_stats=1 \
		-artifact_prefix="$crashes/" \
		"$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	# The last status line ("#N DONE cov: ..." or the last pulse).
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	echo "fuzz: $t: ${execs:-?} execs, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}"
	if [ $rc -ne 0 ]; then
		echo "fuzz: $t FAILED (exit $rc):" >&2
		grep -E 'ERROR|SUMMARY|fuzz oracle|Test unit written' "$log" \
			| head -n 8 >&2
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed"
	exit 1
fi
echo "fuzz: no crashes"
