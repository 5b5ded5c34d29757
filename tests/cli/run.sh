#!/bin/sh
# Bad input from the user: each case must end kestrel with status 125 and
# exactly one line on stderr saying what is wrong, before any VM exists.
# These need no KVM. usage: run.sh ./kestrel
set -u
KESTREL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0

# check NAME EXPECTED_STATUS MESSAGE_REGEX -- ARGS...
check() {
	name=$1 want=$2 msg=$3
	shift 4
	status=0
	"$KESTREL" "$@" </dev/null >"$tmp/out" 2>"$tmp/err" || status=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$status" = "$want" ] && { [ -z "$msg" ] || grep -Eq -- "$msg" "$tmp/err"; } &&
		{ [ "$want" != 125 ] || [ "$lines" = 1 ]; }; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name: status $status (want $want), stderr ($lines lines):"
		sed 's/^/     /' "$tmp/err"
		echo "     (wanted a line matching: $msg)"
	fi
}

# cli_case NAME MESSAGE_REGEX COMMAND...: a case needing a wrapper.
cli_case() {
	name=$1 msg=$2
	shift 2
	status=0
	"$@" </dev/null >/dev/null 2>"$tmp/err" || status=$?
	if [ "$status" = 125 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
		grep -Eq -- "$msg" "$tmp/err"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name: status $status: $(cat "$tmp/err")"
		echo "     (wanted a line matching: $msg)"
	fi
}

check help 0 '' -- --help
grep -q 'Exit status' "$tmp/out" || { echo "FAIL help: no exit statuses in --help"; failed=$((failed + 1)); }
check version 0 '' -- --version
grep -q '^kestrel [0-9]' "$tmp/out" || { echo "FAIL version: '$(cat "$tmp/out")'"; failed=$((failed + 1)); }
check run-help 0 '' -- run --help
check check-bad-argument 125 "check: unexpected argument '--frobnicate'" -- check --frobnicate
check check-help 0 '' -- check --help
check ctl-help 0 '' -- ctl --help
grep -q '^       kestrel ctl SOCKET status|pause|resume|stop|sysrq KEY|nmi|dump FILE$' "$tmp/out" ||
	{ echo "FAIL ctl-help: no kestrel ctl line in --help"; failed=$((failed + 1)); }
# kestrel check: the facts on stdout, the verdict on stderr with 125.
mkdir -p "$tmp/check-pvm/dev" "$tmp/check-pvm/sys/module/kvm_pvm" "$tmp/check-pvm/proc"
: >"$tmp/check-pvm/dev/kvm"
printf 'flags\t\t: fpu\n' >"$tmp/check-pvm/proc/cpuinfo"
cli_case check-pvm "^kestrel: this host's KVM is PVM \\(kvm_pvm\\), which runs only guest kernels built for PVM, not standard ones" \
	env KESTREL_TEST_HOST_ROOT="$tmp/check-pvm" "$KESTREL" check
env KESTREL_TEST_HOST_ROOT="$tmp/check-pvm" "$KESTREL" check >"$tmp/out" 2>/dev/null
if grep -q '^vendor  *PVM (module kvm_pvm); CPU flags: no vmx, no svm$' "$tmp/out" &&
	grep -q '^/dev/kvm .*not a character device' "$tmp/out"; then
	pass=$((pass + 1))
else
	failed=$((failed + 1))
	echo "FAIL check-pvm-report: $(cat "$tmp/out")"
fi
env KESTREL_TEST_HOST_ROOT="$tmp/check-pvm" "$KESTREL" check -q >"$tmp/out" 2>&1
if [ "$(wc -l <"$tmp/out")" = 1 ] && grep -q 'is PVM' "$tmp/out"; then
	pass=$((pass + 1))
else
	failed=$((failed + 1))
	echo "FAIL check-quiet: $(cat "$tmp/out")"
fi

check command-without-rootfs 125 "give --rootfs DIR" -- run -k "$kernel" -- true
check rootfs-missing 125 "--rootfs '/nonexistent': No such file or directory" -- run -k "$kernel" --rootfs /nonexistent -- true
check rootfs-not-a-directory 125 "--rootfs '/etc/hostname': not a directory" -- run -k "$kernel" --rootfs /etc/hostname -- true
check rootfs-with-initrd 125 "leave out --initrd" -- run -k "$kernel" -i /etc/hostname --rootfs / -- true
check console-log-unwritable 125 "--console-log '/nonexistent/log': No such file or directory" -- run -k "$kernel" --console-log /nonexistent/log
check rootfs-tag-taken 125 "tag 'kestrel-root' is the root's" -- run -k "$kernel" --share /tmp,tag=kestrel-root --rootfs / -- true
check no-args 125 'no command given' --
check unknown-command 125 "unknown command 'boot'" -- boot
check unknown-long-option 125 "unknown option '--frobnicate'" -- run --frobnicate
check unknown-short-option 125 "unknown option '-z'" -- run -z
check no-sandbox-with-a-value 125 "^kestrel: option '--no-sandbox' takes no value$" -- run --no-sandbox=yes
check missing-argument 125 "option '--kernel' needs an argument" -- run --kernel
check missing-argument-short 125 "option '-m' needs an argument" -- run -m
check stray-argument 125 "unexpected argument 'vmlinuz'" -- run vmlinuz
check empty-kernel-name 125 'needs a file name' -- run --kernel=
check memory-not-a-size 125 "--memory 'lots': not a size" -- run -m lots
check memory-bad-suffix 125 "--memory '12Q': not a size" -- run -m 12Q
check memory-zero 125 "--memory '0': at least 32 MiB" -- run -m 0
check memory-tiny 125 "--memory '1M': at least 32 MiB" -- run -m 1M
check memory-unaligned 125 'not a multiple of 4 KiB' -- run -m 1000001K
check memory-absurd 125 "more than the host's" -- run -m 64T
check memory-overflow 125 'not a size' -- run -m 99999999999999999999G
check cpus-zero 125 "--cpus '0': must be a number from 1 to 254" -- run -c 0
check cpus-absurd 125 "--cpus '100000': must be a number" -- run -c 100000
check cpus-not-a-number 125 "--cpus 'two': must be a number" -- run --cpus two
check timeout-zero 125 "--timeout '0': must be a positive number" -- run --timeout 0
check timeout-garbage 125 "--timeout 'soon'" -- run --timeout soon
long_path=$(head -c 108 /dev/zero | tr '\0' p)
check control-empty 125 "^kestrel: --control needs a socket path$" -- run --control=
check control-too-long 125 "^kestrel: --control '$long_path': a Unix socket path is at most 107 bytes$" -- run --control "$long_path"
check gdb-missing-argument 125 "option '--gdb' needs an argument" -- run --gdb
check gdb-bad-port 125 "^kestrel: --gdb '70000': the port must be a number from 1 to 65535 \\(\\[HOST:\\]PORT or unix:PATH\\)$" -- run --gdb 70000
check gdb-bad-host 125 "^kestrel: --gdb 'example.org:1234': 'example.org' is not an IPv4 address or localhost$" -- run --gdb example.org:1234
check gdb-unix-empty 125 "^kestrel: --gdb 'unix:': no socket path$" -- run --gdb unix:
check gdb-unix-too-long 125 "^kestrel: --gdb 'unix:$long_path': a Unix socket path is at most 107 bytes$" -- run --gdb "unix:$long_path"
check gdb-wait-without-gdb 125 "^kestrel: --gdb-wait needs --gdb$" -- run --gdb-wait
check gdb-wait-with-a-value 125 "^kestrel: option '--gdb-wait' takes no value$" -- run --gdb 1234 --gdb-wait=1
check dump-on-panic-empty 125 "^kestrel: --dump-on-panic needs a file name$" -- run --dump-on-panic ""

check share-no-dir 125 "--share ',ro': no directory" -- run --share ,ro
check share-empty-tag 125 "--share '/tmp,tag=': tag must be 1 to 36 characters" -- run --share /tmp,tag=
check share-long-tag 125 'tag must be 1 to 36 characters' -- run --share /tmp,tag=0123456789012345678901234567890123456
check share-duplicate-tag 125 "--share '/usr,tag=share0': tag 'share0' is already used" -- run --share /tmp --share /usr,tag=share0
check share-unknown-option 125 "--share '/tmp,rw': unknown option 'rw' \\(known: tag=TAG, ro\\)" -- run --share /tmp,rw
check share-too-many 125 'at most 8 --share options' -- run --share /tmp --share /tmp --share /tmp --share /tmp --share /tmp --share /tmp --share /tmp --share /tmp --share /tmp
# kestrel ctl: bad arguments and a socket nobody serves, one line each.
check ctl-no-socket 125 "^kestrel: ctl: no socket given" -- ctl
check ctl-no-command 125 "^kestrel: ctl: no command given" -- ctl "$tmp/vm.sock"
check ctl-unknown-command 125 "^kestrel: ctl: unknown command 'reboot' \\(known: status, pause, resume, stop, sysrq KEY, nmi, dump FILE\\)$" -- ctl "$tmp/vm.sock" reboot
check ctl-sysrq-no-key 125 "^kestrel: ctl: sysrq needs a KEY$" -- ctl "$tmp/vm.sock" sysrq
check ctl-sysrq-bad-key 125 "^kestrel: ctl: sysrq KEY 'tt' is not one digit or lower-case letter$" -- ctl "$tmp/vm.sock" sysrq tt
check ctl-dump-no-file 125 "^kestrel: ctl: dump needs a FILE$" -- ctl "$tmp/vm.sock" dump
check ctl-extra-argument 125 "^kestrel: ctl: unexpected argument 'now'$" -- ctl "$tmp/vm.sock" status now
check ctl-unreachable 125 "^kestrel: ctl: cannot connect to $tmp/vm.sock: No such file or directory$" -- ctl "$tmp/vm.sock" status
check ctl-dump-unreachable 125 "cannot connect to $tmp/vm.sock" -- ctl "$tmp/vm.sock" dump "$tmp/core"
[ ! -e "$tmp/core" ] || { echo "FAIL ctl-dump-unreachable: $tmp/core was made"; failed=$((failed + 1)); }
check ctl-help 0 '' -- ctl --help
check kernel-missing 125 "cannot open kernel '$tmp/nope': No such file or directory" -- run -k "$tmp/nope"
check kernel-directory 125 "cannot read kernel '$tmp': Is a directory" -- run -k "$tmp"
: >"$tmp/empty"
check kernel-empty 125 "kernel '$tmp/empty' is empty" -- run -k "$tmp/empty"
check kernel-not-a-kernel 125 'not a Linux kernel' -- run -k /etc/passwd
head -c 100000 /dev/urandom >"$tmp/random"
check kernel-random-bytes 125 'not a Linux kernel' -- run -k "$tmp/random"
printf '\177ELF\002\001\001' >"$tmp/tiny.elf"
check kernel-truncated-elf 125 'truncated ELF kernel' -- run -k "$tmp/tiny.elf"
if [ -n "$kernel" ]; then
	head -c 4096 "$kernel" >"$tmp/trunc"
	check kernel-truncated-bzimage 125 'truncated bzImage' -- run -k "$tmp/trunc"
	check initrd-missing 125 "cannot open initrd '$tmp/nope.gz'" -- run -k "$kernel" -i "$tmp/nope.gz"
	check memory-too-small-for-kernel 125 'too small for this kernel.*more --memory' -- run -k "$kernel" -m 32M
	head -c 80000000 /dev/zero >"$tmp/big.img"
	check initrd-too-big 125 'initrd .* do not fit.*more --memory' -- run -k "$kernel" -i "$tmp/big.img" -m 96M
	long=$(head -c 3000 /dev/zero | tr '\0' x)
	check cmdline-too-long 125 'kernel command line is [0-9]+ bytes' -- run -k "$kernel" -a "$long"
	# Disks are checked before KVM is touched, too.
	check disk-missing 125 "cannot open disk '$tmp/none.img' for writing: No such file or directory" -- run -k "$kernel" -d "$tmp/none.img"
	head -c 1000 /dev/zero >"$tmp/odd.img"
	check disk-odd-size 125 "disk '$tmp/odd.img' is 1000 bytes, not a multiple of 512" -- run -k "$kernel" -d "$tmp/odd.img"
	check disk-directory 125 "disk '$tmp' is neither a file nor a block device" -- run -k "$kernel" -d "$tmp,ro"
	truncate -s 1M "$tmp/disk.img"
	check disk-unknown-option 125 "--disk '$tmp/disk.img,rw': unknown option 'rw'" -- run -k "$kernel" -d "$tmp/disk.img,rw"
	check disk-long-serial 125 'serial is longer than 20 characters' -- run -k "$kernel" -d "$tmp/disk.img,serial=123456789012345678901"
	check disk-no-name 125 "--disk ',ro': no file name" -- run -k "$kernel" -d ",ro"
	check console-bad 125 "--console 'vga': must be serial or virtio" -- run --console vga
	# A writable image another process holds is refused, not shared.
	status=0
	flock "$tmp/disk.img" "$KESTREL" run -k "$kernel" -d "$tmp/disk.img" \
		</dev/null >/dev/null 2>"$tmp/err" || status=$?
	if [ "$status" = 125 ] && grep -q "disk '$tmp/disk.img' is in use by another process" "$tmp/err"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		echo "FAIL disk-locked: status $status: $(cat "$tmp/err")"
	fi
	# A write-protected image without ',ro' (root loses its override).
	cp "$tmp/disk.img" "$tmp/wp.img"
	chmod 444 "$tmp/wp.img"
	nocaps=
	[ "$(id -u)" != 0 ] || nocaps="setpriv --bounding-set=-all --inh-caps=-all"
	status=0
	$nocaps "$KESTREL" run -k "$kernel" -d "$tmp/wp.img" \
		</dev/null >/dev/null 2>"$tmp/err" || status=$?
	if [ "$status" = 125 ] && [ "$(wc -l <"$tmp/err")" = 1 ] &&
		grep -q "cannot open disk '$tmp/wp.img' for writing: Permission denied (add ',ro'" "$tmp/err"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		echo "FAIL disk-write-protected: status $status: $(cat "$tmp/err")"
	fi
	# Snapshot disks: bad combinations, and what they need of the host.
	check disk-snapshot-ro 125 "--disk '$tmp/disk.img,ro,snapshot': ro and snapshot exclude each other" -- run -k "$kernel" -d "$tmp/disk.img,ro,snapshot"
	check disk-snapshot-missing 125 "cannot open disk '$tmp/none.img': No such file or directory" -- run -k "$kernel" -d "$tmp/none.img,snapshot"
	check disk-snapshot-odd-size 125 "disk '$tmp/odd.img' is 1000 bytes, not a multiple of 512" -- run -k "$kernel" -d "$tmp/odd.img,snapshot"
	cli_case disk-snapshot-tmpdir-missing \
		"disk '$tmp/disk.img': cannot make its snapshot overlay in '$tmp/no-dir' \\(set TMPDIR\\): No such file" \
		env TMPDIR="$tmp/no-dir" "$KESTREL" run -k "$kernel" -d "$tmp/disk.img,snapshot"
	# A writer's lock keeps snapshots out ...
	cli_case disk-snapshot-locked "disk '$tmp/disk.img' is in use by another process" \
		flock "$tmp/disk.img" "$KESTREL" run -k "$kernel" -d "$tmp/disk.img,snapshot"
	# ... a reader's does not; nor does a write-protected file (the VM
	# then fails only at the NIC, opened after the disks).
	cli_case disk-snapshot-shared "no network device 'nosuchtap0'" \
		flock -s "$tmp/disk.img" "$KESTREL" run -k "$kernel" -d "$tmp/disk.img,snapshot" --net tap=nosuchtap0
	cli_case disk-snapshot-write-protected "no network device 'nosuchtap0'" \
		$nocaps "$KESTREL" run -k "$kernel" -d "$tmp/wp.img,snapshot" --net tap=nosuchtap0
	# So are network back ends.
	check net-bad-kind 125 "--net 'bridge': must start with 'user' or 'tap=IFNAME'" -- run -k "$kernel" --net bridge
	check net-bad-hostfwd 125 "hostfwd 'tcp:80' is not tcp" -- run -k "$kernel" --net user,hostfwd=tcp:80
	check net-bad-port 125 "hostfwd 'tcp::70000-:22' is not" -- run -k "$kernel" --net user,hostfwd=tcp::70000-:22
	check net-multicast-mac 125 "mac '01:00:5e:00:00:01' is not a unicast address" -- run -k "$kernel" --net user,mac=01:00:5e:00:00:01
	check net-tap-unknown-option 125 "unknown option 'restrict=on' \\(known: mac=\\)" -- run -k "$kernel" --net tap=tap0,restrict=on
	check net-tap-missing 125 "no network device 'nosuchtap0' \\(create it with 'ip tuntap add" -- run -k "$kernel" --net tap=nosuchtap0
	check net-tap-not-a-tap 125 "'lo' is not a TAP device|no permission to use TAP device 'lo'|cannot open /dev/net/tun" -- run -k "$kernel" --net tap=lo
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(600)' >"$tmp/port" &
	holder=$!
	until [ -s "$tmp/port" ]; do sleep 0.05; done
	port=$(cat "$tmp/port")
	check net-hostfwd-port-busy 125 "--net user: cannot forward tcp 127.0.0.1:$port: " -- run -k "$kernel" --net "user,hostfwd=tcp::$port-:22"
	kill "$holder"
	# Shared directories are opened before the VM exists, too.
	check share-missing 125 "--share '$tmp/nodir': No such file or directory" -- run -k "$kernel" --share "$tmp/nodir"
	check share-not-a-directory 125 "--share '$tmp/odd.img': not a directory" -- run -k "$kernel" --share "$tmp/odd.img,ro"
	# An unreadable kernel: as root, read it as nobody.
	cp "$kernel" "$tmp/locked"
	chmod 000 "$tmp/locked"
	chmod 755 "$tmp"
	if [ "$(id -u)" = 0 ]; then
		status=0
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$KESTREL" run -k "$tmp/locked" </dev/null >/dev/null 2>"$tmp/err" || status=$?
		if [ "$status" = 125 ] && grep -q "cannot open kernel '$tmp/locked': Permission denied" "$tmp/err"; then
			pass=$((pass + 1))
		else
			failed=$((failed + 1))
			echo "FAIL kernel-unreadable: status $status: $(cat "$tmp/err")"
		fi
	else
		check kernel-unreadable 125 'Permission denied' -- run -k "$tmp/locked"
	fi
	# Hosts whose KVM cannot run the guest: one line naming the cause,
	# before any VM exists (fake host trees; see vmm/host_kvm.h).
	mkdir -p "$tmp/pvm/dev" "$tmp/pvm/sys/module/kvm_pvm/parameters" "$tmp/pvm/proc" "$tmp/nokvm/proc"
	: >"$tmp/pvm/dev/kvm"
	printf 'processor\t: 0\nflags\t\t: fpu hypervisor\n' >"$tmp/pvm/proc/cpuinfo"
	cp "$tmp/pvm/proc/cpuinfo" "$tmp/nokvm/proc/cpuinfo"
	cli_case pvm-host-refused \
		"^kestrel: this host's KVM is PVM \\(kvm_pvm\\), which runs only guest kernels built for PVM, not $kernel; run kestrel where KVM has VMX or SVM, or inside a nested host \\(tests/nested/run.sh\\)\$" \
		env KESTREL_TEST_HOST_ROOT="$tmp/pvm" "$KESTREL" run -k "$kernel"
	cli_case pvm-host-refused-rootfs "this host's KVM is PVM" \
		env KESTREL_TEST_HOST_ROOT="$tmp/pvm" "$KESTREL" run -k "$kernel" --rootfs / -- true
	# --no-sandbox is an option like any other: parsing goes on past it.
	cli_case no-sandbox-parsed "this host's KVM is PVM" \
		env KESTREL_TEST_HOST_ROOT="$tmp/pvm" "$KESTREL" run --no-sandbox -k "$kernel"
	# So are the debugging options.
	cli_case debug-options-parsed "this host's KVM is PVM" \
		env KESTREL_TEST_HOST_ROOT="$tmp/pvm" "$KESTREL" run -k "$kernel" --control "$tmp/ctl.sock" \
		--gdb localhost:1234 --gdb-wait --dump-on-panic "$tmp/vmcore"
	cli_case no-kvm "^kestrel: no $tmp/nokvm/dev/kvm on this host: enable virtualization" \
		env KESTREL_TEST_HOST_ROOT="$tmp/nokvm" "$KESTREL" run -k "$kernel"
else
	echo "FAIL: no /boot/vmlinuz-* to test kernel-dependent cases (install linux-image-amd64)"
	failed=$((failed + 1))
fi

if [ "$failed" != 0 ]; then
	echo "cli: $pass passed, $failed failed"
	exit 1
fi
echo "cli: all $pass passed"
