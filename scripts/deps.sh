#!/bin/sh
# Make sure the Debian packages a make target needs are installed.
# usage: scripts/deps.sh build|check|run
#        scripts/deps.sh arm64 [GUEST_DIR]
# As root, installs what is missing (apt-get, no prompts); otherwise names
# the missing packages and fails.
#
# arm64: what the arm64 lane (tests/arm64/run.sh) needs on an x86_64 host:
# the cross compiler and kestrel's libraries as Debian's arm64 packages
# (multiarch; arm64 is added to dpkg's architectures if it is missing),
# qemu-system-aarch64, and the arm64 guest pieces -- Debian's newest arm64
# kernel with its modules and busybox-static -- downloaded and unpacked
# (not installed: busybox-static:arm64 would replace the host's busybox)
# into GUEST_DIR (default build/arm64-guest): GUEST_DIR/root/boot/vmlinuz-KVER,
# GUEST_DIR/root/lib/modules/KVER, GUEST_DIR/root/bin/busybox. A stamp
# file says what is there; a complete GUEST_DIR is reused as it is.
set -eu

build="gcc make libc6-dev acpica-tools libaio-dev libslirp-dev libseccomp-dev libfdt-dev zlib1g-dev"
guest="linux-image-amd64 busybox-static cpio gzip e2fsprogs util-linux"
case ${1:-build} in
build) want=$build ;;
check) want="$build clang libcmocka-dev gdb man-db groff-base $guest" ;;
run) want="$build $guest" ;;
# libfdt-dev (amd64) for the headers: libfdt-dev:arm64 conflicts with it.
arm64) want="gcc-aarch64-linux-gnu libc6-dev-arm64-cross libc6:arm64 libaio-dev:arm64
	libslirp-dev:arm64 libseccomp-dev:arm64 libfdt1:arm64 libfdt-dev zlib1g-dev:arm64
	qemu-system-arm cpio gzip e2fsprogs kmod" ;;
*) echo "usage: $0 build|check|run|arm64 [GUEST_DIR]" >&2; exit 2 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)

# install PACKAGE...: those not installed yet.
install() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" = 0 ]; then
		echo "deps: installing$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q >/dev/null || true
		apt-get install -y -q --no-install-recommends $missing >/dev/null
	else
		echo "deps: missing Debian packages:$missing" >&2
		echo "deps: install them with: sudo apt-get install$missing" >&2
		exit 1
	fi
}

# arm64_arch: dpkg knows the arm64 architecture and apt has its lists.
arm64_arch() {
	dpkg --print-foreign-architectures | grep -qx arm64 &&
		apt-cache show libc6:arm64 >/dev/null 2>&1 && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "deps: dpkg has no arm64 architecture; as root: dpkg --add-architecture arm64 && apt-get update" >&2
		exit 1
	fi
	echo "deps: adding the arm64 architecture to dpkg (dpkg --add-architecture arm64; apt-get update)"
	dpkg --add-architecture arm64
	apt-get update -q >/dev/null
}

# arm64_guest DIR: Debian's newest arm64 kernel (the one linux-image-arm64
# depends on) and busybox-static:arm64, unpacked into DIR/root.
arm64_guest() {
	dir=$1
	pkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-arm64\).*/\1/p' | sort -V | tail -n 1)
	[ -n "$pkg" ] || { echo "deps: apt knows no linux-image-arm64:arm64 (is arm64 in apt's lists?)" >&2; exit 1; }
	kver=${pkg#linux-image-}
	want="$pkg busybox-static"
	if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$want" ] &&
		[ -s "$dir/root/boot/vmlinuz-$kver" ] && [ -f "$dir/root/lib/modules/$kver/modules.dep" ] &&
		[ -s "$dir/root/bin/busybox" ]; then
		echo "deps: arm64 guest pieces ($pkg, busybox-static:arm64) already in $dir"
		return 0
	fi
	echo "deps: downloading $pkg:arm64 and busybox-static:arm64 into $dir (unpacked, not installed)"
	dl=$(mktemp -d)
	# apt-get download as root says it works "unsandboxed" (its _apt user
	# cannot write in the temporary directory): harmless.
	(cd "$dl" && apt-get download -q "$pkg:arm64" busybox-static:arm64 >/dev/null 2>&1) || {
		(cd "$dl" && apt-get download "$pkg:arm64" busybox-static:arm64) >&2 || true
		rm -rf "$dl"
		echo "deps: cannot download $pkg:arm64 and busybox-static:arm64" >&2
		exit 1
	}
	rm -rf "$dir/root" "$dir/stamp"
	mkdir -p "$dir/root"
	for deb in "$dl"/*.deb; do
		dpkg-deb -x "$deb" "$dir/root"
	done
	rm -rf "$dl"
	# Debian's kernel packages ship no modules.dep (their postinst runs
	# depmod); mkinitramfs.sh and kestrel need it.
	depmod -b "$dir/root" "$kver"
	[ -s "$dir/root/boot/vmlinuz-$kver" ] && [ -f "$dir/root/lib/modules/$kver/modules.dep" ] &&
		[ -s "$dir/root/bin/busybox" ] || { echo "deps: $dir/root lacks what the packages should have given" >&2; exit 1; }
	echo "$want" >"$dir/stamp"
}

[ "${1:-build}" = arm64 ] && arm64_arch
install $want
[ "${1:-build}" = build ] && exit 0
if [ "$1" = arm64 ]; then
	arm64_guest "${2:-${ARM64_GUEST_DIR:-$top/build/arm64-guest}}"
	exit 0
fi
# The tests and `make run` use the nested harness, which needs QEMU, where
# this host's KVM cannot run a standard guest; kestrel is what decides.
make -s -C "$top" --no-print-directory kestrel
if why=$("$top/kestrel" check --quiet 2>&1); then
	echo "deps: ${why#kestrel: }: no QEMU needed"
else
	why=${why#kestrel: }
	echo "deps: ${why%%;*}: the nested harness needs QEMU"
	install qemu-system-x86
fi
