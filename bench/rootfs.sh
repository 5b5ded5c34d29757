#!/bin/sh
# Kernel-testing benchmark: `kestrel run --rootfs / -- CMD` vs the QEMU
# command line virtme-ng would build (-M microvm, root over virtio-fs with
# QEMU's virtiofsd, and over 9p), under nested KVM when this host has none.
# usage: bench/rootfs.sh [RUNS]
#   ROOTFS_BENCH_ONLY="3 4": only those variants (1 kestrel -- true,
#   2 kestrel -- cat /etc/hostname, 3 QEMU + virtiofsd, 4 QEMU + 9p)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
kver=$(ls /boot/vmlinuz-* | sort -V | tail -n 1)
kver=${kver#/boot/vmlinuz-}
kernel=/boot/vmlinuz-$kver
build=$top/build
mkdir -p "$build"
[ -x /usr/lib/qemu/virtiofsd ] || { echo "rootfs.sh: no /usr/lib/qemu/virtiofsd (Debian qemu-system-common)" >&2; exit 1; }
echo "cat /etc/hostname" >"$build/rootfs-bench-command"
echo 9p >"$build/rootfs-bench-9p"
# The modules kestrel's own --rootfs initramfs carries (bar virtio_rng),
# and 9p's for the 9p root.
"$top/tests/data/mkinitramfs.sh" -o "$build/bench-rootfs-vfs.gz" \
	-i "$top/bench/rootfs-init.sh" -k "$kver" \
	-m virtio_pci -m virtiofs -m overlay -m virtio_console \
	-f "$build/rootfs-bench-command:/etc/rootfs-command"
"$top/tests/data/mkinitramfs.sh" -o "$build/bench-rootfs-9p.gz" \
	-i "$top/bench/rootfs-init.sh" -k "$kver" \
	-m virtio_pci -m 9pnet_virtio -m 9p -m overlay -m virtio_console \
	-f "$build/rootfs-bench-command:/etc/rootfs-command" \
	-f "$build/rootfs-bench-9p:/etc/rootfs-type"
"$top/tests/nested/run.sh" -w "$top" env ROOTFS_BENCH_ONLY="${ROOTFS_BENCH_ONLY:-}" \
	python3 "$top/bench/rootfs_time.py" "$top/kestrel" "$kernel" \
	"$build/bench-rootfs-vfs.gz" "$build/bench-rootfs-9p.gz" "$runs"
