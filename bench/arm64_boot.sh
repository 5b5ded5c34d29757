#!/bin/bash
# Boot-time benchmark on arm64, kestrel vs QEMU -M virt with KVM, both run
# inside ONE emulated arm64 nested host (qemu-system-aarch64 TCG,
# virtualization=on, GICv3, 2 vCPUs), interleaved, on the same kernel
# (Debian's stock arm64 Image) and initramfs (busybox + the test guests'
# init). usage: bench/arm64_boot.sh [RUNS]   (default 5 boots per VMM)
#
# Fetches what it needs into GUEST_DIR (default build/arm64-guest; set
# ARM64_GUEST_DIR to move it), with apt-get download + dpkg-deb -x, nothing
# installed: root/ holds the arm64 kernel and busybox-static (the same
# layout scripts/deps.sh arm64 uses; reused when present), qemu/root the
# arm64 QEMU (qemu-system-arm:arm64, which cannot be installed beside the
# host's QEMU) with the arm64 libraries it needs that the host does not
# have. Needs the host's arm64 toolchain and kestrel's arm64 libraries
# (scripts/deps.sh arm64) and qemu-system-aarch64 for the nested host.
# KESTREL= an arm64 kestrel binary (default: make ARCH=arm64, then
# build/arm64/kestrel). Work files and logs go to
# build/arm64-bench; each boot's console, every line stamped with when it
# came, to build/arm64-bench/console/VMM-ROUND.log. After the timed boots
# each VMM boots once more without quiet, not counted (console/VMM-diag.log:
# where the time went); ARM64_BENCH_DIAG=0 skips that, and
# ARM64_BENCH_DIAG_ARGS= adds to its kernel command line (e.g.
# "initcall_debug ignore_loglevel"). RUNS 0: only that boot.
# Prints the raw boots and a Markdown table of medians.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
guest=${ARM64_GUEST_DIR:-$top/build/arm64-guest}
work=$top/build/arm64-bench
kestrel=${KESTREL:-$top/build/arm64/kestrel}
l1_timeout=${L1_TIMEOUT:-7200}
multi=/usr/lib/aarch64-linux-gnu
say() { echo "arm64_boot: $*" >&2; }
die() { say "$*"; exit 1; }

for t in aarch64-linux-gnu-gcc aarch64-linux-gnu-readelf qemu-system-aarch64 \
	apt-get dpkg-deb cpio gzip python3; do
	command -v "$t" >/dev/null || die "needs $t (scripts/deps.sh arm64)"
done
[ -e /lib/ld-linux-aarch64.so.1 ] || die "needs libc6:arm64 (scripts/deps.sh arm64)"

# download DIR PKG...: apt-get download the arm64 packages PKG into DIR.
download() {
	local dir=$1
	shift
	(cd "$dir" && apt-get download -q "${@/%/:arm64}" >/dev/null 2>&1) ||
		(cd "$dir" && apt-get download "${@/%/:arm64}") >&2 ||
		die "cannot download $*"
}

