# --console virtio: /dev/hvc0 is the console on stdin/stdout.

test_virtio_console_carries_output_and_input() {
	VM_LOUD=1
	status=0
	printf 'typed-into-hvc0\n' | $GUARD "$KESTREL" run -k "$KERNEL" -i "$INITRD" \
		--timeout 240 --console virtio \
		-a "$(guest_cmd 'echo CONSOLES=$(cut -d" " -f1 /proc/consoles | tr "\n" ,);
			echo TTY=$(readlink /proc/self/fd/0); read -r l; echo GOT=$l')" \
		>"$T/out" 2>"$T/err" || status=$?
	expect_status 0
	# Early boot messages still come through COM1.
	expect_out 'Linux version'
	case $(out_value CONSOLES) in *hvc0*) ;; *) fail "kernel consoles: '$(out_value CONSOLES)'" ;; esac
	[ "$(out_value TTY)" = /dev/hvc0 ] || fail "init's stdin is '$(out_value TTY)'"
	[ "$(out_value GOT)" = typed-into-hvc0 ] || fail "guest read '$(out_value GOT)' from hvc0"
}

# A panic printed on hvc0 is still recognised.
test_virtio_console_panic_exits_126() {
	vm --console virtio -- 'echo c >/proc/sysrq-trigger'
	expect_status 126
	expect_out 'Kernel panic - not syncing'
}
