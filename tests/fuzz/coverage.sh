#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays each target's corpora (build/fuzz/corpus/<target>/ and the seeds)
# through its coverage build and prints llvm-cov's per-file line coverage
# of the kestrel sources. Used by `make fuzz-coverage`.
#
#   tests/fuzz/coverage.sh COVDIR TARGET...
set -eu

covdir=$1
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
cd "$root"
profdata=$(command -v llvm-profdata || command -v llvm-profdata-14)
llvmcov=$(command -v llvm-cov || command -v llvm-cov-14)

for t in "$@"; do
	rm -f "$covdir/$t".*.profraw
	dirs="tests/fuzz/corpus/$t"
	[ -d "$build/fuzz/corpus/$t" ] && dirs="$build/fuzz/corpus/$t $dirs"
	# shellcheck disable=SC2086 # dirs is a list
	LLVM_PROFILE_FILE="$covdir/$t.%p.profraw" "$covdir/$t" -runs=0 \
		$dirs >"$covdir/$t.replay.log" 2>&1
	"$profdata" merge -sparse -o "$covdir/$t.profdata" \
		"$covdir/$t".*.profraw
	echo "== $t"
	"$llvmcov" report "$covdir/$t" -instr-profile="$covdir/$t.profdata" \
		-ignore-filename-regex='tests/fuzz/' |
		awk 'NR <= 2 || /^TOTAL/ || ($1 ~ /\.[ch]$/ && $4 != "0.00%" && $4 != "-")'
done
