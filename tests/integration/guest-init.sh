#!/bin/sh
# PID 1 of the test guests: mount the basics, load the initramfs's modules,
# say it is ready, run the shell command the test put on the kernel command
# line (base64, as ktest.cmd=, since the kernel's parser eats quotes), then
# power off.
export PATH=/usr/bin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
if [ -f /etc/modules ]; then
	while read -r m; do insmod "$m" || echo "KTEST-INSMOD-FAILED $m"; done </etc/modules
fi
# With console=hvc0 and virtio_console a module, the kernel had no console
# to give init; take /dev/hvc0 now that the driver is loaded.
case " $(cat /proc/cmdline) " in
*" console=hvc0 "*)
	# Its node can be there a moment before it opens (ENODEV, seen on
	# arm64): try until the open works. Not a probe that opens and closes
	# it: the last close of a tty drops input already typed into it.
	# `command` keeps a failed exec from ending the shell (PID 1).
	i=0
	until command exec </dev/hvc0 >/dev/hvc0 2>&1; do
		[ $i -ge 100 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	;;
esac
echo "KTEST-READY $(uname -r)"
# From here the console carries the test's output: kernel messages below
# KERN_EMERG (link up, module loads ...) would land in the middle of its
# lines. Panics and reboots are KERN_EMERG and still show.
echo 1 >/proc/sys/kernel/printk
sh -c "$(sed -n 's/.*ktest\.cmd=\([^ ]*\).*/\1/p' /proc/cmdline | base64 -d)"
echo "KTEST-STATUS=$?"
poweroff -f
