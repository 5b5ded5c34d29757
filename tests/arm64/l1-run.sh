#!/bin/sh
# The arm64 lane's side in the arm64 nested host (run there by
# tests/arm64/run.sh through tests/nested/run.sh -a arm64, with busybox sh):
# runs each named test's l1_NAME, which boots guests with kestrel, and
# leaves what happened in RESULTS/NAME for the host to judge: out, err
# (kestrel's), status, and `done` once the test has finished.
#
# usage: l1-run.sh ENV_FILE TEST...   (ENV_FILE sets the suite's variables)
. "$1" || exit 125
shift
. "$TOP/tests/integration/lib.sh"
# busybox's timeout: no -k or --preserve-status; it passes the program's
# own status through, and ABRT leaves a core of a hung kestrel.
GUARD="timeout -s ABRT ${KESTREL_GUARD_S:-330}"
# A guest here boots in well under a minute; one that has not finished in
# 2 minutes is stuck, and waiting 4 (lib.sh's default) only slows the lane.
VM_TIMEOUT=${VM_TIMEOUT:-120}
for f in "$HERE"/t-*.sh; do
	. "$f"
done

uptime_s() { cut -d' ' -f1 /proc/uptime; }
# The guest's kernel and initramfs from this host's tmpfs: read over 9p,
# the 32 MB kernel made each boot about 8 s slower (measured).
cp "$KERNEL" "$INITRD" /tmp/ && KERNEL=/tmp/${KERNEL##*/} && INITRD=/tmp/${INITRD##*/}
echo "arm64-l1: $(uname -r) $(uname -m), /dev/kvm $([ -c /dev/kvm ] && echo present || echo MISSING), up $(uptime_s) s"
for t in "$@"; do
	T=$RESULTS/$t
	mkdir -p "$T"
	rm -f "$T/done" "$T/status"
	echo "arm64-l1: start $t"
	t0=$(uptime_s)
	(
		cd "$T" || exit 125
		status=
		"l1_$t"
		echo "$status" >"$T/status"
	) >"$T/l1-log" 2>&1
	echo "$t0 $(uptime_s)" >"$T/done"
	echo "arm64-l1: done  $t: status $(cat "$T/status" 2>/dev/null), $(awk '{ printf "%.1f", $2 - $1 }' "$T/done") s"
done
