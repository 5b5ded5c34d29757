#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs each libFuzzer target, one after another, from its seed corpus
# tests/fuzz/corpus/<target>/. New inputs go to $BUILD/fuzz/corpus/<target>/
# (the committed seeds stay as they are), logs to
# $BUILD/fuzz/logs/<target>.log, crash reproducers to
# $BUILD/fuzz/crashes/<target>/. Build first: make fuzz.
#
#   tests/fuzz/run.sh [SECONDS [TARGET...]]    each for SECONDS (default 60)
#   tests/fuzz/run.sh --campaign [TARGET...]   each until it has run
#       FUZZ_CAMPAIGN_RUNS inputs (default 10 million) or for
#       FUZZ_CAMPAIGN_SECONDS (default 1800), whichever comes first; one
#       line per target is appended to $BUILD/fuzz/campaign.log
#
# Fuzzers run at nice FUZZ_NICE (default 19) and, across every run.sh on
# this machine, one at a time: each target waits for the lock file
# FUZZ_LOCK (default /tmp/kestrel-fuzz.lock), since the machines this runs
# on have few cores and other work whose timings matter.
#
# Exits 1 if any target found a crash (or failed to run).
set -u

runs=
if [ "${1:-}" = --campaign ]; then
	shift
	secs=${FUZZ_CAMPAIGN_SECONDS:-1800}
	runs=${FUZZ_CAMPAIGN_RUNS:-10000000}
else
	secs=${1:-60}
	[ $# -gt 0 ] && shift
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
lock=${FUZZ_LOCK:-/tmp/kestrel-fuzz.lock}
cd "$root" || exit 1
targets=${*:-fuzz_virtqueue fuzz_virtio_blk fuzz_pci_config fuzz_virtio_mmio fuzz_virtio_net fuzz_virtio_fs fuzz_virtio_ports fuzz_virtio_mmio_race fuzz_virtio_pci_race fuzz_platform_io fuzz_net_backends fuzz_virtio_devices fuzz_gdb_stub fuzz_control}

# Largest input worth mutating: header + guest RAM in use, or the ops.
max_len() {
	case $1 in
	fuzz_virtqueue) echo 32768 ;;
	fuzz_virtio_blk | fuzz_virtio_net | fuzz_virtio_ports | \
		fuzz_virtio_devices) echo 16384 ;;
	fuzz_virtio_fs | fuzz_platform_io) echo 8192 ;; # 1024 ops of 6 bytes
	fuzz_net_backends) echo 4100 ;; # 256 ops of 16 bytes
	fuzz_control) echo 8192 ;; # a line longer than 4 KiB, and more
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
	echo "fuzz: $t for ${secs}s${runs:+ or $runs runs} (log: $log)"
	start=$(date +%s)
	flock "$lock" nice -n "${FUZZ_NICE:-19}" \
		"$bin" -max_total_time="$secs" ${runs:+-runs="$runs"} \
		-max_len="$(max_len "$t")" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$crashes/" \
		"$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	# Time spent fuzzing (libFuzzer's own count), else since the lock
	# was asked for.
	wall=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
	[ -n "$wall" ] || wall=$(($(date +%s) - start))
	# The last status line ("#N DONE cov: ..." or the last pulse).
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	echo "fuzz: $t: ${execs:-?} execs, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}"
	found=0
	if [ $rc -ne 0 ]; then
		echo "fuzz: $t FAILED (exit $rc):" >&2
		grep -E 'ERROR|SUMMARY|fuzz oracle|Test unit written' "$log" \
			| head -n 8 >&2
		failed="$failed $t"
		found=1
	fi
	if [ -n "$runs" ]; then
		printf '%s %s execs=%s wall_s=%s exec_s=%s cov=%s ft=%s corp=%s rss_mb=%s exit=%s findings=%s\n' \
			"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$t" "${execs:-?}" \
			"$wall" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
			"${corp:-?}" "${rss:-?}" "$rc" "$found" \
			>>"$build/fuzz/campaign.log"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed"
	exit 1
fi
echo "fuzz: no crashes"
