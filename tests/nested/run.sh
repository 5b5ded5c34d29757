#!/bin/sh
# Run a command on a host whose KVM runs standard guests. Where `kestrel
# check` says this host's does, this is just the command; otherwise (no
# /dev/kvm, or a KVM such as PVM that runs only guest kernels built for it)
# boot a QEMU-emulated (TCG) Linux host whose CPU has AMD SVM -- so its KVM
# works -- and run the command there, chrooted into this host's root
# (shared read-only over 9p) with WORKDIR shared writable at the same path.
# /tmp, /run and /dev/shm are fresh tmpfs mounts there.
#
# With -a arm64 on a host of another architecture, the nested host is an
# emulated arm64 machine with EL2 (so its KVM works) running Debian's arm64
# kernel from ARM64_GUEST_DIR (default build/arm64-guest, made by
# `scripts/deps.sh arm64`). The host's programs cannot run there: the
# command runs under the nested host's arm64 busybox sh, with the host's
# /usr (for the arm64 libraries of Debian's multiarch packages) and
# WORKDIR at their own paths; see l1-init-arm64.sh.
#
# usage: run.sh [-a ARCH] [-w WORKDIR] [-f] [-d DISK] COMMAND [ARG...]
#   -a  ARCH of the nested host: x86_64 or arm64 (default: this host's)
#   -w  WORKDIR: default .
#   -f  use the nested host even where this host's KVM would do (to test
#       the harness)
#   -d  give the nested host DISK (a raw image) as its /dev/vda; when the
#       command runs directly, it gets NESTED_DISK=DISK instead
# Exit status: the command's, 124 when the nested host froze (see below)
# or its kernel panicked before the command ended,
# or 125 when it failed otherwise.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
wdir=$(pwd)
force=0
disk=
host_arch=$(uname -m | sed s/aarch64/arm64/)
arch=$host_arch
while getopts a:w:fd: opt; do
	case $opt in
	a) arch=$OPTARG ;;
	w) wdir=$OPTARG ;;
	f) force=1 ;;
	d) disk=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
	*) exit 125 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-a ARCH] [-w WORKDIR] [-f] [-d DISK] COMMAND [ARG...]" >&2; exit 125; }
case $arch in
x86_64 | arm64) ;;
*) echo "nested: -a $arch: the nested host is x86_64 or arm64" >&2; exit 125 ;;
esac

if [ "$arch" != "$host_arch" ]; then
	echo "nested: an $arch guest on this $host_arch host: running under nested KVM in a QEMU (TCG) $arch host" >&2
