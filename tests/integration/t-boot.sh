# Booting the stock kernel, and how each way a guest ends maps to a status.

test_boot_reaches_init_and_powers_off() {
	vm -- 'echo UNAME=$(uname -r)'
	expect_status 0
	expect_out "KTEST-READY $KVER"
	[ "$(out_value UNAME)" = "$KVER" ] || fail "guest runs kernel '$(out_value UNAME)', not $KVER"
	expect_out 'reboot: Power down'
}

# The guest's boot log has none of the complaints a badly emulated PC draws.
# Nested under QEMU's TCG, every hypervisor's guest (QEMU's own included)
# gets one XSAVE size WARN, because TCG's SVM does not intercept XSETBV,
# and, when the machine is loaded, a TSC the clocksource watchdog calls
# unstable because the emulated CPUs were descheduled; those two, and
# only those, are set aside there.
test_boot_log_is_clean() {
	VM_LOUD=1
	vm -- 'true'
	expect_status 0
	if [ "${KESTREL_NESTED:-0}" = 1 ]; then
		awk '/XSAVE consistency problem/ { skip = 1 }
		     /Marking clocksource .tsc. as unstable/ { tsc = 1 }
		     !skip && !tsc { print }
		     skip && /end trace/ { skip = 0 }
		     tsc && !/watchdog|wd_|cs_nsec|clocksource|tsc/ { tsc = 0 }' \
			"$T/out" >"$T/out.filtered"
		mv "$T/out.filtered" "$T/out"
	fi
	expect_no_out 'ACPI (BIOS )?(Error|Warning)'
	expect_no_out '[Ss]purious (interrupt|APIC|8259)'
	expect_no_out 'clocksource.*(unstable|watchdog)'
	expect_no_out 'Call Trace|BUG:|Oops'
	expect_no_out 'tsc: Fast TSC calibration failed|APIC timer disabled'
}

test_cpus_2_shows_2_cpus() {
	vm --cpus 2 -- 'echo NPROC=$(nproc); echo CPUINFO=$(grep -c ^processor /proc/cpuinfo)'
	expect_status 0
	[ "$(out_value NPROC)" = 2 ] || fail "guest nproc says '$(out_value NPROC)'"
	[ "$(out_value CPUINFO)" = 2 ] || fail "/proc/cpuinfo lists '$(out_value CPUINFO)' CPUs"
}

test_memory_256m_shows_about_256m() {
	vm --memory 256M -- 'echo MEMKB=$(sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo)'
	expect_status 0
	kb=$(out_value MEMKB)
	# What the kernel does not keep for itself: at most all 256 MiB.
	[ -n "$kb" ] && [ "$kb" -le 262144 ] && [ "$kb" -ge 196608 ] ||
		fail "MemTotal is '$kb' kB for --memory 256M"
}

test_memory_above_4g_hole() {
	vm --memory 3584M -- 'echo MEMKB=$(sed -n "s/^MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo)'
	expect_status 0
	kb=$(out_value MEMKB)
	# 3 GiB below the MMIO hole and 512 MiB above 4 GiB, all usable.
	[ -n "$kb" ] && [ "$kb" -gt 3145728 ] || fail "MemTotal is '$kb' kB for --memory 3584M"
}

test_poweroff_exits_0() {
	vm -- 'echo BYE; poweroff -f'
	expect_status 0
	expect_out '^BYE'
}

test_reboot_exits_0() {
	vm -- 'echo REBOOTING; reboot -f'
	expect_status 0
	expect_out '^REBOOTING'
	expect_out 'reboot: Restarting system'
}

test_panic_exits_126() {
	vm -- 'echo c >/proc/sysrq-trigger'
	expect_status 126
	expect_out 'Kernel panic - not syncing'
}

# A kernel told not to reboot on panic (panic=0) still ends the run.
test_panic_without_reboot_exits_126() {
	vm -a panic=0 -- 'echo c >/proc/sysrq-trigger'
	expect_status 126
	expect_out 'end Kernel panic'
}

test_timeout_exits_124() {
	vm_raw -k "$KERNEL" -i "$INITRD" -a "$(guest_cmd 'sleep 1000')" --timeout 5 </dev/null
	expect_status 124
	expect_err 'timed out after 5 seconds'
}

# A guest that sets up the UART and then stalls (as a stock kernel does on a
# PVM host) is called lifeless when the run ends, with where it is.
test_silent_guest_is_reported() {
	vm_raw -k "$SILENT_GUEST" --cpus 2 --timeout 5 </dev/null
	expect_status 124
	expect_err 'timed out after 5 seconds'
	expect_err 'no sign of life from the guest in 5 s: it has written nothing to its console and touched no device but the UART$'
	expect_err "vCPU 0: rip $SILENT_SPIN, 32-bit mode, paging off"
	expect_err 'vCPU 1: not started by the guest'
}

# A live guest stopped by a signal: its status, and no talk of lifelessness.
test_sigterm_of_a_live_guest() {
	"$KESTREL" run --timeout 240 -k "$KERNEL" -i "$INITRD" \
		-a "$(guest_cmd 'echo SLEEPING; sleep 1000')" </dev/null >"$T/out" 2>"$T/err" &
	pid=$!
	while ! grep -q '^SLEEPING' "$T/out" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do
		sleep 0.2
	done
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	expect_status 143
	expect_out '^SLEEPING'
	expect_err 'stopped by signal 15'
	! grep -q 'sign of life' "$T/err" || fail "a live guest was called lifeless: $(cat "$T/err")"
}

