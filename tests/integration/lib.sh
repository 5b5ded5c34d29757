# Helpers for the integration tests (sourced by run.sh).
#
# A test is a shell function named test_*; it boots guests with `vm` and
# checks what they did with the expect_* helpers, which record a failure
# and make the function return non-zero.

# vm [KESTREL RUN OPTIONS...] -- GUEST SHELL COMMAND
# Boots the test kernel and initramfs; the guest runs the command, then
# powers off. Output goes to $T/out and $T/err, the exit status to $status.
vm() {
	eval "set -- $(vm_args "$@")"
	vm_raw -k "$KERNEL" -i "$INITRD" "$@" </dev/null
}

# vm_args [KESTREL RUN OPTIONS...] -- GUEST SHELL COMMAND: the options,
# quoted, and -a with the kernel parameters that run the command; for
# `eval "set -- $(vm_args "$@")"`.
vm_args() {
	opts=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts="$opts $(quote "$1")"
		shift
	done
	[ "${1:-}" = -- ] && shift
	printf '%s -a %s' "$opts" "$(quote "$(guest_cmd "$*")")"
}

# guest_cmd COMMAND: the kernel parameters that make the test init run it,
# with `quiet`: nested, each console line costs tens of milliseconds of
# exits. A test that reads the kernel's own messages sets VM_LOUD=1.
guest_cmd() {
	[ "${VM_LOUD:-0}" = 1 ] || printf 'quiet '
	printf 'ktest.cmd=%s' "$(printf '%s' "$1" | base64 -w 0)"
}

# vm_raw ARGS...: kestrel run ARGS with the suite's safety timeout.
vm_raw() {
	status=0
	$GUARD "$KESTREL" run --timeout "${VM_TIMEOUT:-240}" "$@" >"$T/out" 2>"$T/err" || status=$?
}

# Prefix for every kestrel command: should kestrel itself hang past its own
# --timeout, it gets SIGABRT (a core, whose backtrace run.sh prints) and the
# test fails instead of the suite hanging.
GUARD="timeout --preserve-status -s ABRT -k 10 ${KESTREL_GUARD_S:-330}"

quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

fail() {
	echo "    FAIL: $*" >&2
	return 1
}

expect_status() {
	[ "$status" = "$1" ] || fail "exit status $status, expected $1"
}

# expect_out REGEX: the guest's console output has a matching line.
expect_out() {
	grep -Eq -- "$1" "$T/out" || fail "console output has no line matching '$1'"
}

expect_no_out() {
	! grep -Eq -- "$1" "$T/out" || fail "console output has a line matching '$1': $(grep -E -m1 -- "$1" "$T/out")"
}

expect_err() {
	grep -Eq -- "$1" "$T/err" || fail "stderr has no line matching '$1'"
}

# out_value KEY: the value the guest printed as "KEY=value".
out_value() {
	sed -n "s/^$1=\\([^[:space:][]*\\).*/\\1/p" "$T/out" | tr -d '\r' | head -n 1
}
