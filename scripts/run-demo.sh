#!/bin/sh
# What `make run` boots: the host's default kernel (kestrel picks it) with a
# tiny initramfs that prints the guest's uname -a, CPU count and memory.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
initrd=$top/build/demo-initrd.gz
"$top/tests/data/mkinitramfs.sh" -o "$initrd" -i "$top/scripts/demo-init.sh"
exec "$top/kestrel" run -i "$initrd" --cpus 2 --memory 512M -a quiet
