# Kernel-testing mode: --rootfs / with a COMMAND, under the built-in init
# and Debian's stock kernel (its virtio and virtiofs drivers are modules,
# so kestrel builds the initramfs from /lib/modules on the fly).

# run_cmd [KESTREL OPTIONS...] -- COMMAND [ARG...]: kestrel run --rootfs /
# with the test kernel; stdin from $T/stdin if it exists, else /dev/null.
run_cmd() {
	in=/dev/null
	[ -e "$T/stdin" ] && in=$T/stdin
	status=0
	$GUARD "$KESTREL" run --timeout "${VM_TIMEOUT:-240}" -k "$KERNEL" \
		--rootfs / "$@" <"$in" >"$T/out" 2>"$T/err" || status=$?
}

test_rootfs_command_status_stdio_cwd_env() {
	mkdir "$T/here"
	cd "$T/here"
	export HOME=/home/kestrel-test TERM=vt100
	run_cmd --console-log "$T/console" -- \
		sh -c 'echo "out $(pwd)"; echo "err only" >&2; echo "home=$HOME term=$TERM"; exit 7'
	cd /
	expect_status 7
	[ "$(sed -n 1p "$T/out")" = "out $T/here" ] || fail "stdout: $(cat "$T/out")"
	grep -qx "home=/home/kestrel-test term=vt100" "$T/out" || fail "environment not passed: $(cat "$T/out")"
	grep -q "err only" "$T/err" || fail "stderr lacks the command's line"
	! grep -q "err only" "$T/out" || fail "stderr leaked into stdout"
	! grep -q "out " "$T/err" || fail "stdout leaked into stderr"
	grep -q "Linux version" "$T/console" || fail "--console-log lacks the kernel's first lines"
	! grep -q "Linux version" "$T/out" || fail "the console leaked into stdout"
}

test_rootfs_true_false_and_missing_command() {
	run_cmd -- true
	expect_status 0
	run_cmd -- false
	expect_status 1
	run_cmd -- /no/such-command arg
	expect_status 127
	expect_err "/no/such-command: No such file or directory"
}

test_rootfs_bulk_stdin_and_stdout() {
	head -c 1048576 /dev/urandom >"$T/stdin"
	want_in=$(sha256sum <"$T/stdin" | cut -d' ' -f1)
	want_out=$(yes 0123456789abcdef | head -c 10485760 | sha256sum | cut -d' ' -f1)
	run_cmd -- sh -c 'sha256sum; yes 0123456789abcdef | head -c 10485760'
	expect_status 0
	got_in=$(head -n 1 "$T/out" | cut -d' ' -f1)
	got_out=$(tail -n +2 "$T/out" | sha256sum | cut -d' ' -f1)
	[ "$got_in" = "$want_in" ] || fail "stdin reached the guest as $got_in, sent $want_in"
	[ "$got_out" = "$want_out" ] || fail "10 MiB of stdout came back as $got_out, expected $want_out"

	# The same through pipes on both sides, as in a shell pipeline.
	cat "$T/stdin" | {
		st=0
		$GUARD "$KESTREL" run --timeout "${VM_TIMEOUT:-240}" -k "$KERNEL" \
			--rootfs / -- sha256sum 2>"$T/err" || st=$?
		echo "$st" >"$T/piped-status"
	} | cat >"$T/piped-out"
	status=$(cat "$T/piped-status")
	expect_status 0
	got=$(cut -d' ' -f1 "$T/piped-out")
	[ "$got" = "$want_in" ] || fail "stdin through a pipe reached the guest as $got, sent $want_in"
}

