# What the arm64 build refuses, before any VM exists: one line on stderr,
# status 125. (The CLI's parsing is the same code as x86_64's, which
# tests/cli/run.sh covers; these are the answers only arm64's board gives.)

# expect_refusal REGEX: status 125, one line on stderr matching REGEX.
expect_refusal() {
	expect_status 125
	expect_err "$1"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "stderr has $(wc -l <"$T/err") lines, not 1"
}

prep_cli_x86_kernel_refused() {
	# A file with an x86 bzImage's boot signature and no arm64 magic.
	head -c 65536 /dev/zero >"$T/bzImage"
	printf 'HdrS' | dd of="$T/bzImage" bs=1 seek=514 conv=notrunc 2>/dev/null
	printf '\125\252' | dd of="$T/bzImage" bs=1 seek=510 conv=notrunc 2>/dev/null
}
l1_cli_x86_kernel_refused() {
	vm_raw -k "$T/bzImage" -i "$INITRD" </dev/null
}
check_cli_x86_kernel_refused() {
	expect_refusal 'not an arm64 Image'
}

prep_cli_truncated_kernel_refused() {
	head -c 4096 "$KERNEL" >"$T/Image.cut"
}
l1_cli_truncated_kernel_refused() {
	vm_raw -k "$T/Image.cut" -i "$INITRD" </dev/null
}
check_cli_truncated_kernel_refused() {
	expect_refusal 'Image'
}

l1_cli_memory_too_small_refused() {
	vm_raw -k "$KERNEL" -i "$INITRD" --memory 16M </dev/null
}
check_cli_memory_too_small_refused() {
	expect_refusal 'memory'
}

l1_cli_too_many_cpus_refused() {
	vm_raw -k "$KERNEL" -i "$INITRD" --cpus 200 </dev/null
}
check_cli_too_many_cpus_refused() {
	expect_refusal "--cpus 200: kestrel.s arm64 machine has room for at most 123 vCPUs"
}

l1_cli_gdb_refused_on_arm64() {
	vm_raw -k "$KERNEL" -i "$INITRD" --gdb 127.0.0.1:1234 </dev/null
}
check_cli_gdb_refused_on_arm64() {
	expect_refusal 'gdb.*not available on arm64'
}

l1_cli_dump_on_panic_refused_on_arm64() {
	vm_raw -k "$KERNEL" -i "$INITRD" --dump-on-panic "$T/core" </dev/null
}
check_cli_dump_on_panic_refused_on_arm64() {
	expect_refusal 'dump-on-panic: not available on arm64'
	[ ! -e "$T/core" ] || fail "a dump file was made"
}

l1_cli_check_says_arm64() {
	status=0
	$GUARD "$KESTREL" check >"$T/out" 2>"$T/err" || status=$?
}
check_cli_check_says_arm64() {
	expect_status 0
	grep -q "this host's KVM (arm64) can run standard guests" "$T/out" "$T/err" ||
		fail "kestrel check did not say arm64 KVM runs standard guests"
	grep -q 'PSCI 0.2 *yes' "$T/out" || fail "kestrel check does not list PSCI 0.2 as present"
}
