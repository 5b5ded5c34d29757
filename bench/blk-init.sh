#!/bin/sh
# PID 1 of the block-benchmark guest: load the virtio modules, run
# blkbench on the first virtio disk (the arguments come from the kernel
# command line as blkbench.*=), power off.
export PATH=/usr/bin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do insmod "$m"; done </etc/modules
arg() { sed -n "s/.*\\<blkbench\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
secs=$(arg secs)
span=$(arg span)
echo BENCH-DISK $(cat /sys/block/vda/size) sectors
blkbench /dev/vda seqwrite 1048576 "$span" "$secs" 4
blkbench /dev/vda seqread 1048576 "$span" "$secs" 4
blkbench /dev/vda randread 4096 "$span" "$secs" 32
poweroff -f
