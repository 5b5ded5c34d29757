#!/bin/sh
# virtio-fs benchmark: a tree walk in a guest over a read-only --share of
# the host's / against the same walk on the (nested) host itself, same
# busybox tools on both sides, under nested KVM when this host has none.
# Walks: find (cold, then warm), ls -lR and du -s (warm).
# usage: bench/fs.sh [RUNS [DIR]]   (DIR default /usr/include)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
dir=${2:-/usr/include}
kver=$(ls /lib/modules | sort -V | tail -n 1)
kernel=/boot/vmlinuz-$kver
build=$top/build
mkdir -p "$build"
initrd=$build/bench-fs-initrd.gz
"$top/tests/data/mkinitramfs.sh" -o "$initrd" -i "$top/bench/fs-init.sh" \
	-k "$kver" -m virtio_pci -m virtiofs
"$top/tests/nested/run.sh" -w "$top" \
	sh "$top/bench/fs_walk.sh" "$top/kestrel" "$kernel" "$initrd" "$runs" "$dir"
