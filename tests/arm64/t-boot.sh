# Booting the stock arm64 kernel, and how each way a guest ends maps to a
# status.
#
# A test NAME is up to three functions (POSIX sh; see run.sh):
#   prep_NAME   on the host, before the nested host boots (optional)
#   l1_NAME     in the arm64 nested host, under busybox sh: runs kestrel
#               (lib.sh's vm and friends), in $T, leaving $status
#   check_NAME  on the host afterwards: judges $T/out, $T/err, $status and
#               whatever else the test left in $T, with lib.sh's expect_*

l1_boot_reaches_init() {
	vm -- 'echo UNAME=$(uname -r); echo MACHINE=$(uname -m)'
}
check_boot_reaches_init() {
	expect_status 0
	expect_out "KTEST-READY $KVER"
	[ "$(out_value UNAME)" = "$KVER" ] || fail "guest runs kernel '$(out_value UNAME)', not $KVER"
	[ "$(out_value MACHINE)" = aarch64 ] || fail "guest machine '$(out_value MACHINE)'"
	expect_out '^KTEST-STATUS=0'
}

l1_cpus_2_shows_2_cpus() {
	vm --cpus 2 -- 'echo NPROC=$(nproc); echo CPUINFO=$(grep -c ^processor /proc/cpuinfo)
		echo ONLINE=$(cat /sys/devices/system/cpu/online)'
}
check_cpus_2_shows_2_cpus() {
	expect_status 0
	[ "$(out_value NPROC)" = 2 ] || fail "guest nproc says '$(out_value NPROC)'"
	[ "$(out_value CPUINFO)" = 2 ] || fail "/proc/cpuinfo lists '$(out_value CPUINFO)' CPUs"
	[ "$(out_value ONLINE)" = 0-1 ] || fail "online CPUs '$(out_value ONLINE)', expected 0-1"
}

l1_memory_768m_shows_about_768m() {
	vm --memory 768M -- 'echo MEMKB=$(sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo)'
}
check_memory_768m_shows_about_768m() {
	expect_status 0
	kb=$(out_value MEMKB)
	# What the kernel does not keep for itself: at most all 768 MiB.
	[ -n "$kb" ] && [ "$kb" -le 786432 ] && [ "$kb" -ge 589824 ] ||
		fail "MemTotal is '$kb' kB for --memory 768M"
}

l1_poweroff_exits_0() {
	vm -- 'echo BYE; poweroff -f'
}
check_poweroff_exits_0() {
	expect_status 0
	expect_out '^BYE'
	expect_out 'reboot: Power down'
}

l1_reboot_exits_0() {
	vm -- 'echo REBOOTING; reboot -f'
}
check_reboot_exits_0() {
	expect_status 0
	expect_out '^REBOOTING'
	expect_out 'reboot: Restarting system'
}

l1_panic_exits_126() {
	vm -- 'echo c >/proc/sysrq-trigger'
}
check_panic_exits_126() {
	expect_status 126
	expect_out 'Kernel panic - not syncing'
}

l1_timeout_exits_124() {
	vm_raw -k "$KERNEL" -i "$INITRD" -a "$(guest_cmd 'echo SLEEPING; sleep 1000')" --timeout 5 </dev/null
}
check_timeout_exits_124() {
	expect_status 124
	expect_err 'timed out after 5 seconds'
}

# --rootfs DIR -- COMMAND: kestrel's own init, the kernel's modules from
# the tree (and the nested host's /lib/modules), the command's status.
l1_rootfs_command_status() {
	status=0
	$GUARD "$KESTREL" run --timeout "$VM_TIMEOUT" -k "$KERNEL" --rootfs "$ROOTFS" -- \
		sh -c 'echo ROOTFS-UNAME=$(uname -r); echo to-stderr >&2; exit 7' \
		</dev/null >"$T/out" 2>"$T/err" || status=$?
}
check_rootfs_command_status() {
	expect_status 7
	[ "$(out_value ROOTFS-UNAME)" = "$KVER" ] || fail "the command saw kernel '$(out_value ROOTFS-UNAME)'"
	expect_err '^to-stderr'
	expect_no_out to-stderr
}

# The device tree kestrel built, as the guest kernel got it
# (/sys/firmware/fdt), copied out through a share and decompiled here.
prep_device_tree_as_the_guest_sees_it() {
	mkdir -p "$T/share"
}
l1_device_tree_as_the_guest_sees_it() {
	vm --cpus 2 --share "$T/share,tag=out" -- 'mount -t virtiofs out /mnt &&
		cat /sys/firmware/fdt >/mnt/guest.dtb && umount /mnt && echo COPIED'
}
check_device_tree_as_the_guest_sees_it() {
	expect_status 0
	expect_out '^COPIED'
	dtc -q -I dtb -O dts -o "$T/guest.dts" "$T/share/guest.dtb" 2>"$T/dtc-err" ||
		fail "dtc cannot read the guest's device tree: $(head -n 1 "$T/dtc-err")"
	for node in 'psci {' 'intc@8000000 {' 'its@8080000 {' 'timer {' 'uart@9000000 {' \
		'pl031@9010000 {' 'pcie@3f000000 {' 'cpu@0 {' 'cpu@1 {' 'memory@40000000 {'; do
		grep -q "$node" "$T/guest.dts" || fail "the guest's device tree has no '$node'"
	done
	grep -q 'stdout-path = "/uart@9000000"' "$T/guest.dts" || fail "no stdout-path to the UART"
	grep -q 'linux,initrd-start' "$T/guest.dts" || fail "no initrd in /chosen"
}
