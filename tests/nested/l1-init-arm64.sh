#!/bin/sh
# PID 1 of the arm64 nested-KVM host (L1), a QEMU-emulated arm64 machine on
# a host of another architecture: the host's programs cannot run here, so
# there is no chroot into the host's root as on x86. The root stays this
# initramfs (arm64 busybox in /bin, first in PATH), and from the host, shared
# read-only over 9p at /host, come /usr (so the arm64 libraries Debian's
# multiarch packages installed, /usr/lib/aarch64-linux-gnu, and the loader
# /lib/ld-linux-aarch64.so.1 resolve, /lib being a link to usr/lib as on the
# host) and, over /lib/modules, the arm64 kernel's modules the harness named
# (nested.modules=), since the host's are another architecture's. The
# writable directory is mounted at its own path, as on the host.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# The kernel logs to the PL011 (a file on the real host); the command talks
# on a virtio console, whose driver is a module.
while read -r m; do insmod "$m" || echo "l1: insmod $m failed" >/dev/kmsg; done </etc/modules
# Its node can be there a moment before it opens (ENODEV): wait for an open.
i=0
until { : >/dev/hvc0; } 2>/dev/null || [ $i -ge 200 ]; do sleep 0.05; i=$((i + 1)); done
exec </dev/null >/dev/hvc0 2>&1

arg() { sed -n "s/.*\\<$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
wdir=$(arg nested.wdir)
script=$(arg nested.script)
modules=$(arg nested.modules)

mkdir -p /host /usr
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro host /host
mount --bind /host/usr /usr
# The initramfs's own modules are loaded: /lib becomes the host's layout.
rm -rf /lib
ln -s usr/lib /lib
[ -z "$modules" ] || mount --bind "/host$modules" /usr/lib/modules
mkdir -p /dev/pts /dev/shm /run /var/tmp /root
mount -t devpts devpts /dev/pts
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t tmpfs shm /dev/shm
mkdir -p "$wdir"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 work "$wdir"
ip link set lo up

disk=
[ -b /dev/vda ] && disk=/dev/vda
echo "$wdir/.nested/core.%e.%p" >/proc/sys/kernel/core_pattern
ulimit -c unlimited
# Proof of life for the harness outside, which stops a frozen nested host.
(while :; do : >"$wdir/.nested/heartbeat"; sleep 10; done) &
if [ -e /dev/kvm ]; then
	env -i NESTED_DISK=$disk PATH=/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin \
		HOME=/root TERM=dumb LANG=C KESTREL_NESTED=1 \
		/bin/sh "$script"
	echo $? >"$script.status"
else
	echo "l1: no /dev/kvm in the nested host (is KVM built into its kernel?)"
fi
sync
poweroff -f
