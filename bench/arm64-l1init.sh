#!/bin/busybox sh
# shellcheck shell=dash
# PID 1 of the arm64 nested host of bench/arm64_boot.sh: boot the same
# kernel and initramfs under kestrel and under QEMU with KVM, interleaved,
# bench.runs= rounds, each timed by boottimer; print one BENCH-RESULT line
# per boot and its console (BENCH-CONSOLE lines), then power off.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
runs=$(sed -n 's/.*bench\.runs=\([0-9]*\).*/\1/p' /proc/cmdline)
runs=${runs:-5}
echo "BENCH-L1 $(uname -r) $(nproc) cpus, $(sed -n 's/MemTotal: *//p' /proc/meminfo)"
if [ ! -c /dev/kvm ]; then
	echo "BENCH-FAIL no /dev/kvm in the nested host"
	poweroff -f
fi
echo "BENCH-QEMU $(qemu-system-aarch64 --version | head -n 1)"
echo "BENCH-KESTREL $(kestrel --version 2>&1 | head -n 1)"
# bench.diag=1: after the timed rounds, one boot each without quiet (round
# "diag", not counted), for its console: where the time went;
# bench.diagargs= (base64) adds to its command line (e.g. initcall_debug).
diag=$(sed -n 's/.*bench\.diag=\([01]\).*/\1/p' /proc/cmdline)
diagargs=$(sed -n 's/.*bench\.diagargs=\([^ ]*\).*/\1/p' /proc/cmdline | base64 -d)
# The guest's /init runs this after its marker, then powers off.
cmd=$(printf true | base64)
i=1
while [ "$i" -le "$runs" ] || { [ "$i" = $((runs + 1)) ] && [ "$diag" = 1 ]; }; do
	quiet=quiet tag=RESULT round=$i
	if [ "$i" -gt "$runs" ]; then
		quiet=$diagargs tag=DIAG round=diag
	fi
	# Who goes first alternates, so a trend in the host's speed hits both.
	order="kestrel qemu"
	[ $((i % 2)) = 0 ] && order="qemu kestrel"
	for vmm in $order; do
		if [ "$vmm" = kestrel ]; then
			# kestrel adds console=ttyS0 earlycon panic=-1.
			set -- kestrel run -k /guest/Image -i /guest/initrd.gz -m 512M -c 1 \
				-a "$quiet ktest.cmd=$cmd" --timeout 900
		else
			set -- qemu-system-aarch64 -M virt -accel kvm -cpu host \
				-smp 1 -m 512 -nodefaults -no-user-config -nographic -no-reboot \
				-serial stdio -kernel /guest/Image -initrd /guest/initrd.gz \
				-append "console=ttyAMA0 earlycon panic=-1 $quiet ktest.cmd=$cmd"
		fi
		log=/tmp/$vmm-$round.log
		r=$(boottimer KTEST-READY "$log" -- "$@")
		echo "BENCH-$tag $vmm $round $r"
		# The console, each line stamped with its time (s) since the start.
		sed "s/^/BENCH-CONSOLE $vmm $round /" "$log"
		grep -q 'KTEST-STATUS=0' "$log" || echo "BENCH-WARN $vmm $round: no KTEST-STATUS=0 on its console"
	done
	i=$((i + 1))
done
echo "BENCH-DONE"
poweroff -f
