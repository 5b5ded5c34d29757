#!/bin/sh
# Which emulated CPU makes the nested host (tests/nested/run.sh's L1) fastest
# for kestrel's tests: for each QEMU -cpu model given, boot the nested host
# and, inside it, boot Debian's kernel under kestrel twice with the test
# initramfs and `quiet`; rounds interleave the models, so load on the
# machine falls on all of them alike. Prints each L2 boot's wall time and
# the QEMU process's CPU seconds (user + system) per nested host, which
# varies less than wall time on a busy machine.
#
# usage: bench/nested_cpu.sh [-r ROUNDS] MODEL...
#   e.g. bench/nested_cpu.sh -r 3 max max,-erms EPYC
# Needs the test initramfs: run tests/integration/run.sh (or make check) once.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=3
while getopts r: opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-r ROUNDS] MODEL..." >&2; exit 2; }
initrd=$(ls "$top"/build/integration/initrd-*.gz 2>/dev/null | tail -n 1)
[ -r "${initrd:-}" ] || { echo "nested_cpu: build the test initramfs first (tests/integration/run.sh)" >&2; exit 2; }
kernel=/boot/vmlinuz-$(basename "$initrd" .gz | sed 's/^initrd-//')
work=$(mktemp -d "$top/build/nested-cpu.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/in-l1.sh" <<EOF
#!/bin/sh
arg="quiet ktest.cmd=\$(printf true | base64 -w 0)"
for i in 1 2; do
	start=\$(date +%s.%N)
	"$top/kestrel" run -k "$kernel" -i "$initrd" -a "\$arg" --timeout 300 </dev/null >/dev/null 2>&1 || echo FAILED
	echo "L2 \$(echo "\$(date +%s.%N) - \$start" | bc)"
done
EOF
chmod +x "$work/in-l1.sh"

echo "| round | L1 CPU model | L2 boot 1 (s) | L2 boot 2 (s) | L1 QEMU CPU (s) |"
echo "| ---: | --- | ---: | ---: | ---: |"
r=0
while [ "$r" -lt "$rounds" ]; do
	r=$((r + 1))
	for model in "$@"; do
		/usr/bin/time -o "$work/time" -f "%U %S" env NESTED_CPU="$model" \
			"$top/tests/nested/run.sh" -f -w "$work" "$work/in-l1.sh" \
			>"$work/out" 2>/dev/null
		boots=$(sed -n 's/^L2 //p' "$work/out" | tr '\n' ' ')
		grep -q FAILED "$work/out" && boots="$boots(a boot failed)"
		cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$work/time")
		echo "| $r | \`$model\` | $(echo "$boots" | awk '{ printf "%.1f | %.1f", $1, $2 }') | $cpu |"
	done
done
