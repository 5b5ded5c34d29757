#!/bin/sh
# PID 1 of the QEMU guest in bench/rootfs.sh: the same work as kestrel's
# built-in --rootfs init (firmware/init/init.c), in shell. Load the
# modules, mount the shared root (virtio-fs, or 9p when /etc/rootfs-type
# says so) read-only, layer tmpfs overlays on etc var root home, fresh
# tmpfs on tmp and run, mount proc/sys/dev in it, chroot and run the
# command from /etc/rootfs-command, then power off.
export PATH=/bin
mount -t devtmpfs -o mode=0755 dev /dev
while read -r m; do insmod "$m" || echo "ROOTFS-BENCH-INSMOD-FAILED $m"; done </etc/modules
type=virtiofs
[ -f /etc/rootfs-type ] && type=$(cat /etc/rootfs-type)
mkdir -p /newroot /overlays
i=0
while :; do
	case $type in
	9p) mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000 root /newroot 2>/dev/null && break ;;
	*) mount -t virtiofs -o ro root /newroot 2>/dev/null && break ;;
	esac
	i=$((i + 1))
	[ $i -lt 500 ] || { echo "ROOTFS-BENCH-NO-ROOT ($type)"; poweroff -f; }
	usleep 10000
done
mount -t tmpfs -o mode=0755 tmpfs /overlays
for d in etc var root home; do
	[ -d /newroot/$d ] || continue
	mkdir -p /overlays/$d/upper /overlays/$d/work
	mount -t overlay -o lowerdir=/newroot/$d,upperdir=/overlays/$d/upper,workdir=/overlays/$d/work overlay /newroot/$d
done
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /newroot/tmp
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /newroot/run
mount -t proc -o nosuid,nodev,noexec proc /newroot/proc
mount -t sysfs -o nosuid,nodev,noexec sys /newroot/sys
mount -t devtmpfs -o nosuid,mode=0755 dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts -o nosuid,noexec,gid=5,mode=620,ptmxmode=666 devpts /newroot/dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /newroot/dev/shm
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /newroot/sys/fs/cgroup
cd /newroot
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	chroot /newroot $(cat /etc/rootfs-command)
echo "ROOTFS-BENCH-STATUS=$?"
sync
poweroff -f
