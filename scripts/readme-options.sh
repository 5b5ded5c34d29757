#!/bin/sh
# README.md's usage block and option table are made from kestrel's option
# table (vmm/cli_options.c) by cli-doc: this puts them between the
# README's markers, or with --check fails if what is there differs.
# usage: scripts/readme-options.sh [--check] CLI_DOC README
set -eu
check=
if [ "$1" = --check ]; then
	check=1
	shift
fi
doc=$1 readme=$2
begin='<!-- options: made from vmm/cli_options.c by `make readme`; edit them there -->'
end='<!-- end of options -->'

for marker in "$begin" "$end"; do
	if [ "$(grep -cxF -- "$marker" "$readme")" != 1 ]; then
		echo "$readme: needs the line '$marker' once" >&2
		exit 1
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$doc" markdown >"$tmp/table"
awk -v begin="$begin" -v end="$end" -v table="$tmp/table" '
	$0 == begin { print; while ((getline line < table) > 0) print line; skip = 1; next }
	$0 == end { skip = 0 }
	!skip { print }
' "$readme" >"$tmp/readme"
if [ -n "$check" ]; then
	if ! cmp -s "$readme" "$tmp/readme"; then
		echo "$readme: its option table is not the one in vmm/cli_options.c; run 'make readme':" >&2
		diff -u "$readme" "$tmp/readme" >&2 || true
		exit 1
	fi
else
	cat "$tmp/readme" >"$readme"
fi
