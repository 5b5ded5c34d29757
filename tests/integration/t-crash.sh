# Crash consistency: what the guest saw flushed is on the host's file even
# when kestrel is killed outright (SIGKILL) at a random moment.

# The guest writes record i to sector i with O_DIRECT, fsyncs (a virtio-blk
# flush), then says FLUSHED=i; forever, until it is killed.
CRASH_WRITER='i=1
while printf "kestrel-record %08d\n" $i |
	dd of=/dev/vda bs=512 seek=$i count=1 conv=sync,notrunc,fsync oflag=direct status=none; do
	echo FLUSHED=$i
	i=$((i + 1))
done
echo WRITE-FAILED'

# crash_trial IMAGE[,OPTIONS]: boot the writer on the disk, wait until the
# guest has flushed at least one record, let it run on for a random time
# (0 to 3 s), then SIGKILL kestrel. Leaves the console in $T/out.
crash_trial() {
	rm -f "$T/out" # the wait below must not see an earlier trial's lines
	"$KESTREL" run -k "$KERNEL" -i "$INITRD" --timeout 240 -d "$1" \
		-a "$(guest_cmd "$CRASH_WRITER")" </dev/null >"$T/out" 2>"$T/err" &
	pid=$!
	while ! grep -q '^FLUSHED=1' "$T/out" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null || { wait "$pid"; fail "kestrel ended before the kill: $(tail -n 3 "$T/err")"; return 1; }
	sleep "$(awk 'BEGIN { srand(); printf "%.2f", rand() * 3 }')"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	! grep -q WRITE-FAILED "$T/out" || fail "a write failed in the guest"
}

# CRASH_TRIALS trials (default 3; bench/crash.sh runs many more).
test_disk_flushed_records_survive_sigkill() {
	scratch
	trials=${CRASH_TRIALS:-3}
	n=0
	while [ "$n" -lt "$trials" ]; do
		n=$((n + 1))
		truncate -s 0 "$SCRATCH/crash.img"
		truncate -s 16M "$SCRATCH/crash.img"
		crash_trial "$SCRATCH/crash.img"
		python3 "$here/crash_check.py" "$SCRATCH/crash.img" "$T/out" >"$T/check" ||
			fail "trial $n: $(cat "$T/check")"
		! grep -qx 'FLUSHED-ON-IMAGE=0' "$T/check" || fail "trial $n: the guest flushed nothing"
		echo "     crash trial $n of $trials: $(cat "$T/check")"
	done
}

# A snapshot disk may lose everything, but never its image: killed mid-
# write, the golden image is byte for byte what it was.
test_snapshot_image_survives_sigkill_unchanged() {
	scratch
	head -c 4M /dev/urandom >"$SCRATCH/golden.img"
	before=$(sha256sum <"$SCRATCH/golden.img")
	crash_trial "$SCRATCH/golden.img,snapshot"
	[ "$(sha256sum <"$SCRATCH/golden.img")" = "$before" ] || fail "the golden image changed"
	grep -q '^FLUSHED=' "$T/out" || fail "the guest flushed nothing before the kill"
}
