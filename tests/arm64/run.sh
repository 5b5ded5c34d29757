#!/bin/sh
# The arm64 lane: kestrel's arm64 build booting Debian's stock arm64 kernel
# under KVM, on a host of any architecture. From here, the host:
#   1. makes sure of the packages and the arm64 guest pieces
#      (scripts/deps.sh arm64), kestrel's arm64 build (make ARCH=arm64, or
#      KESTREL_ARM64=FILE), and the fixtures in build/arm64-test: the test
#      initramfs, a --rootfs tree, and what each test prepares (prep_NAME);
#   2. boots one arm64 nested host (tests/nested/run.sh -a arm64; on an
#      arm64 host whose KVM works it would run directly) that runs every
#      selected test's kestrel commands (l1_NAME, l1-run.sh) and leaves
#      their output and statuses in build/arm64-test/results/NAME;
#   3. judges each test here (check_NAME): `PASS NAME` or `FAIL NAME: why`.
# Tests are tests/arm64/t-*.sh; see t-boot.sh for how one is written.
#
# usage: tests/arm64/run.sh [--judge] [TEST_NAME_PATTERN]   (from anywhere)
#   --judge  judge the last run's results again, running nothing
# Exit status: 0 when every selected test passed, 1 otherwise.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
judge=0
[ "${1:-}" = --judge ] && { judge=1; shift; }
pattern=${1:-.}
DATA=$top/build/arm64-test
RESULTS=$DATA/results

. "$top/tests/integration/lib.sh"
for f in "$here"/t-*.sh; do
	. "$f"
done
tests=$(grep -ho '^l1_[a-z0-9_]*' "$here"/t-*.sh | sed 's/^l1_//' | grep -E -- "$pattern")
[ -n "$tests" ] || { echo "arm64: no test matches '$pattern'" >&2; exit 1; }

if [ $judge = 1 ]; then
	[ -f "$RESULTS/env" ] || { echo "arm64: no results in $RESULTS to judge" >&2; exit 1; }
	. "$RESULTS/env"
