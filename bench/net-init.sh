#!/bin/sh
# PID 1 of the network-benchmark guest: bring eth0 up (a static address
# from netbench.ip=, else DHCP), then serve netbench.tests= one-off iperf3
# tests on port 5201 (the host runs the clients), then power off.
export PATH=/usr/bin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do insmod "$m"; done </etc/modules
arg() { sed -n "s/.*\\<netbench\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
ip link set lo up
ip link set eth0 up
if [ -n "$(arg ip)" ]; then
	ip addr add "$(arg ip)" dev eth0
else
	udhcpc -q -n -t 5 -s /etc/udhcpc.script -i eth0 >/dev/null 2>&1 || echo NETBENCH-NO-DHCP
fi
i=0
while [ "$i" -lt "$(arg tests)" ]; do
	iperf3 -s -1 -p 5201 2>&1
	i=$((i + 1))
done
poweroff -f
