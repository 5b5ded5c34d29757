#!/bin/sh
# PID 1 of the guest `make run` boots: show what the guest sees, power off.
export PATH=/bin
mount -t proc proc /proc
echo
echo "=== kestrel guest ==="
echo "uname -a: $(uname -a)"
echo "CPUs:     $(nproc)"
echo "Memory:   $(($(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024)) MiB"
echo "====================="
poweroff -f