# The checkout may sit under a directory the guest layers a tmpfs over
# (/home, /tmp ...), where writes then land in the layer, or elsewhere on
# the read-only root, where they fail: either way the host tree is intact.
test_rootfs_leaves_the_host_tree_unchanged() {
	mkdir -p "$T/tree/sub"
	echo original >"$T/tree/file"
	ln -s file "$T/tree/link"
	before=$(cd "$T/tree" && find . -printf '%p %m %s %l\n' | sort | sha256sum)
	run_cmd -- sh -c "
		echo changed > $T/tree/file
		rm -f $T/tree/link
		mkdir $T/tree/new
		chmod 777 $T/tree/sub
		touch /usr/kestrel-guest-file || echo USR-READ-ONLY
		echo x > /etc/kestrel-guest-file && cat /etc/kestrel-guest-file >/dev/null && echo ETC-WRITABLE
		echo x > /tmp/t && echo x > /var/tmp/t && echo x > /root/t && echo OVERLAYS-WRITABLE
		stat -c '%a' /tmp"
	expect_status 0
	after=$(cd "$T/tree" && find . -printf '%p %m %s %l\n' | sort | sha256sum)
	[ "$before" = "$after" ] || fail "the host tree changed"
	[ "$(cat "$T/tree/file")" = original ] || fail "the host file changed"
	grep -q USR-READ-ONLY "$T/out" || fail "a write to the read-only root succeeded"
	grep -q "Read-only file system" "$T/err" || fail "no EROFS: $(cat "$T/err")"
	[ ! -e /usr/kestrel-guest-file ] || fail "a guest write reached the host's /usr"
	grep -q ETC-WRITABLE "$T/out" || fail "/etc is not writable in the guest"
	grep -q OVERLAYS-WRITABLE "$T/out" || fail "/tmp, /var or /root is not writable in the guest"
	grep -qx 1777 "$T/out" || fail "/tmp in the guest lost its mode 1777: $(tail -n 1 "$T/out")"
	[ ! -e /etc/kestrel-guest-file ] || fail "a guest write reached the host's /etc"
}

test_rootfs_panic_is_126_with_the_panic_shown() {
	run_cmd -- sh -c 'echo c > /proc/sysrq-trigger; sleep 100'
	expect_status 126
	expect_err "Kernel panic"
}

test_rootfs_timeout_is_124() {
	VM_TIMEOUT=30 run_cmd -- sleep 1000
	expect_status 124
	expect_err "timed out"
}

test_rootfs_boot_that_dies_before_init_is_126() {
	run_cmd -a rdinit=/no-such-init -- true
	expect_status 126
	expect_err "Kernel panic"
}

test_rootfs_without_command_is_a_shell_on_the_console() {
	printf 'echo SHELL-$((6 * 7)) in $(pwd)\nexit\n' >"$T/stdin"
	mkdir "$T/here"
	cd "$T/here"
	run_cmd
	cd /
	expect_status 0
	expect_out "SHELL-42 in $T/here"
}

# The host's /proc holds kestrel's own memory and environment, /sys the
# host kernel's knobs: a guest that mounts its root tag a second time,
# where its own /proc and /sys are not mounted over them, finds both empty.
test_rootfs_host_proc_and_sys_are_empty() {
	marker=KESTREL-ENV-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
	KESTREL_TEST_MARKER=$marker run_cmd -- sh -c '
		mkdir /tmp/again && mount -t virtiofs kestrel-root /tmp/again || echo MOUNT=failed
		echo PROC=$(ls -A /tmp/again/proc | wc -l)
		echo SYS=$(ls -A /tmp/again/sys | wc -l)
		echo USR=$(ls -A /tmp/again/usr | wc -l)
		cat /tmp/again/proc/*/environ 2>/dev/null | tr "\0" "\n" | grep ^KESTREL_TEST_MARKER=
		cat /tmp/again/proc/self/maps >/dev/null 2>&1 && echo SELF=readable
		echo DONE=yes'
	expect_status 0
	expect_no_out MOUNT=failed
	[ "$(out_value DONE)" = yes ] || fail "the guest did not finish: $(cat "$T/err")"
	[ "$(out_value PROC)" = 0 ] || fail "the host's /proc lists $(out_value PROC) entries in the guest"
	[ "$(out_value SYS)" = 0 ] || fail "the host's /sys lists $(out_value SYS) entries in the guest"
	[ "$(out_value USR)" -gt 0 ] || fail "the second mount shows an empty /usr"
	expect_no_out "$marker"
	expect_no_out SELF=readable
}