else
	# One place decides whether this host's KVM can run the guest: kestrel.
	kestrel=$top/kestrel
	[ -x "$kestrel" ] || make -s -C "$top" --no-print-directory kestrel >&2 ||
		{ echo "nested: cannot build $kestrel to ask it about this host's KVM" >&2; exit 125; }
	direct=0
	why=$("$kestrel" check --quiet 2>&1) && direct=1
	why=${why#kestrel: }
	why=${why%%;*}
	if [ $force = 1 ]; then
		echo "nested: -f given ($why): running under nested KVM in a QEMU (TCG) host" >&2
	elif [ $direct = 1 ]; then
		echo "nested: $why: running directly" >&2
		NESTED_DISK=$disk exec "$@"
	else
		echo "nested: $why: running under nested KVM in a QEMU (TCG) host" >&2
	fi
fi

mkdir -p "$wdir"
wdir=$(cd "$wdir" && pwd)
state=$wdir/.nested
mkdir -p "$state"

script=$(mktemp "$state/cmd.XXXXXX")
{
	echo "cd '$(pwd)' || exit 125"
	printf 'exec'
	for a in "$@"; do printf " '%s'" "$(printf '%s' "$a" | sed "s/'/'\\\\''/g")"; done
	echo
} >"$script"
rm -f "$script.status"

# need FILE... : each is readable, or say what provides it.
need() {
	for f in "$@"; do
		[ -r "$f" ] || { echo "nested: $f is missing ($hint)" >&2; exit 125; }
	done
}

# The nested host: its kernel, initramfs and QEMU, as the positional
# parameters (the command is in $script by now).
if [ "$arch" = x86_64 ]; then
	kver=${NESTED_KVER:-$(ls /lib/modules | sort -V | tail -n 1)}
	kernel=/boot/vmlinuz-$kver
	hint="install linux-image-amd64 busybox-static"
	need "$kernel" /bin/busybox
	command -v qemu-system-x86_64 >/dev/null ||
		{ echo "nested: qemu-system-x86_64 is missing (install qemu-system-x86)" >&2; exit 125; }
	initrd=$state/l1-$kver.cpio.gz
	if [ ! -s "$initrd" ] || [ "$here/l1-init.sh" -nt "$initrd" ] || [ "$0" -nt "$initrd" ]; then
		"$here/../data/mkinitramfs.sh" -o "$initrd" -i "$here/l1-init.sh" -k "$kver" \
			-m ccp -m irqbypass -m kvm -m kvm-amd -m 9pnet -m netfs -m fscache -m 9p \
			-m virtio_ring -m virtio -m 9pnet_virtio -m virtio_pci_legacy_dev \
			-m virtio_pci_modern_dev -m virtio_pci -m virtio_blk -m tun
	fi
	# The nested host's CPU: an AMD EPYC model (SVM, so its KVM works), not
	# `max`. Measured on 2 cores, EPYC took about a quarter less CPU time per
	# nested boot: `max` adds ERMS (so the kernel clears and copies memory with
	# `rep stosb`/`movsb`, which TCG runs a byte at a time) and 5-level paging,
	# among others. The features listed off are ones TCG cannot emulate
	# anyway; naming them keeps QEMU from warning about each.
	cpu=EPYC,-rdseed,-sha-ni,-fxsr-opt,-misalignsse,-3dnowprefetch,-osvw,-topoext,-nrip-save,-xsavec
	# The command's output comes through COM1; the nested host's own kernel
	# log goes to COM2, a file.
	set -- qemu-system-x86_64 -M q35 -accel tcg,thread=multi -cpu "${NESTED_CPU:-$cpu}" -smp 2 \
		-m "${NESTED_MEM:-4096}" -nographic -no-reboot -nodefaults -monitor none \
		-serial stdio -serial "file:$state/l1-kernel.log" -bios /usr/share/qemu/qboot.rom \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS1 loglevel=6 edd=off panic=-1 ${NESTED_APPEND:-} nested.wdir=$wdir nested.script=$script"
else
	groot=${ARM64_GUEST_DIR:-$top/build/arm64-guest}/root
	kver=${NESTED_KVER:-$(ls "$groot/lib/modules" 2>/dev/null | sort -V | tail -n 1)}
	kernel=$groot/boot/vmlinuz-$kver
	hint="run scripts/deps.sh arm64"
	need "$kernel" "$groot/bin/busybox" "$groot/lib/modules/$kver/modules.dep"
	command -v qemu-system-aarch64 >/dev/null ||
		{ echo "nested: qemu-system-aarch64 is missing (install qemu-system-arm)" >&2; exit 125; }
	initrd=$state/l1-$kver.cpio.gz
	if [ ! -s "$initrd" ] || [ "$here/l1-init-arm64.sh" -nt "$initrd" ] || [ "$0" -nt "$initrd" ] ||
		[ "$groot/bin/busybox" -nt "$initrd" ]; then
		# KVM, the PCI host bridge and the PL011 are built into Debian's
		# arm64 kernel; QEMU's virt board gives -virtfs as virtio-9p-pci.
		"$here/../data/mkinitramfs.sh" -o "$initrd" -i "$here/l1-init-arm64.sh" -k "$kver" \
			-B "$groot/bin/busybox" -M "$groot" \
			-m 9pnet_virtio -m 9p -m virtio_pci -m virtio_blk -m virtio_console -m tun
	fi
	# The kernel logs to the board's PL011, a file; the command's output
	# comes through a virtio console. cortex-a72, not `max`: `max` emulates
	# pointer authentication, about 3 times slower (see DESIGN.md).
	# NESTED_GIC=2 gives the nested host a GICv2 (no ITS) instead of a
	# GICv3, for kestrel's GICv2 path.
	set -- qemu-system-aarch64 -M "virt,virtualization=on,gic-version=${NESTED_GIC:-3}" -accel tcg,thread=multi \
		-cpu "${NESTED_CPU:-cortex-a72}" -smp 2 -m "${NESTED_MEM:-2048}" \
		-display none -no-reboot -nodefaults -monitor none \
		-serial "file:$state/l1-kernel.log" \
		-chardev stdio,id=out,signal=off -device virtio-serial-pci -device virtconsole,chardev=out \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyAMA0 loglevel=6 panic=-1 ${NESTED_APPEND:-} nested.wdir=$wdir nested.script=$script nested.modules=$groot/lib/modules"
fi
[ -z "$disk" ] || set -- "$@" -drive "file=$disk,if=virtio,format=raw"
set -- "$@" -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$wdir,mount_tag=work,security_model=none"

# The nested host's own kernel log is a file, so a run that hangs can be
# diagnosed. A hung nested
# host is stopped after NESTED_TIMEOUT seconds rather than left to hang CI.
# It also touches .nested/heartbeat every 10 s; emulated SVM has rare
# freezes in which the whole nested host stops (its clock too, so nothing
# inside it can notice): a heartbeat older than NESTED_HANG_S seconds
# (default 240) stops it early, with status 124.
limit=${NESTED_TIMEOUT:-3600}
hang=${NESTED_HANG_S:-240}
klog=$state/l1-kernel.log
beat=$state/heartbeat

# The nested host's own kernel is watched too: an oops, panic, warning or
# stall there is counted by kind and shown, and its log kept under a new
# name, whatever the command's status (tests/nested/l1-health.sh tallies
# them over many runs).
l1_trouble='Kernel panic|BUG:|Oops|WARNING: CPU|general protection|stack guard|corrupted stack|soft lockup|hard LOCKUP|rcu: INFO|rcu_.*detected stall|blocked for more than|hung_task'
report_l1_kernel() {
	[ -s "$klog" ] && grep -Eq "$l1_trouble" "$klog" || return 0
	kept=$state/l1-kernel.$(date +%Y%m%d-%H%M%S).$$.log
	cp "$klog" "$kept"
	echo "nested: the nested host's kernel reported trouble ($(grep -Eo "$l1_trouble" "$klog" | sort | uniq -c | awk '{ n = $1; $1 = ""; printf "%s%s x%d", sep, substr($0, 2), n; sep = ", " }')); its log is $kept:" >&2
	grep -E -m 3 -A 12 "$l1_trouble" "$klog" | head -n 60 | sed 's/^/nested:   /' >&2
}
rm -f "$beat"
qstatus=0
timeout --foreground -k 10 "$limit" "$@" </dev/null &
qpid=$!
# The watcher stops a frozen nested host; the harness itself waits on QEMU,
# so it returns the moment the nested host powers off.
(
	while sleep 5; do
		if [ -e "$beat" ] && [ $(($(date +%s) - $(stat -c %Y "$beat" 2>/dev/null || date +%s))) -gt "$hang" ]; then
			: >"$state/frozen"
			kill "$qpid" 2>/dev/null
			exit
		fi
	done
) &
watcher=$!
rm -f "$state/frozen"
wait "$qpid" || qstatus=$?
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
report_l1_kernel
if [ -e "$state/frozen" ]; then
	rm -f "$state/frozen"
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
# A panic of the nested host's own kernel is the emulator's fault as much as
# a freeze is (see the README): the same status, so callers can start afresh.
if grep -q 'Kernel panic' "$klog"; then
	echo "nested: the nested host's kernel panicked under the command; the end of its kernel log:" >&2
	tail -n 40 "$klog" | sed 's/^/nested:   /' >&2
	exit 124
fi
echo "nested: the nested host ended without reporting a status; the end of its kernel log:" >&2
tail -n 40 "$klog" | sed 's/^/nested:   /' >&2
exit 125
