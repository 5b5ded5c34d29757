#!/bin/sh
# Run a command on a host with KVM. Where /dev/kvm exists this is just the
# command; otherwise boot a QEMU-emulated (TCG) Linux host whose CPU has AMD SVM
# -- so its KVM works -- and run the command there, chrooted into this host's
# root (shared read-only over 9p) with WORKDIR shared writable at the same
# path. /tmp, /run and /dev/shm are fresh tmpfs mounts there.
#
# usage: run.sh [-w WORKDIR] [-f] [-d DISK] COMMAND [ARG...]
#   -w  WORKDIR: default .
#   -f  use the nested host even when /dev/kvm exists (to test the harness)
#   -d  give the nested host DISK (a raw image) as its /dev/vda; with
#       /dev/kvm here, the command gets NESTED_DISK=DISK instead
# Exit status: the command's, 124 when the nested host froze (see below),
# or 125 when it failed otherwise.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
wdir=$(pwd)
force=0
disk=
while getopts w:fd: opt; do
	case $opt in
	w) wdir=$OPTARG ;;
	f) force=1 ;;
	d) disk=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
	*) exit 125 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-w WORKDIR] [-f] [-d DISK] COMMAND [ARG...]" >&2; exit 125; }

if [ -c /dev/kvm ] && [ -w /dev/kvm ] && [ $force = 0 ]; then
	NESTED_DISK=$disk exec "$@"
fi

mkdir -p "$wdir"
wdir=$(cd "$wdir" && pwd)
kver=${NESTED_KVER:-$(ls /lib/modules | sort -V | tail -n 1)}
kernel=/boot/vmlinuz-$kver
for f in "$kernel" /bin/busybox; do
	[ -r "$f" ] || { echo "nested: $f is missing (install linux-image-amd64 busybox-static)" >&2; exit 125; }
done
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "nested: qemu-system-x86_64 is missing (install qemu-system-x86)" >&2; exit 125; }

state=$wdir/.nested
mkdir -p "$state"
initrd=$state/l1-$kver.cpio.gz
if [ ! -s "$initrd" ] || [ "$here/l1-init.sh" -nt "$initrd" ] || [ "$0" -nt "$initrd" ]; then
	"$here/../data/mkinitramfs.sh" -o "$initrd" -i "$here/l1-init.sh" -k "$kver" \
		-m ccp -m irqbypass -m kvm -m kvm-amd -m 9pnet -m netfs -m fscache -m 9p \
		-m virtio_ring -m virtio -m 9pnet_virtio -m virtio_pci_legacy_dev \
		-m virtio_pci_modern_dev -m virtio_pci -m virtio_blk -m tun
fi
drive=
[ -z "$disk" ] || drive="-drive file=$disk,if=virtio,format=raw"


script=$(mktemp "$state/cmd.XXXXXX")
{
	echo "cd '$(pwd)' || exit 125"
	printf 'exec'
	for a in "$@"; do printf " '%s'" "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"; done
	echo
} >"$script"
rm -f "$script.status"

# The command's output comes through COM1; the nested host's own kernel log
# goes to COM2, a file, so a run that hangs can be diagnosed. A hung nested
# host is stopped after NESTED_TIMEOUT seconds rather than left to hang CI.
# It also touches .nested/heartbeat every 10 s; emulated SVM has rare
# freezes in which the whole nested host stops (its clock too, so nothing
# inside it can notice): a heartbeat older than NESTED_HANG_S seconds
# (default 240) stops it early, with status 124.
limit=${NESTED_TIMEOUT:-2400}
hang=${NESTED_HANG_S:-240}
klog=$state/l1-kernel.log
beat=$state/heartbeat
rm -f "$beat"
echo "nested: no usable /dev/kvm here; running under nested KVM in a QEMU (TCG) host" >&2
qstatus=0
timeout --foreground -k 10 "$limit" qemu-system-x86_64 -M q35 -accel tcg,thread=multi -cpu max -smp 2 \
	-m "${NESTED_MEM:-4096}" -nographic -no-reboot -nodefaults -monitor none \
	-serial stdio -serial "file:$klog" -bios /usr/share/qemu/qboot.rom \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS1 loglevel=6 edd=off panic=-1 nested.wdir=$wdir nested.script=$script" \
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$wdir,mount_tag=work,security_model=none" $drive \
	</dev/null &
qpid=$!
frozen=0
while kill -0 "$qpid" 2>/dev/null; do
	sleep 5
	if [ -e "$beat" ] && [ $(($(date +%s) - $(stat -c %Y "$beat" 2>/dev/null || date +%s))) -gt "$hang" ]; then
		frozen=1
		kill "$qpid" 2>/dev/null
		break
	fi
done
wait "$qpid" || qstatus=$?
if [ "$frozen" = 1 ]; then
	echo "nested: the nested host froze (no heartbeat for $hang s) and was stopped; the end of its kernel log:" >&2
	tail -n 20 "$klog" | sed 's/^/nested:   /' >&2
	rm -f "$script" "$script.status"
	exit 124
fi
if [ "$qstatus" = 124 ] || [ "$qstatus" = 137 ]; then
	echo "nested: the nested host did not finish within $limit s (NESTED_TIMEOUT); the end of its kernel log:" >&2
	tail -n 40 "$klog" | sed 's/^/nested:   /' >&2
fi

if [ -s "$script.status" ]; then
	status=$(cat "$script.status")
	rm -f "$script" "$script.status"
	exit "$status"
fi
rm -f "$script"
echo "nested: the nested host ended without reporting a status" >&2
exit 125