else
	"$top/scripts/deps.sh" arm64 </dev/null || { echo "arm64: scripts/deps.sh arm64 failed" >&2; exit 1; }
	GUEST_DIR=${ARM64_GUEST_DIR:-$top/build/arm64-guest}
	export ARM64_GUEST_DIR=$GUEST_DIR
	groot=$GUEST_DIR/root
	KVER=$(ls "$groot/lib/modules" | sort -V | tail -n 1)
	KERNEL=$groot/boot/vmlinuz-$KVER
	mkdir -p "$DATA"

	if [ -n "${KESTREL_ARM64:-}" ]; then
		built=$KESTREL_ARM64
	else
		make -s -C "$top" --no-print-directory ARCH=arm64 >&2 ||
			{ echo "arm64: make ARCH=arm64 failed: no arm64 kestrel to test" >&2; exit 1; }
		# On an arm64 host, make's native build is ./kestrel.
		built=$top/build/arm64/kestrel
		[ "$(uname -m)" = aarch64 ] && built=$top/kestrel
	fi
	file -L "$built" 2>/dev/null | grep -q 'ARM aarch64' ||
		{ echo "arm64: $built is not an arm64 program" >&2; exit 1; }
	# Test a copy, so a rebuild during the run does not change the binary.
	KESTREL=$DATA/kestrel.under-test
	cp "$built" "$KESTREL"

	# The test initramfs: arm64 busybox, the guest init, the virtio modules.
	INITRD=$DATA/initrd-$KVER.gz
	"$top/tests/data/mkinitramfs.sh" -o "$INITRD" -i "$top/tests/integration/guest-init.sh" \
		-B "$groot/bin/busybox" -M "$groot" -k "$KVER" \
		-m virtio_mmio -m virtio_pci -m virtio_blk -m virtio_net -m virtio_console -m virtio_rng \
		-m virtiofs -m ext4 -m crc32c_generic \
		-f "$top/tests/integration/udhcpc.script:/etc/udhcpc.script" || exit 1

	# The --rootfs tree: busybox with its applets, and the kernel's modules
	# (with modules.dep) under lib/modules/KVER, hard links where they can be.
	ROOTFS=$DATA/rootfs
	if [ ! -f "$ROOTFS/.stamp" ] || [ "$(cat "$ROOTFS/.stamp")" != "$(cat "$GUEST_DIR/stamp")" ]; then
		rm -rf "$ROOTFS"
		mkdir -p "$ROOTFS/bin" "$ROOTFS/lib/modules" "$ROOTFS/usr" "$ROOTFS/proc" "$ROOTFS/sys" \
			"$ROOTFS/dev" "$ROOTFS/run" "$ROOTFS/tmp" "$ROOTFS/etc" "$ROOTFS/var" "$ROOTFS/root" "$ROOTFS/home"
		chmod 1777 "$ROOTFS/tmp"
		ln -s bin "$ROOTFS/sbin"
		ln -s ../bin "$ROOTFS/usr/bin"
		ln -s ../bin "$ROOTFS/usr/sbin"
		cp "$groot/bin/busybox" "$ROOTFS/bin/busybox"
		# The applet names, as mkinitramfs.sh reads them from the initramfs.
		for app in $(tr '\0' '\n' <"$groot/bin/busybox" | awk '
			p && $0 == "" { exit }
			p { print }
			!p && prev == "[" && $0 == "[[" { p = 1; print prev; print }
			{ prev = $0 }'); do
			[ "$app" = busybox ] || ln -s busybox "$ROOTFS/bin/$app"
		done
		[ -e "$ROOTFS/bin/sh" ] || { echo "arm64: cannot tell busybox's applets" >&2; exit 1; }
		cp -al "$groot/lib/modules/$KVER" "$ROOTFS/lib/modules/" 2>/dev/null ||
			cp -a "$groot/lib/modules/$KVER" "$ROOTFS/lib/modules/"
		echo "root:x:0:0:root:/root:/bin/sh" >"$ROOTFS/etc/passwd"
		echo "root:x:0:" >"$ROOTFS/etc/group"
		cp "$GUEST_DIR/stamp" "$ROOTFS/.stamp"
	fi

	# defined NAME: a shell function of that name exists.
	defined() {
		type "$1" 2>/dev/null | grep -q function
	}

	rm -rf "$RESULTS"
	mkdir -p "$RESULTS"
	for t in $tests; do
		T=$RESULTS/$t
		mkdir -p "$T"
		if defined "prep_$t"; then
			# Not in a condition: there `set -e` would be ignored.
			(set -e; "prep_$t") >"$T/prep-err" 2>&1
			[ $? = 0 ] || echo "prep failed" >"$T/prep-failed"
		fi
	done
	cat >"$RESULTS/env" <<-EOF
	TOP='$top'
	HERE='$here'
	KESTREL='$KESTREL'
	KERNEL='$KERNEL'
	KVER='$KVER'
	INITRD='$INITRD'
	ROOTFS='$ROOTFS'
	DATA='$DATA'
	RESULTS='$RESULTS'
	EOF

	echo "arm64: kernel $KERNEL, kestrel $built, nested host's GIC v${NESTED_GIC:-3}"
	# One nested host for them all; should it freeze or panic (status 124),
	# a second one runs the tests that had not finished.
	for boot in 1 2; do
		todo=
		for t in $tests; do
			[ -f "$RESULTS/$t/done" ] || [ -f "$RESULTS/$t/prep-failed" ] || todo="$todo $t"
		done
		[ -n "$todo" ] || break
		start=$(date +%s)
		nstatus=0
		"$top/tests/nested/run.sh" -a arm64 -w "$top" sh "$here/l1-run.sh" "$RESULTS/env" $todo || nstatus=$?
		echo "arm64: nested host $boot ran for $(($(date +%s) - start)) s, status $nstatus"
		[ "$nstatus" = 124 ] || break
	done
fi

failed=
npass=0
for t in $tests; do
	T=$RESULTS/$t
	if [ -f "$T/prep-failed" ]; then
		why="its preparation failed: $(tail -n 1 "$T/prep-err")"
	elif [ ! -f "$T/done" ]; then
		why="it did not finish in the nested host (see $top/.nested/l1-kernel.log)"
	else
		status=$(cat "$T/status" 2>/dev/null)
		# The first failed expectation ends the check: `set -e`, which a
		# condition (`if (...)`, `(...) ||`) would switch off.
		(set -e; "check_$t") 2>"$T/check-err"
		if [ $? = 0 ]; then
			echo "PASS $t"
			npass=$((npass + 1))
			continue
		fi
		why=$(sed -n 's/^ *FAIL: //p' "$T/check-err" | head -n 1)
		[ -n "$why" ] || why="check_$t failed: $(tail -n 1 "$T/check-err")"
	fi
	echo "FAIL $t: $why"
	failed="$failed $t"
	if [ -s "$T/err" ]; then echo "     --- kestrel stderr:"; tail -n 5 "$T/err" | sed 's/^/     /'; fi
	if [ -s "$T/out" ]; then echo "     --- last console lines:"; tail -n 10 "$T/out" | sed 's/^/     /'; fi
	if [ -s "$T/l1-log" ]; then echo "     --- in the nested host:"; tail -n 5 "$T/l1-log" | sed 's/^/     /'; fi
	echo "     (everything is in $T)"
done
if [ -n "$failed" ]; then
	echo "arm64: $npass passed, failed:$failed"
	exit 1
fi
echo "arm64: all $npass passed"
