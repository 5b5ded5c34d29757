#!/bin/sh
# Crash-consistency trials, many of them: the guest writes numbered records
# to a virtio-blk disk, flushing each, and kestrel is killed with SIGKILL at
# a random moment; every record the guest saw flushed must be on the image.
# `make check` runs 3 trials (tests/integration/t-crash.sh); this runs
# TRIALS (default 25), under nested KVM where this host's KVM cannot run
# the guest. usage: bench/crash.sh [TRIALS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/tests/nested/run.sh" -w "$top" env CRASH_TRIALS="${1:-25}" \
	"$top/tests/integration/run.sh" 'test_disk_flushed_records_survive_sigkill|test_snapshot_image_survives_sigkill'
