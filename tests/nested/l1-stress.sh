#!/bin/sh
# Boots and shuts down guests many times in one nested host, with kestrel or
# with QEMU as the guest's VMM, and counts what the nested host's own
# kernel reports (oopses, panics, warnings, RCU stalls, lockups): to tell
# whether something kestrel does with KVM provokes the nested host's
# crashes, compared with QEMU on the same kernel in the same host.
#
# Each guest is the case seen to crash a nested host: 2 vCPUs, a snapshot
# disk, user-mode networking, the test initramfs, and a poweroff once the
# disk is mounted and the network is up.
#
# usage: tests/nested/l1-stress.sh [-n BOOTS] kestrel|qemu
# Run it through the harness: tests/nested/run.sh tests/nested/l1-stress.sh -n 20 kestrel
# The tally is on stdout; the nested host's log is scanned by run.sh as
# always, and its trouble lines are counted here as they appear.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
boots=20
while getopts n: opt; do
	case $opt in
	n) boots=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
vmm=${1:-kestrel}
kernel=$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -n 1)
initrd=$(ls "$top"/build/integration/initrd-*.gz 2>/dev/null | tail -n 1)
[ -r "$initrd" ] || { echo "l1-stress: run tests/integration/run.sh once first (it builds the test initramfs)" >&2; exit 125; }
work=$(mktemp -d /tmp/l1-stress.XXXXXX)
truncate -s 64M "$work/disk.img"
mkfs.ext4 -q -F "$work/disk.img"
cmd='mount -t ext4 /dev/vda /mnt && udhcpc -i eth0 -q -n -s /etc/udhcpc.script >/dev/null 2>&1; echo STRESS-DONE'
arg="quiet ktest.cmd=$(printf '%s' "$cmd" | base64 -w 0)"
trouble='Kernel panic|BUG:|Oops|WARNING: CPU|general protection|stack guard|corrupted stack|soft lockup|hard LOCKUP|rcu: INFO|rcu_.*detected stall|blocked for more than'

ok=0 bad=0
i=0
while [ "$i" -lt "$boots" ]; do
	i=$((i + 1))
	before=$(dmesg | grep -cE "$trouble")
	start=$(date +%s)
	case $vmm in
	kestrel)
		timeout -k 5 300 "$top/kestrel" run -k "$kernel" -i "$initrd" --cpus 2 \
			--memory 512M -d "$work/disk.img,snapshot" --net user --timeout 240 \
			-a "$arg" </dev/null >"$work/out" 2>&1
		;;
	qemu)
		TMPDIR=$work timeout -k 5 300 qemu-system-x86_64 -accel kvm -M q35 -cpu host -smp 2 -m 512 \
			-nographic -nodefaults -no-reboot -serial stdio \
			-kernel "$kernel" -initrd "$initrd" \
			-append "console=ttyS0 earlyprintk=serial panic=-1 $arg" \
			-drive "file=$work/disk.img,if=virtio,format=raw,snapshot=on" \
			-netdev user,id=n0 -device virtio-net-pci,netdev=n0 </dev/null >"$work/out" 2>&1
		;;
	*) echo "usage: $0 [-n BOOTS] kestrel|qemu" >&2; exit 2 ;;
	esac
	status=$?
	after=$(dmesg | grep -cE "$trouble")
	if [ "$status" = 0 ] && grep -q '^STRESS-DONE' "$work/out"; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
		echo "l1-stress: $vmm boot $i: status $status; its last lines:"
		tail -n 5 "$work/out" | sed 's/^/    /'
	fi
	echo "l1-stress: $vmm boot $i: status $status, $(($(date +%s) - start)) s, nested host trouble lines $((after - before))"
	[ "$after" = "$before" ] || dmesg | grep -E "$trouble" | tail -n $((after - before)) | sed 's/^/    /'
done
echo "l1-stress: $vmm: $boots boots, $ok clean, $bad not; the nested host's kernel logged $(dmesg | grep -cE "$trouble") trouble lines in all"
rm -rf "$work"
[ "$bad" = 0 ]
