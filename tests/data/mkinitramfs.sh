#!/bin/sh
# Build a gzip'd newc initramfs from busybox-static, a set of kernel modules
# (dependencies resolved from modules.dep, loaded in dependency order by the
# generated /etc/modules-load list) and an init script.
#
# usage: mkinitramfs.sh -o OUT -i INIT [-k KVER] [-m MODULE]... [-f SRC:DEST]...
#                       [-b BINARY]...   (a dynamic binary and its libraries)
#                       [-B BUSYBOX] [-M ROOT]
#   -B  the static busybox to use (default: this host's); it may be another
#       architecture's (the arm64 lane's), whose applets are read from the
#       binary rather than by running it
#   -M  take the modules from ROOT/lib/modules/KVER (an unpacked foreign
#       kernel package) rather than from /lib/modules/KVER
set -eu

out= init= kver= mods= files= bins= busybox= modroot=
while getopts o:i:k:m:f:b:B:M: opt; do
	case $opt in
	B) busybox=$OPTARG ;;
	M) modroot=$OPTARG ;;
	o) out=$OPTARG ;;
	i) init=$OPTARG ;;
	k) kver=$OPTARG ;;
	m) mods="$mods $OPTARG" ;;
	f) files="$files $OPTARG" ;;
	b) bins="$bins $OPTARG" ;;
	*) exit 2 ;;
	esac
done
[ -n "$out" ] && [ -n "$init" ] || { echo "usage: $0 -o OUT -i INIT [-k KVER] [-m MOD]... [-f SRC:DEST]..." >&2; exit 2; }

if [ -z "$busybox" ]; then
	busybox=$(command -v busybox || true)
	[ -x /bin/busybox ] && busybox=/bin/busybox
fi
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	{ echo "mkinitramfs: a static busybox is needed (Debian package busybox-static)" >&2; exit 1; }

# busybox_applets BUSYBOX: its applets, one a line. A busybox this host
# cannot run (another architecture's) lists them in its table of names:
# NUL-separated and sorted, so it starts "[", "[[" and ends at an empty one.
busybox_applets() {
	if "$1" --list 2>/dev/null; then
		return 0
	fi
	tr '\0' '\n' <"$1" | awk '
		p && $0 == "" { exit }
		p { print }
		!p && prev == "[" && $0 == "[[" { p = 1; print prev; print }
		{ prev = $0 }'
}
applets=$(busybox_applets "$busybox")
echo "$applets" | grep -qx sh && echo "$applets" | grep -qx mount ||
	{ echo "mkinitramfs: cannot tell the applets of $busybox" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/mnt" "$root/etc" "$root/lib/modules"
cp "$busybox" "$root/bin/busybox"
for app in $applets; do
	[ "$app" = busybox ] || ln -s busybox "$root/bin/$app"
done
ln -s bin "$root/sbin"
cp "$init" "$root/init"
chmod 755 "$root/init"

# Resolve each requested module and its dependencies (depth first, so a
# module always follows what it needs) into one ordered, duplicate-free list.
if [ -n "$mods" ]; then
	[ -n "$kver" ] || { echo "mkinitramfs: -m needs -k KVER" >&2; exit 2; }
	mdir=$modroot/lib/modules/$kver
	[ -f "$mdir/modules.dep" ] || { echo "mkinitramfs: no $mdir/modules.dep" >&2; exit 1; }
	order=$(awk -v want="$mods" '
		function base(p) { sub(/.*\//, "", p); sub(/\.ko.*$/, "", p); gsub(/-/, "_", p); return p }
		function visit(m,   n, i, d) {
			if (m in seen) return
			seen[m] = 1
			if (!(m in path)) { missing = missing " " m; return }
			n = split(deps[m], d, " ")
			for (i = n; i >= 1; i--) visit(base(d[i]))
			print path[m]
		}
		{ f = $1; sub(/:$/, "", f); m = base(f); path[m] = f; $1 = ""; deps[m] = $0 }
		END {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) { x = w[i]; gsub(/-/, "_", x); visit(x) }
			if (missing != "") { print "missing:" missing > "/dev/stderr"; exit 1 }
		}' "$mdir/modules.dep")
	: >"$root/etc/modules"
	for rel in $order; do
		name=$(basename "$rel")
		case $name in
		*.ko.xz) xz -dc "$mdir/$rel" >"$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
		*.ko.zst) zstd -qdc "$mdir/$rel" >"$root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$mdir/$rel" "$root/lib/modules/$name" ;;
		esac
		echo "/lib/modules/$name" >>"$root/etc/modules"
	done
fi

for pair in $files; do
	src=${pair%%:*}
	dest=$root/${pair#*:}
	mkdir -p "$(dirname "$dest")"
	cp "$src" "$dest"
done

# Binaries go to /usr/bin (ahead of busybox's applets in PATH), with every
# library ldd names at its own path, the loader included.
for b in $bins; do
	path=$(command -v "$b") || { echo "mkinitramfs: no $b on this host" >&2; exit 1; }
	mkdir -p "$root/usr/bin"
	cp "$path" "$root/usr/bin/"
	for lib in $(ldd "$path" 2>/dev/null | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
