#!/bin/sh
# Block-device benchmark, kestrel vs QEMU (q35, virtio-blk-pci,
# aio=native,cache=none), under nested KVM when this host has none.
# Both VMMs serve the same raw disk (the nested host's /dev/vda, or
# build/bench-disk.img directly) to the same kernel and initramfs, whose
# init runs bench/blkbench.c: sequential write and read (1 MiB, 4 in
# flight) and 4 KiB random read (32 in flight), each for SECONDS.
# BLK_BENCH_SNAPSHOT=1 also runs kestrel with --disk DISK,snapshot and
# compares it with the plain disk.
# usage: bench/blk.sh [RUNS [SECONDS]]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
secs=${2:-15}
kver=$(ls /lib/modules | sort -V | tail -n 1)
kernel=/boot/vmlinuz-$kver
build=$top/build
mkdir -p "$build"
gcc -static -O2 -pthread -o "$build/blkbench" "$top/bench/blkbench.c"
initrd=$build/bench-blk-initrd.gz
PATH=$build:$PATH "$top/tests/data/mkinitramfs.sh" -o "$initrd" \
	-i "$top/bench/blk-init.sh" -k "$kver" -m virtio_pci -m virtio_blk \
	-b blkbench
disk=$build/bench-disk.img
if [ ! -s "$disk" ]; then
	# Real data, not a sparse file: reads must reach the medium.
	head -c 1G /dev/urandom >"$disk.tmp"
	mv "$disk.tmp" "$disk"
fi
"$top/tests/nested/run.sh" -w "$top" -d "$disk" \
	env BLK_BENCH_SNAPSHOT="${BLK_BENCH_SNAPSHOT:-}" \
	python3 "$top/bench/blk_bench.py" "$top/kestrel" "$kernel" "$initrd" \
	"$runs" "$secs"
