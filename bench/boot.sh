#!/bin/sh
# Boot-time benchmark, kestrel vs QEMU -M microvm, under nested KVM when
# this host has none. usage: bench/boot.sh [RUNS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=$(ls /boot/vmlinuz-* | sort -V | tail -n 1)
initrd=$top/build/bench-initrd.gz
"$top/tests/data/mkinitramfs.sh" -o "$initrd" -i "$top/bench/init.sh"
runs=${1:-5}
"$top/tests/nested/run.sh" -w "$top" sh -c "
	python3 '$top/bench/boot_time.py' '$top/kestrel' '$kernel' '$initrd' $runs &&
	echo && python3 '$top/bench/boot_time.py' '$top/kestrel' '$kernel' '$initrd' $runs quiet"
