#!/bin/sh
# Runs inside the nested host (see bench/fs.sh): times the walks of DIR
# on this host and in a kestrel guest sharing / read-only, RUNS times
# each, with the page and dentry caches dropped before each cold walk,
# and prints medians and guest/host ratios.
# usage: fs_walk.sh KESTREL KERNEL INITRD RUNS DIR
set -eu
kestrel=$1 kernel=$2 initrd=$3 runs=$4 dir=$5
bb=/bin/busybox
out=$(mktemp -d)
drop() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }
now() { date +%s.%N; }
host_walk() {
	t0=$(now)
	"$@" >/dev/null 2>&1
	t1=$(now)
	echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }'
}
for r in $(seq 1 "$runs"); do
	drop
	{
		echo "find-cold $(host_walk $bb find "$dir")"
		echo "find-warm $(host_walk $bb find "$dir")"
		echo "ls-lR $(host_walk $bb ls -lR "$dir")"
		echo "du $(host_walk $bb du -s "$dir")"
	} >>"$out/host"
	drop
	"$kestrel" run -k "$kernel" -i "$initrd" -m 1G --timeout 1200 \
		--share /,tag=kestrel-root,ro -a "quiet fsbench.dir=$dir" \
		</dev/null >"$out/guest-$r.log" 2>&1 || true
	grep '^FSBENCH' "$out/guest-$r.log" | tr -d '\r' | sed 's/^FSBENCH //' >>"$out/guest"
done
echo "entries in $dir: $($bb find "$dir" | wc -l) (host), $(grep '^entries' "$out/guest" | head -n 1 | cut -d' ' -f2) (guest)"
median() { grep "^$2 " "$1" | cut -d' ' -f2 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf '%-10s %10s %10s %8s\n' walk "host (s)" "guest (s)" guest/host
for w in find-cold find-warm ls-lR du; do
	h=$(median "$out/host" "$w")
	g=$(median "$out/guest" "$w")
	printf '%-10s %10s %10s %8s\n' "$w" "$h" "$g" \
		"$(echo "$h $g" | awk '{ if ($1 > 0) printf "%.2fx", $2 / $1; else print "-" }')"
done
grep -h 'kestrel:' "$out"/guest-*.log | head -n 5 || true
rm -rf "$out"
