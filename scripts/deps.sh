#!/bin/sh
# Make sure the Debian packages a make target needs are installed.
# usage: scripts/deps.sh build|check|run
# As root, installs what is missing (apt-get, no prompts); otherwise names
# the missing packages and fails.
set -eu

build="gcc make libc6-dev acpica-tools libaio-dev libslirp-dev libseccomp-dev"
guest="linux-image-amd64 busybox-static cpio gzip e2fsprogs util-linux"
case ${1:-build} in
build) want=$build ;;
check) want="$build clang libcmocka-dev gdb man-db groff-base $guest" ;;
run) want="$build $guest" ;;
*) echo "usage: $0 build|check|run" >&2; exit 2 ;;
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

install $want
[ "${1:-build}" = build ] && exit 0
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
