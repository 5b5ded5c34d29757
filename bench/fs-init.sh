#!/bin/sh
# PID 1 of the virtio-fs benchmark guest: mount the host's / (read-only
# share kestrel-root) and time walks of the directory named by fsbench.dir=.
export PATH=/usr/bin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
if [ -f /etc/modules ]; then
	while read -r m; do insmod "$m"; done </etc/modules
fi
dir=$(sed -n 's/.*fsbench\.dir=\([^ ]*\).*/\1/p' /proc/cmdline)
mkdir -p /host
mount -t virtiofs -o ro kestrel-root /host || echo FSBENCH-MOUNT-FAILED
now() { read -r up _ </proc/uptime; echo "$up"; }
walk() {
	name=$1
	shift
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	echo "FSBENCH $name $(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')"
}
walk find-cold find "/host$dir"
walk find-warm find "/host$dir"
walk ls-lR ls -lR "/host$dir"
walk du du -s "/host$dir"
echo "FSBENCH entries $(find "/host$dir" | wc -l)"
poweroff -f
