#!/bin/sh
# Extract the ELF vmlinux from a bzImage: the setup header gives the offset
# and length of the compressed payload (boot protocol 2.08+), whose magic
# bytes say how it was compressed. The payload is the stripped vmlinux
# (followed by relocation data the ELF loader ignores).
# usage: extract-vmlinux.sh BZIMAGE OUT
set -eu
[ $# = 2 ] || { echo "usage: $0 BZIMAGE OUT" >&2; exit 2; }
img=$1 out=$2

u32() { od -An -t u4 -j "$1" -N 4 "$img" | tr -d ' '; }
u8() { od -An -t u1 -j "$1" -N 1 "$img" | tr -d ' '; }

setup_sects=$(u8 497)
[ "$setup_sects" = 0 ] && setup_sects=4
payload_offset=$(u32 584) # 0x248
payload_length=$(u32 588) # 0x24c
start=$(( (setup_sects + 1) * 512 + payload_offset ))

magic=$(dd if="$img" bs=1 skip="$start" count=6 2>/dev/null | od -An -t x1 | tr -d ' \n')
case $magic in
fd377a585a00*) dec="xz -dc" ;;
28b52ffd*) dec="zstd -dc" ;;
1f8b*) dec="gzip -dc" ;;
5d0000*) dec="xz --format=lzma -dc" ;;
425a68*) dec="bzip2 -dc" ;;
02214c18*) dec="lz4 -dc" ;;
*) echo "extract-vmlinux: unknown payload compression (magic $magic)" >&2; exit 1 ;;
esac
tail -c +"$((start + 1))" "$img" | head -c "$payload_length" | $dec >"$out.tmp" 2>/dev/null || true
[ "$(head -c 4 "$out.tmp" | od -An -t x1 | tr -d ' \n')" = 7f454c46 ] ||
	{ rm -f "$out.tmp"; echo "extract-vmlinux: payload did not decompress to an ELF file" >&2; exit 1; }
mv "$out.tmp" "$out"
