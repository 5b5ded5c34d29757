#!/bin/bash
# What is made from kestrel's option table besides --help: the README's
# option table (in sync), the man page (renders without a warning), the
# bash completion (completes what --help lists), and `make install` and
# `make uninstall` of all three. Needs no KVM.
# usage: docs.sh ./kestrel build/cli-doc
set -u
export LC_ALL=C # sorted as the completion tests expect
KESTREL=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
CLI_DOC=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0

ok() { pass=$((pass + 1)); }
bad() {
	failed=$((failed + 1))
	echo "FAIL $*"
}

# README.md: the block between its markers is what cli-doc makes now.
if "$top/scripts/readme-options.sh" --check "$CLI_DOC" "$top/README.md" 2>"$tmp/err"; then
	ok
else
	bad "readme-in-sync: $(cat "$tmp/err")"
fi
# ... and the check notices a change.
sed 's/^| `--timeout SECS` | .*/| `--timeout SECS` | stale |/' "$top/README.md" >"$tmp/README.md"
if ! "$top/scripts/readme-options.sh" --check "$CLI_DOC" "$tmp/README.md" 2>/dev/null; then
	ok
else
	bad "readme-stale: a changed row went unnoticed"
fi

# make install into a scratch root, then make uninstall.
root=$tmp/root
build=$(dirname "$CLI_DOC")
if make -s -C "$top" BUILD="$build" DESTDIR="$root" PREFIX=/usr install >"$tmp/out" 2>&1; then
	ok
else
	bad "install: $(cat "$tmp/out")"
fi
bin=$root/usr/bin/kestrel
page=$root/usr/share/man/man1/kestrel.1
completion=$root/usr/share/bash-completion/completions/kestrel
if [ -x "$bin" ] && "$bin" --version | grep -q '^kestrel [0-9]' && [ -f "$page" ] && [ -f "$completion" ] &&
	[ "$(stat -c %a "$page" "$completion")" = "644
644" ]; then
	ok
else
	bad "install-files: $(cd "$root" && find . -type f -printf '%m %p\n')"
fi

# The man page: no warnings from man or groff, and every option there.
LC_ALL=C.UTF-8 MANWIDTH=200 man -l --warnings "$page" 2>"$tmp/err" | col -b >"$tmp/man.txt"
if [ ! -s "$tmp/err" ] && [ -s "$tmp/man.txt" ] && groff -ww -z -man "$page" 2>>"$tmp/err" && [ ! -s "$tmp/err" ]; then
	ok
else
	bad "man-warnings: $(cat "$tmp/err")"
fi
"$KESTREL" --help >"$tmp/help"
grep -oE -- '--[a-z][a-z-]*' "$tmp/help" | sort -u >"$tmp/help-words"
sed -nE 's/^  (-[A-Za-z], |    )(--[a-z][a-z-]*).*/\2/p' "$tmp/help" | sort -u >"$tmp/help-options"
missing=$(while read -r o; do grep -qF -- "$o" "$tmp/man.txt" || echo "$o"; done <"$tmp/help-words")
if [ -z "$missing" ] && grep -q '^EXIT STATUS' "$tmp/man.txt" && grep -q '^NAME' "$tmp/man.txt"; then
	ok
else
	bad "man-contents: missing $missing"
fi

# The completion: COMPREPLY for a command line whose last word is being
# completed, one word a line, sorted.
complete_line() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_kestrel; for w in "${COMPREPLY[@]}"; do echo "$w"; done' _ "$completion" "$@" | sort
}
# expect NAME WANTED-WORDS -- COMMAND-LINE-WORDS...
expect() {
	name=$1 want=$2
	shift 3
	got=$(complete_line "$@" | tr '\n' ' ')
	if [ "$got" = "$want" ]; then
		ok
	else
		bad "completion-$name: got '$got', want '$want'"
	fi
}
mkdir -p "$tmp/files/dir" "$tmp/files/dir2"
: >"$tmp/files/bzImage"
: >"$tmp/files/disk.img"
f=$tmp/files
expect commands "--help --version check ctl run " -- kestrel ""
expect command-prefix "check ctl " -- kestrel c
expect kernel-file "$f/bzImage $f/dir $f/dir2 $f/disk.img " -- kestrel run -k "$f/"
expect disk-file "$f/dir $f/dir2 $f/disk.img " -- kestrel run --disk "$f/di"
expect dump-file "$f/bzImage " -- kestrel run -c 2 --dump-on-panic "$f/b"
expect share-directory "$f/dir $f/dir2 " -- kestrel run --share "$f/"
expect rootfs-directory "$f/dir $f/dir2 " -- kestrel run --rootfs "$f/d"
expect console "serial virtio " -- kestrel run --console ""
expect transport "mmio " -- kestrel run --transport m
expect option-equals "serial " -- kestrel run --console = s
expect option-prefix "--gdb --gdb-wait " -- kestrel run --gd
expect no-guess-for-a-size "" -- kestrel run -m ""
expect after-dashdash "$f/bzImage " -- kestrel run --rootfs / -- ls "$f/b"
expect dashdash-as-argument "--no-sandbox " -- kestrel run -a -- --no-s
expect check "--quiet " -- kestrel check --q
expect ctl-socket "$f/disk.img " -- kestrel ctl "$f/dis"
expect ctl-command "status stop sysrq " -- kestrel ctl /run/k.sock s
expect ctl-dump-file "$f/bzImage " -- kestrel ctl /run/k.sock dump "$f/bz"
expect ctl-no-more "" -- kestrel ctl /run/k.sock sysrq ""
# Every option --help lists, and only those, once a '-' is typed.
complete_line kestrel run - | grep -- '^--' >"$tmp/completed"
if cmp -s "$tmp/completed" "$tmp/help-options"; then
	ok
else
	bad "completion-every-option: $(diff "$tmp/help-options" "$tmp/completed" | tr '\n' ' ')"
fi

if make -s -C "$top" BUILD="$build" DESTDIR="$root" PREFIX=/usr uninstall >"$tmp/out" 2>&1 &&
	[ -z "$(find "$root" -type f)" ]; then
	ok
else
	bad "uninstall: $(cat "$tmp/out"; find "$root" -type f)"
fi

if [ "$failed" != 0 ]; then
	echo "docs: $pass passed, $failed failed"
	exit 1
fi
echo "docs: all $pass passed"