# --- the guest: Debian's newest arm64 kernel and busybox-static:arm64 ---
if ! ls "$guest"/root/boot/vmlinuz-*-arm64 >/dev/null 2>&1 ||
	[ ! -x "$guest/root/bin/busybox" ]; then
	pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-arm64\).*/\1/p' | sort -V | tail -n 1)
	[ -n "$pkg" ] || die "apt knows no linux-image-arm64:arm64 (dpkg --add-architecture arm64; apt-get update)"
	say "downloading $pkg:arm64 and busybox-static:arm64 into $guest"
	rm -rf "$guest/dl"
	mkdir -p "$guest/dl" "$guest/root"
	download "$guest/dl" "$pkg" busybox-static
	for d in "$guest"/dl/*.deb; do dpkg-deb -x "$d" "$guest/root"; done
	echo "$pkg busybox-static" >"$guest/stamp"
	rm -rf "$guest/dl"
fi
image=$(ls "$guest"/root/boot/vmlinuz-*-arm64 | sort -V | tail -n 1)
busybox=$guest/root/bin/busybox

# --- QEMU for arm64, and the arm64 libraries the host lacks for it ---
# needed FILE: the sonames FILE asks for.
needed() {
	aarch64-linux-gnu-readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}
# findlib SONAME: where the host's arm64 libraries or QEMU's sysroot have it.
findlib() {
	local d
	for d in /lib/aarch64-linux-gnu "$multi" "$qroot/lib/aarch64-linux-gnu" \
		"$qroot/usr/lib/aarch64-linux-gnu"; do
		[ -e "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
# closure FILE...: every library FILE needs, directly or not (one path a
# line), and "MISSING soname" for what findlib cannot find.
closure() {
	local todo=("$@") seen=" " f l p
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for l in $(needed "$f"); do
			case "$seen" in *" $l "*) continue ;; esac
			seen="$seen$l "
			[ "$l" = ld-linux-aarch64.so.1 ] && continue
			if p=$(findlib "$l"); then
				echo "$p"
				todo+=("$p")
			else
				echo "MISSING $l"
			fi
		done
	done
}
qdir=$guest/qemu
qroot=$qdir/root
qemu=$qroot/usr/bin/qemu-system-aarch64
if [ ! -f "$qdir/stamp" ]; then
	say "downloading qemu-system-arm:arm64 and the arm64 libraries it needs into $qdir"
	rm -rf "$qdir"
	mkdir -p "$qdir/dl" "$qroot"
	download "$qdir/dl" qemu-system-arm
	got=" qemu-system-arm "
	dpkg-deb -x "$qdir"/dl/qemu-system-arm_*.deb "$qroot"
	# Unpack the library packages the unpacked ones depend on, level by
	# level, until every library QEMU needs is found (on the host or here).
	while missing=$(closure "$qemu" | sed -n 's/^MISSING //p') && [ -n "$missing" ]; do
		want=()
		for d in "$qdir"/dl/*.deb; do
			for p in $(dpkg-deb -f "$d" Depends | tr ',' '\n' |
				sed 's/|.*//; s/(.*)//; s/:any//; s/ //g'); do
				case "$p" in lib* | zlib*) ;; *) continue ;; esac
				case "$got" in *" $p "*) continue ;; esac
				got="$got$p "
				# Installed for arm64 here: its libraries are in $multi.
				[ "$(dpkg-query -W -f '${Status}' "$p:arm64" 2>/dev/null)" = \
					"install ok installed" ] && continue
				want+=("$p")
			done
		done
		# shellcheck disable=SC2086 # one word per library
		[ ${#want[@]} -gt 0 ] || die "no package found for:" $missing
		say "  + ${want[*]}"
		mkdir -p "$qdir/new"
		download "$qdir/new" "${want[@]}"
		for d in "$qdir"/new/*.deb; do dpkg-deb -x "$d" "$qroot"; done
		mv "$qdir"/new/*.deb "$qdir/dl/"
	done
	dpkg-deb -f "$qdir"/dl/qemu-system-arm_*.deb Version >"$qdir/stamp"
fi

# --- kestrel, the timer, the guest's initramfs ---
if [ -z "${KESTREL:-}" ]; then
	make -C "$top" ARCH=arm64 >&2 || die "make ARCH=arm64 failed (scripts/deps.sh arm64?)"
fi
[ -x "$kestrel" ] || die "no kestrel at $kestrel"
mkdir -p "$work"
aarch64-linux-gnu-gcc -static -O2 -Wall -o "$work/boottimer" "$top/bench/boottimer.c"

# cpio_gz DIR OUT: DIR as a gzip'd newc archive, owned by root.
cpio_gz() {
	(cd "$1" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$2"
}
l2=$work/l2root
rm -rf "$l2"
mkdir -p "$l2"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$l2/bin/busybox"
for a in sh mount cat echo sed base64 uname poweroff insmod sleep; do
	ln -s busybox "$l2/bin/$a"
done
install -m 755 "$top/tests/integration/guest-init.sh" "$l2/init"
cpio_gz "$l2" "$work/l2.cpio.gz"

# --- the nested host's initramfs ---
l1=$work/l1root
rm -rf "$l1"
mkdir -p "$l1"/{bin,lib,guest} "$l1$multi"
cp "$busybox" "$l1/bin/busybox"
cp "$kestrel" "$l1/bin/kestrel"
cp "$qemu" "$l1/bin/qemu-system-aarch64"
cp "$work/boottimer" "$l1/bin/boottimer"
cp -L /lib/ld-linux-aarch64.so.1 "$l1/lib/"
libs=$(closure "$kestrel" "$qemu")
if grep -q '^MISSING' <<<"$libs"; then
	# shellcheck disable=SC2046 # one word per library
	die "libraries not found:" $(sed -n 's/^MISSING //p' <<<"$libs")
fi
for p in $libs; do cp -L "$p" "$l1$multi/"; done
install -m 755 "$top/bench/arm64-l1init.sh" "$l1/init"
cp "$image" "$l1/guest/Image"
cp "$work/l2.cpio.gz" "$l1/guest/initrd.gz"
cpio_gz "$l1" "$work/l1.cpio.gz"
say "nested host: $(du -sh "$l1" | cut -f1) unpacked, $(du -h "$work/l1.cpio.gz" | cut -f1) gzip'd"
say "guest kernel $(basename "$image"); QEMU (arm64) $(cat "$qdir/stamp"); $runs boots each; log $work/l1.log"

# --- run it ---
diagargs=""
[ -z "${ARM64_BENCH_DIAG_ARGS:-}" ] ||
	diagargs=" bench.diagargs=$(printf %s "$ARM64_BENCH_DIAG_ARGS" | base64 -w0)"
timeout "$l1_timeout" qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
	-cpu cortex-a72 -accel tcg,thread=multi -smp 2 -m 2048 -nographic \
	-no-reboot -kernel "$image" -initrd "$work/l1.cpio.gz" \
	-append "console=ttyAMA0 quiet panic=-1 bench.runs=$runs bench.diag=${ARM64_BENCH_DIAG:-1}$diagargs" </dev/null |
	tee "$work/l1.log" | grep --line-buffered '^BENCH-[A-Z]' | grep -v --line-buffered '^BENCH-CONSOLE' >&2 || true
# Each boot's console, with the time each line came, for a look at where
# the time went.
rm -rf "$work/console"
mkdir -p "$work/console"
tr -d '\r' <"$work/l1.log" | awk -v d="$work/console" \
	'$1 == "BENCH-CONSOLE" { f = d "/" $2 "-" $3 ".log"; sub(/^BENCH-CONSOLE [^ ]+ [^ ]+ /, ""); print > f }'
grep -q '^BENCH-DONE' "$work/l1.log" || die "the nested host did not finish; see $work/l1.log"

python3 - "$work/l1.log" "$work/console" <<'EOF'
import os, re, statistics, sys
res = {"kestrel": [], "qemu": []}
qver = ""
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if line.startswith("BENCH-QEMU "):
        qver = line.split(" ", 1)[1]
    m = re.match(r"BENCH-RESULT (\w+) (\d+) BOOTTIMER marker=(\S+) total=(\S+) "
                 r"status=(\d+) rss_kib=(\d+)", line)
    if m:
        vmm, i = m.group(1), int(m.group(2))
        mk, tot, st, rss = float(m.group(3)), float(m.group(4)), int(m.group(5)), int(m.group(6))
        res[vmm].append((i, mk, tot, st, rss / 1024))
print(f"\nQEMU in the nested host: {qver}\n")
print("| round | kestrel to init (s) | kestrel total (s) | QEMU to init (s) | QEMU total (s) | kestrel / QEMU to init |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for (i, km, kt, ks, _), (_, qm, qt, qs, _) in zip(res["kestrel"], res["qemu"]):
    bad = "" if ks == 0 and qs == 0 else f" (status kestrel {ks}, QEMU {qs})"
    print(f"| {i} | {km:.2f} | {kt:.2f} | {qm:.2f} | {qt:.2f} | {km / qm:.2f}x{bad} |")
if not res["kestrel"] and not res["qemu"]:
    sys.exit(0)  # RUNS 0: the diagnostic boots only
ok = {v: [r for r in rs if r[3] == 0 and r[1] >= 0] for v, rs in res.items()}
if not ok["kestrel"] or not ok["qemu"]:
    sys.exit("no successful boots to compare")
med = {v: [statistics.median(r[j] for r in rs) for j in (1, 2, 4)] for v, rs in ok.items()}
print(f"\nmedians of {len(ok['kestrel'])} kestrel and {len(ok['qemu'])} QEMU boots:\n")
print("| VMM | boot to init (s) | total wall (s) | peak RSS (MiB) |")
print("| --- | ---: | ---: | ---: |")
k, q = med["kestrel"], med["qemu"]
print(f"| kestrel | {k[0]:.2f} | {k[1]:.2f} | {k[2]:.1f} |")
print(f"| QEMU virt, KVM | {q[0]:.2f} | {q[1]:.2f} | {q[2]:.1f} |")
print(f"| **kestrel / QEMU** | **{k[0] / q[0]:.2f}x** | **{k[1] / q[1]:.2f}x** | **{k[2] / q[2]:.2f}x** |")
print(f"| QEMU / kestrel | {q[0] / k[0]:.2f}x | {q[1] / k[1]:.2f}x | {q[2] / k[2]:.2f}x |")
# Where the time went, from each console's "reboot: Power down" line: its
# arrival (wall, since the VMM started) and the guest's own clock on it
# (printk time, which starts when the guest kernel sets up its timer).
# Wall minus guest clock is the VMM's start-up plus the kernel's first
# moments; total minus arrival is the VMM's way out after the guest's
# last word.
split = {}
for vmm, rs in ok.items():
    for (i, mk, tot, st, rss) in rs:
        try:
            text = open(os.path.join(sys.argv[2], f"{vmm}-{i}.log")).read()
        except OSError:
            continue
        m = re.search(r"^ *([0-9.]+) \[ *([0-9.]+)\] reboot: Power down", text, re.M)
        if m:
            w, g = float(m.group(1)), float(m.group(2))
            split.setdefault(vmm, []).append((w - g, g, tot - w))
if len(split) == 2:
    print("\nwhere the time went (medians; s):\n")
    print("| VMM | start to guest clock 0 | guest clock at power-off | power-off to exit |")
    print("| --- | ---: | ---: | ---: |")
    for vmm, name in (("kestrel", "kestrel"), ("qemu", "QEMU virt, KVM")):
        a, b, c = (statistics.median(x[j] for x in split[vmm]) for j in range(3))
        print(f"| {name} | {a:.2f} | {b:.2f} | {c:.2f} |")
EOF