# The sandbox, seen from the host while the guest runs: each thread under
# exactly one seccomp filter of its own (the vCPUs' are not stacked on the
# device thread's), no new privileges, and, as root, only the capabilities
# a writable share needs (DAC override and read-search, chown, fowner,
# fsetid: 0x1f), in the bounding set too.
test_sandbox_confines_every_thread() {
	mkdir "$T/share"
	"$KESTREL" run --timeout 240 --cpus 2 --share "$T/share" -k "$KERNEL" -i "$INITRD" \
		-a "$(guest_cmd 'echo SLEEPING; sleep 1000')" </dev/null >"$T/out" 2>"$T/err" &
	pid=$!
	while ! grep -q '^SLEEPING' "$T/out" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do
		sleep 0.2
	done
	caps=0000000000000000
	[ "$(id -u)" = 0 ] && caps=000000000000001f
	threads=0 wrong=
	for s in /proc/"$pid"/task/*/status; do
		[ -r "$s" ] || continue
		threads=$((threads + 1))
		for want in 'Seccomp:	2' 'Seccomp_filters:	1' 'NoNewPrivs:	1' "CapEff:	$caps" "CapPrm:	$caps" \
			"CapInh:	0000000000000000"; do
			grep -qx "$want" "$s" || wrong="$wrong; thread ${s%/status}: not '$want'"
		done
		[ "$(id -u)" != 0 ] || grep -qx "CapBnd:	$caps" "$s" || wrong="$wrong; thread ${s%/status}: $(grep CapBnd "$s")"
	done
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	expect_status 143
	[ "$threads" = 3 ] || fail "kestrel had $threads threads, not 3 (2 vCPUs and the device thread)"
	[ -z "$wrong" ] || fail "${wrong#; }"
}

# Everything the guest writes to the UART arrives, in order, unchanged:
# 500 lines, 26 KB, several times every buffer on the way (each byte is
# a trip out of the guest, so more only costs time nested).
test_uart_output_is_what_the_guest_wrote() {
	vm -- 'i=0; while [ $i -lt 500 ]; do echo "uart-line $i abcdefghijklmnopqrstuvwxyz0123456789"; i=$((i+1)); done'
	expect_status 0
	i=0
	while [ $i -lt 500 ]; do
		echo "uart-line $i abcdefghijklmnopqrstuvwxyz0123456789"
		i=$((i + 1))
	done >"$T/expected"
	tr -d '\r' <"$T/out" | grep '^uart-line ' >"$T/got"
	cmp -s "$T/expected" "$T/got" || fail "UART lines differ from what the guest wrote ($(diff "$T/expected" "$T/got" | head -n 3 | tr '\n' ' '))"
}

# Input piped in before the guest reads it is held, not lost, until the
# guest's serial driver listens.
test_uart_input_sent_early_arrives() {
	status=0
	printf 'hello-from-host\n' | $GUARD "$KESTREL" run -k "$KERNEL" -i "$INITRD" \
		--timeout 240 -a "$(guest_cmd 'read -r line; echo GOT=$line')" \
		>"$T/out" 2>"$T/err" || status=$?
	expect_status 0
	[ "$(out_value GOT)" = hello-from-host ] || fail "guest read '$(out_value GOT)'"
}

# A bulk transfer through the console: every byte, in order, at the pace
# the guest reads (back-pressure from the UART to stdin). Sent once the
# guest is reading, as on any serial line without flow control. 80 KB is
# twenty times kestrel's input buffer and thousands of UART FIFOs.
test_uart_bulk_input_with_backpressure() {
	head -c 60000 /dev/urandom | base64 -w 76 >"$T/in"
	want=$(md5sum <"$T/in" | cut -d' ' -f1)
	bytes=$(wc -c <"$T/in")
	status=0
	python3 "$here/feed.py" READY-FOR-INPUT "$T/in" "$T/out" \
		$GUARD "$KESTREL" run -k "$KERNEL" -i "$INITRD" --timeout 240 \
		-a "$(guest_cmd "stty raw -echo; echo READY-FOR-INPUT; echo GOTSUM=\$(head -c $bytes | md5sum)")" \
		2>"$T/err" || status=$?
	expect_status 0
	[ "$(out_value GOTSUM)" = "$want" ] || fail "guest read md5 '$(out_value GOTSUM)', host sent $want"
}

test_pvh_boot_of_elf_vmlinux() {
	vm_raw -k "$VMLINUX" -i "$INITRD" -a "$(guest_cmd 'echo PVH-OK')" </dev/null
	expect_status 0
	expect_out "KTEST-READY $KVER"
	expect_out '^PVH-OK'
}

test_rtc_gives_wall_clock_time() {
	vm -- 'echo GUESTTIME=$(date +%s); echo HWCLOCK=$(hwclock -u -r >/dev/null 2>&1 && echo ok)'
	expect_status 0
	host=$(date +%s)
	guest=$(out_value GUESTTIME)
	[ -n "$guest" ] && [ $((host - guest)) -lt 3600 ] && [ $((guest - host)) -lt 3600 ] ||
		fail "guest clock $guest is far from host clock $host"
	[ "$(out_value HWCLOCK)" = ok ] || fail "hwclock could not read the RTC"
}
