#!/bin/sh
# What `make run` boots: the host's default kernel (kestrel picks it) over
# the host's own root, read-only, running a command that shows the guest
# kernel and that the guest sees the host's files; its status is kestrel's.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
exec "$top/kestrel" run --rootfs / --cpus 2 --memory 512M -- sh -c '
	echo "=== kestrel guest ==="
	echo "uname -a:   $(uname -a)"
	. /etc/os-release
	echo "host files: $PRETTY_NAME root, $(ls /usr/bin | wc -l) programs in /usr/bin, cwd $(pwd)"
	echo "CPUs:       $(nproc), memory $(($(sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo) / 1024)) MiB"
	echo "====================="'
