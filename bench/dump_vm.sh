#!/bin/sh
# The time `kestrel ctl SOCKET dump FILE` takes for a booted 1 GiB guest,
# against QEMU's `dump-guest-memory` (QMP) for the same guest in the same
# host, RUNS interleaved rounds each; the guest has written MIB MiB of its
# RAM before the dump. Runs where KVM runs standard guests: nested here.
# usage: bench/dump_vm.sh [RUNS [MIB]]   (default 3 runs, 256 MiB)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ "${KESTREL_BENCH_INNER:-0}" = 1 ] || {
	make -s -C "$top" kestrel
	exec "$top/tests/nested/run.sh" -w "$top" env KESTREL_BENCH_INNER=1 "$0" "$@"
}
runs=${1:-3} mib=${2:-256}
kernel=$(ls /boot/vmlinuz-*-amd64 | sort -V | tail -n 1)
initrd=$(ls "$top"/build/integration/initrd-*.gz | tail -n 1)
d=$(mktemp -d /tmp/dumpbench.XXXXXX)
cmd="dd if=/dev/urandom of=/fill bs=1M count=$mib status=none; echo FILLED; read x"
app="quiet ktest.cmd=$(printf '%s' "$cmd" | base64 -w 0)"

wait_line() {
	while ! grep -q "$1" "$2" 2>/dev/null; do sleep 0.2; done
}

now() { date +%s.%N; }

kestrel_round() {
	rm -f "$d/in" "$d/out"; mkfifo "$d/in"; exec 7<>"$d/in"
	"$top/kestrel" run -m 1G -k "$kernel" -i "$initrd" --control "$d/ctl" -a "$app" \
		<"$d/in" >"$d/out" 2>&1 &
	pid=$!
	wait_line '^FILLED' "$d/out"
	t0=$(now)
	"$top/kestrel" ctl "$d/ctl" dump "$d/k.core"
	t1=$(now)
	echo "kestrel $(echo "$t1 - $t0" | bc) s, $(du -m "$d/k.core" | cut -f1) MiB on disk"
	echo go >&7; wait "$pid" || true; exec 7>&-
	rm -f "$d/k.core"
}

qemu_round() {
	rm -f "$d/in" "$d/out"; mkfifo "$d/in"; exec 7<>"$d/in"
	qemu-system-x86_64 -enable-kvm -cpu host -m 1G -nographic -no-reboot \
		-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 panic=-1 $app" \
		-qmp "unix:$d/qmp,server=on,wait=off" <"$d/in" >"$d/out" 2>&1 &
	pid=$!
	wait_line '^FILLED' "$d/out"
	t0=$(now)
	python3 - "$d/qmp" "$d/q.core" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
def cmd(c, **a):
    f.write(json.dumps({"execute": c, "arguments": a}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
json.loads(f.readline())
cmd("qmp_capabilities")
r = cmd("dump-guest-memory", paging=False, protocol="file:" + sys.argv[2])
assert "return" in r, r
PY
	t1=$(now)
	echo "qemu    $(echo "$t1 - $t0" | bc) s, $(du -m "$d/q.core" | cut -f1) MiB on disk"
	echo go >&7; wait "$pid" || true; exec 7>&-
	rm -f "$d/q.core"
}

echo "1 GiB guest, $mib MiB written by it; dump to $(df -T /tmp | awk 'NR==2 {print $2}') /tmp"
i=0
while [ "$i" -lt "$runs" ]; do
	kestrel_round
	qemu_round
	i=$((i + 1))
done
rm -rf "$d"
