#!/bin/sh
# PID 1 of the nested-KVM host (L1). Loads KVM and 9p, mounts the real host's
# root read-only at /host and the writable directory over its own path, then
# runs the requested script chrooted into /host and records its exit status.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# The kernel logs to COM2 (a file on the real host); the command talks on COM1.
exec </dev/null >/dev/ttyS0 2>&1
while read -r m; do insmod "$m" || echo "l1: insmod $m failed"; done </etc/modules

arg() { sed -n "s/.*\\<$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
wdir=$(arg nested.wdir)
script=$(arg nested.script)

mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro host /host
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mkdir -p /host/dev/pts /host/dev/shm
mount -t devpts devpts /host/dev/pts
mount -t tmpfs tmp /host/tmp
mount -t tmpfs run /host/run
mount -t tmpfs shm /host/dev/shm
# Last, so no tmpfs above hides it; under a tmpfs its mount point is new.
mkdir -p "/host$wdir" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 work "/host$wdir"
ip link set lo up

disk=
[ -b /dev/vda ] && disk=/dev/vda
# A crashing program leaves its core in the checkout's .nested/, where the
# real host can read it after the run.
echo "$wdir/.nested/core.%e.%p" >/proc/sys/kernel/core_pattern
ulimit -c unlimited
# Proof of life for the harness outside, which stops a frozen nested host.
(while :; do : >"/host$wdir/.nested/heartbeat"; sleep 10; done) &
if [ -e /dev/kvm ]; then
	env -i NESTED_DISK=$disk PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root TERM=dumb LANG=C.UTF-8 KESTREL_NESTED=1 \
		chroot /host /bin/sh "$script"
	echo $? >"/host$script.status"
else
	echo "l1: no /dev/kvm in the nested host (is kvm-amd missing?)"
fi
sync
poweroff -f
