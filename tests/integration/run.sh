#!/bin/sh
# Integration tests: boot real kernels under KVM and check what the guests
# did. Run on a host whose KVM runs standard guests (`kestrel check`;
# tests/nested/run.sh provides one).
# usage: run.sh [--resume] [TEST_NAME_PATTERN]
#   --resume  skip the tests that already have a result in
#             build/integration/results (from a run whose nested host froze)
#             and run the rest; the summary covers them all
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
resume=0
[ "${1:-}" = --resume ] && { resume=1; shift; }
pattern=${1:-.}

KESTREL=${KESTREL:-$top/kestrel}
[ -x "$KESTREL" ] || { echo "integration: build ./kestrel first" >&2; exit 1; }
why=$("$KESTREL" check --quiet 2>&1) ||
	{ echo "integration: ${why#kestrel: } (run through tests/nested/run.sh)" >&2; exit 1; }
KERNEL=${KESTREL_TEST_KERNEL:-$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1)}
[ -r "${KERNEL:-}" ] || { echo "integration: no Debian kernel in /boot (install linux-image-amd64)" >&2; exit 1; }
KVER=${KERNEL##*/vmlinuz-}
DATA=$top/build/integration
mkdir -p "$DATA"
# Test a copy, so a rebuild during the run does not change the binary.
cp "$KESTREL" "$DATA/kestrel.under-test"
KESTREL=$DATA/kestrel.under-test

# The test initramfs: busybox, the guest init, the virtio modules, and a
# UDP echo helper busybox lacks.
INITRD=$DATA/initrd-$KVER.gz
gcc -static -O2 -o "$DATA/udp-echo" "$here/udp-echo.c" || exit 1
gcc -static -O2 -o "$DATA/page-pattern" "$here/page-pattern.c" || exit 1
# A guest that never gets going, for the no-sign-of-life report.
SILENT_GUEST=$DATA/silent-guest.elf
gcc -nostdlib -static -no-pie -Wl,-N -Wl,-Ttext=0x100000 -Wl,--build-id=none \
	-Wl,--no-warn-rwx-segments -o "$SILENT_GUEST" "$here/silent-guest.S" || exit 1
SILENT_SPIN=0x$(nm "$SILENT_GUEST" | sed -n 's/^0*\([0-9a-f]*\) T spin$/\1/p')
"$top/tests/data/mkinitramfs.sh" -o "$INITRD" -i "$here/guest-init.sh" -k "$KVER" \
	-m virtio_pci -m virtio_mmio -m virtio_blk -m virtio_rng -m virtio_console -m virtio_net \
	-m virtiofs \
	-m ext4 -m crc32c_generic \
	-b mke2fs -b fstrim -b blkdiscard -f /etc/mke2fs.conf:/etc/mke2fs.conf \
	-f "$here/udhcpc.script:/etc/udhcpc.script" -f "$DATA/udp-echo:/bin/udp-echo" \
	-f "$DATA/page-pattern:/bin/page-pattern" || exit 1
VMLINUX=$DATA/vmlinux-$KVER
[ -s "$VMLINUX" ] || "$top/tests/data/extract-vmlinux.sh" "$KERNEL" "$VMLINUX" || exit 1
export KESTREL KERNEL KVER INITRD VMLINUX DATA SILENT_GUEST SILENT_SPIN

. "$here/lib.sh"
for f in "$here"/t-*.sh; do
	. "$f"
done

# kestrel_backtrace DIR: if kestrel dumped core during the test whose files
# are in DIR (the suite's guard aborts a hung kestrel), print its threads'
# stacks, so a hang seen only in CI can still be diagnosed from the log.
kestrel_backtrace() {
	pattern=$(cat /proc/sys/kernel/core_pattern 2>/dev/null)
	case $pattern in /*) ;; *) return 0 ;; esac
	for core in "${pattern%/*}"/core.kestrel*; do
		[ "$core" -nt "$1/.started" ] || continue
		echo "     --- kestrel dumped core: $core"
		command -v gdb >/dev/null || { echo "     (install gdb for its backtrace)"; continue; }
		gdb -batch -ex 'thread apply all bt' "$KESTREL" "$core" 2>&1 |
			grep -E '^(Thread|#)' | head -n 80 | sed 's/^/     /'
	done
}

echo "integration: kernel $KERNEL"
# One line per event: "start NAME", then "ok NAME" or "FAIL NAME".
results=$DATA/results
[ "$resume" = 1 ] || : >"$results"
for t in $(grep -ho '^test_[a-z0-9_]*' "$here"/t-*.sh | grep -E -- "$pattern"); do
	if grep -Eqx "(ok|FAIL) $t" "$results"; then
		continue
	fi
	case $(grep -cx "start $t" "$results") in
	0) ;;
	1) echo "retry $t: the nested host froze or panicked during it" ;;
	*)
		echo "FAIL $t: the nested host froze or panicked during it twice"
		echo "FAIL $t" >>"$results"
		continue
		;;
	esac
	echo "start $t" >>"$results"
	T=$(mktemp -d "$DATA/$t.XXXXXX")
	touch "$T/.started"
	start=$(date +%s)
	(set -e; "$t") 2>"$T/test-err"
	if [ $? = 0 ]; then
		echo "ok   $t ($(($(date +%s) - start))s)"
		echo "ok $t" >>"$results"
		rm -rf "$T"
	else
		echo "FAIL $t ($(($(date +%s) - start))s)"
		echo "FAIL $t" >>"$results"
		sed 's/^/     /' "$T/test-err"
		echo "     --- kestrel stderr:"; tail -n 5 "$T/err" 2>/dev/null | sed 's/^/     /'
		echo "     --- last console lines:"; tail -n 15 "$T/out" 2>/dev/null | sed 's/^/     /'
		kestrel_backtrace "$T"
		echo "     (everything is in $T)"
	fi
done
pass=$(grep -c '^ok ' "$results")
failed=$(sed -n 's/^FAIL //p' "$results" | tr '\n' ' ')
if [ -n "$failed" ]; then
	echo "integration: $pass passed, failed: $failed"
	exit 1
fi
echo "integration: all $pass passed"
