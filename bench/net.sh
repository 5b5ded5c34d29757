#!/bin/sh
# Network benchmark, kestrel vs QEMU (q35, virtio-net-pci), under nested
# KVM when this host has none: iperf3 TCP throughput host->guest and
# guest->host, on user-mode networking (a hostfwd to the guest's iperf3
# server) and on a TAP device (QEMU with vhost=off), same kernel and
# initramfs for both VMMs.
# usage: bench/net.sh [RUNS [SECONDS [BACKENDS]]]   (BACKENDS: "user tap")
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
secs=${2:-10}
backends=${3:-user tap}
kver=$(ls /lib/modules | sort -V | tail -n 1)
kernel=/boot/vmlinuz-$kver
build=$top/build
mkdir -p "$build"
command -v iperf3 >/dev/null || { echo "net.sh: install iperf3" >&2; exit 1; }
initrd=$build/bench-net-initrd.gz
"$top/tests/data/mkinitramfs.sh" -o "$initrd" -i "$top/bench/net-init.sh" \
	-k "$kver" -m virtio_pci -m virtio_net -b iperf3 \
	-f "$top/tests/integration/udhcpc.script:/etc/udhcpc.script"
"$top/tests/nested/run.sh" -w "$top" \
	python3 "$top/bench/net_bench.py" "$top/kestrel" "$kernel" "$initrd" \
	"$runs" "$secs" "$backends"
